package discordtest

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/bwmarrin/discordgo"
)

// world is everything the fake Discord knows. It is guarded by Server.mu;
// functions and methods ending in Locked expect the lock held.
type world struct {
	botID string
	seed  Seed

	users        map[string]*discordgo.User
	guilds       map[string]*guild
	guildOrder   []string
	channels     map[string]*channel
	webhooks     map[string]*discordgo.Webhook
	interactions map[string]*interaction // by interaction ID
	byToken      map[string]*interaction // by interaction token
	commands     map[string][]*discordgo.ApplicationCommand
	attachments  map[string]*blob // by attachment ID
	// locales are the users' client languages (SetUserLocale), sent as
	// their interactions' locale; en-US when unset.
	locales map[string]discordgo.Locale
}

type guild struct {
	id, name, ownerID string
	// preferredLocale is the guild's language (community setting),
	// en-US unless SetGuildLocale changed it.
	preferredLocale discordgo.Locale
	joinedAt        time.Time
	roles           []*discordgo.Role
	members         map[string]*member
	memberOrder     []string
	channelOrder    []string // channels that are not threads
}

type member struct {
	userID   string
	nick     string
	roles    []string
	joinedAt time.Time
}

type channel struct {
	id, guildID string
	typ         discordgo.ChannelType
	name, topic string
	parentID    string
	ownerID     string
	position    int
	overwrites  []*discordgo.PermissionOverwrite
	recipients  []string // DM channels

	// Threads.
	archived, locked, invitable bool
	autoArchive                 int
	archiveTS                   time.Time
	threadMembers               map[string]time.Time
	threadMemberOrder           []string
	sentCount                   int

	messages []*message // ascending IDs, deleted ones included
	byID     map[string]*message
	lastID   string
}

func (c *channel) isThread() bool {
	return c.typ == discordgo.ChannelTypeGuildPublicThread ||
		c.typ == discordgo.ChannelTypeGuildPrivateThread ||
		c.typ == discordgo.ChannelTypeGuildNewsThread
}

func (c *channel) isDM() bool { return c.typ == discordgo.ChannelTypeDM }

// message is a stored message: the canonical discordgo value (never handed
// out, only copies) and what discordgo.Message cannot carry.
type message struct {
	m    *discordgo.Message
	info MessageInfo
}

// MessageInfo is what the fake knows about a message beyond the fields of
// discordgo.Message (which has no nonce, for one).
type MessageInfo struct {
	// Nonce is the nonce the poster sent, "" if none.
	Nonce string
	// AllowedMentions is the allowed_mentions object the poster sent, nil
	// if absent. A nil Parse with a non-nil object means "parse": null or [].
	AllowedMentions *discordgo.MessageAllowedMentions
	// AvatarURL is the avatar_url a webhook execution asked for.
	AvatarURL string
	// Files maps uploaded attachment file names to their bytes.
	Files map[string][]byte
	// Ephemeral is set on interaction replies only their invoker sees.
	Ephemeral bool
	// Deleted is set once the message has been deleted.
	Deleted bool
	// InteractionID is set on interaction responses and followups.
	InteractionID string
}

type blob struct {
	contentType string
	data        []byte
	downloads   int // GETs of its URL, answered or faulted
}

// interaction is an INTERACTION_CREATE the fake sent, and what the bot did
// with it.
type interaction struct {
	i         *discordgo.Interaction
	created   time.Time
	callbacks []InteractionCallback
	original  *message
	followups []*message
}

// InteractionCallback is one POST /interactions/{id}/{token}/callback.
type InteractionCallback struct {
	Type discordgo.InteractionResponseType // the callback's "type"
	// Content and Flags come from the callback's data, when it had one.
	Content string
	Flags   discordgo.MessageFlags // e.g. discordgo.MessageFlagsEphemeral
	// Raw is the callback body (payload_json for multipart requests).
	Raw json.RawMessage
	At  time.Time // when it arrived, by Config.Now
}

// InteractionRecord is what happened to one interaction: the payload sent
// to the bot, its callbacks, and the messages it produced.
type InteractionRecord struct {
	Interaction *discordgo.Interaction // as dispatched in INTERACTION_CREATE
	Callbacks   []InteractionCallback  // accepted callbacks (Discord takes one)
	// Original is the @original response message, nil until a callback
	// created one (types 4 and 5).
	Original *discordgo.Message
	// Followups are the followup messages, oldest first.
	Followups []*discordgo.Message
}

