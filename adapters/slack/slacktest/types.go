package slacktest

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"time"
)

// User is a member of the fake workspace.
type User struct {
	ID       string // "U…"; New assigns one when empty
	Name     string // handle, sent as user_name in slash commands
	RealName string
	Email    string
	TZ       string // IANA name, e.g. "Europe/Paris"
	TZOffset int    // seconds east of UTC
	// Locale is the user's Slack language ("en-US", "fr-FR"; "en-US" when
	// empty). users.info and users.list return it only when asked with
	// include_locale=true, as Slack does.
	Locale  string
	IsBot   bool
	IsAdmin bool
	Deleted bool // deactivated: users.info says deleted, conversations.open says user_disabled
}

// Channel is a conversation: a public or private channel, a DM or a group DM.
type Channel struct {
	ID        string   // "C…" (channel), "D…" (DM), "G…" (group DM); assigned when empty
	Name      string   // without '#'; empty for DMs
	Members   []string // user IDs; AddChannel adds the bot
	IsPrivate bool
	IsIM      bool
	IsMPIM    bool
	User      string // for a DM: the user on the other side
	Archived  bool   // posting answers is_archived
	Created   time.Time
}

// Message is one message in a channel, as the fake stores it.
type Message struct {
	Channel  string
	TS       string // unique and strictly increasing across the workspace
	ThreadTS string // the parent's ts for a reply; empty for a top-level message
	User     string // author; the bot user for the product's posts
	BotID    string // set for the product's posts
	Username string // chat.postMessage username override
	IconURL  string // chat.postMessage icon_url override
	SubType  string // "" for plain messages; "file_share", "thread_broadcast", "tombstone", …
	Text     string
	// Blocks, Attachments and Metadata keep the raw JSON the poster sent.
	Blocks      json.RawMessage
	Attachments json.RawMessage
	Metadata    json.RawMessage
	Files       []string // IDs of files shared with the message
	Edited      *Edited
	Reactions   map[string][]string // reaction name → user IDs, in the order they reacted
	ClientMsgID string              // set on messages typed by a user
	Posted      time.Time
}

// IsReply reports whether m is a reply inside a thread.
func (m Message) IsReply() bool { return m.ThreadTS != "" && m.ThreadTS != m.TS }

func (m Message) clone() Message {
	m.Blocks = slices.Clone(m.Blocks)
	m.Attachments = slices.Clone(m.Attachments)
	m.Metadata = slices.Clone(m.Metadata)
	m.Files = slices.Clone(m.Files)
	if m.Edited != nil {
		e := *m.Edited
		m.Edited = &e
	}
	if m.Reactions != nil {
		r := make(map[string][]string, len(m.Reactions))
		for k, v := range m.Reactions {
			r[k] = slices.Clone(v)
		}
		m.Reactions = r
	}
	return m
}

// Edited records who last edited a message and when.
type Edited struct {
	User string
	TS   string
}

// Ephemeral is a message only one user saw: from chat.postEphemeral, or
// from a response_url post that was not in_channel.
type Ephemeral struct {
	Channel  string
	User     string
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
	Source   string // "chat.postEphemeral" or "response_url"
	At       time.Time
}

// View is a modal the product opened, pushed or updated.
type View struct {
	ID              string // "V…"
	UserID          string // whose screen it is on
	TriggerID       string // the trigger it was opened or pushed with
	Type            string // "modal"
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Hash            string
	RootViewID      string
	PreviousViewID  string
	JSON            json.RawMessage // the view as the product last sent it
	Updates         int             // views.update calls and response_action updates
	Closed          bool            // submitted and dismissed, or cleared
}

// File is a file uploaded by the product (external upload flow) or shared
// by a user.
type File struct {
	ID       string // "F…"
	Name     string
	Title    string
	Mimetype string
	AltTxt   string
	User     string
	Size     int
	Content  []byte
	Uploaded bool     // bytes received
	Channels []string // where it was shared
	ThreadTS string
	Created  time.Time
	Deleted  bool // files.delete: no longer served nor shown on messages
}

// ResponsePost is one POST the product made to a response_url.
type ResponsePost struct {
	URL             string
	Kind            string // "command" or "interaction"
	Channel         string
	User            string
	Body            json.RawMessage
	Text            string
	Blocks          json.RawMessage
	ResponseType    string // "ephemeral" (default) or "in_channel"
	ReplaceOriginal bool
	DeleteOriginal  bool
	Status          int // what the fake answered
	At              time.Time
}

// Call is one Web API call the fake received.
type Call struct {
	Method string
	At     time.Time
	// Params holds form parameters, or a JSON body's top-level fields (strings
	// as they are, other values as JSON text). The token is left out.
	Params url.Values
	Body   []byte
	Status int    // HTTP status answered
	Error  string // Slack error code when ok was false
}

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	for k, v := range c.Params {
		c.Params[k] = slices.Clone(v)
	}
	c.Body = slices.Clone(c.Body)
	return c
}
