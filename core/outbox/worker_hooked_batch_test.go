package outbox_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// The tests below have the batch recorder record the completions of
// several deliveries with work for OnDone in one batch, which
// recordHooked records in one transaction. The batch is
// made certain so:
//
// Every send is held by its gate. The head is let go first and its
// completion recorded alone; its OnDone hook, run by the recorder inside
// that first transaction, keeps the recorder there while it lets the
// other sends go one at a time, each only once the one before it waits
// in Worker.handle for the recorder's answer. A goroutine waiting there
// has put its completion in the recorder's channel already. When the
// head's hook returns, the recorder takes all that its channel holds as
// its next batch: those completions, in the order they were let go.
//
// Which goroutines wait for the answer is read from the goroutine
// profile: the worker's carry a label (set around Run, inherited by every
// goroutine it starts), and their stack shows runtime.chanrecv1 called
// by Worker.handle, whose only plain channel receive is that wait.

const (
	// hookedKind has work for OnDone (its outbox.Kind); the notices of
	// these tests have none.
	hookedKind = "test.post"
	// reactKind is what OnDone queues for a delivery of hookedKind, as
	// the relay queues ✅ on a message's source once its post is out.
	reactKind = "test.react"
	// workerLabel is the goroutine label carrying a worker's name.
	workerLabel = "jayaya-test-worker"
)

// handleFunc is Worker.handle as the goroutine profile names it.
const handleFunc = "github.com/jayaya/jayayacrm/core/outbox.(*Worker).handle"

// atRecorder counts the goroutines of the worker named name that wait
// for the batch recorder's answer in Worker.handle.
func atRecorder(name string) (int, error) {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return 0, err
	}
	labels := fmt.Sprintf("# labels: {%q:%q}", workerLabel, name)
	lines := strings.Split(buf.String(), "\n")
	n := 0
	for i, line := range lines {
		// "<count> @ <pc> <pc> …": every frame's PC, the runtime's too.
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != "@" || i+1 == len(lines) || lines[i+1] != labels {
			continue
		}
		var pcs []uintptr
		for _, s := range f[2:] {
			pc, err := strconv.ParseUint(s, 0, 64)
			if err != nil {
				return 0, fmt.Errorf("goroutine profile line %q: %v", line, err)
			}
			pcs = append(pcs, uintptr(pc))
		}
		var funcs []string
		frames := runtime.CallersFrames(pcs)
		for {
			fr, more := frames.Next()
			funcs = append(funcs, fr.Function)
			if !more {
				break
			}
		}
		for j := 0; j+1 < len(funcs); j++ {
			if funcs[j] == "runtime.chanrecv1" && funcs[j+1] == handleFunc {
				count, _ := strconv.Atoi(f[0])
				n += count
				break
			}
		}
	}
	return n, nil
}

// waitAtRecorder waits until exactly n goroutines of the worker named
// name wait for the recorder's answer (atRecorder).
func waitAtRecorder(name string, n int) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := atRecorder(name)
		if err != nil || got == n {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d sends wait for the recorder, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// handSender is a gateSender that keeps the value each send was given. A
// delivery handed off by the transaction that queued it is the very
// *core.Delivery passed to Enqueue; one claimed is read from the outbox.
type handSender struct {
	*gateSender
	mu    sync.Mutex
	given map[int64][]*core.Delivery
}

func (s *handSender) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	s.mu.Lock()
	s.given[d.ID] = append(s.given[d.ID], d)
	s.mu.Unlock()
	return s.gateSender.Deliver(ctx, d)
}

func (s *handSender) givenFor(id int64) []*core.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.given[id])
}

// hookCall is one OnDone call and what its transaction showed as it
// began.
type hookCall struct {
	name   string
	tx     *sql.Tx
	done   []string // the rig's deliveries done, by name, oldest first
	reacts int      // follow-ups in the outbox
	failed bool     // the call returned an error
}

// batchRig is a running handOffWorker whose OnDone for hookedKind queues
// a follow-up (reactKind, on a stream of its own) for each delivery of
// that kind, and notes each call.
type batchRig struct {
	st   *core.Store
	w    *outbox.Worker
	s    *handSender
	stop func()

	byName map[string]*core.Delivery // the deliveries of the test

	mu        sync.Mutex
	names     map[int64]string
	failFirst string // the delivery whose first OnDone call fails
	hold      func() // run by the first OnDone call, the head's
	calls     []hookCall
	queued    map[string]*core.Delivery // by payload: the follow-up last given to Enqueue
	problems  []string
}