// Answer is what the invoker reads as the interaction's answer: the
// @original message once it holds an answer (a type 4 callback's, or a
// deferred callback's once edited), with its flags; ok is false while
// there is none (no callback yet, or Discord still shows "thinking…").
func (r InteractionRecord) Answer() (text string, flags discordgo.MessageFlags, ok bool) {
	if len(r.Callbacks) == 0 || r.Original == nil || r.Original.Flags&discordgo.MessageFlagsLoading != 0 {
		return "", 0, false
	}
	return r.Original.Content, r.Original.Flags, true
}

// Default permissions of the seeded roles.
const (
	// EveryonePermissions are what the seeded @everyone role allows.
	EveryonePermissions int64 = discordgo.PermissionViewChannel |
		discordgo.PermissionSendMessages | discordgo.PermissionSendMessagesInThreads |
		discordgo.PermissionReadMessageHistory | discordgo.PermissionAddReactions |
		discordgo.PermissionCreatePublicThreads | discordgo.PermissionCreatePrivateThreads |
		discordgo.PermissionEmbedLinks | discordgo.PermissionAttachFiles |
		discordgo.PermissionUseApplicationCommands | discordgo.PermissionUseExternalEmojis
	// BotRolePermissions are what the seeded bot role adds for the bot.
	BotRolePermissions int64 = discordgo.PermissionManageThreads |
		discordgo.PermissionManageMessages | discordgo.PermissionManageWebhooks |
		discordgo.PermissionMentionEveryone
)

// newWorld builds the seeded world.
func (s *Server) newWorld() *world {
	w := &world{
		users:        map[string]*discordgo.User{},
		guilds:       map[string]*guild{},
		channels:     map[string]*channel{},
		webhooks:     map[string]*discordgo.Webhook{},
		interactions: map[string]*interaction{},
		byToken:      map[string]*interaction{},
		commands:     map[string][]*discordgo.ApplicationCommand{},
		attachments:  map[string]*blob{},
		locales:      map[string]discordgo.Locale{},
	}
	s.st = w
	w.botID = s.newIDLocked()
	w.users[w.botID] = &discordgo.User{ID: w.botID, Username: s.cfg.BotName, Discriminator: "0000", Bot: true}
	owner := s.addUserLocked("owner")
	g := s.addGuildLocked("JayayaCRM Test", owner.ID)
	botRole := s.addRoleLocked(g, "JayayaBot", BotRolePermissions)
	g.members[w.botID].roles = []string{botRole.ID}
	ch := s.addChannelLocked(g, "support", discordgo.ChannelTypeGuildText)
	w.seed = Seed{GuildID: g.id, ChannelID: ch.id, EveryoneRoleID: g.id, BotRoleID: botRole.ID, OwnerID: owner.ID}
	return w
}

func (s *Server) addUserLocked(name string) *discordgo.User {
	u := &discordgo.User{ID: s.newIDLocked(), Username: name, GlobalName: name, Discriminator: "0"}
	s.st.users[u.ID] = u
	return u
}

// addGuildLocked creates a guild with an @everyone role, its owner and the
// bot as members.
func (s *Server) addGuildLocked(name, ownerID string) *guild {
	id := s.newIDLocked()
	g := &guild{id: id, name: name, ownerID: ownerID, preferredLocale: discordgo.EnglishUS, joinedAt: s.now(), members: map[string]*member{}}
	g.roles = []*discordgo.Role{{ID: id, Name: "@everyone", Permissions: EveryonePermissions}}
	s.st.guilds[id] = g
	s.st.guildOrder = append(s.st.guildOrder, id)
	s.addMemberLocked(g, ownerID)
	s.addMemberLocked(g, s.st.botID)
	return g
}

func (s *Server) addMemberLocked(g *guild, userID string, roles ...string) *member {
	if m, ok := g.members[userID]; ok {
		m.roles = append(m.roles, roles...)
		return m
	}
	m := &member{userID: userID, roles: append([]string(nil), roles...), joinedAt: s.now()}
	g.members[userID] = m
	g.memberOrder = append(g.memberOrder, userID)
	return m
}

func (s *Server) addRoleLocked(g *guild, name string, perms int64) *discordgo.Role {
	r := &discordgo.Role{ID: s.newIDLocked(), Name: name, Permissions: perms, Position: len(g.roles)}
	g.roles = append(g.roles, r)
	return r
}

func (s *Server) addChannelLocked(g *guild, name string, typ discordgo.ChannelType) *channel {
	c := &channel{id: s.newIDLocked(), guildID: g.id, typ: typ, name: name, position: len(g.channelOrder), byID: map[string]*message{}}
	s.st.channels[c.id] = c
	g.channelOrder = append(g.channelOrder, c.id)
	return c
}

