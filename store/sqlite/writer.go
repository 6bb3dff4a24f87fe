package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// groupWriter commits responses in groups: one goroutine takes whatever
// requests are queued (without waiting for more) and writes them in one
// transaction, so one fsync acknowledges many citizens. docs/benchmarks.md
// measures this at about 5× the throughput of a commit per request, with lower p99.
// Being the only writer of responses also makes sequence numbers and the hash
// chain a simple running state.
type groupWriter struct {
	k        *KioskDB
	q        chan *writeReq
	maxBatch int
	limit    int
	sign     func(seq int64, hash string) string
	// verify, signSegment and onSegment are set on a kiosk that signs its
	// chain (see checkChain); now dates segments.
	verify      func(seq int64, hash, signature string) bool
	signSegment func(*survey.Segment)
	onSegment   func(survey.Segment)
	now         func() time.Time
	// trusted is the head this writer last verified or signed and committed;
	// only its goroutine uses it.
	trusted *chainState
	// failure is the last commit that failed for want of space or a
	// writable disk (nil after a commit succeeds): /healthz reports it.
	failure atomic.Pointer[error]
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
	// prepared holds the writer's statements by their text, each prepared
	// once on the pool (database/sql then prepares it once per connection).
	// Only the writer's goroutine uses it; close closes them after it stops.
	prepared map[string]*sql.Stmt
	// stats are read by WriteStats from other goroutines.
	commits, responses, busy, commitTime atomic.Int64
}

type writeReq struct {
	ctx context.Context
	// op, when set, runs in the group's transaction instead of storing a
	// response (a segment written on request): see do.
	op      chainOp
	r       *survey.Response
	content string // r.ContentHash(), computed by the caller: the writer is the bottleneck
	in      survey.Intake
	res     chan writeResult
}

type writeResult struct {
	created bool
	err     error
}

var errClosed = survey.NewError(survey.EUNAVAILABLE, "the kiosk is shutting down; try again in a moment",
	"kiosk sedang dimatikan; coba lagi sebentar")

func newGroupWriter(k *KioskDB, o KioskOptions) *groupWriter {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	w := &groupWriter{k: k, q: make(chan *writeReq, 4*o.MaxBatch), maxBatch: o.MaxBatch, limit: o.CommentLimit,
		sign: o.SignHead, stop: make(chan struct{}), stopped: make(chan struct{}), prepared: map[string]*sql.Stmt{},
		verify: o.VerifyHead, signSegment: o.SignSegment, onSegment: o.OnSegment, now: k.now}
	if w.signSegment == nil {
		w.verify = nil // without a way to sign a break, nothing can be done about one
	}
	go w.run()
	return w
}

// close lets the writer finish the group in progress and every request
// already queued, then stops it.
func (w *groupWriter) close() {
	w.once.Do(func() { close(w.stop) })
	<-w.stopped
	for q, st := range w.prepared {
		st.Close()
		delete(w.prepared, q)
	}
}

