package discordtest

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

const waitTimeout = 5 * time.Second

// closers tracks sessions closing in the background: discordgo's Close
// sleeps a full second, which would otherwise serialise the tests.
var closers sync.WaitGroup

func TestMain(m *testing.M) {
	code := m.Run()
	closers.Wait()
	os.Exit(code)
}

// recorder keeps the typed events a discordgo session delivered.
type recorder struct {
	mu     sync.Mutex
	events []any
	notify chan struct{}
}

func newRecorder(dg *discordgo.Session) *recorder {
	r := &recorder{notify: make(chan struct{})}
	dg.AddHandler(func(_ *discordgo.Session, e any) {
		if _, raw := e.(*discordgo.Event); raw {
			return
		}
		r.mu.Lock()
		r.events = append(r.events, e)
		close(r.notify)
		r.notify = make(chan struct{})
		r.mu.Unlock()
	})
	return r
}

// all returns the recorded events of type T.
func all[T any](r *recorder) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []T
	for _, e := range r.events {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// waitFor waits until cond holds over the recorded events.
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		r.mu.Lock()
		ch := r.notify
		r.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// openSession opens a real discordgo session against srv (SyncEvents on,
// so handlers run in gateway order) and waits for READY.
func openSession(t *testing.T, srv *Server, configure ...func(*discordgo.Session)) (*discordgo.Session, *recorder) {
	t.Helper()
	dg, err := srv.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	dg.SyncEvents = true
	for _, f := range configure {
		f(dg)
	}
	rec := newRecorder(dg)
	if err := dg.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		closers.Add(1)
		go func() {
			defer closers.Done()
			dg.Close()
		}()
		// Once the server has seen the close frame, Close holds the
		// session's lock until it is done, so stopping the server next
		// cannot send discordgo into its reconnect loop.
		srv.WaitFor(func() bool { return !srv.GatewayStats().Connected }, 2*time.Second)
	})
	rec.waitFor(t, "READY", func() bool { return len(all[*discordgo.Ready](rec)) > 0 })
	// discordgo sends its first heartbeat right after READY; a fault injected
	// while that write is in flight makes its heartbeat goroutine start a
	// second, racing reconnect loop. Once the server has the heartbeat, the
	// goroutine sleeps until the next interval.
	if !srv.WaitFor(func() bool { return srv.GatewayStats().Heartbeats > 0 }, waitTimeout) {
		t.Fatal("no heartbeat")
	}
	return dg, rec
}

// addClient creates a user who is a member of the seeded guild.
func addClient(t *testing.T, srv *Server, name string) *discordgo.User {
	t.Helper()
	u := srv.AddUser(name)
	if err := srv.AddMember(srv.Seed().GuildID, u.ID); err != nil {
		t.Fatal(err)
	}
	return u
}

// restCode returns the HTTP status and Discord error code of a REST error
// (from discordgo) or of an *APIError (from a simulation method).
func restCode(t *testing.T, err error) (status, code int) {
	t.Helper()
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status, ae.Code
	}
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		t.Fatalf("want *discordgo.RESTError, got %T: %v", err, err)
	}
	if re.Message == nil {
		t.Fatalf("REST error without JSON message: %s", re.ResponseBody)
	}
	return re.Response.StatusCode, re.Message.Code
}

// wantCode fails unless err is a REST error with status and code.
func wantCode(t *testing.T, err error, status, code int) {
	t.Helper()
	gotStatus, gotCode := restCode(t, err)
	if gotStatus != status || gotCode != code {
		t.Fatalf("got HTTP %d code %d, want HTTP %d code %d (%v)", gotStatus, gotCode, status, code, err)
	}
}

// messageContents returns the contents of MESSAGE_CREATEs received in channelID.
func messageContents(r *recorder, channelID string) []string {
	var out []string
	for _, m := range all[*discordgo.MessageCreate](r) {
		if m.ChannelID == channelID {
			out = append(out, m.Content)
		}
	}
	return out
}

// clock is a test clock that runs with real time plus an adjustable offset.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}