// userLocked returns a copy of a user, nil if unknown.
func (w *world) userLocked(id string) *discordgo.User {
	u, ok := w.users[id]
	if !ok {
		return nil
	}
	c := *u
	return &c
}

func (w *world) role(g *guild, id string) *discordgo.Role {
	for _, r := range g.roles {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// memberObjLocked renders a guild member; withUser adds the user object.
func (w *world) memberObjLocked(g *guild, userID string, withUser bool) *discordgo.Member {
	m, ok := g.members[userID]
	if !ok {
		return nil
	}
	out := &discordgo.Member{GuildID: g.id, JoinedAt: m.joinedAt, Nick: m.nick, Roles: append([]string{}, m.roles...)}
	if withUser {
		out.User = w.userLocked(userID)
	}
	return out
}

// channelObjLocked renders a channel as Discord's REST API does.
func (w *world) channelObjLocked(c *channel) *discordgo.Channel {
	out := &discordgo.Channel{
		ID: c.id, GuildID: c.guildID, Name: c.name, Topic: c.topic, Type: c.typ,
		LastMessageID: c.lastID, Position: c.position, ParentID: c.parentID,
		PermissionOverwrites: []*discordgo.PermissionOverwrite{},
	}
	for _, o := range c.overwrites {
		cp := *o
		out.PermissionOverwrites = append(out.PermissionOverwrites, &cp)
	}
	for _, r := range c.recipients {
		out.Recipients = append(out.Recipients, w.userLocked(r))
	}
	if c.isThread() {
		out.OwnerID = c.ownerID
		out.MessageCount = c.sentCount
		out.MemberCount = len(c.threadMembers)
		out.ThreadMetadata = &discordgo.ThreadMetadata{
			Archived: c.archived, Locked: c.locked, Invitable: c.invitable,
			AutoArchiveDuration: c.autoArchive, ArchiveTimestamp: c.archiveTS,
		}
		out.PermissionOverwrites = nil
		if at, ok := c.threadMembers[w.botID]; ok {
			out.Member = &discordgo.ThreadMember{ID: c.id, UserID: w.botID, JoinTimestamp: at}
		}
	}
	return out
}

// guildObjLocked renders a guild; full adds channels, threads, members and
// counts as in GUILD_CREATE.
func (w *world) guildObjLocked(s *Server, g *guild, full bool, allMembers bool) *discordgo.Guild {
	out := &discordgo.Guild{ID: g.id, Name: g.name, OwnerID: g.ownerID, MemberCount: len(g.members), PreferredLocale: string(g.preferredLocale)}
	for _, r := range g.roles {
		cp := *r
		out.Roles = append(out.Roles, &cp)
	}
	if !full {
		return out
	}
	out.JoinedAt = g.joinedAt
	out.Channels = []*discordgo.Channel{}
	out.Threads = []*discordgo.Channel{}
	out.Members = []*discordgo.Member{}
	for _, id := range g.channelOrder {
		out.Channels = append(out.Channels, w.channelObjLocked(w.channels[id]))
	}
	for _, c := range w.sortedChannels() {
		if c.guildID == g.id && c.isThread() && !c.archived && s.canViewLocked(w.botID, c) {
			out.Threads = append(out.Threads, w.channelObjLocked(c))
		}
	}
	for _, uid := range g.memberOrder {
		if allMembers || uid == w.botID {
			out.Members = append(out.Members, w.memberObjLocked(g, uid, true))
		}
	}
	return out
}

// sortedChannels returns every channel in creation order.
func (w *world) sortedChannels() []*channel {
	out := make([]*channel, 0, len(w.channels))
	for _, c := range w.channels {
		out = append(out, c)
	}
	sortByID(out, func(c *channel) string { return c.id })
	return out
}

// copyMessage deep-copies a message through JSON (components are lost, as
// discordgo does not marshal them).
func copyMessage(m *discordgo.Message) *discordgo.Message {
	b, err := json.Marshal(m)
	if err != nil {
		panic("discordtest: marshal message: " + err.Error())
	}
	var out discordgo.Message
	if err := json.Unmarshal(b, &out); err != nil {
		panic("discordtest: unmarshal message: " + err.Error())
	}
	return &out
}

// sortByID sorts items by their snowflake.
func sortByID[T any](items []T, id func(T) string) {
	sort.Slice(items, func(i, j int) bool { return idLess(id(items[i]), id(items[j])) })
}

// userLocaleLocked is the language of a user's Discord client.
func (w *world) userLocaleLocked(userID string) discordgo.Locale {
	if l, ok := w.locales[userID]; ok {
		return l
	}
	return discordgo.EnglishUS
}