func (w *groupWriter) run() {
	defer close(w.stopped)
	batch := make([]*writeReq, 0, w.maxBatch)
	for {
		select {
		case req := <-w.q:
			batch = append(batch, req)
			// The send that woke the writer made it the next goroutine to run,
			// ahead of handlers whose requests just arrived. Let them queue
			// first: on one core (GOMAXPROCS=1) they otherwise never can, and
			// every rating gets a commit of its own (3,100 against 12,000
			// ratings/s, docs/benchmarks.md). Alone, the writer runs on at once.
			runtime.Gosched()
		case <-w.stop:
			// Drain what was accepted before the stop, then refuse the rest.
			for {
				select {
				case req := <-w.q:
					w.commit([]*writeReq{req})
				default:
					return
				}
			}
		}
	drain:
		for len(batch) < w.maxBatch {
			select {
			case req := <-w.q:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		start := time.Now()
		w.commit(batch)
		w.busy.Add(int64(time.Since(start)))
		clear(batch)
		batch = batch[:0]
	}
}

// submit queues r and waits for its durable commit.
func (w *groupWriter) submit(ctx context.Context, r *survey.Response, in survey.Intake) (bool, error) {
	req := &writeReq{ctx: ctx, r: r, content: r.ContentHash(), in: in, res: make(chan writeResult, 1)}
	select {
	case <-w.stop:
		return false, errClosed
	default:
	}
	select {
	case w.q <- req:
	case <-w.stop:
		return false, errClosed
	case <-ctx.Done():
		return false, ctx.Err()
	}
	// Once queued, wait for the verdict even if the client has gone: the
	// writer may already have committed the response.
	res := <-req.res
	return res.created, res.err
}

type chainState struct {
	seq  int64
	hash string
}

// chainOp runs in the writer's transaction after the chain was checked;
// head is the chain's head, which it may move (writing a segment), and
// written the break segment the check wrote in this transaction, if any.
type chainOp func(ctx context.Context, tx *groupTx, head *chainState, written *survey.Segment) error

// do runs op in the writer's next group and waits for its commit.
func (w *groupWriter) do(ctx context.Context, op chainOp) error {
	req := &writeReq{ctx: ctx, op: op, res: make(chan writeResult, 1)}
	select {
	case <-w.stop:
		return errClosed
	default:
	}
	select {
	case w.q <- req:
	case <-w.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return (<-req.res).err
}

func (w *groupWriter) commit(batch []*writeReq) {
	results := make([]writeResult, len(batch))
	err := w.commitTx(batch, results)
	switch {
	case err == nil:
		w.failure.Store(nil)
	case survey.ErrorCode(err) == survey.EUNAVAILABLE:
		w.failure.Store(&err)
	}
	for i, req := range batch {
		if err != nil && results[i].err == nil {
			results[i] = writeResult{err: err}
		}
		req.res <- results[i]
	}
}

func (w *groupWriter) commitTx(batch []*writeReq, results []writeResult) error {
	ctx := context.Background() // one client's cancellation must not abort the others' commit
	sqlTx, err := w.k.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	defer sqlTx.Rollback()
	tx := &groupTx{Tx: sqlTx, w: w, stmts: map[string]*sql.Stmt{}, staff: map[string]bool{}, services: map[string]bool{},
		stored: map[string]bool{}, devices: map[[2]string]bool{}}
	if err := tx.prefetch(ctx, batch); err != nil {
		return err
	}
	var head chainState
	var sig string
	var last int64
	if err := tx.QueryRowContext(ctx, headQuery).Scan(&head.seq, &head.hash, &sig, &last); err != nil {
		return fmt.Errorf("read chain head: %w", translate(err))
	}
	start := head
	verified, broke, err := w.checkChain(ctx, tx, &head, sig, last)
	if err != nil {
		return err
	}
	var written int64
	for i, req := range batch {
		if req.ctx.Err() != nil {
			results[i] = writeResult{err: req.ctx.Err()}
			continue
		}
		if req.op != nil {
			if err := req.op(ctx, tx, &head, broke); err != nil {
				return err // a segment is part of the chain: nothing of the group is kept
			}
			continue
		}
		created, err := w.writeOne(ctx, tx, &head, req.r, req.content, req.in)
		if err != nil && !isRequestError(err) {
			return err // storage failure: the whole group fails, nothing is half-written
		}
		if created {
			written++
		}
		results[i] = writeResult{created: created, err: err}
	}
	if head == start {
		if err := translate(sqlTx.Commit()); err != nil {
			return err
		}
		w.trust(verified, head)
		return nil
	}
	sig = ""
	if w.sign != nil {
		sig = w.sign(head.seq, head.hash)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE chain_head SET seq = ?, hash = ?, signature = ? WHERE id = 1", head.seq, head.hash, sig); err != nil {
		return fmt.Errorf("update chain head: %w", translate(err))
	}
	committing := time.Now()
	err = sqlTx.Commit()
	w.commitTime.Add(int64(time.Since(committing)))
	if err != nil {
		return fmt.Errorf("commit responses: %w", translate(err))
	}
	if written > 0 {
		w.commits.Add(1)
		w.responses.Add(written)
	}
	w.trust(w.verify != nil, head)
	for _, s := range tx.segments {
		if w.onSegment != nil {
			w.onSegment(s)
		}
	}
	return nil
}

// trust remembers a committed head the writer verified or signed itself, so
// that the next group need not verify it again.
func (w *groupWriter) trust(ok bool, head chainState) {
	if ok {
		w.trusted = &head
	}
}

// stats reads the counters WriteStats reports.
func (w *groupWriter) stats() survey.WriteStats {
	return survey.WriteStats{Commits: w.commits.Load(), Responses: w.responses.Load(),
		Busy: time.Duration(w.busy.Load()), Commit: time.Duration(w.commitTime.Load())}
}

// querier runs statements: a *sql.Tx, or the writer's groupTx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// groupTx is the transaction of one group. Its statements are prepared once
// and reused, rather than parsed again for every response (under load,
// sqlite3_prepare_v2 took a fifth of the kiosk's CPU), and what the group's
// responses look up is read for the whole group at once (prefetch): nothing
// else writes while the group holds SQLite's write lock, so it cannot change
// but through the group itself.
type groupTx struct {
	*sql.Tx
	w        *groupWriter
	stmts    map[string]*sql.Stmt // w.prepared bound to this transaction
	staff    map[string]bool      // nip → active, for every NIP of the group
	services map[string]bool      // codes checkService accepted
	stored   map[string]bool      // idempotency keys of the group already stored, before it or in it
	devices  map[[2]string]bool   // (nip, key hash) of the group's counter devices
	hashes   bool                 // whether devices was read (some request has a device or address)
	segments []survey.Segment     // written in this transaction
}

// prefetch reads, in one statement each, the active flags of the group's
// staff, which of its idempotency keys are already stored, and which of its
// devices and addresses are counter devices.
func (t *groupTx) prefetch(ctx context.Context, batch []*writeReq) error {
	var nips, keys, hashes []string
	seen := map[string]bool{}
	add := func(list *[]string, kind byte, v string) {
		if k := string(kind) + v; !seen[k] {
			seen[k] = true
			*list = append(*list, v)
		}
	}
	for _, req := range batch {
		if req.op != nil {
			continue
		}
		add(&nips, 'n', req.r.NIP)
		if req.r.IdempotencyKey != "" {
			add(&keys, 'k', req.r.IdempotencyKey)
		}
		for _, h := range req.in.Device {
			add(&hashes, 'h', h)
		}
		for _, h := range req.in.Address {
			add(&hashes, 'h', h)
		}
	}
	for _, n := range nips {
		t.staff[n] = false
	}
	err := t.each(ctx, "SELECT nip, active FROM staff WHERE nip IN (SELECT value FROM json_each(?))", jsonArray(nips),
		func(rows *sql.Rows) error {
			var nip string
			var active bool
			err := rows.Scan(&nip, &active)
			t.staff[nip] = active
			return err
		})
	if err != nil {
		return fmt.Errorf("look up staff: %w", err)
	}
	if len(keys) > 0 {
		err := t.each(ctx, "SELECT idempotency_key FROM responses WHERE idempotency_key IN (SELECT value FROM json_each(?))", jsonArray(keys),
			func(rows *sql.Rows) error {
				var key string
				err := rows.Scan(&key)
				t.stored[key] = true
				return err
			})
		if err != nil {
			return fmt.Errorf("look up idempotency keys: %w", err)
		}
	}
	if t.hashes = len(hashes) > 0; t.hashes {
		err := t.each(ctx, "SELECT nip, key_hash FROM counter_devices WHERE key_hash IN (SELECT value FROM json_each(?))", jsonArray(hashes),
			func(rows *sql.Rows) error {
				var nip, hash string
				err := rows.Scan(&nip, &hash)
				t.devices[[2]string{nip, hash}] = true
				return err
			})
		if err != nil {
			return fmt.Errorf("look up counter devices: %w", err)
		}
	}
	return nil
}

// each runs query as a prepared statement and calls f for each row.
func (t *groupTx) each(ctx context.Context, query string, arg any, f func(*sql.Rows) error) error {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, arg)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return translate(err)
		}
	}
	return translate(rows.Err())
}

