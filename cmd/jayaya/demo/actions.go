package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

// What the visitor does on the page, done the way the platforms' own apps
// do it for a person: a message typed in Discord, a message or a /crm
// command typed in Slack, a button pressed, a modal submitted.

// actTimeout bounds one action: Slack itself gives the product 3 seconds.
const actTimeout = 15 * time.Second

// person returns the person with id among people.
func person(id string, people []Person) (Person, bool) {
	i := slices.IndexFunc(people, func(p Person) bool { return p.ID == id })
	if i < 0 {
		return Person{}, false
	}
	return people[i], true
}

// discordSay posts a client's message in the support channel (which opens
// a ticket) or in one of its threads, or runs the slash command it names.
func (p *Page) discordSay(w http.ResponseWriter, r *http.Request) {
	client, ok := person(r.FormValue("client"), p.cfg.Clients)
	text := strings.TrimSpace(r.FormValue("text"))
	where := r.FormValue("where")
	if !ok || text == "" {
		p.done(w, r, problemOf("no-client"))
		return
	}
	if where == "" {
		where = p.cfg.SupportChannel
	}
	if call, invalid, ok := parseSlash(text, p.commandsAt(where)); ok {
		if invalid.ID != "" {
			p.done(w, r, &problem{code: "slash-invalid", msg: invalid})
			return
		}
		p.discordCommand(w, r, client, where, call)
		return
	}
	if _, err := p.cfg.Discord.SendUserMessage(discordtest.UserMessage{ChannelID: where, AuthorID: client.ID, Content: text}); err != nil {
		p.done(w, r, &problem{code: "discord-refused", detail: err.Error()})
		return
	}
	p.done(w, r, nil)
}

// slackSay posts a staff member's message in a ticket thread (or the
// channel) and delivers its event to the product.
func (p *Page) slackSay(w http.ResponseWriter, r *http.Request) {
	staff, ok := person(r.FormValue("as"), p.cfg.Staff)
	text := strings.TrimSpace(r.FormValue("text"))
	if !ok || text == "" {
		p.done(w, r, problemOf("no-staff-text"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	_, d, err := p.cfg.Slack.HTTP().PostAsUser(ctx, slacktest.UserPost{User: staff.ID, Channel: p.cfg.StaffChannel, ThreadTS: r.FormValue("where"), Text: text})
	if problem := deliveryProblem(d, err); problem != nil {
		p.done(w, r, problem)
		return
	}
	p.done(w, r, nil)
}

// slackCommand runs "/crm <text>" as a staff member in the staff channel;
// its immediate answer is kept to be shown as Slack shows it, to that
// staff member only (or to everyone when shared).
func (p *Page) slackCommand(w http.ResponseWriter, r *http.Request) {
	staff, ok := person(r.FormValue("as"), p.cfg.Staff)
	if !ok {
		p.done(w, r, problemOf("no-staff"))
		return
	}
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.FormValue("text")), "/crm"))
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	d, err := p.cfg.Slack.HTTP().Command(ctx, slacktest.Command{UserID: staff.ID, ChannelID: p.cfg.StaffChannel, Command: "/crm", Text: text})
	if problem := deliveryProblem(d, err); problem != nil {
		p.done(w, r, problem)
		return
	}
	p.keepAnswer(staff.ID, p.cfg.StaffChannel, d.Body)
	p.done(w, r, nil)
}

// keepAnswer records an immediate answer (a response body), if any.
func (p *Page) keepAnswer(user, channel string, body []byte) {
	var msg struct {
		ResponseType string          `json:"response_type"`
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
	}
	if len(strings.TrimSpace(string(body))) == 0 || json.Unmarshal(body, &msg) != nil || (msg.Text == "" && len(msg.Blocks) == 0) {
		return
	}
	p.mu.Lock()
	p.answers = append(p.answers, answer{User: user, Channel: channel, Text: msg.Text, Blocks: msg.Blocks,
		Public: msg.ResponseType == "in_channel", At: p.cfg.Slack.Now()})
	p.mu.Unlock()
	p.bump()
}

// slackClick presses a button (or picks an option) of a message: a card in
// the channel, a DM, or an ephemeral answer.
func (p *Page) slackClick(w http.ResponseWriter, r *http.Request) {
	user := r.FormValue("user")
	if user == "" {
		user = r.FormValue("as")
	}
	if _, ok := person(user, p.cfg.Staff); !ok {
		p.done(w, r, problemOf("no-staff"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actTimeout)
	defer cancel()
	a := slacktest.BlockAction{UserID: user, ChannelID: r.FormValue("channel"), MessageTS: r.FormValue("ts"),
		BlockID: r.FormValue("block_id"), ActionID: r.FormValue("action_id"), Value: r.FormValue("value")}
	if r.FormValue("select") != "" {
		a.Type = "static_select"
		a.Action = mustJSON(map[string]any{"action_id": a.ActionID, "block_id": a.BlockID, "type": "static_select",
			"selected_option": map[string]any{"value": a.Value, "text": map[string]any{"type": "plain_text", "text": a.Value}},
			"action_ts":       fmt.Sprintf("%d.000000", time.Now().Unix())})
	}
	var d *slacktest.Delivery
	var err error
	if r.FormValue("ephemeral") != "" {
		d, err = p.ephemeralAction(ctx, a)
	} else {
		d, err = p.cfg.Slack.HTTP().BlockAction(ctx, a)
	}
	if problem := deliveryProblem(d, err); problem != nil {
		p.done(w, r, problem)
		return
	}
	p.keepAnswer(user, a.ChannelID, d.Body)
	p.done(w, r, nil)
}

// ephemeralAction delivers a press on a button of an ephemeral message,
// which Slack sends with is_ephemeral set and without the message.
func (p *Page) ephemeralAction(ctx context.Context, a slacktest.BlockAction) (*slacktest.Delivery, error) {
	st := p.cfg.Slack.State()
	cfg := p.cfg.Slack.Config()
	u, ok := st.User(a.UserID)
	if !ok {
		return nil, fmt.Errorf("unknown user %s", a.UserID)
	}
	action := a.Action
	if action == nil {
		action = mustJSON(map[string]any{"action_id": a.ActionID, "block_id": a.BlockID, "type": "button", "value": a.Value,
			"text": map[string]any{"type": "plain_text", "text": a.Value}, "action_ts": fmt.Sprintf("%d.000000", time.Now().Unix())})
	}
	chName := slackNames{st}.channelName(a.ChannelID)
	payload := mustJSON(map[string]any{
		"type": "block_actions", "api_app_id": cfg.AppID, "token": cfg.VerificationToken,
		"trigger_id": st.IssueTrigger(u.ID),
		"user":       map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": cfg.TeamID},
		"team":       map[string]any{"id": cfg.TeamID, "domain": cfg.TeamDomain},
		"container":  map[string]any{"type": "message", "channel_id": a.ChannelID, "is_ephemeral": true},
		"channel":    map[string]any{"id": a.ChannelID, "name": chName},
		"actions":    []json.RawMessage{action},
		"state":      map[string]any{"values": map[string]any{}},
	})
	return p.cfg.Slack.HTTP().Interaction(ctx, payload)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("demo: " + err.Error())
	}
	return b
}
