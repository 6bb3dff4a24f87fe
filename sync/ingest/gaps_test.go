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
		want   int
	}{
		{"nothing stored", 10, nil, 0},
		{"continues the head", 10, rows(11, 12, 13), 0},
		{"out of order, no hole", 0, rows(3, 1, 2), 0},
		{"a hole after the head", 10, rows(13, 14), 1},
		{"holes inside the batch", 0, rows(1, 2, 5, 6, 9), 2},
		{"old rows filling an earlier gap", 10, rows(4, 5, 11), 0},
		{"a duplicate sequence number", 0, rows(1, 1, 2), 0},
	} {
		if got := newGaps(tc.head, tc.stored); got != tc.want {
			t.Errorf("%s: %d gaps, want %d", tc.name, got, tc.want)
		}
	}
}
