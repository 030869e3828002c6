package slack_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/slack-go/slack"

	slackad "github.com/jayaya/jayayacrm/adapters/slack"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// crmWorld is JayayaCRM's /crm running over HTTP against the fake Slack:
// the real adapter, router and store, a staff member (sam), a client (carl)
// and someone unregistered (nina), all in #sales.
type crmWorld struct {
	t       *testing.T
	srv     *slacktest.Server
	st      *core.Store
	ad      *slackad.Adapter
	setter  *fakeSetter
	sam     slacktest.User
	carl    slacktest.User
	nina    slacktest.User
	sales   slacktest.Channel
	samUser *core.User
}

// fakeSetter stands in for the relay's ticket status changes.
type fakeSetter struct {
	st *core.Store
	mu sync.Mutex
	by []string
}

func (f *fakeSetter) SetStatus(ctx context.Context, ticketID int64, status string, by *core.User) (bool, error) {
	f.mu.Lock()
	f.by = append(f.by, by.Login+":"+status)
	f.mu.Unlock()
	return f.st.SetTicketStatus(ctx, nil, ticketID, status)
}

func newCRMWorld(t *testing.T, st *core.Store, withTickets bool) *crmWorld {
	t.Helper()
	srv := slacktest.New(t, slacktest.Config{})
	w := &crmWorld{t: t, srv: srv, st: st}
	state := srv.State()
	w.sam = state.AddUser(slacktest.User{Name: "sam", RealName: "Sam Staff"})
	w.carl = state.AddUser(slacktest.User{Name: "carl", RealName: "Carl Client"})
	w.nina = state.AddUser(slacktest.User{Name: "nina", RealName: "Nina Nobody"})
	w.sales = state.AddChannel(slacktest.Channel{Name: "sales", Members: []string{w.sam.ID, w.carl.ID, w.nina.ID}})
	ctx := context.Background()
	var err error
	if w.samUser, err = st.CreateUser(ctx, core.NewUser{Login: "sam", Name: "Sam Staff", Role: core.RoleStaff, SlackID: w.sam.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, core.NewUser{Login: "carl", Name: "Carl Client", Role: core.RoleClient, SlackID: w.carl.ID, Email: "carl@acme.example"}); err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter(st, slog.New(slog.DiscardHandler))
	deps := bot.CRMDeps{ThreadURL: slackad.ThreadURL}
	if withTickets {
		w.setter = &fakeSetter{st: st}
		deps.Tickets = w.setter
	}
	bot.RegisterCRM(r, deps)
	cfg := srv.Config()
	w.ad = slackad.New(slackad.Config{BotToken: cfg.BotToken, SigningSecret: cfg.SigningSecret, APIURL: srv.APIURL()}, st, r, slog.New(slog.DiscardHandler))
	mux := chi.NewRouter()
	w.ad.Routes(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	srv.SetProductURL(ts.URL)
	return w
}

// answer is the product's immediate answer to a command.
type answer struct {
	d    *slacktest.Delivery
	msg  slack.Msg
	raw  map[string]any
	text string // every text in the answer, joined
}

// cmd types `/crm text` as user in #sales.
func (w *crmWorld) cmd(user slacktest.User, text string) answer {
	w.t.Helper()
	d, err := w.srv.HTTP().Command(context.Background(), slacktest.Command{UserID: user.ID, ChannelID: w.sales.ID, Command: "/crm", Text: text})
	if err != nil {
		w.t.Fatal(err)
	}
	if !d.OK() || d.Late() {
		w.t.Fatalf("/crm %s: status %d in %s", text, d.Status, d.Duration)
	}
	a := answer{d: d}
	if len(d.Body) > 0 {
		if err := json.Unmarshal(d.Body, &a.msg); err != nil {
			w.t.Fatalf("/crm %s: answer %s: %v", text, d.Body, err)
		}
		_ = json.Unmarshal(d.Body, &a.raw)
		a.text = allText(d.Body)
	}
	return a
}

// allText collects every "text" string of a JSON document.
func allText(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if s, ok := val.(string); ok && k == "text" {
					out = append(out, s)
				} else {
					walk(val)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

// button is a button found in blocks.
type button struct {
	BlockID, ActionID, Value, Label, URL string
}

// buttons lists the buttons of a message body (sections' accessories and
// actions blocks).
func buttons(raw []byte) []button {
	var doc struct {
		Blocks []struct {
			BlockID   string `json:"block_id"`
			Accessory *struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
				URL      string `json:"url"`
				Text     struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"accessory"`
			Elements []struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
				URL      string `json:"url"`
				Text     struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	_ = json.Unmarshal(raw, &doc)
	var out []button
	for _, b := range doc.Blocks {
		if a := b.Accessory; a != nil && a.Type == "button" {
			out = append(out, button{b.BlockID, a.ActionID, a.Value, a.Text.Text, a.URL})
		}
		for _, e := range b.Elements {
			if e.Type == "button" {
				out = append(out, button{b.BlockID, e.ActionID, e.Value, e.Text.Text, e.URL})
			}
		}
	}
	return out
}

// find returns the button with this label prefix, failing the test if none.
func (w *crmWorld) find(bs []button, label string) button {
	w.t.Helper()
	for _, b := range bs {
		if strings.HasPrefix(b.Label, label) {
			return b
		}
	}
	w.t.Fatalf("no button %q among %+v", label, bs)
	return button{}
}

// findAction returns the button with this action (and value, when not
// empty), failing the test if none.
func (w *crmWorld) findAction(bs []button, action, value string) button {
	w.t.Helper()
	for _, b := range bs {
		if b.ActionID == action && (value == "" || b.Value == value) {
			return b
		}
	}
	w.t.Fatalf("no button %s %q among %+v", action, value, bs)
	return button{}
}

// post shows blocks as a message in #sales (as a shared card would be),
// so that its buttons can be pressed; it returns the message's ts.
func (w *crmWorld) post(raw []byte) string {
	w.t.Helper()
	var doc struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		w.t.Fatal(err)
	}
	_, ts, err := w.srv.Client().PostMessage(w.sales.ID, slack.MsgOptionText("card", false), slack.MsgOptionBlocks(doc.Blocks.BlockSet...))
	if err != nil {
		w.t.Fatal(err)
	}
	return ts
}

// press presses a button of the message ts as user and waits for the
// product's acknowledgement.
func (w *crmWorld) press(user slacktest.User, ts string, b button) *slacktest.Delivery {
	w.t.Helper()
	d, err := w.srv.HTTP().BlockAction(context.Background(), slacktest.BlockAction{UserID: user.ID, ChannelID: w.sales.ID,
		MessageTS: ts, ActionID: b.ActionID, BlockID: b.BlockID, Value: b.Value})
	if err != nil {
		w.t.Fatal(err)
	}
	if !d.OK() || d.Late() {
		w.t.Fatalf("press %s: status %d in %s", b.ActionID, d.Status, d.Duration)
	}
	return d
}

// lastView returns the newest view the product opened, failing if there
// is none with this callback ID.
func (w *crmWorld) lastView(callbackID string) slacktest.View {
	w.t.Helper()
	views := w.srv.State().Views()
	if len(views) == 0 || views[len(views)-1].CallbackID != callbackID {
		w.t.Fatalf("no %s view opened (views: %d)", callbackID, len(views))
	}
	return views[len(views)-1]
}

// submit submits a view with text inputs (name → value) and multiselects
// (name → values).
func (w *crmWorld) submit(user slacktest.User, v slacktest.View, texts map[string]string, multi map[string][]string) (*slacktest.Delivery, slack.ViewSubmissionResponse) {
	w.t.Helper()
	values := map[string]map[string]slacktest.InputValue{}
	for k, s := range texts {
		values[k] = map[string]slacktest.InputValue{k: {Value: s}}
	}
	for k, vs := range multi {
		if vs == nil {
			vs = []string{}
		}
		values[k] = map[string]slacktest.InputValue{k: {Type: "multi_static_select", SelectedOptions: vs}}
	}
	d, err := w.srv.HTTP().SubmitView(context.Background(), slacktest.ViewSubmission{ViewID: v.ID, UserID: user.ID, Values: values})
	if err != nil {
		w.t.Fatal(err)
	}
	if !d.OK() || d.Late() {
		w.t.Fatalf("submit %s: status %d in %s", v.CallbackID, d.Status, d.Duration)
	}
	resp, err := d.ViewResponse()
	if err != nil {
		w.t.Fatal(err)
	}
	return d, resp
}

// viewInput returns the initial value(s) of a modal input, by block ID.
func viewInput(v slacktest.View, block string) (value string, values []string, options []string) {
	var doc struct {
		Blocks []struct {
			BlockID string `json:"block_id"`
			Element struct {
				InitialValue   string `json:"initial_value"`
				InitialOptions []struct {
					Value string `json:"value"`
				} `json:"initial_options"`
				Options []struct {
					Value string `json:"value"`
					Text  struct {
						Text string `json:"text"`
					} `json:"text"`
				} `json:"options"`
			} `json:"element"`
		} `json:"blocks"`
	}
	_ = json.Unmarshal(v.JSON, &doc)
	for _, b := range doc.Blocks {
		if b.BlockID == block {
			for _, o := range b.Element.InitialOptions {
				values = append(values, o.Value)
			}
			for _, o := range b.Element.Options {
				options = append(options, o.Value+"="+o.Text.Text)
			}
			return b.Element.InitialValue, values, options
		}
	}
	return "", nil, nil
}

// waitEphemeral waits for an ephemeral message to user containing s.
func (w *crmWorld) waitEphemeral(user slacktest.User, s string) slacktest.Ephemeral {
	w.t.Helper()
	var found slacktest.Ephemeral
	w.srv.WaitFor(w.t, func(st *slacktest.State) bool {
		for _, e := range st.Ephemerals() {
			if e.User == user.ID && strings.Contains(e.Text+allText(e.Blocks), s) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// ephemeralsTo counts the ephemeral messages user got.
func (w *crmWorld) ephemeralsTo(user slacktest.User) int {
	n := 0
	for _, e := range w.srv.State().Ephemerals() {
		if e.User == user.ID {
			n++
		}
	}
	return n
}

// mustCompany creates a company through core.
func (w *crmWorld) mustCompany(name string, interests ...int64) *core.Company {
	w.t.Helper()
	c, err := w.st.CreateCompany(context.Background(), core.CompanyInput{Name: name, InterestIDs: interests})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *crmWorld) companyCount() int {
	w.t.Helper()
	n, err := w.st.CountCompanies(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, s := range wants {
		if !strings.Contains(got, s) {
			t.Errorf("%s: %q does not contain %q", what, got, s)
		}
	}
}

// postgresWorld is a world on a fresh PostgreSQL database.
func postgresWorld(t *testing.T, withTickets bool) *crmWorld {
	t.Helper()
	return newCRMWorld(t, coretest.MustOpenPostgres(t), withTickets)
}
