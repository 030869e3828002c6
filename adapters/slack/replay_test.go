package slack

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// capture stands between the fake Slack and the product, as someone on
// the path would: it passes each request on and keeps the last one, whose
// exact bytes (headers and body, signature included) replay sends again.
type capture struct {
	t      *testing.T
	target string // the product's base URL
	srv    *httptest.Server

	mu     sync.Mutex
	path   string
	header http.Header
	body   []byte
}

func newCapture(t *testing.T, target string) *capture {
	c := &capture{t: t, target: target}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.path, c.header, c.body = r.URL.Path, r.Header.Clone(), body
		c.mu.Unlock()
		status, answer, err := c.send(c.target, r.URL.Path, r.Header, body)
		if err != nil {
			c.t.Errorf("passing the request on: %v", err)
			status = http.StatusBadGateway
		}
		w.WriteHeader(status)
		w.Write(answer)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// send POSTs body with header to base+path and returns the answer.
func (c *capture) send(base, path string, header http.Header, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

// replay sends the last captured request again, byte for byte, to base
// (the same replica or another), with extra headers added.
func (c *capture) replay(base string, extra ...string) (int, []byte) {
	c.t.Helper()
	c.mu.Lock()
	path, header, body := c.path, c.header.Clone(), c.body
	c.mu.Unlock()
	if body == nil {
		c.t.Fatal("nothing captured")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		header.Set(extra[i], extra[i+1])
	}
	status, answer, err := c.send(base, path, header, body)
	if err != nil {
		c.t.Fatal(err)
	}
	return status, answer
}

// crmReplica is one jayaya process serving /crm over HTTP: its own store
// on the shared database, router and Slack adapter.
func crmReplica(t *testing.T, st *core.Store, fake *slacktest.Server) string {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	r := bot.NewRouter(st, log)
	bot.RegisterCRM(r, bot.CRMDeps{ThreadURL: ThreadURL})
	cfg := fake.Config()
	a := New(Config{BotToken: cfg.BotToken, SigningSecret: cfg.SigningSecret, APIURL: fake.APIURL()}, st, r, log)
	mux := chi.NewRouter()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestReplayedCommandIsIgnored: a signed /crm comment captured on its way
// and sent again within Slack's five minutes, to the same replica or to
// another one on the same PostgreSQL database, is answered 200 with
// nothing done, even with a retry header added: the comment exists once.
func TestReplayedCommandIsIgnored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := coretest.NewPostgresDatabase(t, true)
	stores := make([]*core.Store, 2)
	for i := range stores {
		st, err := core.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	fake := slacktest.New(t, slacktest.Config{})
	sam := fake.State().AddUser(slacktest.User{Name: "sam", RealName: "Sam Staff"})
	sales := fake.State().AddChannel(slacktest.Channel{Name: "sales", Members: []string{sam.ID}})
	if _, err := stores[0].CreateUser(ctx, core.NewUser{Login: "sam", Name: "Sam Staff", Role: core.RoleStaff, SlackID: sam.ID}); err != nil {
		t.Fatal(err)
	}
	acme, err := stores[0].CreateCompany(ctx, core.CompanyInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	replicaA, replicaB := crmReplica(t, stores[0], fake), crmReplica(t, stores[1], fake)
	c := newCapture(t, replicaA)
	fake.SetProductURL(c.srv.URL)

	d, err := fake.HTTP().Command(ctx, slacktest.Command{UserID: sam.ID, ChannelID: sales.ID, Command: "/crm", Text: "comment Acme Called them"})
	if err != nil || !d.OK() || !bytes.Contains(d.Body, []byte("Comment added")) {
		t.Fatalf("the command: %v %+v %s", err, d, d.Body)
	}
	for _, rp := range []struct {
		name  string
		base  string
		extra []string
	}{
		{"to the same replica", replicaA, nil},
		{"to another replica", replicaB, nil},
		{"as a retry", replicaB, []string{"X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"}},
		// The same signature in capitals is the same bytes to the
		// verifier, so it must be the same request to the replay check.
		{"with its signature in capitals", replicaB, []string{"X-Slack-Signature", "v0=" + strings.ToUpper(strings.TrimPrefix(c.header.Get("X-Slack-Signature"), "v0="))}},
		{"with its signature in mixed case", replicaA, []string{"X-Slack-Signature", mixedCase(c.header.Get("X-Slack-Signature"))}},
	} {
		status, answer := c.replay(rp.base, rp.extra...)
		if status != http.StatusOK || len(answer) != 0 {
			t.Errorf("replayed %s: %d %q", rp.name, status, answer)
		}
	}
	cs, err := stores[1].Comments(ctx, acme.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Body != "Called them" {
		t.Fatalf("comments after the replays: %+v", cs)
	}
}

// mixedCase turns every other letter of a "v0=" signature's hex into a
// capital.
func mixedCase(sig string) string {
	b := []byte(strings.TrimPrefix(sig, "v0="))
	for i := 0; i < len(b); i += 2 {
		if b[i] >= 'a' && b[i] <= 'f' {
			b[i] -= 'a' - 'A'
		}
	}
	return "v0=" + string(b)
}

// TestReplayedEventIsIgnoredButRetriesPass: an event whose first delivery
// failed (500), replayed as captured, is ignored; Slack's own retry of it
// (X-Slack-Retry-Num) is a new request and is stored.
func TestReplayedEventIsIgnoredButRetriesPass(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		e := newRelayEnv(t, st)
		ctx := context.Background()
		c := newCapture(t, e.srv.URL)
		e.fake.SetProductURL(c.srv.URL)

		if _, err := st.DB.ExecContext(ctx, "ALTER TABLE messages RENAME TO messages_away"); err != nil {
			t.Fatal(err)
		}
		_, d, err := e.fake.HTTP().PostAsUser(ctx, slacktest.UserPost{User: e.staff.ID, Channel: e.staffCh, ThreadTS: e.cardTS, Text: "lost?"})
		if err != nil || d.Status != http.StatusInternalServerError {
			t.Fatalf("with the database broken: %v %+v", err, d)
		}
		if _, err := st.DB.ExecContext(ctx, "ALTER TABLE messages_away RENAME TO messages"); err != nil {
			t.Fatal(err)
		}

		if status, _ := c.replay(e.srv.URL); status != http.StatusOK {
			t.Fatalf("replay answered %d", status)
		}
		if ms := e.messages(); len(ms) != 0 {
			t.Fatalf("the replay was stored: %+v", ms)
		}
		if status, _ := c.replay(e.srv.URL, "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_error"); status != http.StatusOK {
			t.Fatalf("retry answered %d", status)
		}
		if ms := e.messages(); len(ms) != 1 || ms[0].Body != "lost?" {
			t.Fatalf("after Slack's retry: %+v", ms)
		}
	})
}
