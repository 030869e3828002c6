package discordtest

import (
	"maps"

	"github.com/bwmarrin/discordgo"
)

// Channel returns a channel or thread as GET /channels/{id} would, false if
// it does not exist (or was deleted).
func (s *Server) Channel(id string) (*discordgo.Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.st.channels[id]
	if !ok {
		return nil, false
	}
	return s.st.channelObjLocked(ch), true
}

// Threads returns the threads of a parent channel (archived ones too),
// oldest first.
func (s *Server) Threads(parentID string) []*discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.Channel
	for _, ch := range s.st.sortedChannels() {
		if ch.isThread() && ch.parentID == parentID {
			out = append(out, s.st.channelObjLocked(ch))
		}
	}
	return out
}

// ThreadMembers returns the user IDs in a thread, in joining order.
func (s *Server) ThreadMembers(threadID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.st.channels[threadID]
	if !ok {
		return nil
	}
	return append([]string(nil), ch.threadMemberOrder...)
}

// Messages returns copies of a channel's messages, oldest first, without
// deleted or ephemeral ones. Messages in a guild carry GuildID.
func (s *Server) Messages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.st.channels[channelID]
	if !ok {
		return nil
	}
	var out []*discordgo.Message
	for _, m := range ch.messages {
		if !m.info.Deleted {
			cp := copyMessage(m.m)
			cp.GuildID = ch.guildID
			out = append(out, cp)
		}
	}
	return out
}

// Message returns a copy of one message, deleted ones included.
func (s *Server) Message(channelID, messageID string) (*discordgo.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil {
		return nil, false
	}
	cp := copyMessage(m.m)
	if ch, ok := s.st.channels[channelID]; ok {
		cp.GuildID = ch.guildID
	}
	return cp, true
}

// MessageInfo returns what the fake knows about a message beyond
// discordgo.Message: nonce, allowed_mentions, webhook avatar_url, uploaded
// files, deletion.
func (s *Server) MessageInfo(channelID, messageID string) (MessageInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil {
		return MessageInfo{}, false
	}
	info := m.info
	info.Files = maps.Clone(m.info.Files)
	return info, true
}

// AttachmentDownloads counts the GETs of an attachment's URL (answered,
// or failed by a CDN fault).
func (s *Server) AttachmentDownloads(attachmentID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.st.attachments[attachmentID]; ok {
		return b.downloads
	}
	return 0
}

// findMessageLocked finds a message in a channel or among ephemeral
// interaction messages.
func (s *Server) findMessageLocked(channelID, messageID string) *message {
	if ch, ok := s.st.channels[channelID]; ok {
		if m, ok := ch.byID[messageID]; ok {
			return m
		}
	}
	for _, in := range s.st.interactions {
		for _, m := range append([]*message{in.original}, in.followups...) {
			if m != nil && m.m.ID == messageID && m.m.ChannelID == channelID {
				return m
			}
		}
	}
	return nil
}

// Webhooks returns the webhooks of a channel, with their tokens.
func (s *Server) Webhooks(channelID string) []*discordgo.Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.Webhook
	for _, wh := range s.st.webhooks {
		if wh.ChannelID == channelID {
			cp := *wh
			out = append(out, &cp)
		}
	}
	sortByID(out, func(w *discordgo.Webhook) string { return w.ID })
	return out
}

// Commands returns the application commands registered for guildID, or
// the global ones for "".
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCommands(s.st.commands[guildID])
}

// Interaction returns what happened to an interaction created with
// InvokeSlashCommand.
func (s *Server) Interaction(id string) (InteractionRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.st.interactions[id]
	if !ok {
		return InteractionRecord{}, false
	}
	rec := InteractionRecord{Interaction: copyInteraction(in.i), Callbacks: append([]InteractionCallback(nil), in.callbacks...)}
	if in.original != nil {
		rec.Original = copyMessage(in.original.m)
	}
	for _, f := range in.followups {
		rec.Followups = append(rec.Followups, copyMessage(f.m))
	}
	return rec, true
}
