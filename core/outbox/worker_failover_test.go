package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Replicas on one PostgreSQL, one of which dies or stops mid-send. Each
// replica is a worker on a store of its own; the one that fails reaches
// the database through a coretest.DBProxy (Cut: killed; Freeze: paused,
// its connections left open).

// platform is a chat platform seen by every replica: what was posted,
// keyed by the delivery that posted it (as Slack message metadata and
// Discord's look-back find a delivery's earlier post).
type platform struct {
	mu    sync.Mutex
	posts []post
}

type post struct {
	delivery int64
	text     string
	worker   string
}

// find returns the index of the post delivery d left, -1 when none.
func (p *platform) find(d int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.posts {
		if x.delivery == d {
			return i
		}
	}
	return -1
}

func (p *platform) texts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, x := range p.posts {
		out = append(out, x.text)
	}
	return out
}

// replicaSender posts to a shared platform as an adapter does: a retried
// delivery first looks for its earlier post; every request checks the
// lease first (outbox.LeaseHeld, as bot.PacedTransport does). hold, when
// set, is called before the post (after=false) and after it, before the
// answer returns (after=true).
type replicaSender struct {
	p      *platform
	st     *core.Store
	worker string
	hold   func(d *core.Delivery, after bool)
}

func (s *replicaSender) Platform() string { return core.PlatformSlack }

func (s *replicaSender) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	if tried, err := s.st.MayHaveBeenTried(ctx, d); err != nil {
		return "", err
	} else if tried {
		if err := outbox.LeaseHeld(ctx); err != nil {
			return "", err
		}
		if i := s.p.find(d.ID); i >= 0 {
			return fmt.Sprint("post-", i), nil
		}
	}
	if s.hold != nil {
		s.hold(d, false)
	}
	if err := outbox.LeaseHeld(ctx); err != nil {
		return "", err
	}
	var body struct{ Text string }
	json.Unmarshal([]byte(d.Payload), &body)
	s.p.mu.Lock()
	s.p.posts = append(s.p.posts, post{delivery: d.ID, text: body.Text, worker: s.worker})
	id := fmt.Sprint("post-", len(s.p.posts)-1)
	s.p.mu.Unlock()
	if s.hold != nil {
		s.hold(d, true)
	}
	return id, nil
}

// resultSender reports what the first Deliver returned.
type resultSender struct {
	*replicaSender
	result chan error
}

func (s *resultSender) Deliver(ctx context.Context, d *core.Delivery) (string, error) {
	id, err := s.replicaSender.Deliver(ctx, d)
	select {
	case s.result <- err:
	default:
	}
	return id, err
}

// failoverRig is two replicas on one PostgreSQL: doomed (through a proxy)
// and heir, sending to one platform.
type failoverRig struct {
	st      *core.Store
	proxy   *coretest.DBProxy
	doomed  *core.Store
	p       *platform
	doomedW *outbox.Worker
	held    chan *core.Delivery // deliveries the doomed replica's sender holds
	release chan struct{}       // lets them go on
	result  chan error          // what the held delivery's Deliver returned
}

// newFailoverRig starts the doomed replica, whose sender holds the first
// delivery it gets before posting it (after=false) or after (true).
func newFailoverRig(t *testing.T, after bool, kinds ...outbox.Kind) *failoverRig {
	t.Helper()
	r := &failoverRig{st: coretest.MustOpenPostgres(t), p: &platform{}, held: make(chan *core.Delivery, 1), release: make(chan struct{}), result: make(chan error, 1)}
	r.doomed, r.proxy = coretest.OpenViaProxy(t, r.st.DSN())
	var once sync.Once
	s := &replicaSender{p: r.p, st: r.doomed, worker: "doomed", hold: func(d *core.Delivery, a bool) {
		if a != after {
			return
		}
		first := false
		once.Do(func() { first = true })
		if first {
			r.held <- d
			<-r.release
		}
	}}
	// Named after its store, as in jayaya serve: its sessions can be ended.
	r.doomedW = r.worker(r.doomed, r.doomed.Replica(), &resultSender{s, r.result}, kinds...)
	t.Cleanup(func() { r.letGo() })
	return r
}

