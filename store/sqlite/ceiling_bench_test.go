package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// BenchmarkCeilingGroupSize is SQLite's raw insert into the kiosk's
// responses table (the ceiling cmd/loadgen compares the kiosk with) by rows
// per commit and by the idempotency keys' pattern, with the bytes each row
// costs on disk: WAL frames and checkpoints (Linux's write_bytes). It shows
// what a group's size is worth: the kiosk under HTTP load commits about 28
// ratings at a time (17 before the writer's yield), the ceiling 100.
//
//	go test -run '^$' -bench CeilingGroupSize -count 6 ./store/sqlite
func BenchmarkCeilingGroupSize(b *testing.B) {
	// "clients": 64 clients each numbering its own keys, as cmd/loadgen's
	// load does; "ordered": one time-ordered sequence.
	keys := map[string]func(seq int64) string{
		"clients": func(seq int64) string {
			return "lg-" + strconv.FormatInt(seq%64, 10) + "-" + strconv.FormatInt(seq/64, 10)
		},
		"ordered": func(seq int64) string { return fmt.Sprintf("k%012d", seq) },
	}
	for _, kind := range []string{"clients", "ordered"} {
		for _, per := range []int{17, 28, 100} {
			b.Run(fmt.Sprintf("keys=%s/per=%d", kind, per), func(b *testing.B) {
				benchCeiling(b, per, keys[kind])
			})
		}
	}
}

func benchCeiling(b *testing.B, per int, key func(int64) string) {
	ctx := context.Background()
	db, err := sqlite.OpenCeiling(ctx, filepath.Join(b.TempDir(), "kiosk.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r0 := *benchResponse("")
	r0.Channel = survey.ChannelAPI
	r0.PrevHash, r0.Hash = r0.ContentHash(), r0.ContentHash()
	batch := make([]survey.Response, per)
	var seq int64
	insert := func(rows int64) {
		for end := seq + rows; seq < end; {
			for i := range batch {
				seq++
				r := r0
				r.Seq, r.ID, r.CreatedAt, r.IdempotencyKey = seq, uuid.Must(uuid.NewV7()).String(), time.Now(), key(seq)
				batch[i] = r
			}
			if err := db.Insert(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	insert(50_000) // a table of some size: a new one fits in a few pages
	written := writeBytes()
	b.ResetTimer()
	from := seq
	insert(int64(b.N))
	b.StopTimer()
	rows := float64(seq - from)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	if w := writeBytes(); w >= 0 && written >= 0 {
		b.ReportMetric(float64(w-written)/rows, "B-written/row")
	}
}

// writeBytes is what this process has caused to be written to storage
// (Linux's /proc/self/io), or -1 where that is not known.
func writeBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "write_bytes:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}
