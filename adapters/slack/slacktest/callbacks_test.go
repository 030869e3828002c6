package slacktest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// product stands in for JayayaCRM's Slack endpoints: it verifies every
// request with slack-go's verifier and records what it parsed.
type product struct {
	secret string

	mu           sync.Mutex
	commands     []slack.SlashCommand
	events       []slackevents.EventsAPIEvent
	eventIDs     []string
	retryNums    []string
	interactions []slack.InteractionCallback
	// answer decides the reply to an interaction; nil answers 200 with no body.
	answer func(slack.InteractionCallback) any
}

func newProduct(t *testing.T, w *workspace) *product {
	t.Helper()
	p := &product{secret: w.srv.Config().SigningSecret}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	w.srv.SetProductURL(ts.URL)
	return p
}

func (p *product) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sv, err := slack.NewSecretsVerifier(r.Header, p.secret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.URL.Path {
	case "/slack/commands":
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.commands = append(p.commands, cmd)
		_ = json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": "working on it"})
	case "/slack/events":
		ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if ev.Type == slackevents.URLVerification {
			_, _ = w.Write([]byte(ev.Data.(*slackevents.EventsAPIURLVerificationEvent).Challenge))
			return
		}
		p.events = append(p.events, ev)
		p.eventIDs = append(p.eventIDs, ev.Data.(*slackevents.EventsAPICallbackEvent).EventID)
		p.retryNums = append(p.retryNums, r.Header.Get("X-Slack-Retry-Num"))
	case "/slack/interactions":
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(r.FormValue("payload")), &cb); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.interactions = append(p.interactions, cb)
		if p.answer != nil {
			if a := p.answer(cb); a != nil {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(a)
			}
		}
	default:
		http.NotFound(w, r)
	}
}

// snapshot returns copies of what the product received, taken under its lock.
func (p *product) snapshot() (cmds []slack.SlashCommand, ids, retries []string, inters []slack.InteractionCallback) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.commands), slices.Clone(p.eventIDs), slices.Clone(p.retryNums), slices.Clone(p.interactions)
}

func (p *product) setAnswer(fn func(slack.InteractionCallback) any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answer = fn
}

func (p *product) lastEvent(t *testing.T) *slackevents.MessageEvent {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.events) == 0 {
		t.Fatal("no event received")
	}
	ev, ok := p.events[len(p.events)-1].InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok {
		t.Fatalf("inner event is %T", p.events[len(p.events)-1].InnerEvent.Data)
	}
	return ev
}

func TestSignedCommandReachesHandler(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	p := newProduct(t, w)
	ctx := t.Context()

	d, err := w.srv.HTTP().Command(ctx, slacktest.Command{UserID: w.alice.ID, ChannelID: w.staff.ID, Command: "/crm", Text: "tickets"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != http.StatusOK || d.Duration <= 0 || d.Late() {
		t.Fatalf("delivery = %d in %s", d.Status, d.Duration)
	}
	var reply slack.Msg
	if err := d.JSON(&reply); err != nil || reply.Text != "working on it" {
		t.Errorf("answer = %q (%v)", d.Body, err)
	}
	cmds, _, _, _ := p.snapshot()
	cmd := cmds[0]
	if cmd.UserID != w.alice.ID || cmd.UserName != "alice" || cmd.ChannelID != w.staff.ID || cmd.Command != "/crm" ||
		cmd.Text != "tickets" || cmd.TriggerID != d.TriggerID || cmd.ResponseURL != d.ResponseURL || cmd.TeamID == "" {
		t.Errorf("command = %+v", cmd)
	}

	// The response_url takes slack-go's MsgOptionResponseURL posts.
	if _, _, err := w.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("3 open tickets", false)); err != nil {
		t.Fatal(err)
	}
	st := w.srv.State()
	if e := st.Ephemerals(); len(e) != 1 || e[0].Text != "3 open tickets" || e[0].User != w.alice.ID || e[0].Source != "response_url" {
		t.Errorf("ephemerals = %+v", e)
	}
	if posts := st.ResponsePosts(); len(posts) != 1 || posts[0].Kind != "command" {
		t.Errorf("response posts = %+v", posts)
	}
	// The command's trigger_id opens a modal.
	if _, err := w.api.OpenViewContext(ctx, cmd.TriggerID, ticketModal("New ticket")); err != nil {
		t.Errorf("views.open with the command's trigger: %v", err)
	}
}

func TestForgedCallbacksFailVerification(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	p := newProduct(t, w)
	tests := []struct {
		name string
		opt  slacktest.SendOption
	}{
		{"wrong secret", slacktest.BadSignature()},
		{"timestamp ten minutes old", slacktest.StaleTimestamp()},
		{"no signature", slacktest.Unsigned()},
		{"timestamp in the future", slacktest.SignedAt(time.Now().Add(6 * time.Minute))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := w.srv.HTTP().Command(t.Context(), slacktest.Command{UserID: w.alice.ID, ChannelID: w.staff.ID, Command: "/crm"}, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", d.Status)
			}
		})
	}
	if cmds, _, _, _ := p.snapshot(); len(cmds) != 0 {
		t.Errorf("forged commands were handled: %+v", cmds)
	}
}