// letGo releases what the doomed replica's sender holds (idempotent).
func (r *failoverRig) letGo() {
	select {
	case <-r.release:
	default:
		close(r.release)
	}
}

// worker starts a replica's worker named name on st.
func (r *failoverRig) worker(st *core.Store, name string, s outbox.Sender, kinds ...outbox.Kind) *outbox.Worker {
	w := outbox.NewWorker(st, quietLog(), s)
	w.Name = name
	w.NoListen = true
	w.Poll = 50 * time.Millisecond
	w.Register(kinds...)
	return w
}

// heir starts the surviving replica.
func (r *failoverRig) heir(t *testing.T, kinds ...outbox.Kind) *outbox.Worker {
	t.Helper()
	w := r.worker(r.st, "heir", &replicaSender{p: r.p, st: r.st, worker: "heir"}, kinds...)
	runWorker(t, w)
	return w
}

// queue enqueues one text delivery per text on one stream.
func queue(t *testing.T, st *core.Store, texts ...string) []*core.Delivery {
	t.Helper()
	var ds []*core.Delivery
	for _, text := range texts {
		b, _ := json.Marshal(map[string]string{"Text": text})
		ds = append(ds, &core.Delivery{Stream: "ticket:1:slack", Kind: "slack.post", Platform: core.PlatformSlack, Payload: string(b)})
	}
	if err := st.Enqueue(context.Background(), ds...); err != nil {
		t.Fatal(err)
	}
	return ds
}

// wantPosts waits for the outbox to drain and checks the platform.
func (r *failoverRig) wantPosts(t *testing.T, want ...string) {
	t.Helper()
	waitIdle(t, r.st)
	if got := r.p.texts(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("posted %q, want %q (each once, in order)", got, want)
	}
}

// TestKilledSenderAfterThePlatformAnswered: a replica posts and is killed
// before it can record the post; the other takes the delivery over as
// soon as the dead replica's heartbeat is stale (long before its 30 s
// lease ends), finds the earlier post and sends nothing twice.
func TestKilledSenderAfterThePlatformAnswered(t *testing.T) {
	t.Parallel()
	r := newFailoverRig(t, true)
	runWorker(t, r.doomedW)
	queue(t, r.st, "one", "two", "three")
	d := <-r.held
	r.proxy.Cut() // kill -9: nothing more reaches the database
	r.heir(t)
	// Within 20 s: its lease (30 s) has not run out.
	waitFor(t, 20*time.Second, "the killed replica's delivery taken over", func() bool {
		got, err := r.st.Delivery(context.Background(), d.ID)
		return err == nil && got.Status == core.DeliveryDone
	})
	r.letGo()
	r.wantPosts(t, "one", "two", "three")
	if got, _ := r.st.Delivery(context.Background(), d.ID); got.RemoteID != "post-0" || got.Attempts != 2 {
		t.Errorf("taken-over delivery %+v: want the dead replica's post recorded, after one more attempt", got)
	}
}

// TestPausedSenderAfterThePlatformAnswered: a replica posts, and stops
// (SIGSTOP) before recording; the other takes over and records the post it
// finds. When the paused one resumes, its recording is refused (the lease
// is gone) and it goes on working with the others.
func TestPausedSenderAfterThePlatformAnswered(t *testing.T) {
	t.Parallel()
	r := newFailoverRig(t, true)
	runWorker(t, r.doomedW)
	queue(t, r.st, "one", "two")
	<-r.held
	r.proxy.Freeze()
	r.heir(t)
	r.wantPosts(t, "one", "two")
	r.proxy.Thaw()
	r.letGo()
	if err := <-r.result; err != nil {
		t.Fatalf("the resumed replica's send: %v", err)
	}
	waitFor(t, 10*time.Second, "the paused worker alive again", func() bool {
		names, _ := r.st.LiveWorkers(context.Background(), core.WorkerDeadAfter)
		return len(names) == 2
	})
	queue(t, r.st, "three", "four")
	r.wantPosts(t, "one", "two", "three", "four")
}

