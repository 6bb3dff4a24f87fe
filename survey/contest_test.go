package survey

import (
	"math"
	"strings"
	"testing"
)

// cellOf is a score cell of one person's responses through a channel.
func cellOf(month, channel string, verified bool, flags string, answers ...[2]int64) PersonCell {
	c := scoreCells("x", month, flags != "", answers...)
	c.Channel, c.Verified, c.Flags = channel, verified, flags
	return c
}

func TestRankSumByHand(t *testing.T) {
	// a = {1, 2}, b = {3}: U counts pairs where a ranks higher, 0 of 2;
	// tie-free variance 1·2·4/12 = 2/3: z = (0 − 1) / 0.8165 = −1.2247.
	if got := RankSum([]int64{1, 1, 0}, []int64{0, 0, 1}); math.Abs(got+1.224745) > 1e-6 {
		t.Errorf("z = %v, want −1.2247", got)
	}
	// Ties: a = {2, 2}, b = {2, 3}: U = 2·(1/2) + 2·(1/2)·… = 1; N = 4,
	// ties of 3 at level 2: Σ(t³ − t) = 24, variance 4/12 × (5 − 24/12) = 1: z = (1 − 2)/1.
	if got := RankSum([]int64{0, 2, 0}, []int64{0, 1, 1}); math.Abs(got+1) > 1e-9 {
		t.Errorf("tied z = %v, want −1", got)
	}
	if RankSum([]int64{0, 3}, []int64{0, 4}) != 0 || RankSum([]int64{1, 0}, []int64{0, 0}) != 0 {
		t.Error("all tied or one group empty must give 0")
	}
}

func TestAddScoreRowFoldsRowsIntoCells(t *testing.T) {
	key := PersonCell{NIP: "x", Month: "2026-11", Channel: ChannelQR, Flags: "burst"}
	cells, _ := AddScoreRow(nil, key, 7, 2)
	cells, _ = AddScoreRow(cells, key, 8, 1)
	other := key
	other.Verified, other.Channel, other.Flags = true, ChannelVisit, ""
	cells, _ = AddScoreRow(cells, other, 8, 3)
	if len(cells) != 2 || cells[0].N != 3 || cells[0].Sum != 22 || cells[0].SumSq != 162 || cells[0].Scores[7] != 2 || cells[1].N != 3 {
		t.Errorf("cells = %+v", cells)
	}
	if _, err := AddScoreRow(cells, key, MaxScore+1, 1); err == nil {
		t.Error("a score above the maximum was accepted")
	}
}

