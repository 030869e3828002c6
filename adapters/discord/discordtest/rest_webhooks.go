package discordtest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

func errBadWebhookToken() *APIError { return newAPIError(401, 50027, "Invalid Webhook Token") }

func errMaxWebhooks() *APIError {
	return newAPIError(400, 30007, "Maximum number of webhooks reached (15)")
}

// maxChannelWebhooks is how many webhooks Discord allows in one channel,
// whoever created them.
const maxChannelWebhooks = 15

// webhooksInLocked counts the webhooks of a channel.
func (s *Server) webhooksInLocked(channelID string) int {
	n := 0
	for _, wh := range s.st.webhooks {
		if wh.ChannelID == channelID {
			n++
		}
	}
	return n
}

// AddWebhook creates a webhook in a channel on behalf of someone else
// than the bot: a member through Discord's settings (creatorID a user) or
// another application. It counts towards the channel's 15 webhooks, and
// the bot sees it when listing the channel's webhooks, token included.
func (s *Server) AddWebhook(channelID, name, creatorID string) (*discordgo.Webhook, error) {
	s.mu.Lock()
	defer s.unlock()
	ch, ok := s.st.channels[channelID]
	if !ok || ch.isThread() || ch.isDM() {
		return nil, fmt.Errorf("discordtest: no text channel %s", channelID)
	}
	if _, ok := s.st.users[creatorID]; !ok {
		return nil, fmt.Errorf("discordtest: unknown user %s", creatorID)
	}
	if s.webhooksInLocked(channelID) >= maxChannelWebhooks {
		return nil, errMaxWebhooks()
	}
	wh := &discordgo.Webhook{
		ID: s.newIDLocked(), Type: discordgo.WebhookTypeIncoming, GuildID: ch.guildID, ChannelID: ch.id,
		User: s.st.userLocked(creatorID), Name: name, Token: randomHex(34),
	}
	s.st.webhooks[wh.ID] = wh
	cp := *wh
	return &cp, nil
}

