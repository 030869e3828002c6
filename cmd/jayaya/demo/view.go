package demo

import (
	"cmp"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// view is everything the page template shows, read from both chats.
type view struct {
	AsStaff, AsClient string // who the visitor acts as
	Staff, Clients    []Person
	AdminURL          string
	AdminLogin        string
	Problem           string // what went wrong with the last action

	Support     []dMsg    // the Discord support channel
	Threads     []dThread // its ticket threads
	SlackFeed   []sMsg    // the Slack staff channel, threads under their roots
	SlackRoots  []choice  // threads staff may reply in
	Answers     []sMsg    // only visible to one staff member
	DMs         []dmPane  // each staff member's DMs from the bot
	Modal       *modal    // the modal open on someone's screen
	StaffChName string
}

// choice is one option of a "where to write" select.
type choice struct{ Value, Label string }

// reaction is one emoji under a message, with how many put it there.
type reaction struct {
	Emoji string
	Count int
}

// dMsg is a Discord message as a client sees it.
type dMsg struct {
	Author    string
	Bot       bool   // the product's bot
	Webhook   bool   // a staff reply, posted under the staff member's name
	System    string // a system message ("… added … to the thread")
	Time      string
	Body      template.HTML
	Files     []string
	Reactions []reaction
	Edited    bool
	Used      string // the slash command it answers: "Henri Dupont used /close"
	Only      string // who alone sees it (an ephemeral answer): "only visible to Henri Dupont"
	at        time.Time
}

// dThread is a ticket thread of the support channel.
type dThread struct {
	ID, Name string
	Private  bool
	Closed   bool
	Members  string
	Messages []dMsg
}

// sMsg is a Slack message, with its thread replies.
type sMsg struct {
	Anchor    string
	Author    string
	App       bool
	For       string // an ephemeral answer's only viewer
	Time      string
	Body      template.HTML
	Files     []string
	Reactions []reaction
	Edited    bool
	Replies   []sMsg
}

// dmPane is one staff member's DM with the bot.
type dmPane struct {
	Staff    string
	Messages []sMsg
}

// build reads both chats into a view, in pr's language. q holds the
// page's parameters: as (staff), client, problem (a code, see
// problemTexts).
func (p *Page) build(q url.Values, pr i18n.Printer) *view {
	v := &view{
		Staff: p.cfg.Staff, Clients: p.cfg.Clients, AdminURL: p.cfg.AdminURL, AdminLogin: p.cfg.AdminLogin,
		AsStaff: pick(q.Get("as"), p.cfg.Staff), AsClient: pick(q.Get("client"), p.cfg.Clients),
		Problem: problemText(q.Get("problem"), pr),
	}
	p.buildDiscord(v, pr)
	p.buildSlack(v)
	return v
}

// pick returns id when it names one of people, else the first of them.
func pick(id string, people []Person) string {
	for _, pp := range people {
		if pp.ID == id {
			return id
		}
	}
	if len(people) == 0 {
		return ""
	}
	return people[0].ID
}

func (p *Page) buildDiscord(v *view, pr i18n.Printer) {
	d := p.cfg.Discord
	answers := p.commandAnswers(pr)
	for _, m := range d.Messages(p.cfg.SupportChannel) {
		if dm, ok := p.discordMsg(m, pr); ok {
			v.Support = append(v.Support, dm)
		}
	}
	v.Support = byTime(append(v.Support, answers[p.cfg.SupportChannel]...))
	for _, th := range d.Threads(p.cfg.SupportChannel) {
		t := dThread{ID: th.ID, Name: th.Name, Private: th.Type == discordgo.ChannelTypeGuildPrivateThread}
		if md := th.ThreadMetadata; md != nil {
			t.Closed = md.Locked
		}
		var members []string
		for _, id := range d.ThreadMembers(th.ID) {
			members = append(members, p.discordName(id, ""))
		}
		t.Members = strings.Join(members, ", ")
		for _, m := range d.Messages(th.ID) {
			if dm, ok := p.discordMsg(m, pr); ok {
				t.Messages = append(t.Messages, dm)
			}
		}
		t.Messages = byTime(append(t.Messages, answers[th.ID]...))
		v.Threads = append(v.Threads, t)
	}
}

// commandAnswers are the product's answers to the clients' slash
// commands that only their client sees, by the channel they were typed
// in. (An answer for everyone is a message of its channel.)
func (p *Page) commandAnswers(pr i18n.Printer) map[string][]dMsg {
	p.mu.Lock()
	ids := slices.Clone(p.interactions)
	p.mu.Unlock()
	out := map[string][]dMsg{}
	for _, id := range ids {
		rec, ok := p.cfg.Discord.Interaction(id)
		if !ok || rec.Original == nil || rec.Original.Flags&discordgo.MessageFlagsEphemeral == 0 {
			continue
		}
		dm, ok := p.discordMsg(rec.Original, pr)
		if !ok {
			continue
		}
		invoker := rec.Interaction.User
		if mem := rec.Interaction.Member; mem != nil && mem.User != nil {
			invoker = mem.User
		}
		if invoker != nil {
			dm.Only = pr.T("demo.discord.only_visible", i18n.Args{"Name": p.discordName(invoker.ID, invoker.Username)})
		}
		out[rec.Original.ChannelID] = append(out[rec.Original.ChannelID], dm)
	}
	return out
}

// byTime orders messages by when they were posted, keeping the order of
// those posted at the same time.
func byTime(ms []dMsg) []dMsg {
	slices.SortStableFunc(ms, func(a, b dMsg) int { return a.at.Compare(b.at) })
	return ms
}

// discordChannelName is a channel's name, for a <#id> mention.
func (p *Page) discordChannelName(id string) string {
	if ch, ok := p.cfg.Discord.Channel(id); ok && ch.Name != "" {
		return ch.Name
	}
	return id
}

// discordName is a Discord user's display name: a demo client's full
// name, else the username.
func (p *Page) discordName(id, username string) string {
	for _, c := range p.cfg.Clients {
		if c.ID == id {
			return c.Name
		}
	}
	if u := p.cfg.Discord.BotUser(); u != nil && u.ID == id {
		return u.Username
	}
	return cmp.Or(username, id)
}

// discordMsg renders one Discord message, in pr's language where the page
// adds words of its own; ok is false for one a client would not see as a
// message (an empty system message).
func (p *Page) discordMsg(m *discordgo.Message, pr i18n.Printer) (dMsg, bool) {
	out := dMsg{Time: clock(m.Timestamp), Body: discordMentions(discordMarkdown(m.Content), p.discordChannelName),
		Edited: m.EditedTimestamp != nil, at: m.Timestamp}
	if in := m.Interaction; in != nil && in.User != nil {
		out.Used = pr.T("demo.discord.used", i18n.Args{"Name": p.discordName(in.User.ID, in.User.Username), "Command": in.Name})
	}
	if m.Author != nil {
		out.Author = p.discordName(m.Author.ID, m.Author.Username)
		out.Bot = m.Author.Bot && m.WebhookID == ""
		// A webhook post is a staff reply under the staff member's name,
		// or the client's own opening message moved into the thread.
		out.Webhook = m.WebhookID != "" && !slices.ContainsFunc(p.cfg.Clients, func(c Person) bool { return c.Name == m.Author.Username })
		if m.Interaction != nil { // the bot answering a command, through the application's webhook
			out.Bot, out.Webhook = m.Author.Bot, false
		}
	}
	if m.Type == discordgo.MessageTypeRecipientAdd {
		var added []string
		for _, u := range m.Mentions {
			added = append(added, p.discordName(u.ID, u.Username))
		}
		out.System = out.Author + " added " + strings.Join(added, ", ") + " to the thread."
	} else if m.Content == "" && len(m.Attachments) == 0 {
		return out, false
	}
	for _, a := range m.Attachments {
		out.Files = append(out.Files, a.Filename)
	}
	for _, r := range m.Reactions {
		if r.Emoji != nil {
			out.Reactions = append(out.Reactions, reaction{Emoji: r.Emoji.Name, Count: r.Count})
		}
	}
	return out, true
}

func (p *Page) buildSlack(v *view) {
	st := p.cfg.Slack.State()
	n := slackNames{st}
	if ch, ok := st.Channel(p.cfg.StaffChannel); ok {
		v.StaffChName = ch.Name
	}
	msgs := st.Messages(p.cfg.StaffChannel)
	replies := map[string][]slacktest.Message{}
	for _, m := range msgs {
		if m.IsReply() {
			replies[m.ThreadTS] = append(replies[m.ThreadTS], m)
		}
	}
	for _, m := range msgs {
		if m.IsReply() {
			continue
		}
		root := p.slackMsg(m, n, clickTarget{Channel: p.cfg.StaffChannel, TS: m.TS})
		for _, r := range replies[m.TS] {
			root.Replies = append(root.Replies, p.slackMsg(r, n, clickTarget{Channel: p.cfg.StaffChannel, TS: r.TS}))
		}
		v.SlackFeed = append(v.SlackFeed, root)
		if m.BotID != "" {
			v.SlackRoots = append(v.SlackRoots, choice{Value: m.TS, Label: "thread: " + firstLine(m.Text, 60)})
		}
	}
	slices.Reverse(v.SlackRoots) // the newest ticket first

	// Ephemeral answers: the immediate ones the page kept and those the
	// product posted (chat.postEphemeral, response_url), newest first.
	var answers []answer
	p.mu.Lock()
	answers = append(answers, p.answers...)
	p.mu.Unlock()
	for _, e := range st.Ephemerals() {
		answers = append(answers, answer{User: e.User, Channel: e.Channel, Text: e.Text, Blocks: e.Blocks, At: e.At})
	}
	slices.SortStableFunc(answers, func(a, b answer) int { return b.At.Compare(a.At) })
	for _, a := range answers[:min(len(answers), 8)] {
		m := slacktest.Message{Text: a.Text, Blocks: a.Blocks, Posted: a.At, BotID: "app"}
		sm := p.slackMsg(m, n, clickTarget{Channel: a.Channel, User: a.User, Ephemeral: true})
		sm.For = n.userName(a.User)
		if a.Public {
			sm.For = ""
		}
		v.Answers = append(v.Answers, sm)
	}

	for _, s := range p.cfg.Staff {
		dm := st.DM(s.ID)
		if dm == "" {
			continue
		}
		pane := dmPane{Staff: s.Name}
		for _, m := range st.Messages(dm) {
			pane.Messages = append(pane.Messages, p.slackMsg(m, n, clickTarget{Channel: dm, TS: m.TS, User: s.ID}))
		}
		slices.Reverse(pane.Messages) // the newest first: a reminder arriving is seen at once
		v.DMs = append(v.DMs, pane)
	}
	v.Modal = p.openModal(n)
}

// slackMsg renders one Slack message; at says where its buttons act.
func (p *Page) slackMsg(m slacktest.Message, n slackNames, at clickTarget) sMsg {
	// An app updating its own message (a card) is not shown as edited.
	out := sMsg{Anchor: anchor(m.TS), Time: clock(m.Posted), Edited: m.Edited != nil && m.BotID == ""}
	switch {
	case m.BotID != "" && m.Username != "":
		out.Author, out.App = m.Username, true
	case m.BotID != "":
		out.Author, out.App = "JayayaCRM", true
	default:
		out.Author = n.userName(m.User)
	}
	if body, ok := blocksHTML(m.Blocks, n, at); ok {
		out.Body = body
	} else {
		out.Body = mrkdwn(m.Text, n)
	}
	for _, id := range m.Files {
		if f, ok := p.cfg.Slack.State().File(id); ok && !f.Deleted {
			out.Files = append(out.Files, cmp.Or(f.Title, f.Name))
		}
	}
	names := make([]string, 0, len(m.Reactions))
	for name := range m.Reactions {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		out.Reactions = append(out.Reactions, reaction{Emoji: slackEmoji(name), Count: len(m.Reactions[name])})
	}
	return out
}

// slackNames resolves IDs through the fake workspace.
type slackNames struct{ st *slacktest.State }

func (n slackNames) userName(id string) string {
	if u, ok := n.st.User(id); ok {
		return cmp.Or(u.RealName, u.Name)
	}
	return id
}

func (n slackNames) channelName(id string) string {
	if c, ok := n.st.Channel(id); ok && c.Name != "" {
		return c.Name
	}
	return id
}

// clock is a time of day, in UTC like the demo's users.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("15:04")
}

// firstLine is the start of a message, for a select's label.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