// TestDetectorsContestUnverifiedRatings: each detector fires on its pattern
// with its evidence, and stays quiet on honest ratings.
func TestDetectorsContestUnverifiedRatings(t *testing.T) {
	rules := DefaultReportRules()
	honest := []PersonCell{
		cellOf("2026-11", ChannelVisit, true, "", append(repeat(20, [2]int64{4, 4}), repeat(10, [2]int64{3, 4})...)...),
		cellOf("2026-11", ChannelQR, false, "", append(repeat(10, [2]int64{4, 4}), repeat(6, [2]int64{3, 3})...)...),
	}
	if cs := rules.DetectContests(honest, nil, nil); len(cs) != 0 {
		t.Errorf("honest ratings contested: %+v", cs)
	}
	flood := append(honest, cellOf("2026-11", ChannelQR, false, "", repeat(20, [2]int64{1, 1})...))
	cs := rules.DetectContests(flood, nil, nil)
	if len(cs) != 1 || cs[0].Kind != ContestUnverifiedDiffers || cs[0].Ratings != 36 || cs[0].Reference != 30 || cs[0].Z > -3.29 || cs[0].Shift > -10 {
		t.Fatalf("a flood of 1s: %+v, want unverified_differs on 36 against 30", cs)
	}
	if txt := cs[0].Text("id"); !strings.Contains(txt, "36 penilaian tak terverifikasi") {
		t.Errorf("text = %q", txt)
	}
	if !cs.Covers(false, "2026-11") || cs.Covers(true, "2026-11") {
		t.Error("the contest must cover the unverified ratings and never the verified ones")
	}
	// Flagged ratings take part in no test: they are flagged already.
	flagged := append(honest, cellOf("2026-11", ChannelQR, false, "burst", repeat(20, [2]int64{1, 1})...))
	if cs := rules.DetectContests(flagged, nil, nil); len(cs) != 0 {
		t.Errorf("flagged ratings contested: %+v", cs)
	}

	// Ratings on days without a visit code: 6 of 16 unverified (≥ 5 and ≥ 10 %).
	noVisit := []NoVisitCount{{NIP: "x", Day: "2026-11-03", N: 4}, {NIP: "x", Day: "2026-11-04", N: 2}}
	cs = rules.DetectContests(honest, nil, noVisit)
	if len(cs) != 1 || cs[0].Kind != ContestNoVisit || cs[0].Ratings != 6 || cs[0].Reference != 16 || len(cs[0].Days) != 2 {
		t.Errorf("no-visit days: %+v", cs)
	}
	if cs := rules.DetectContests(honest, nil, noVisit[:1]); len(cs) != 0 {
		t.Errorf("4 ratings (fewer than min_cell) contested: %+v", cs)
	}

	// A sudden shift: three good months, then a month of 1s and 2s, through
	// the static QR code in an office without visit codes.
	var history []PersonCell
	for _, m := range []string{"2026-08", "2026-09", "2026-10"} {
		history = append(history, cellOf(m, ChannelQR, false, "", append(repeat(20, [2]int64{4, 4}), repeat(10, [2]int64{3, 4})...)...))
	}
	now := []PersonCell{cellOf("2026-11", ChannelQR, false, "", append(repeat(20, [2]int64{1, 2}), repeat(10, [2]int64{4, 3})...)...)}
	cs = rules.DetectContests(now, history, nil)
	if len(cs) != 1 || cs[0].Kind != ContestShift || len(cs[0].Months) != 1 || cs[0].Months[0] != "2026-11" || cs[0].Reference != 90 {
		t.Fatalf("sudden shift: %+v", cs)
	}
	if !cs.Covers(false, "2026-11") || cs.Covers(false, "2026-10") {
		t.Error("a shift covers its own months only")
	}
	// The same month after the same ratings is no shift.
	steady := []PersonCell{cellOf("2026-11", ChannelQR, false, "", append(repeat(19, [2]int64{4, 4}), repeat(11, [2]int64{3, 4})...)...)}
	if cs := rules.DetectContests(steady, history, nil); len(cs) != 0 {
		t.Errorf("a steady month contested: %+v", cs)
	}
	if got := monthsBefore("2026-02", 3); got != "2025-11" {
		t.Errorf("monthsBefore = %s", got)
	}
}