func newBatchRig(t *testing.T, st *core.Store) *batchRig {
	t.Helper()
	s := &handSender{gateSender: newGateSender(), given: map[int64][]*core.Delivery{}}
	r := &batchRig{st: st, w: handOffWorker(st, s), s: s, byName: map[string]*core.Delivery{},
		names: map[int64]string{}, queued: map[string]*core.Delivery{}}
	r.w.Register(outbox.Kind{Name: hookedKind, Platform: core.PlatformDiscord, OnDone: r.onDone})
	pprof.Do(context.Background(), pprof.Labels(workerLabel, r.w.Name), func(context.Context) {
		r.stop = startWorker(t, st, r.w, s.gateSender)
	})
	// The warm-up's send is done with the recorder: from now on only the
	// test's deliveries wait for it.
	if err := waitAtRecorder(r.w.Name, 0); err != nil {
		t.Fatal(err)
	}
	return r
}

// delivery returns a delivery named name (its payload's text) on stream:
// of hookedKind when hooked, a notice otherwise.
func (r *batchRig) delivery(name, stream string, hooked bool) *core.Delivery {
	d := notice(stream, name)
	if hooked {
		d.Kind = hookedKind
	}
	r.byName[name] = d
	return d
}

func followUpPayload(name string) string { return fmt.Sprintf(`{"react":%q}`, name) }

func (r *batchRig) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *batchRig) onDone(ctx context.Context, tx *outbox.Tx, d *core.Delivery, remoteID string) error {
	r.mu.Lock()
	hold := r.hold
	r.hold = nil
	names := maps.Clone(r.names)
	name, ok := names[d.ID]
	if !ok {
		name = fmt.Sprintf("#%d", d.ID)
	}
	fail := name == r.failFirst && !slices.ContainsFunc(r.calls, func(c hookCall) bool { return c.name == name })
	r.mu.Unlock()
	if hold != nil {
		hold()
	}
	if want := fmt.Sprintf("discord-%d", d.ID); remoteID != want {
		r.problem("OnDone for %s with remote ID %q, want %q", name, remoteID, want)
	}
	// One statement, so one snapshot on PostgreSQL (READ COMMITTED): the
	// deliveries done and the follow-ups queued, as of the same instant,
	// whatever the other one-by-one recordings commit meanwhile.
	var done []struct {
		ID     int64 `bun:"id"`
		Reacts int   `bun:"reacts"`
	}
	err := tx.Bun().NewSelect().Model((*core.Delivery)(nil)).Column("id").
		ColumnExpr("(SELECT count(*) FROM deliveries AS f WHERE f.kind = ?) AS reacts", reactKind).
		Where("id IN (?)", bun.In(slices.Collect(maps.Keys(names)))).Where("status = ?", core.DeliveryDone).
		OrderExpr("id").Scan(ctx, &done)
	if err != nil {
		r.problem("OnDone for %s: %v", name, err)
		return err
	}
	call := hookCall{name: name, tx: tx.Bun().Tx, failed: fail}
	for _, row := range done {
		call.done = append(call.done, names[row.ID])
		call.reacts = row.Reacts
	}
	f := &core.Delivery{Stream: "react:" + name, Kind: reactKind, Platform: core.PlatformDiscord, Payload: followUpPayload(name)}
	r.mu.Lock()
	r.calls = append(r.calls, call)
	if !fail {
		r.queued[f.Payload] = f
	}
	r.mu.Unlock()
	if fail {
		return errors.New("the hook fails once")
	}
	return tx.Enqueue(ctx, f)
}

// recordTogether queues head and batch, each the first of its stream and
// leased to the worker by the transaction queuing them, and behind after
// them on their streams; then lets them be sent so that head's completion
// is recorded alone and batch's in one batch, in order (see the top of
// the file). Queued outside the worker's transactions, the deliveries of
// behind are sent only once the completion of the one ahead of each
// finds that its stream holds more: nothing else claims them.
func (r *batchRig) recordTogether(t *testing.T, head *core.Delivery, batch []*core.Delivery, behind ...*core.Delivery) {
	t.Helper()
	releaseHead := r.s.gate(t, head.Payload)
	var release []func()
	for _, d := range batch {
		release = append(release, r.s.gate(t, d.Payload))
	}
	leased := enqueueIn(t, r.st, r.w, append([]*core.Delivery{head}, batch...)...)
	for i, by := range leased {
		if by != r.w.Name {
			t.Fatalf("delivery %d of the batch leased to %q, want the worker", i, by)
		}
	}
	if err := r.st.Enqueue(context.Background(), behind...); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	for name, d := range r.byName {
		r.names[d.ID] = name
	}
	ids := fmt.Sprint(r.names)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("deliveries by ID: %s", ids)
		}
	})
	r.hold = func() {
		// Waiting already: the head's send (its answer comes once this
		// hook ends) and the i sends let go before.
		for i := range batch {
			if err := waitAtRecorder(r.w.Name, 1+i); err != nil {
				r.problem("before letting %s go: %v", r.names[batch[i].ID], err)
				return
			}
			release[i]()
		}
		if err := waitAtRecorder(r.w.Name, 1+len(batch)); err != nil {
			r.problem("after letting the batch go: %v", err)
		}
	}
	r.mu.Unlock()
	releaseHead()
}

