package ingest

import (
	"testing"

	"github.com/skmkiosk/skm/survey"
)

func TestNewGaps(t *testing.T) {
	rows := func(seqs ...int64) []survey.StoredResponse {
		out := make([]survey.StoredResponse, len(seqs))
		for i, s := range seqs {
			out[i].Seq = s
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		head   int64
		stored []survey.StoredResponse
		skip   []survey.SeqRange
		want   int
	}{
		{"nothing stored", 10, nil, nil, 0},
		{"continues the head", 10, rows(11, 12, 13), nil, 0},
		{"out of order, no hole", 0, rows(3, 1, 2), nil, 0},
		{"a hole after the head", 10, rows(13, 14), nil, 1},
		{"holes inside the batch", 0, rows(1, 2, 5, 6, 9), nil, 2},
		{"old rows filling an earlier gap", 10, rows(4, 5, 11), nil, 0},
		{"a duplicate sequence number", 0, rows(1, 1, 2), nil, 0},
		{"numbers a segment skipped", 10, rows(1_000_011), []survey.SeqRange{{From: 11, To: 1_000_010}}, 0},
		{"a hole below a segment's skip", 10, rows(1_000_011), []survey.SeqRange{{From: 15, To: 1_000_010}}, 1},
	} {
		if got := newGaps(tc.head, tc.stored, tc.skip); got != tc.want {
			t.Errorf("%s: %d gaps, want %d", tc.name, got, tc.want)
		}
	}
}
