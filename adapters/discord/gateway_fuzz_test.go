package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// gatewaySeeds are dispatch frames as the gateway sends them (and as the
// fake's tests send them), with odd ones beside: no author, null entries
// in lists, a reply, a webhook's or a bot's post, a NUL, right-to-left
// text, slash commands with options of the wrong type or no data.
var gatewaySeeds = []string{
	`{"op":0,"s":3,"t":"MESSAGE_CREATE","d":{"id":"1100000000000000001","channel_id":"1200000000000000001","guild_id":"1300000000000000001","author":{"id":"100000000000000001","username":"emma","global_name":"Emma Hughes","discriminator":"0","avatar":null},"member":{"nick":"Emma"},"content":"Hello <@100000000000000002> @everyone\nsecond line","mentions":[{"id":"100000000000000002","username":"sam"}],"attachments":[{"id":"1","filename":"screen.png","url":"https://cdn.discordapp.com/attachments/1/1/screen.png","content_type":"image/png","size":10}],"type":0,"timestamp":"2026-03-28T22:30:00.000000+00:00"}}`,
	`{"op":0,"s":4,"t":"MESSAGE_CREATE","d":{"id":"2","channel_id":"3","author":null,"content":"system","type":18}}`,
	`{"op":0,"s":5,"t":"MESSAGE_CREATE","d":{"id":"2","channel_id":"3","author":{"id":"9","username":"x"},"content":"<@1> hi","mentions":[null],"attachments":[null],"type":0}}`,
	`{"op":0,"s":6,"t":"MESSAGE_CREATE","d":{"id":"2","channel_id":"3","author":{"id":"9","username":"x","bot":true},"webhook_id":"7","content":"relayed","type":0}}`,
	`{"op":0,"s":7,"t":"MESSAGE_CREATE","d":{"id":"2","channel_id":"3","guild_id":"4","author":{"id":"9","username":"\u202enimda"},"content":"nul\u0000 and \u202bשלום\u202c","type":19,"message_reference":{"message_id":"1"}}}`,
	`{"op":0,"s":8,"t":"MESSAGE_CREATE","d":null}`,
	`{"op":0,"s":9,"t":"MESSAGE_UPDATE","d":{"id":"2","channel_id":"3","author":{"id":"9","username":"x"},"content":"edited","edited_timestamp":"2026-03-28T22:31:00.000000+00:00","type":0}}`,
	`{"op":0,"s":10,"t":"MESSAGE_UPDATE","d":{"id":"2","channel_id":"3","embeds":[]}}`,
	`{"op":0,"s":11,"t":"INTERACTION_CREATE","d":{"id":"5","application_id":"6","type":2,"guild_id":"4","channel_id":"3","member":{"user":{"id":"9","username":"x"},"nick":null},"token":"t","version":1,"data":{"id":"8","name":"ticket","type":1,"options":[{"name":"subject","type":3,"value":"Printer on fire"},{"name":"visibility","type":3,"value":"public"}]}}}`,
	`{"op":0,"s":12,"t":"INTERACTION_CREATE","d":{"id":"5","type":2,"channel_id":"3","user":{"id":"9","username":"x"},"data":{"id":"8","name":"tickets","type":1}}}`,
	`{"op":0,"s":13,"t":"INTERACTION_CREATE","d":{"id":"5","type":2,"channel_id":"3","user":{"id":"9"},"data":{"id":"8","name":"ticket","type":1,"options":[{"name":"subject","type":4,"value":5}]}}}`,
	`{"op":0,"s":14,"t":"INTERACTION_CREATE","d":{"id":"5","type":2,"channel_id":"3","user":{"id":"9"},"data":{"id":"8","name":"ticket","type":1,"options":[{"name":"subject","type":3,"value":5},null]}}}`,
	`{"op":0,"s":15,"t":"INTERACTION_CREATE","d":{"id":"5","type":2,"channel_id":"3","user":{"id":"9"}}}`,
	`{"op":0,"s":16,"t":"INTERACTION_CREATE","d":{"id":"5","type":2,"channel_id":"3","member":{"user":null},"data":{"name":"close","options":"x"}}}`,
	`{"op":0,"s":17,"t":"INTERACTION_CREATE","d":null}`,
}