// validWebhookName applies Discord's rules to webhook names and username
// overrides: 1-80 characters, not containing "clyde" or "discord".
func validWebhookName(field, name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > 80 {
		return formError(field, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.")
	}
	lower := strings.ToLower(name)
	for _, bad := range []string{"clyde", "discord"} {
		if strings.Contains(lower, bad) {
			return formError(field, "USERNAME_INVALID_CONTAINS", `Username cannot contain "`+bad+`"`)
		}
	}
	return nil
}

// webhookChannelLocked finds a text channel where the bot can manage webhooks.
func (s *Server) webhookChannelLocked(c *call) (*channel, error) {
	ch, err := s.channelForBotLocked(c.param("channel"))
	if err != nil {
		return nil, err
	}
	if ch.isThread() || ch.isDM() {
		return nil, errWrongChannelType()
	}
	if !s.hasPermLocked(s.st.botID, ch, discordgo.PermissionManageWebhooks) {
		return nil, errMissingPermissions()
	}
	return ch, nil
}

// POST /channels/{channel}/webhooks
func (s *Server) createWebhook(c *call) (any, error) {
	ch, err := s.webhookChannelLocked(c)
	if err != nil {
		return nil, err
	}
	var b struct {
		Name   string `json:"name"`
		Avatar string `json:"avatar"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	if err := validWebhookName("name", b.Name); err != nil {
		return nil, err
	}
	if s.webhooksInLocked(ch.id) >= maxChannelWebhooks {
		return nil, errMaxWebhooks()
	}
	wh := &discordgo.Webhook{
		ID: s.newIDLocked(), Type: discordgo.WebhookTypeIncoming, GuildID: ch.guildID, ChannelID: ch.id,
		User: s.st.userLocked(s.st.botID), Name: b.Name, Token: randomHex(34), ApplicationID: s.st.botID,
	}
	if b.Avatar != "" {
		wh.Avatar = randomHex(16)
	}
	s.st.webhooks[wh.ID] = wh
	cp := *wh
	return &cp, nil
}

// GET /channels/{channel}/webhooks
func (s *Server) listWebhooks(c *call) (any, error) {
	ch, err := s.webhookChannelLocked(c)
	if err != nil {
		return nil, err
	}
	out := []*discordgo.Webhook{}
	for _, wh := range s.st.webhooks {
		if wh.ChannelID == ch.id {
			cp := *wh
			out = append(out, &cp)
		}
	}
	sortByID(out, func(w *discordgo.Webhook) string { return w.ID })
	return out, nil
}

// GET /webhooks/{webhook}/{token} (and with the bot token, without {token})
func (s *Server) getWebhook(c *call) (any, error) {
	wh, ok := s.st.webhooks[c.param("webhook")]
	if !ok {
		return nil, errUnknownWebhook()
	}
	if tok := c.param("token"); tok != "" && tok != wh.Token {
		return nil, errBadWebhookToken()
	}
	cp := *wh
	if c.param("token") != "" {
		cp.User = nil
	}
	return &cp, nil
}

// DELETE /webhooks/{webhook} (bot token) and /webhooks/{webhook}/{token}
func (s *Server) deleteWebhook(c *call) (any, error) {
	wh, ok := s.st.webhooks[c.param("webhook")]
	if !ok {
		return nil, errUnknownWebhook()
	}
	if tok := c.param("token"); tok != "" && tok != wh.Token {
		return nil, errBadWebhookToken()
	}
	if c.param("token") == "" {
		ch, ok := s.st.channels[wh.ChannelID]
		if ok && !s.hasPermLocked(s.st.botID, ch, discordgo.PermissionManageWebhooks) {
			return nil, errMissingPermissions()
		}
	}
	delete(s.st.webhooks, wh.ID)
	c.status = 204
	return nil, nil
}

// tokenWebhookLocked finds the webhook in a /webhooks/{webhook}/{token} path.
func (s *Server) tokenWebhookLocked(c *call) (*discordgo.Webhook, error) {
	wh, ok := s.st.webhooks[c.param("webhook")]
	if !ok {
		return nil, errUnknownWebhook()
	}
	if c.param("token") != wh.Token {
		return nil, errBadWebhookToken()
	}
	return wh, nil
}

// webhookTargetLocked resolves the channel a webhook request acts in: its
// own channel, or the thread named by ?thread_id= (which must be a thread
// of that channel).
func (s *Server) webhookTargetLocked(c *call, wh *discordgo.Webhook) (*channel, error) {
	ch, ok := s.st.channels[wh.ChannelID]
	if !ok {
		return nil, errUnknownChannel()
	}
	tid := c.query.Get("thread_id")
	if tid == "" {
		return ch, nil
	}
	th, ok := s.st.channels[tid]
	if !ok || !th.isThread() || th.parentID != ch.id {
		return nil, errUnknownChannel()
	}
	return th, nil
}

// POST /webhooks/{webhook}/{token}?wait=&thread_id=: posts as the webhook,
// under the given username and avatar_url; posting un-archives a thread
// unless it is locked. Interaction followups share this route.
func (s *Server) executeWebhook(c *call) (any, error) {
	if c.param("webhook") == s.st.botID {
		return s.createFollowup(c)
	}
	wh, err := s.tokenWebhookLocked(c)
	if err != nil {
		return nil, err
	}
	target, err := s.webhookTargetLocked(c, wh)
	if err != nil {
		return nil, err
	}
	if target.isThread() && target.archived && target.locked {
		return nil, errThreadArchived(403)
	}
	var b messageBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	name := wh.Name
	if b.Username != "" {
		if err := validWebhookName("username", b.Username); err != nil {
			return nil, err
		}
		name = b.Username
	}
	author := &discordgo.User{ID: wh.ID, Username: name, Avatar: wh.Avatar, Discriminator: "0000", Bot: true}
	m, info, err := s.buildMessageLocked(c, target, &b, author)
	if err != nil {
		return nil, err
	}
	m.WebhookID = wh.ID
	info.AvatarURL = b.AvatarURL
	stored := s.postLocked(target, m, info, true)
	if c.query.Get("wait") != "true" {
		c.status = 204
		return nil, nil
	}
	return restMessage(stored), nil
}

// webhookMessageLocked finds a message a webhook posted, in its channel or
// in the ?thread_id= thread; without thread_id a thread message is unknown.
func (s *Server) webhookMessageLocked(c *call) (*channel, *message, error) {
	wh, err := s.tokenWebhookLocked(c)
	if err != nil {
		return nil, nil, err
	}
	ch, err := s.webhookTargetLocked(c, wh)
	if err != nil {
		return nil, nil, err
	}
	m, ok := ch.byID[c.param("message")]
	if !ok || m.info.Deleted || m.m.WebhookID != wh.ID {
		return nil, nil, errUnknownMessage()
	}
	return ch, m, nil
}

// GET, PATCH and DELETE /webhooks/{webhook}/{token}/messages/{message}
// (?thread_id=); interaction @original and followups share these routes.
func (s *Server) webhookMessage(c *call) (any, error) {
	if c.param("webhook") == s.st.botID {
		return s.interactionMessage(c)
	}
	ch, m, err := s.webhookMessageLocked(c)
	if err != nil {
		return nil, err
	}
	switch c.r.Method {
	case "GET":
		return restMessage(m), nil
	case "DELETE":
		if ch.isThread() && ch.archived {
			return nil, errThreadArchived(400)
		}
		s.deleteMessageLocked(ch, m)
		c.status = 204
		return nil, nil
	}
	var b messageBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	if ch.isThread() && ch.archived {
		return nil, errThreadArchived(400)
	}
	if err := s.editMessageLocked(c, ch, m, &b, true); err != nil {
		return nil, err
	}
	return restMessage(m), nil
}