// wantRecorded waits until every delivery of the test and every
// follow-up is done, stops the worker (which lets its sends in flight
// finish) and checks that each was recorded once, with the remote ID its
// send gave it, after one send; that each delivery of hookedKind has one
// follow-up in the outbox, handed to the worker by the transaction that
// queued it (the value the hook gave Enqueue; no claim could take it,
// leased as it was); and that nothing was sent twice.
func (r *batchRig) wantRecorded(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var all []*core.Delivery
	var wantReacts []string
	for _, name := range slices.Sorted(maps.Keys(r.byName)) {
		d := r.byName[name]
		all = append(all, d)
		if d.Kind == hookedKind {
			wantReacts = append(wantReacts, followUpPayload(name))
		}
	}
	wantDone(t, r.st, all...)
	var reacts []*core.Delivery
	var gotReacts []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		reacts, gotReacts = nil, nil
		err := r.st.DB.NewSelect().Model(&reacts).Where("kind = ?", reactKind).OrderExpr("id").Scan(ctx)
		pending := 0
		for _, f := range reacts {
			gotReacts = append(gotReacts, f.Payload)
			if f.Status != core.DeliveryDone {
				pending++
			}
		}
		if err == nil && pending == 0 && len(reacts) >= len(wantReacts) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the follow-ups %v done: the outbox holds %v, %d not done (%v)", wantReacts, gotReacts, pending, err)
		}
	}
	r.stop()
	r.mu.Lock()
	problems := slices.Clone(r.problems)
	r.mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("in OnDone: %s", strings.Join(problems, "; "))
	}

	slices.Sort(gotReacts)
	if !slices.Equal(gotReacts, wantReacts) {
		t.Fatalf("follow-ups in the outbox %v, want one each of %v", gotReacts, wantReacts)
	}
	wantDone(t, r.st, reacts...)
	for _, f := range reacts {
		r.mu.Lock()
		queued := r.queued[f.Payload]
		r.mu.Unlock()
		switch given := r.s.givenFor(f.ID); {
		case len(given) != 1:
			t.Errorf("follow-up %s (delivery %d) sent %d times, want once", f.Payload, f.ID, len(given))
		case given[0] != queued:
			t.Errorf("follow-up %s (delivery %d) was sent as read from the outbox, not as handed off by the transaction that queued it", f.Payload, f.ID)
		}
	}

	sends := map[int64]int{}
	for _, x := range r.s.sentAll() {
		sends[x.ID]++
	}
	for _, d := range append(all, reacts...) {
		if sends[d.ID] != 1 {
			t.Errorf("delivery %d (%s) sent %d times, want once", d.ID, d.Payload, sends[d.ID])
		}
	}
	if n := len(r.s.sentAll()); n != 1+len(all)+len(reacts) {
		t.Errorf("%d sends, want %d: the warm-up, %d deliveries, %d follow-ups", n, 1+len(all)+len(reacts), len(all), len(reacts))
	}
}