func TestThreadReplyEvent(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	p := newProduct(t, w)
	ctx := t.Context()
	snd := w.srv.HTTP()
	parent, _ := postThread(t, w, 0)

	m, d, err := snd.PostAsUser(ctx, slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, ThreadTS: parent, Text: "on my way"})
	if err != nil {
		t.Fatal(err)
	}
	if !d.OK() || d.Event == nil {
		t.Fatalf("delivery = %+v", d)
	}
	ev := p.lastEvent(t)
	if ev.ThreadTimeStamp != parent || ev.TimeStamp != m.TS || ev.User != w.alice.ID || ev.Text != "on my way" ||
		ev.Channel != w.staff.ID || ev.BotID != "" || ev.SubType != "" {
		t.Errorf("event = %+v", ev)
	}
	if stored := w.srv.State().Thread(w.staff.ID, parent); len(stored) != 2 || stored[1].TS != m.TS {
		t.Errorf("thread = %+v", stored)
	}

	// Slack's retry of the same event, then the same message under a new event_id.
	if _, err := snd.Event(ctx, d.Event, slacktest.Retry(1, "http_timeout")); err != nil {
		t.Fatal(err)
	}
	if _, err := snd.Event(ctx, w.srv.Reissue(d.Event)); err != nil {
		t.Fatal(err)
	}
	_, ids, retries, _ := p.snapshot()
	if len(ids) != 3 || ids[0] != ids[1] || ids[2] == ids[0] {
		t.Errorf("event IDs = %v, want a retry with the same ID and a reissue with another", ids)
	}
	if retries[1] != "1" || retries[2] != "" {
		t.Errorf("X-Slack-Retry-Num = %q", retries)
	}
	if ev := p.lastEvent(t); ev.TimeStamp != m.TS {
		t.Errorf("reissued event carries ts %q, want %q", ev.TimeStamp, m.TS)
	}
}

func TestDirectMessageEvent(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	p := newProduct(t, w)
	dm, err := w.srv.State().OpenDM(w.bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.srv.HTTP().PostAsUser(t.Context(), slacktest.UserPost{User: w.bob.ID, Channel: dm.ID, Text: "tasks"}); err != nil {
		t.Fatal(err)
	}
	if ev := p.lastEvent(t); ev.Channel != dm.ID || ev.ChannelType != "im" || ev.User != w.bob.ID {
		t.Errorf("DM event = %+v", ev)
	}
}

func TestEditDeleteAndEchoEvents(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	p := newProduct(t, w)
	ctx := t.Context()
	snd := w.srv.HTTP()
	m, _, err := snd.PostAsUser(ctx, slacktest.UserPost{User: w.alice.ID, Channel: w.staff.ID, Text: "first"})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := snd.EditAsUser(ctx, w.staff.ID, m.TS, "second"); err != nil {
		t.Fatal(err)
	}
	ev := p.lastEvent(t)
	if ev.SubType != "message_changed" || ev.Message.Text != "second" || ev.Message.Timestamp != m.TS ||
		ev.PreviousMessage.Text != "first" || !ev.IsEdited() {
		t.Errorf("message_changed = %+v / %+v", ev, ev.Message)
	}

	if _, err := snd.DeleteAsUser(ctx, w.staff.ID, m.TS); err != nil {
		t.Fatal(err)
	}
	if ev = p.lastEvent(t); ev.SubType != "message_deleted" || ev.DeletedTimeStamp != m.TS || ev.PreviousMessage.Text != "second" {
		t.Errorf("message_deleted = %+v", ev)
	}

	// Slack echoes the bot's own posts; the product must drop them by bot_id.
	_, ts, _ := w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("relayed", false))
	if _, err := snd.MessageEvent(ctx, w.staff.ID, ts); err != nil {
		t.Fatal(err)
	}
	if ev = p.lastEvent(t); ev.BotID != w.srv.Config().BotID || ev.TimeStamp != ts {
		t.Errorf("echo = %+v", ev)
	}
}

