package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's limits that the fake enforces.
const (
	maxContent  = 2000
	maxEmbeds   = 10
	maxNonce    = 25
	maxUpload   = 10 << 20 // bytes per request, as in a guild without boosts
	nonceWindow = 5 * time.Minute
)

// maxNitroUpload is what a user with Nitro may upload per message.
const maxNitroUpload = 500 << 20

// buildMessageLocked validates a create-message body (JSON already decoded
// into b, files in c.files) and returns the message to store, not yet
// posted. author is who the message shows as.
func (s *Server) buildMessageLocked(c *call, ch *channel, b *messageBody, author *discordgo.User) (*discordgo.Message, MessageInfo, error) {
	info := MessageInfo{Nonce: nonceString(b.Nonce), AllowedMentions: b.AllowedMentions}
	content := ""
	if b.Content != nil {
		content = *b.Content
	}
	if utf8.RuneCountInString(content) > maxContent {
		return nil, info, formError("content", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxContent))
	}
	if len(b.Embeds) > maxEmbeds {
		return nil, info, formError("embeds", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds))
	}
	if len(info.Nonce) > maxNonce {
		return nil, info, formError("nonce", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxNonce))
	}
	hasComponents := len(b.Components) > 0 && string(b.Components) != "null" && string(b.Components) != "[]"
	if strings.TrimSpace(content) == "" && len(b.Embeds) == 0 && len(c.files) == 0 && len(b.StickerIDs) == 0 && !hasComponents {
		return nil, info, errEmptyMessage()
	}
	for _, e := range b.Embeds {
		if e.Type == "" {
			e.Type = discordgo.EmbedTypeRich
		}
	}
	m := &discordgo.Message{
		ChannelID: ch.id, Content: content, Author: author, TTS: b.TTS,
		Embeds: b.Embeds, Attachments: []*discordgo.MessageAttachment{},
		Flags: b.Flags & (discordgo.MessageFlagsSuppressEmbeds | discordgo.MessageFlagsSuppressNotifications),
		Type:  discordgo.MessageTypeDefault,
	}
	if m.Embeds == nil {
		m.Embeds = []*discordgo.MessageEmbed{}
	}
	if ref := b.MessageReference; ref != nil && ref.MessageID != "" {
		target, ok := ch.byID[ref.MessageID]
		if !ok || target.info.Deleted {
			return nil, info, formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
		}
		m.Type = discordgo.MessageTypeReply
		m.MessageReference = &discordgo.MessageReference{MessageID: ref.MessageID, ChannelID: ch.id, GuildID: ch.guildID}
		m.ReferencedMessage = copyMessage(target.m)
	}
	if err := s.attachUploadsLocked(c, ch, m, &info); err != nil {
		return nil, info, err
	}
	s.applyMentionsLocked(m, b.AllowedMentions, s.mayMentionEveryoneLocked(author, ch))
	return m, info, nil
}

// attachUploadsLocked turns the request's files into attachments served
// under /attachments/.
func (s *Server) attachUploadsLocked(c *call, ch *channel, m *discordgo.Message, info *MessageInfo) error {
	total := 0
	for _, f := range c.files {
		total += len(f.data)
	}
	limit := maxUpload
	if c.nitro {
		limit = maxNitroUpload
	}
	if total > limit {
		return errTooLarge()
	}
	for _, f := range c.files {
		id := s.newIDLocked()
		ct := f.contentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		u := fmt.Sprintf("%s/attachments/%s/%s/%s", s.URL(), ch.id, id, url.PathEscape(f.name))
		m.Attachments = append(m.Attachments, &discordgo.MessageAttachment{
			ID: id, Filename: f.name, ContentType: ct, Size: len(f.data), URL: u, ProxyURL: u,
		})
		s.st.attachments[id] = &blob{contentType: ct, data: f.data}
		if info.Files == nil {
			info.Files = map[string][]byte{}
		}
		info.Files[f.name] = f.data
	}
	return nil
}

// postLocked stores m in ch, un-archiving the thread first if asked, and
// dispatches THREAD_UPDATE then MESSAGE_CREATE.
func (s *Server) postLocked(ch *channel, m *discordgo.Message, info MessageInfo, unarchive bool) *message {
	if m.ID == "" {
		m.ID = s.newIDLocked()
	}
	m.ChannelID = ch.id
	m.Timestamp = snowflakeTime(m.ID)
	if m.Attachments == nil {
		m.Attachments = []*discordgo.MessageAttachment{}
	}
	if m.Embeds == nil {
		m.Embeds = []*discordgo.MessageEmbed{}
	}
	if m.Mentions == nil {
		m.Mentions = []*discordgo.User{}
	}
	if m.MentionRoles == nil {
		m.MentionRoles = []string{}
	}
	stored := &message{m: m, info: info}
	if unarchive && ch.archived {
		ch.archived = false
		ch.archiveTS = s.now()
		s.emitThreadLocked("THREAD_UPDATE", ch, false)
	}
	ch.messages = append(ch.messages, stored)
	ch.byID[m.ID] = stored
	ch.lastID = m.ID
	if ch.isThread() {
		ch.sentCount++
	}
	s.emitMessageCreateLocked(ch, stored)
	return stored
}

