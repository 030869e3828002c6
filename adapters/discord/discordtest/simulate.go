package discordtest

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// Attachment is a file a simulated user uploads with a message.
type Attachment struct {
	Name        string // file name, e.g. "screenshot.png"
	ContentType string // MIME type; "" means application/octet-stream
	Data        []byte // file contents
}

// UserMessage is a message a simulated user types in the Discord client.
type UserMessage struct {
	ChannelID string // channel, thread or DM to post in
	AuthorID  string // a user from AddUser
	Content   string // text; user and role mentions are parsed from it
	// Attachments are served under the server's /attachments/ URL.
	Attachments []Attachment
	// Nitro lets the author upload up to 500 MiB instead of 10 MiB.
	Nitro bool
	// ReplyTo is the ID of a message in the same channel to reply to.
	ReplyTo string
}

// SendUserMessage posts a message as a user, with the user's permissions
// checked as Discord would (a client not added to a private thread cannot
// post in it), un-archiving the thread if needed, and dispatches
// MESSAGE_CREATE with guild_id and member. Errors are Discord's.
func (s *Server) SendUserMessage(um UserMessage) (*discordgo.Message, error) {
	s.mu.Lock()
	defer s.unlock()
	ch, ok := s.st.channels[um.ChannelID]
	if !ok {
		return nil, errUnknownChannel()
	}
	author := s.st.userLocked(um.AuthorID)
	if author == nil || um.AuthorID == s.st.botID {
		return nil, errUnknownUser()
	}
	unarchive, err := s.postableLocked(um.AuthorID, ch)
	if err != nil {
		return nil, err
	}
	c := &call{s: s, nitro: um.Nitro}
	for _, a := range um.Attachments {
		c.files = append(c.files, upload{name: a.Name, contentType: a.ContentType, data: a.Data})
	}
	b := &messageBody{Content: &um.Content}
	if um.ReplyTo != "" {
		b.MessageReference = &discordgo.MessageReference{MessageID: um.ReplyTo}
	}
	m, info, err := s.buildMessageLocked(c, ch, b, author)
	if err != nil {
		return nil, err
	}
	return copyMessage(s.postLocked(ch, m, info, unarchive).m), nil
}

// EditUserMessage changes a message's content as its author would (no
// permission check) and dispatches MESSAGE_UPDATE.
func (s *Server) EditUserMessage(channelID, messageID, content string) (*discordgo.Message, error) {
	s.mu.Lock()
	defer s.unlock()
	ch, ok := s.st.channels[channelID]
	if !ok {
		return nil, errUnknownChannel()
	}
	m, ok := ch.byID[messageID]
	if !ok || m.info.Deleted {
		return nil, errUnknownMessage()
	}
	if ch.isThread() && ch.archived {
		return nil, errThreadArchived(400)
	}
	if err := s.editMessageLocked(&call{s: s}, ch, m, &messageBody{Content: &content}, true); err != nil {
		return nil, err
	}
	return copyMessage(m.m), nil
}

// DeleteMessage deletes any message, as its author or a moderator would,
// and dispatches MESSAGE_DELETE.
func (s *Server) DeleteMessage(channelID, messageID string) error {
	s.mu.Lock()
	defer s.unlock()
	ch, ok := s.st.channels[channelID]
	if !ok {
		return errUnknownChannel()
	}
	m, ok := ch.byID[messageID]
	if !ok || m.info.Deleted {
		return errUnknownMessage()
	}
	s.deleteMessageLocked(ch, m)
	return nil
}

// ThreadSpec describes a thread a simulated user creates.
type ThreadSpec struct {
	ParentID string // the text channel the thread belongs to
	OwnerID  string // the user creating it, its first member
	Name     string // 1-100 characters
	// Private makes a private thread; otherwise public.
	Private bool
	// AutoArchiveDuration in minutes: 60, 1440, 4320 (default) or 10080.
	AutoArchiveDuration int
	// FromMessageID starts the thread on a message (the thread gets its ID).
	FromMessageID string
}

// CreateThread creates a thread as a user and dispatches THREAD_CREATE (to
// a bot that can see it).
func (s *Server) CreateThread(sp ThreadSpec) (*discordgo.Channel, error) {
	s.mu.Lock()
	defer s.unlock()
	p, ok := s.st.channels[sp.ParentID]
	if !ok {
		return nil, errUnknownChannel()
	}
	typ := discordgo.ChannelTypeGuildPublicThread
	if sp.Private {
		typ = discordgo.ChannelTypeGuildPrivateThread
	}
	spec := threadSpec{parent: p, ownerID: sp.OwnerID, name: sp.Name, typ: typ, autoArchive: sp.AutoArchiveDuration, invitable: true}
	if sp.FromMessageID != "" {
		m, ok := p.byID[sp.FromMessageID]
		if !ok || m.info.Deleted {
			return nil, errUnknownMessage()
		}
		spec.from = m
	}
	th, err := s.createThreadLocked(spec)
	if err != nil {
		return nil, err
	}
	return s.st.channelObjLocked(th), nil
}

// ThreadUpdate is a moderator's change to a thread; nil fields stay.
type ThreadUpdate struct {
	Name     *string // rename
	Archived *bool   // archive or un-archive
	Locked   *bool   // lock (only moderators may then un-archive) or unlock
}