func TestURLVerification(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	newProduct(t, w)
	d, err := w.srv.HTTP().URLVerification(t.Context(), "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("answer = %q", d.Body)
	}
}

func TestBlockActionAndViewSubmission(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	p := newProduct(t, w)
	ctx := t.Context()
	st := w.srv.State()
	p.setAnswer(func(cb slack.InteractionCallback) any {
		if cb.Type != slack.InteractionTypeViewSubmission {
			return nil
		}
		if cb.View.State.Values["subject"]["subject_input"].Value == "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{"subject": "Required"})
		}
		return nil
	})

	button := slack.NewActionBlock("ticket_actions",
		slack.NewButtonBlockElement("close_ticket", "42", slack.NewTextBlockObject(slack.PlainTextType, "Close", false, false)))
	_, ts, err := w.api.PostMessageContext(ctx, w.staff.ID, slack.MsgOptionText("Ticket #42", false), slack.MsgOptionBlocks(button))
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.srv.HTTP().BlockAction(ctx, slacktest.BlockAction{UserID: w.bob.ID, ChannelID: w.staff.ID, MessageTS: ts,
		ActionID: "close_ticket", BlockID: "ticket_actions", Value: "42"})
	if err != nil || !d.OK() {
		t.Fatalf("block action: %v %+v", err, d)
	}
	_, _, _, inters := p.snapshot()
	cb := inters[0]
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 ||
		cb.ActionCallback.BlockActions[0].ActionID != "close_ticket" || cb.ActionCallback.BlockActions[0].Value != "42" ||
		cb.User.ID != w.bob.ID || cb.Channel.ID != w.staff.ID || cb.Message.Timestamp != ts || cb.Container.MessageTs != ts {
		t.Fatalf("block_actions = %+v", cb)
	}

	view, err := w.api.OpenViewContext(ctx, cb.TriggerID, ticketModal("Close ticket #42"))
	if err != nil {
		t.Fatal(err)
	}
	d, err = w.srv.HTTP().SubmitView(ctx, slacktest.ViewSubmission{ViewID: view.ID,
		Values: map[string]map[string]slacktest.InputValue{"subject": {"subject_input": {Value: ""}}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := d.ViewResponse()
	if err != nil || resp.ResponseAction != slack.RAErrors || resp.Errors["subject"] != "Required" {
		t.Fatalf("view response = %+v (%v) from %q", resp, err, d.Body)
	}
	if v, _ := st.View(view.ID); v.Closed {
		t.Fatal("a view answered with errors was closed")
	}

	if _, err := w.srv.HTTP().SubmitView(ctx, slacktest.ViewSubmission{ViewID: view.ID,
		Values: map[string]map[string]slacktest.InputValue{"subject": {"subject_input": {Value: "Refund"}}}}); err != nil {
		t.Fatal(err)
	}
	_, _, _, inters = p.snapshot()
	sub := inters[len(inters)-1]
	if sub.View.CallbackID != "ticket_edit" || sub.View.PrivateMetadata != "ticket:42" || sub.User.ID != w.bob.ID {
		t.Errorf("view_submission = %+v", sub.View)
	}
	if v, _ := st.View(view.ID); !v.Closed {
		t.Error("an accepted submission left the view open")
	}

	// replace_original through the interaction's response_url edits the message.
	if _, _, err := w.api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(cb.ResponseURL),
		slack.MsgOptionText("Ticket #42 closed", false)); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.Message(w.staff.ID, ts); m.Text != "Ticket #42 closed" {
		t.Errorf("original message = %q", m.Text)
	}
}
