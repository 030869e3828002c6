package discordtest

import (
	"time"

	"github.com/bwmarrin/discordgo"
)

// Interaction deadlines on Discord.
const (
	callbackDeadline = 3 * time.Second
	tokenLifetime    = 15 * time.Minute
)

// POST /interactions/{interaction}/{token}/callback: one answer, within
// 3 seconds. Types 4 and 5 create the @original message (ephemeral with
// flag 64, otherwise posted in the channel and dispatched).
func (s *Server) interactionCallback(c *call) (any, error) {
	in, ok := s.st.interactions[c.param("interaction")]
	if !ok || in.i.Token != c.param("token") {
		return nil, errUnknownInteraction()
	}
	if len(in.callbacks) > 0 {
		return nil, errAlreadyAcknowledged()
	}
	if s.now().Sub(in.created) > callbackDeadline {
		return nil, errUnknownInteraction()
	}
	var b struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data *messageBody                      `json:"data"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	cb := InteractionCallback{Type: b.Type, Raw: c.rawPayload(), At: s.now()}
	if b.Data != nil {
		if b.Data.Content != nil {
			cb.Content = *b.Data.Content
		}
		cb.Flags = b.Data.Flags
	}
	switch b.Type {
	case discordgo.InteractionResponsePong, discordgo.InteractionResponseDeferredMessageUpdate,
		discordgo.InteractionResponseUpdateMessage, discordgo.InteractionApplicationCommandAutocompleteResult,
		discordgo.InteractionResponseModal:
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseDeferredChannelMessageWithSource:
		if b.Data == nil {
			b.Data = &messageBody{}
		}
		if err := s.createOriginalLocked(c, in, b.Type, b.Data); err != nil {
			return nil, err
		}
	default:
		return nil, formError("type", "BASE_TYPE_CHOICES", "Value must be one of {1, 4, 5, 6, 7, 8, 9}.")
	}
	in.callbacks = append(in.callbacks, cb)
	c.status = 204
	return nil, nil
}

// interactionMessageLocked builds a message answering in: type 20, shown
// as the bot, webhook_id the application.
func (s *Server) interactionMessageLocked(c *call, in *interaction, b *messageBody, deferred bool) (*channel, *discordgo.Message, MessageInfo, error) {
	ch, ok := s.st.channels[in.i.ChannelID]
	if !ok {
		return nil, nil, MessageInfo{}, errUnknownChannel()
	}
	var m *discordgo.Message
	var info MessageInfo
	if deferred {
		m = &discordgo.Message{ChannelID: ch.id, Author: s.st.userLocked(s.st.botID), Flags: discordgo.MessageFlagsLoading}
	} else {
		var err error
		m, info, err = s.buildMessageLocked(c, ch, b, s.st.userLocked(s.st.botID))
		if err != nil {
			return nil, nil, info, err
		}
	}
	invoker := in.i.User
	if in.i.Member != nil {
		invoker = in.i.Member.User
	}
	m.Type = discordgo.MessageTypeChatInputCommand
	m.WebhookID = s.st.botID
	name := ""
	if d, ok := in.i.Data.(discordgo.ApplicationCommandInteractionData); ok {
		name = d.Name
	}
	m.Interaction = &discordgo.MessageInteraction{ID: in.i.ID, Type: in.i.Type, Name: name, User: invoker}
	m.InteractionMetadata = &discordgo.MessageInteractionMetadata{ID: in.i.ID, Type: in.i.Type, User: invoker}
	info.InteractionID = in.i.ID
	info.Ephemeral = b.Flags&discordgo.MessageFlagsEphemeral != 0
	if info.Ephemeral {
		m.Flags |= discordgo.MessageFlagsEphemeral
	}
	return ch, m, info, nil
}

// storeInteractionMessageLocked posts a non-ephemeral answer in its
// channel; an ephemeral one is kept only on the interaction.
func (s *Server) storeInteractionMessageLocked(ch *channel, m *discordgo.Message, info MessageInfo) *message {
	if info.Ephemeral {
		m.ID = s.newIDLocked()
		m.ChannelID = ch.id
		m.Timestamp = snowflakeTime(m.ID)
		return &message{m: m, info: info}
	}
	return s.postLocked(ch, m, info, !ch.locked)
}

func (s *Server) createOriginalLocked(c *call, in *interaction, typ discordgo.InteractionResponseType, b *messageBody) error {
	deferred := typ == discordgo.InteractionResponseDeferredChannelMessageWithSource
	ch, m, info, err := s.interactionMessageLocked(c, in, b, deferred)
	if err != nil {
		return err
	}
	in.original = s.storeInteractionMessageLocked(ch, m, info)
	return nil
}

// interactionByTokenLocked finds a live interaction from /webhooks/{app}/{token}.
func (s *Server) interactionByTokenLocked(c *call) (*interaction, error) {
	in, ok := s.st.byToken[c.param("token")]
	if !ok || s.now().Sub(in.created) > tokenLifetime {
		return nil, errBadWebhookToken()
	}
	return in, nil
}

// createFollowup is POST /webhooks/{app}/{token}: a followup message, only
// after the interaction was answered.
func (s *Server) createFollowup(c *call) (any, error) {
	in, err := s.interactionByTokenLocked(c)
	if err != nil {
		return nil, err
	}
	if len(in.callbacks) == 0 {
		return nil, errUnknownWebhook()
	}
	var b messageBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	ch, m, info, err := s.interactionMessageLocked(c, in, &b, false)
	if err != nil {
		return nil, err
	}
	stored := s.storeInteractionMessageLocked(ch, m, info)
	in.followups = append(in.followups, stored)
	if c.query.Get("wait") == "false" {
		c.status = 204
		return nil, nil
	}
	return restMessage(stored), nil
}

// interactionMessage is GET, PATCH and DELETE of
// /webhooks/{app}/{token}/messages/{@original|id}.
func (s *Server) interactionMessage(c *call) (any, error) {
	in, err := s.interactionByTokenLocked(c)
	if err != nil {
		return nil, err
	}
	var m *message
	if id := c.param("message"); id == "@original" {
		m = in.original
	} else {
		for _, f := range in.followups {
			if f.m.ID == id {
				m = f
			}
		}
	}
	if m == nil || m.info.Deleted {
		return nil, errUnknownMessage()
	}
	ch := s.st.channels[m.m.ChannelID]
	switch c.r.Method {
	case "GET":
		return restMessage(m), nil
	case "DELETE":
		if m.info.Ephemeral || ch == nil {
			m.info.Deleted = true
		} else {
			s.deleteMessageLocked(ch, m)
		}
		c.status = 204
		return nil, nil
	}
	var b messageBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	if ch == nil {
		return nil, errUnknownChannel()
	}
	if !m.info.Ephemeral && ch.isThread() && ch.archived {
		return nil, errThreadArchived(400)
	}
	// Ephemeral messages change without a dispatch: only the invoker sees them.
	if err := s.editMessageLocked(c, ch, m, &b, !m.info.Ephemeral); err != nil {
		return nil, err
	}
	return restMessage(m), nil
}