// UpdateThread changes a thread as the guild owner would (e.g. archive or
// lock it from the client) and dispatches THREAD_UPDATE.
func (s *Server) UpdateThread(threadID string, u ThreadUpdate) (*discordgo.Channel, error) {
	s.mu.Lock()
	defer s.unlock()
	th, ok := s.st.channels[threadID]
	if !ok || !th.isThread() {
		return nil, errUnknownChannel()
	}
	owner := s.st.guilds[th.guildID].ownerID
	if err := s.patchThreadLocked(th, owner, threadPatch{Name: u.Name, Archived: u.Archived, Locked: u.Locked}); err != nil {
		return nil, err
	}
	return s.st.channelObjLocked(th), nil
}

// DeleteThread deletes a thread as a moderator would: THREAD_DELETE is
// dispatched and every later request about it gets 404 Unknown Channel.
func (s *Server) DeleteThread(threadID string) error {
	s.mu.Lock()
	defer s.unlock()
	th, ok := s.st.channels[threadID]
	if !ok || !th.isThread() {
		return errUnknownChannel()
	}
	s.deleteChannelLocked(th)
	return nil
}

// AddThreadMember adds userID to a thread as the guild owner would.
func (s *Server) AddThreadMember(threadID, userID string) error {
	s.mu.Lock()
	defer s.unlock()
	th, ok := s.st.channels[threadID]
	if !ok {
		return errUnknownChannel()
	}
	return s.threadAddMemberLocked(th, s.st.guilds[th.guildID].ownerID, userID)
}

// RemoveThreadMember removes userID from a thread as the guild owner would.
func (s *Server) RemoveThreadMember(threadID, userID string) error {
	s.mu.Lock()
	defer s.unlock()
	th, ok := s.st.channels[threadID]
	if !ok {
		return errUnknownChannel()
	}
	return s.threadRemoveMemberLocked(th, s.st.guilds[th.guildID].ownerID, userID)
}

// SlashCommand is a chat input command a simulated user invokes.
type SlashCommand struct {
	ChannelID string // where the user types the command
	UserID    string // who invokes it
	// Name must be a registered command: a guild command of the channel's
	// guild or a global one (the only kind usable in DMs).
	Name string
	// Options are the values the user filled in, as Discord sends them.
	Options []*discordgo.ApplicationCommandInteractionDataOption
}

// InvokeSlashCommand dispatches INTERACTION_CREATE (type 2) for a
// registered command. The bot then has 3 seconds (by Config.Now) to call
// back; see Interaction for what it did.
func (s *Server) InvokeSlashCommand(sc SlashCommand) (*discordgo.Interaction, error) {
	s.mu.Lock()
	defer s.unlock()
	ch, ok := s.st.channels[sc.ChannelID]
	if !ok {
		return nil, errUnknownChannel()
	}
	user := s.st.userLocked(sc.UserID)
	if user == nil {
		return nil, errUnknownUser()
	}
	if !s.canViewLocked(sc.UserID, ch) {
		return nil, errMissingAccess()
	}
	if !ch.isDM() && !s.hasPermLocked(sc.UserID, ch, discordgo.PermissionUseApplicationCommands) {
		return nil, errMissingPermissions()
	}
	scopes := []string{""}
	if !ch.isDM() {
		scopes = []string{ch.guildID, ""}
	}
	var cmd *discordgo.ApplicationCommand
	for _, scope := range scopes {
		i := slices.IndexFunc(s.st.commands[scope], func(c *discordgo.ApplicationCommand) bool {
			return c.Name == sc.Name && c.Type == discordgo.ChatApplicationCommand
		})
		if i >= 0 {
			cmd = s.st.commands[scope][i]
			break
		}
	}
	if cmd == nil {
		return nil, fmt.Errorf("discordtest: command %q is not registered for this channel", sc.Name)
	}
	i := &discordgo.Interaction{
		ID: s.newIDLocked(), AppID: s.st.botID, Type: discordgo.InteractionApplicationCommand,
		Data:      discordgo.ApplicationCommandInteractionData{ID: cmd.ID, Name: cmd.Name, CommandType: cmd.Type, Options: sc.Options},
		ChannelID: ch.id, Token: "interaction." + randomHex(24), Version: 1, Locale: s.st.userLocaleLocked(sc.UserID),
		AppPermissions: s.permissionsLocked(s.st.botID, ch),
	}
	if ch.isDM() {
		i.User = user
		i.Context = discordgo.InteractionContextBotDM
	} else {
		i.GuildID = ch.guildID
		i.Member = s.st.memberObjLocked(s.st.guilds[ch.guildID], sc.UserID, true)
		i.Member.Permissions = s.permissionsLocked(sc.UserID, ch)
		i.Context = discordgo.InteractionContextGuild
		loc := s.st.guilds[ch.guildID].preferredLocale
		i.GuildLocale = &loc
	}
	in := &interaction{i: i, created: s.now()}
	s.st.interactions[i.ID] = in
	s.st.byToken[i.Token] = in
	s.emitLocked(event{typ: "INTERACTION_CREATE", data: i})
	return copyInteraction(i), nil
}

// copyInteraction deep-copies an interaction through JSON.
func copyInteraction(i *discordgo.Interaction) *discordgo.Interaction {
	b, err := json.Marshal(i)
	if err != nil {
		panic("discordtest: marshal interaction: " + err.Error())
	}
	var out discordgo.Interaction
	if err := json.Unmarshal(b, &out); err != nil {
		panic("discordtest: unmarshal interaction: " + err.Error())
	}
	return &out
}