// FuzzGatewayDispatch: a dispatch frame decoded as discordgo decodes it
// (it hands handlers whatever it could decode, even after an error), then
// read the way the adapter reads it itself, never panics, and: a message
// without an author, or from a bot, a webhook or the system, is never
// relayed; a relayed message keeps its ID, its author's ID and every
// attachment; a subject is one line of 1 to 80 characters; a slash
// command belongs to the member's (or user's) ID and carries only the
// string options it was given.
func FuzzGatewayDispatch(f *testing.F) {
	for _, s := range gatewaySeeds {
		f.Add([]byte(s))
	}
	a := &Adapter{}
	f.Fuzz(func(t *testing.T, frame []byte) {
		var e discordgo.Event
		if json.Unmarshal(frame, &e) != nil || e.Operation != 0 {
			return
		}
		switch e.Type {
		case "MESSAGE_CREATE", "MESSAGE_UPDATE":
			var ev discordgo.MessageCreate
			_ = json.Unmarshal(e.RawData, &ev)
			checkMessage(t, a, ev.Message)
		case "INTERACTION_CREATE":
			var ev discordgo.InteractionCreate
			_ = json.Unmarshal(e.RawData, &ev)
			checkInteraction(t, &ev)
		}
	})
}

func checkMessage(t *testing.T, a *Adapter, m *discordgo.Message) {
	t.Helper()
	if m == nil {
		return
	}
	echo := a.isEcho(m)
	if m.Author == nil || m.Author.Bot || m.WebhookID != "" || (m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply) {
		if !echo {
			t.Fatalf("message %+v would be relayed", m)
		}
		return
	}
	if echo {
		return
	}
	in := a.inbound(m)
	if in.SourceID != m.ID || in.AuthorPlatformID != m.Author.ID || in.ThreadID != m.ChannelID {
		t.Fatalf("inbound %+v of message %+v", in, m)
	}
	files := 0
	for _, at := range m.Attachments {
		if at != nil {
			if in.Attachments[files].Name != at.Filename || in.Attachments[files].URL != at.URL {
				t.Fatalf("attachment %d: %+v, from %+v", files, in.Attachments[files], at)
			}
			files++
		}
	}
	if len(in.Attachments) != files {
		t.Fatalf("%d attachments relayed of %d", len(in.Attachments), files)
	}
	if len(m.Mentions) == 0 && in.Text != m.Content {
		t.Fatalf("text %q relayed as %q", m.Content, in.Text)
	}
	subject := subjectOf(m)
	if n := utf8.RuneCountInString(subject); n < 1 || n > maxSubjectRunes || strings.Contains(subject, "\n") {
		t.Fatalf("subject %q of %q", subject, m.Content)
	}
}

func checkInteraction(t *testing.T, ev *discordgo.InteractionCreate) {
	t.Helper()
	call, ok := slashCommand(ev)
	if !ok {
		return
	}
	if ev.Interaction == nil || ev.Type != discordgo.InteractionApplicationCommand {
		t.Fatalf("a slash command read from %+v", ev.Interaction)
	}
	user := ev.User
	if ev.Member != nil && ev.Member.User != nil {
		user = ev.Member.User
	}
	if user == nil || call.UserID != user.ID {
		t.Fatalf("command of %q, interaction of %+v", call.UserID, user)
	}
	data, _ := ev.Data.(discordgo.ApplicationCommandInteractionData)
	if call.Name != data.Name {
		t.Fatalf("command %q, data %q", call.Name, data.Name)
	}
	given := map[string]string{}
	for _, o := range data.Options {
		if o == nil || o.Type != discordgo.ApplicationCommandOptionString {
			continue
		}
		if v, isString := o.Value.(string); isString {
			given[o.Name] = v
		}
	}
	for name, v := range call.Options {
		if given[name] != v {
			t.Fatalf("option %s = %q, given %q", name, v, given[name])
		}
	}
}
