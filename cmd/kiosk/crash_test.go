package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
)

// crashRounds is how many times the crash test kills the kiosk
// (SKM_CRASH_ROUNDS overrides the default of 4).
func crashRounds(tb testing.TB) int {
	if v := os.Getenv("SKM_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			tb.Fatalf("SKM_CRASH_ROUNDS=%q is not a positive number", v)
		}
		return n
	}
	return 4
}

// The kiosk binary is killed with SIGKILL at random moments while several
// clients submit ratings as fast as it answers, and restarted on the same
// file each time. Every rating answered 201 is in the file with its id,
// sequence number and content; retrying the unanswered ones with their
// idempotency keys stores each exactly once (201 if it was lost, 200 if it
// had been committed before the kill); the hash chain is unbroken and
// PRAGMA integrity_check is ok.
func TestKioskSurvivesSIGKILLUnderLoad(t *testing.T) {
	bin := proctest.Kiosk(t)
	addr := proctest.FreeAddr(t)
	db := filepath.Join(dataDir(t), "kiosk.db")
	cfg := MustKioskConfigFile(t, addr, db, "")
	MustImportRoster(t, bin, cfg)
	base := "http://" + addr
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	l := newLedger()
	var lost, replayed int
	rounds := crashRounds(t)
	for round := range rounds {
		p := proctest.Start(t, base, bin, "-config", cfg)
		c, r := retryOpen(t, base, l)
		lost, replayed = lost+c, replayed+r
		stop := make(chan struct{})
		before := l.created.Load()
		wait := driveLoad(t, base, 6, "r"+strconv.Itoa(round), l, stop)
		// Kill once ratings are flowing, after a random further delay.
		waitFor(t, 30*time.Second, "the first ratings of the round", func() bool { return l.created.Load() > before+20 })
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond) // the random moment of the crash
		p.Kill()
		close(stop)
		wait()
	}
	p := proctest.Start(t, base, bin, "-config", cfg)
	c, r := retryOpen(t, base, l)
	lost, replayed = lost+c, replayed+r
	p.Stop(t)
	t.Logf("%d rounds: %d ratings answered 201 under load; of the unanswered, %d were lost and stored on retry, %d had been committed (200 on retry)",
		rounds, l.created.Load()-int64(lost), lost, replayed)
	if len(l.other) > 0 {
		for k, a := range l.other {
			t.Errorf("key %s refused: %d %s", k, a.Status, a.Body)
			break
		}
	}
	MustVerifyKioskFile(t, db, l)
}