// wantCalls checks the OnDone calls, each as "<delivery> tx<n>
// done[<deliveries done>] reacts=<follow-ups in the outbox>", and
// " failed" when it returned an error; the transactions are numbered in
// the order they first ran a hook.
func (r *batchRig) wantCalls(t *testing.T, want ...string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	txs := map[*sql.Tx]int{}
	var got []string
	for _, c := range r.calls {
		n, ok := txs[c.tx]
		if !ok {
			n = len(txs)
			txs[c.tx] = n
		}
		s := fmt.Sprintf("%s tx%d done%v reacts=%d", c.name, n, c.done, c.reacts)
		if c.failed {
			s += " failed"
		}
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("OnDone calls:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestWorkerRecordsHookedCompletionsInOneBatch: deliveries with work for
// OnDone, on different streams, finish together. Their completions are
// recorded in one transaction, done before any hook runs; what the hooks
// queue is queued after the last of them, in the same transaction, and
// handed to the worker (Poll is an hour, nothing listens for NOTIFY).
func TestWorkerRecordsHookedCompletionsInOneBatch(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newBatchRig(t, st)
		head := r.delivery("h0", "post:0", true)
		batch := []*core.Delivery{
			r.delivery("h1", "post:1", true),
			r.delivery("h2", "post:2", true),
			r.delivery("h3", "post:3", true),
		}
		r.recordTogether(t, head, batch)
		r.wantRecorded(t)
		r.wantCalls(t,
			"h0 tx0 done[h0] reacts=0",
			"h1 tx1 done[h0 h1 h2 h3] reacts=1",
			"h2 tx1 done[h0 h1 h2 h3] reacts=1",
			"h3 tx1 done[h0 h1 h2 h3] reacts=1",
		)
	})
}

// TestWorkerRecordsHookedBatchOneByOneWhenAHookFails: OnDone fails the
// first time it runs for h2, in the middle of a batch. The batch is
// rolled back (nothing of it is done, and nothing it queued is left, as
// the one-by-one recordings see) and each completion is recorded in a
// transaction of its own, h2's hook succeeding then. The
// stream of h1 holds more: its next delivery is taken after the
// one-by-one recording too.
func TestWorkerRecordsHookedBatchOneByOneWhenAHookFails(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newBatchRig(t, st)
		r.failFirst = "h2"
		head := r.delivery("h0", "post:0", true)
		batch := []*core.Delivery{
			r.delivery("h1", "post:1", true),
			r.delivery("h2", "post:2", true),
			r.delivery("h3", "post:3", true),
		}
		r.recordTogether(t, head, batch, r.delivery("h1b", "post:1", false))
		r.wantRecorded(t)
		r.wantOneByOneAfter(t, []string{
			"h0 tx0 done[h0] reacts=0",
			"h1 tx1 done[h0 h1 h2 h3] reacts=1",
			"h2 tx1 done[h0 h1 h2 h3] reacts=1 failed",
		}, "h1", "h2", "h3")
	})
}

// wantOneByOneAfter checks the OnDone calls: first exactly those of
// before (as in wantCalls), then one call for each of names, in any order
// (they are recorded concurrently), each in a transaction of its own,
// none failing. In each, the deliveries done are h0, itself and the ones
// recorded before it, and the follow-ups in the outbox are exactly those
// of the done deliveries other than itself (its own is queued after its
// hook): what the failed batch marked or queued was rolled back.
func (r *batchRig) wantOneByOneAfter(t *testing.T, before []string, names ...string) {
	t.Helper()
	r.mu.Lock()
	calls := slices.Clone(r.calls)
	r.mu.Unlock()
	if len(calls) != len(before)+len(names) {
		t.Fatalf("%d OnDone calls, want %d", len(calls), len(before)+len(names))
	}
	r.mu.Lock()
	r.calls = calls[:len(before)]
	r.mu.Unlock()
	r.wantCalls(t, before...)
	seen := map[string]bool{}
	txs := map[*sql.Tx]bool{}
	for _, c := range calls[:len(before)] {
		txs[c.tx] = true
	}
	for _, c := range calls[len(before):] {
		if !slices.Contains(names, c.name) || seen[c.name] || c.failed || txs[c.tx] {
			t.Fatalf("one-by-one call %+v: want each of %v once, in a transaction of its own, succeeding", c, names)
		}
		seen[c.name], txs[c.tx] = true, true
		if !slices.Contains(c.done, "h0") || !slices.Contains(c.done, c.name) || c.reacts != len(c.done)-1 {
			t.Fatalf("%s recorded alone saw done %v and %d follow-ups: the failed batch left something behind", c.name, c.done, c.reacts)
		}
	}
}

// TestWorkerRecordsMixedBatch: a batch holds notices (no work for OnDone)
// around a delivery with work for it. All are recorded done in the
// hook's transaction, OnDone runs for that one only, and the streams
// holding more (a notice's, the hooked delivery's) have their next
// deliveries taken.
func TestWorkerRecordsMixedBatch(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		r := newBatchRig(t, st)
		head := r.delivery("h0", "post:0", true)
		batch := []*core.Delivery{
			r.delivery("n1", "notice:1", false),
			r.delivery("h2", "post:2", true),
			r.delivery("n3", "notice:3", false),
		}
		r.recordTogether(t, head, batch, r.delivery("n1b", "notice:1", false), r.delivery("h2b", "post:2", false))
		r.wantRecorded(t)
		r.wantCalls(t,
			"h0 tx0 done[h0] reacts=0",
			"h2 tx1 done[h0 n1 h2 n3] reacts=1",
		)
	})
}
