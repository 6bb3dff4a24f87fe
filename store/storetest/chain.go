package storetest

import (
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/survey"
)

// Chain makes valid, chained responses of one kiosk as its buffer uploads
// them: seq 1, 2, 3 ..., each linked to the previous one's hash
// (Hash = r.ChainHash(PrevHash)). Zero fields take defaults.
type Chain struct {
	NIP     string        // default NIP1
	Service string        // default "KIA"
	Start   time.Time     // created_at of seq 1; default T0
	Step    time.Duration // between responses; default one minute
	// Ratings gives each response's answers; default VariedRatings.
	Ratings func(seq int64) survey.Ratings
	// Edit, when set, changes each response before it is hashed.
	Edit func(r *survey.Response)

	seq  int64
	prev string
}

// VariedRatings spreads answers over 1–4 differently per element and seq,
// so that rollup sums and counts are not all alike.
func VariedRatings(seq int64) survey.Ratings {
	var r survey.Ratings
	for i := range r {
		r[i] = int8(1 + (seq*7+int64(i)*3+seq/5)%4)
	}
	return r
}

// Next makes the next n responses of the chain.
func (c *Chain) Next(n int) []survey.Response {
	if c.NIP == "" {
		c.NIP = NIP1
	}
	if c.Service == "" {
		c.Service = "KIA"
	}
	if c.Start.IsZero() {
		c.Start = T0
	}
	if c.Step == 0 {
		c.Step = time.Minute
	}
	if c.Ratings == nil {
		c.Ratings = VariedRatings
	}
	out := make([]survey.Response, n)
	for i := range out {
		c.seq++
		r := survey.Response{ID: uuid.Must(uuid.NewV7()).String(), Seq: c.seq, NIP: c.NIP, Service: c.Service,
			Ratings: c.Ratings(c.seq), Channel: survey.ChannelQR, Profile: survey.Profile{AgeBand: "30-39", Sex: "P"},
			CreatedAt: c.Start.Add(time.Duration(c.seq-1) * c.Step).UTC().Truncate(time.Microsecond)}
		if c.Edit != nil {
			c.Edit(&r)
		}
		r.PrevHash, r.Hash = c.prev, r.ChainHash(c.prev)
		c.prev = r.Hash
		out[i] = r
	}
	return out
}

// Rechain recomputes PrevHash and Hash of rs[from:] so that they link to
// rs[from-1] (or to prev when from is 0), as an editor covering tracks would.
func Rechain(rs []survey.Response, from int, prev string) {
	if from > 0 {
		prev = rs[from-1].Hash
	}
	for i := from; i < len(rs); i++ {
		rs[i].PrevHash, rs[i].Hash = prev, rs[i].ChainHash(prev)
		prev = rs[i].Hash
	}
}

// Resume makes the chain's next response seq+1, linked to prev: the entry
// after a segment at seq whose hash is prev.
func (c *Chain) Resume(seq int64, prev string) {
	c.seq, c.prev = seq, prev
}

// Segment returns a segment of kind at seq following the entry prevSeq
// with hash prevHash, hashed (the suite's stores are given no key).
func Segment(kind string, seq, prevSeq int64, prevHash string) survey.Segment {
	s := survey.Segment{Seq: seq, Kind: kind, PrevSeq: prevSeq, PrevHash: prevHash, FoundSeq: seq - 1,
		Reason: "test", CreatedAt: T0, Signature: "test"}
	s.Hash = s.ComputeHash()
	return s
}