// TestPausedSenderBeforeThePlatformCall: a replica stops after it took a
// delivery but before its request leaves; the other takes over and posts.
// When the paused one resumes, its request does not leave: it would be a
// second copy (outbox.LeaseHeld, checked before each request).
func TestPausedSenderBeforeThePlatformCall(t *testing.T) {
	t.Parallel()
	r := newFailoverRig(t, false)
	runWorker(t, r.doomedW)
	queue(t, r.st, "one", "two")
	d := <-r.held
	r.proxy.Freeze()
	r.heir(t)
	r.wantPosts(t, "one", "two")
	// Resumed: its clock has moved past the time its lease was safe.
	r.proxy.Thaw()
	r.letGo()
	if err := <-r.result; !errors.Is(err, outbox.ErrLeaseLost) {
		t.Fatalf("the resumed replica's send returned %v, want ErrLeaseLost", err)
	}
	queue(t, r.st, "three")
	r.wantPosts(t, "one", "two", "three")
	if got, _ := r.st.Delivery(context.Background(), d.ID); got.Status != core.DeliveryDone || r.p.posts[0].worker != "heir" {
		t.Errorf("delivery %+v posted by %s", got, r.p.posts[0].worker)
	}
}

// TestKilledSenderOfACoalescedPost: a replica merges the posts queued
// behind the first into one (a kind's Prepare), sends the combined post
// and is killed before recording it. The other replica takes the merged
// delivery over and finds the combined post; no follower is ever sent on
// its own.
func TestKilledSenderOfACoalescedPost(t *testing.T) {
	t.Parallel()
	merge := outbox.Kind{Name: "slack.post", Platform: core.PlatformSlack}
	r := newFailoverRig(t, true)
	merge.Prepare = func(ctx context.Context, d *core.Delivery) (*core.Delivery, []int64, error) {
		later, err := r.st.LaterPending(ctx, d.Stream, d.ID, d.Kind, 10)
		if err != nil || len(later) == 0 {
			return nil, nil, err
		}
		var texts []string
		var ids []int64
		var body struct{ Text string }
		json.Unmarshal([]byte(d.Payload), &body)
		texts = append(texts, body.Text)
		for _, f := range later {
			json.Unmarshal([]byte(f.Payload), &body)
			texts = append(texts, body.Text)
			ids = append(ids, f.ID)
		}
		b, _ := json.Marshal(map[string]string{"Text": strings.Join(texts, "+")})
		send := *d
		send.Payload = string(b)
		return &send, ids, nil
	}
	r.doomedW.Register(merge)
	// Queued before the worker runs: the first claim finds all three.
	queue(t, r.st, "one", "two", "three")
	runWorker(t, r.doomedW)
	<-r.held
	r.proxy.Cut()
	r.heir(t, merge)
	r.wantPosts(t, "one+two+three")
	r.letGo()
}

// TestSlowSendOfALiveReplicaIsNotTaken: a send that takes longer than a
// dead worker's heartbeat may (the platform is slow, the pacer waits) is
// left to its replica, which is alive and beating.
func TestSlowSendOfALiveReplicaIsNotTaken(t *testing.T) {
	t.Parallel()
	r := newFailoverRig(t, false)
	runWorker(t, r.doomedW)
	queue(t, r.st, "slow", "next")
	d := <-r.held
	r.heir(t)
	time.Sleep(3 * core.WorkerDeadAfter)
	got, err := r.st.Delivery(context.Background(), d.ID)
	if err != nil || got.LockedBy != r.doomed.Replica() || got.Attempts != 1 {
		t.Fatalf("while its replica is slow but alive: %+v %v; want it still leased to it, one attempt", got, err)
	}
	r.letGo()
	if err := <-r.result; err != nil {
		t.Fatalf("the slow send: %v", err)
	}
	r.wantPosts(t, "slow", "next")
}