// TestUnverifiedHaveLessSay: where the office issues visit codes, unverified
// ratings alone cannot put an officer on coaching nor take them off reward,
// and flagged ratings never count on the lists.
func TestUnverifiedHaveLessSay(t *testing.T) {
	rules := DefaultReportRules()
	// 30 verified ratings near the reward line; 30 honest unverified ones.
	good := []PersonCell{
		cellOf("2026-11", ChannelVisit, true, "", repeat(30, [2]int64{4, 4})...),
	}
	person := func(cells []PersonCell, visitCodes bool) (Candidate, bool) {
		return rules.Candidate(PersonInput{Staff: Staff{NIP: "x"}, Scores: cells, VisitCodes: visitCodes})
	}
	if c, reward := person(good, true); !reward || c.Evidence[0].Basis != BasisTrusted || c.VerifiedShare != 100 || c.Channels.Visit != 30 {
		t.Fatalf("thirty verified 4s: reward %v, %+v", reward, c)
	}
	// 40 unverified 2s: the trusted figure falls below the reward line, and
	// they differ from the verified ones (contested, left out): still reward.
	attacked := append(good, cellOf("2026-11", ChannelQR, false, "", repeat(40, [2]int64{2, 2})...))
	c, reward := person(attacked, true)
	if !reward || !c.Contested() || c.All.Interval.High >= rules.RewardLowerBound {
		t.Errorf("unverified 2s took the reward off: reward %v, contested %v, all %+v", reward, c.Contested(), c.All)
	}
	if c.Channels.QR != 40 || c.Unverified.Responses != 40 || c.Trusted.Responses != 30 || c.VerifiedShare != 42.86 {
		t.Errorf("figures shown apart: %+v", c)
	}

	// Unverified 1s alone cannot make coaching: 30 verified (3, 4) answers
	// (87.50) and 60 unverified 1s: the verified figure is above the
	// coaching line, so no coaching (and the 1s are contested besides).
	mid := []PersonCell{cellOf("2026-11", ChannelVisit, true, "", repeat(30, [2]int64{3, 4})...)}
	ones := append(mid, cellOf("2026-11", ChannelQR, false, "", repeat(60, [2]int64{1, 1})...))
	if c, reward := person(ones, true); reward || len(c.Evidence) != 0 {
		t.Errorf("unverified 1s made a list: reward %v, evidence %+v", reward, c.Evidence)
	}
	// The same ratings in an office without visit codes are the evidence
	// there is, but they are contested (unverified differ from verified).
	if c, _ := person(ones, false); len(c.Evidence) != 0 || !c.Contested() {
		t.Errorf("office without visit codes: evidence %+v, contested %v", c.Evidence, c.Contested())
	}
	// Flagged 1s never count on the lists, whatever the office.
	flagged := append(mid, cellOf("2026-11", ChannelQR, false, "own_device,burst", repeat(60, [2]int64{1, 1})...))
	c, reward = person(flagged, false)
	if reward || len(c.Evidence) != 0 || c.Suspect != 60 || len(c.Flags) != 2 || c.Flags[0] != (FlagCount{"burst", 60}) {
		t.Errorf("flagged 1s: reward %v, evidence %+v, suspect %d, flags %+v", reward, c.Evidence, c.Suspect, c.Flags)
	}
	// Verified evidence of coaching holds on both bases.
	low := []PersonCell{cellOf("2026-11", ChannelVisit, true, "", repeat(30, [2]int64{2, 2})...)}
	if c, reward := person(low, true); reward || len(c.Evidence) != 1 || c.Evidence[0].Basis != BasisBoth {
		t.Errorf("verified 2s: reward %v, evidence %+v", reward, c.Evidence)
	}
}

// BenchmarkAppraiseThousands is the appraisal of 2,000 officers, each with
// three months of verified and unverified cells, a baseline and no-visit
// days: every interval, detector and rule of the lists.
func BenchmarkAppraiseThousands(b *testing.B) {
	rules := DefaultReportRules()
	people := make([]PersonInput, 2000)
	for i := range people {
		var scores, history []PersonCell
		for _, m := range []string{"2026-10", "2026-11", "2026-12"} {
			scores = append(scores, cellOf(m, ChannelVisit, true, "", append(repeat(10+i%7, [2]int64{4, 4}), repeat(5, [2]int64{3, 4})...)...),
				cellOf(m, ChannelQR, false, "", repeat(3+i%5, [2]int64{3, 3})...))
		}
		for _, m := range []string{"2026-07", "2026-08", "2026-09"} {
			history = append(history, cellOf(m, ChannelVisit, true, "", repeat(12, [2]int64{4, 3})...))
		}
		people[i] = PersonInput{Staff: Staff{NIP: "x"}, Scores: scores, History: history, VisitCodes: true,
			NoVisit: []NoVisitCount{{NIP: "x", Day: "2026-11-03", N: int64(i % 3)}}}
	}
	for b.Loop() {
		rules.Appraise(people)
	}
}