// findNonceLocked returns a recent message by authorID in ch with nonce.
func (s *Server) findNonceLocked(ch *channel, authorID, nonce string) *message {
	cutoff := s.now().Add(-nonceWindow)
	for i := len(ch.messages) - 1; i >= 0; i-- {
		m := ch.messages[i]
		if m.m.Timestamp.Before(cutoff) {
			break
		}
		if m.info.Nonce == nonce && m.m.Author != nil && m.m.Author.ID == authorID && !m.info.Deleted {
			return m
		}
	}
	return nil
}

// editMessageLocked applies an edit body to a stored message and, with
// dispatch, sends MESSAGE_UPDATE.
func (s *Server) editMessageLocked(c *call, ch *channel, m *message, b *messageBody, dispatch bool) error {
	if b.Content != nil && utf8.RuneCountInString(*b.Content) > maxContent {
		return formError("content", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxContent))
	}
	if b.Content != nil {
		m.m.Content = *b.Content
		s.applyMentionsLocked(m.m, b.AllowedMentions, s.mayMentionEveryoneLocked(m.m.Author, ch))
	}
	if b.Embeds != nil {
		for _, e := range b.Embeds {
			if e.Type == "" {
				e.Type = discordgo.EmbedTypeRich
			}
		}
		m.m.Embeds = b.Embeds
	}
	if b.AllowedMentions != nil {
		m.info.AllowedMentions = b.AllowedMentions
	}
	if b.Attachments != nil {
		keep := map[string]bool{}
		for _, a := range b.Attachments {
			keep[strings.Trim(string(a.ID), `"`)] = true
		}
		kept := []*discordgo.MessageAttachment{}
		for _, a := range m.m.Attachments {
			if keep[a.ID] {
				kept = append(kept, a)
			}
		}
		m.m.Attachments = kept
	}
	if err := s.attachUploadsLocked(c, ch, m.m, &m.info); err != nil {
		return err
	}
	m.m.Flags &^= discordgo.MessageFlagsLoading
	now := s.now()
	m.m.EditedTimestamp = &now
	if dispatch {
		s.emitMessageUpdateLocked(ch, m)
	}
	return nil
}

// deleteMessageLocked marks a message deleted and dispatches MESSAGE_DELETE.
func (s *Server) deleteMessageLocked(ch *channel, m *message) {
	m.info.Deleted = true
	s.emitMessageDeleteLocked(ch, m.m.ID)
}

func authorID(m *discordgo.Message) string {
	if m.Author == nil {
		return ""
	}
	return m.Author.ID
}

// serveAttachment serves uploaded files, as Discord's CDN does, unless a
// CDN fault says otherwise.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	segs := splitPath(r.URL.EscapedPath())
	if len(segs) != 4 {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	f := s.takeFaultsLocked(r.Method, segs, true)
	b, ok := s.st.attachments[segs[2]]
	if ok {
		b.downloads++
	}
	s.unlock()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.status != 0 {
		http.Error(w, http.StatusText(f.status), f.status)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", b.contentType)
	w.Write(b.data)
}

// messageBody is the JSON shape of a create or edit message body.
type messageBody struct {
	Content          *string                           `json:"content"`
	Nonce            json.RawMessage                   `json:"nonce"`
	EnforceNonce     bool                              `json:"enforce_nonce"`
	TTS              bool                              `json:"tts"`
	Embeds           []*discordgo.MessageEmbed         `json:"embeds"`
	AllowedMentions  *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	MessageReference *discordgo.MessageReference       `json:"message_reference"`
	Flags            discordgo.MessageFlags            `json:"flags"`
	Attachments      []struct {
		ID          json.RawMessage `json:"id"`
		Filename    string          `json:"filename"`
		Description string          `json:"description"`
	} `json:"attachments"`
	Components json.RawMessage `json:"components"`
	StickerIDs []string        `json:"sticker_ids"`
	// Webhook executions.
	Username  string `json:"username"`
	AvatarURL string `json:"avatar_url"`
}

// nonceString decodes a nonce sent as a JSON string or integer.
func nonceString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	return string(raw)
}