// counterDevice reports whether one of hashes is a counter device of nip.
func (t *groupTx) counterDevice(ctx context.Context, nip string, hashes []string) (bool, error) {
	if !t.hashes {
		return false, fmt.Errorf("look up counter devices: not prefetched for %s", nip)
	}
	for _, h := range hashes {
		if t.devices[[2]string{nip, h}] {
			return true, nil
		}
	}
	return false, nil
}

// stmt returns query's prepared statement bound to the transaction.
func (t *groupTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	ps, ok := t.w.prepared[query]
	if !ok {
		var err error
		if ps, err = t.w.k.db.PrepareContext(ctx, query); err != nil {
			return nil, fmt.Errorf("prepare %q: %w", query, translate(err))
		}
		t.w.prepared[query] = ps
	}
	st := t.Tx.StmtContext(ctx, ps)
	t.stmts[query] = st
	return st, nil
}

// QueryRowContext runs query as a prepared statement in the transaction.
func (t *groupTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return t.Tx.QueryRowContext(ctx, query, args...) // reports the same failure through Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// ExecContext runs query as a prepared statement in the transaction.
func (t *groupTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// staffActive reports whether nip is an active staff member.
func (t *groupTx) staffActive(ctx context.Context, nip string) (bool, error) {
	if active, ok := t.staff[nip]; ok {
		return active, nil
	}
	var active bool
	err := t.QueryRowContext(ctx, "SELECT active FROM staff WHERE nip = ?", nip).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	if err != nil {
		return false, fmt.Errorf("look up staff: %w", translate(err))
	}
	t.staff[nip] = active
	return active, nil
}

// checkService is checkService, whose acceptance of a code is remembered for the group.
func (t *groupTx) checkService(ctx context.Context, code string) error {
	if t.services[code] {
		return nil
	}
	err := checkService(ctx, t, code)
	if err == nil {
		t.services[code] = true
	}
	return err
}

// groupFailure marks an error after a request's first write: whatever its
// code, the group's transaction must roll back rather than commit half a request.
type groupFailure struct{ err error }

func (g groupFailure) Error() string { return g.err.Error() }
func (g groupFailure) Unwrap() error { return g.err }

// isRequestError tells a refusal of one request from a storage failure.
func isRequestError(err error) bool {
	var gf groupFailure
	if errors.As(err, &gf) {
		return false
	}
	switch survey.ErrorCode(err) {
	case survey.EINVALID, survey.ENOTFOUND, survey.ECONFLICT, survey.ERATELIMIT:
		return true
	}
	return false
}

func (w *groupWriter) writeOne(ctx context.Context, tx *groupTx, head *chainState, r *survey.Response, content string, in survey.Intake) (bool, error) {
	if r.IdempotencyKey != "" && tx.stored[r.IdempotencyKey] {
		stored, err := scanResponse(tx.QueryRowContext(ctx, "SELECT "+responseColumns+" FROM responses WHERE idempotency_key = ?", r.IdempotencyKey))
		switch {
		case err == nil && stored.contentHash == content:
			*r = stored.Response
			return false, nil
		case err == nil:
			return false, &survey.Error{Code: survey.ECONFLICT, Field: "idempotency_key",
				Message:   "this form was already submitted with different answers; open the survey again to give a new rating",
				MessageID: "formulir ini sudah dikirim dengan jawaban lain; buka survei lagi untuk memberi penilaian baru"}
		case !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("look up idempotency key: %w", translate(err))
		}
	}
	active, err := tx.staffActive(ctx, r.NIP)
	if err != nil {
		return false, err
	}
	if !active {
		return false, &survey.Error{Code: survey.ENOTFOUND, Field: "nip",
			Message:   "unknown or inactive staff member " + r.NIP,
			MessageID: "petugas " + r.NIP + " tidak dikenal atau tidak aktif"}
	}
	if err := tx.checkService(ctx, r.Service); err != nil {
		return false, err
	}
	if r.VisitID != "" {
		if err := checkVisit(ctx, tx, r, in); err != nil {
			return false, err
		}
	} else if in.Limited {
		if err := checkLimits(ctx, tx, r, in); err != nil {
			return false, err
		}
	}
	flags, err := suspicionFlags(ctx, tx, r, in)
	if err != nil {
		return false, err
	}
	for _, f := range flags {
		if !slices.Contains(r.Flags, f) {
			r.Flags = append(r.Flags, f)
		}
	}
	r.Seq = head.seq + 1
	r.PrevHash = head.hash
	r.Hash = r.ChainHash(head.hash)
	var idem any
	if r.IdempotencyKey != "" {
		idem = r.IdempotencyKey
	}
	rt := r.Ratings
	_, err = tx.ExecContext(ctx, `INSERT INTO responses (seq, id, nip, service,
		persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku, pengaduan, sarana,
		comment, age_band, sex, education, occupation, channel, verified, visit_id, flags,
		idempotency_key, content_hash, created_at, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, r.ID, r.NIP, r.Service, rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], rt[6], rt[7], rt[8],
		r.Comment, r.Profile.AgeBand, r.Profile.Sex, r.Profile.Education, r.Profile.Occupation,
		r.Channel, r.Verified, r.VisitID, strings.Join(r.Flags, ","), idem, content, formatTime(r.CreatedAt), r.PrevHash, r.Hash)
	if err != nil {
		return false, fmt.Errorf("insert response: %w", translate(err))
	}
	if err := recordIntake(ctx, tx, r, in); err != nil {
		return false, groupFailure{err} // the response is already written: fail the whole group
	}
	if r.IdempotencyKey != "" {
		tx.stored[r.IdempotencyKey] = true
	}
	head.seq, head.hash = r.Seq, r.Hash
	return true, nil
}
