package kiosk_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/skmkiosk/skm/kiosk"
)

// On a one-core front-desk PC (GOMAXPROCS=1) concurrent ratings still share
// durable commits: the group writer yields the CPU once it has a request, so
// that the other handlers can queue theirs, instead of committing each rating
// on its own.
func TestOneCoreStillGroupsCommits(t *testing.T) {
	k := MustStartKiosk(t, func(c *kiosk.Config) {
		c.Limits.PerDevice, c.Limits.PerAddress, c.Limits.BurstCount, c.Limits.NoVisitWindow = 0, 0, 0, 0
	})
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const clients, each = 32, 10
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer hc.CloseIdleConnections()
			for i := range each {
				body := responseJSON(nipSiti, "KK_BARU", "core-"+strconv.Itoa(c)+"-"+strconv.Itoa(i))
				resp, err := hc.Post(k.URL+"/api/v1/responses", "application/json", strings.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					errs <- fmt.Errorf("POST answered %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	_, m := MustGet(t, http.DefaultClient, k.URL+"/metrics")
	commits, stored := MustMetric(t, m, "skm_kiosk_write_commits_total"), MustMetric(t, m, "skm_kiosk_write_responses_total")
	if stored != clients*each {
		t.Fatalf("stored %v ratings, want %d", stored, clients*each)
	}
	avg := stored / commits
	t.Logf("%v ratings in %v commits, %.1f per commit", stored, commits, avg)
	if avg < 3 {
		t.Errorf("%.1f ratings per commit from %d concurrent clients on one core, want at least 3", avg, clients)
	}
}
