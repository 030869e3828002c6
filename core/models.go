package core

import (
	"time"

	"github.com/uptrace/bun"
)

// Roles a user can have.
const (
	RoleAdmin  = "admin"
	RoleStaff  = "staff"
	RoleClient = "client"
)

// User is someone an admin created: staff or admins working from Slack and
// the web panel, or clients writing from Discord.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID        int64   `bun:"id,pk,autoincrement"`
	Login     string  `bun:"login,notnull"`
	Name      string  `bun:"name,notnull"`
	Email     string  `bun:"email,notnull"`
	Phone     string  `bun:"phone,notnull"`
	Role      string  `bun:"role,notnull"`
	SlackID   *string `bun:"slack_id"`
	DiscordID *string `bun:"discord_id"`
	TimeZone  string  `bun:"time_zone,notnull"`
	// Locale is the user's language setting ("en", "fr"), "" when unset.
	Locale string `bun:"locale,notnull"`
	// SlackLocale and DiscordLocale are the languages those platforms
	// last said the user speaks ("fr-FR", "fr"), "" when unknown: see
	// Language.
	SlackLocale   string     `bun:"slack_locale,notnull"`
	DiscordLocale string     `bun:"discord_locale,notnull"`
	PasswordHash  string     `bun:"password_hash,notnull"`
	DisabledAt    *time.Time `bun:"disabled_at"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
}

// IsStaff reports whether the user may work as staff (staff or admin) and is
// not disabled.
func (u *User) IsStaff() bool {
	return u != nil && u.DisabledAt == nil && (u.Role == RoleStaff || u.Role == RoleAdmin)
}

// IsAdmin reports whether the user is an enabled admin.
func (u *User) IsAdmin() bool { return u != nil && u.DisabledAt == nil && u.Role == RoleAdmin }

// Location returns the user's time zone, UTC when unknown or invalid.
func (u *User) Location() *time.Location {
	if u == nil || u.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Interest is a topic a company cares about, with a display colour.
type Interest struct {
	bun.BaseModel `bun:"table:interests"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	NameKey   string    `bun:"name_key,notnull"`
	Color     string    `bun:"color,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`

	// Companies counts the companies having this interest, when loaded by
	// ListInterests.
	Companies int `bun:"companies,scanonly"`
}

// Company is a legal person the business deals with.
type Company struct {
	bun.BaseModel `bun:"table:companies"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	NameKey   string    `bun:"name_key,notnull"`
	Search    string    `bun:"search,notnull"`
	Address   string    `bun:"address,notnull"`
	Phone     string    `bun:"phone,notnull"`
	Email     string    `bun:"email,notnull"`
	Website   string    `bun:"website,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`

	Interests []*Interest `bun:"m2m:company_interests,join:Company=Interest"`
}

// CompanyInterest links a company to an interest.
type CompanyInterest struct {
	bun.BaseModel `bun:"table:company_interests"`

	CompanyID  int64     `bun:"company_id,pk"`
	Company    *Company  `bun:"rel:belongs-to,join:company_id=id"`
	InterestID int64     `bun:"interest_id,pk"`
	Interest   *Interest `bun:"rel:belongs-to,join:interest_id=id"`
}

// Comment is free text a staff user left on a company.
type Comment struct {
	bun.BaseModel `bun:"table:comments"`

	ID         int64     `bun:"id,pk,autoincrement"`
	CompanyID  int64     `bun:"company_id,notnull"`
	AuthorID   *int64    `bun:"author_id"`
	AuthorName string    `bun:"author_name,notnull"`
	Body       string    `bun:"body,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// Person is a natural person, linked to zero or more companies.
type Person struct {
	bun.BaseModel `bun:"table:people"`

	ID        int64     `bun:"id,pk,autoincrement"`
	FirstName string    `bun:"first_name,notnull"`
	LastName  string    `bun:"last_name,notnull"`
	Search    string    `bun:"search,notnull"`
	Email     string    `bun:"email,notnull"`
	Phone     string    `bun:"phone,notnull"`
	JobTitle  string    `bun:"job_title,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// FullName returns "First Last".
func (p *Person) FullName() string {
	if p.LastName == "" {
		return p.FirstName
	}
	return p.FirstName + " " + p.LastName
}

// CompanyPerson links a person to a company with the job title they hold there.
type CompanyPerson struct {
	bun.BaseModel `bun:"table:company_people"`

	CompanyID int64  `bun:"company_id,pk"`
	PersonID  int64  `bun:"person_id,pk"`
	JobTitle  string `bun:"job_title,notnull"`
}

// Task is a to-do item owned by one user, with a deadline.
type Task struct {
	bun.BaseModel `bun:"table:tasks"`

	ID            int64      `bun:"id,pk,autoincrement"`
	OwnerID       int64      `bun:"owner_id,notnull"`
	Title         string     `bun:"title,notnull"`
	Place         string     `bun:"place,notnull"`
	DueAt         time.Time  `bun:"due_at,notnull"`
	RemindMinutes int        `bun:"remind_minutes,notnull"`
	Description   string     `bun:"description,notnull"`
	DoneAt        *time.Time `bun:"done_at"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`

	// Reminder state (see reminders.go). RemindAt is when the next early
	// reminder (lead time before the deadline, or a snooze) is due, nil when
	// none is pending; RemindedAt is when the last reminder was claimed;
	// DeadlineNotifiedAt when the reminder at the deadline was.
	RemindAt           *time.Time `bun:"remind_at"`
	RemindedAt         *time.Time `bun:"reminded_at"`
	DeadlineNotifiedAt *time.Time `bun:"deadline_notified_at"`
}

// Ticket statuses and visibilities.
const (
	TicketOpen    = "open"
	TicketClosed  = "closed"
	TicketPrivate = "private"
	TicketPublic  = "public"
)

// Ticket is a support conversation: a Discord thread on the client side and a
// Slack thread on the staff side.
type Ticket struct {
	bun.BaseModel `bun:"table:tickets"`

	ID              int64      `bun:"id,pk,autoincrement"`
	Number          int64      `bun:"number,notnull"`
	Subject         string     `bun:"subject,notnull"`
	Status          string     `bun:"status,notnull"`
	Visibility      string     `bun:"visibility,notnull"`
	OpenerID        *int64     `bun:"opener_id"`
	DiscordThreadID *string    `bun:"discord_thread_id"`
	SlackChannelID  *string    `bun:"slack_channel_id"`
	SlackThreadTS   *string    `bun:"slack_thread_ts"`
	CreatedAt       time.Time  `bun:"created_at,notnull"`
	UpdatedAt       time.Time  `bun:"updated_at,notnull"`
	ClosedAt        *time.Time `bun:"closed_at"`

	// DiscordChannelID is the Discord support channel the ticket was
	// opened from, its thread's parent (nil: the first support channel).
	DiscordChannelID *string `bun:"discord_channel_id"`
	// DiscordWebhookSlot is the place, in that channel's webhook pool, of
	// the webhook the thread posts through (AssignDiscordWebhookTx); nil
	// for a ticket opened before the pool (slot 0).
	DiscordWebhookSlot *int `bun:"discord_webhook_slot"`
	// SlackFallbackFrom and SlackFallbackReason are set when the channel
	// the ticket was routed to could not take its thread (Slack's error
	// code, such as is_archived or not_in_channel) and it opened in the
	// default channel instead (RerouteTicket).
	SlackFallbackFrom   *string `bun:"slack_fallback_from"`
	SlackFallbackReason *string `bun:"slack_fallback_reason"`
}

// TicketParticipant records that a user takes part in a ticket.
type TicketParticipant struct {
	bun.BaseModel `bun:"table:ticket_participants"`

	TicketID int64     `bun:"ticket_id,pk"`
	UserID   int64     `bun:"user_id,pk"`
	JoinedAt time.Time `bun:"joined_at,notnull"`
}

// Platforms a message can come from or go to.
const (
	PlatformSlack   = "slack"
	PlatformDiscord = "discord"
)

// Attachment is a file that came with a message.
type Attachment struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size,omitempty"`
}

// Message is one message of a ticket, from either platform.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID             int64        `bun:"id,pk,autoincrement"`
	TicketID       int64        `bun:"ticket_id,notnull"`
	AuthorID       *int64       `bun:"author_id"`
	AuthorName     string       `bun:"author_name,notnull"`
	Body           string       `bun:"body,notnull"`
	Attachments    []Attachment `bun:"attachments,type:text,notnull"`
	Internal       bool         `bun:"internal,notnull"`
	SourcePlatform string       `bun:"source_platform,notnull"`
	// SourceID identifies the message on SourcePlatform (SourceKey): a
	// Discord snowflake, or a Slack channel and ts ("C123:1712345678.000100").
	SourceID string `bun:"source_id,notnull"`
	// TargetID is the comma-separated IDs of the message's copy on the
	// other platform (Slack ts values in the ticket's thread, or Discord
	// snowflakes): read through the ticket, never alone.
	TargetID  *string    `bun:"target_id"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	EditedAt  *time.Time `bun:"edited_at"`
	DeletedAt *time.Time `bun:"deleted_at"`
}

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliveryDone    = "done"
	DeliveryParked  = "parked"
)

// Delivery is one outbox row: something to send to a platform, written in the
// same transaction as the change that caused it, sent in order per Stream.
type Delivery struct {
	bun.BaseModel `bun:"table:deliveries"`

	ID            int64      `bun:"id,pk,autoincrement"`
	Stream        string     `bun:"stream,notnull"`
	Kind          string     `bun:"kind,notnull"`
	Platform      string     `bun:"platform,notnull"`
	TicketID      *int64     `bun:"ticket_id"`
	MessageID     *int64     `bun:"message_id"`
	Payload       string     `bun:"payload,notnull"`
	Status        string     `bun:"status,notnull"`
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	LockedUntil   *time.Time `bun:"locked_until"`
	LockedBy      string     `bun:"locked_by,notnull"`
	LastError     string     `bun:"last_error,notnull"`
	RemoteID      string     `bun:"remote_id,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
	DoneAt        *time.Time `bun:"done_at"`
}

// InboundEvent remembers a platform event ID already processed, so that a
// redelivered event changes nothing.
type InboundEvent struct {
	bun.BaseModel `bun:"table:inbound_events"`

	Platform  string    `bun:"platform,pk"`
	EventID   string    `bun:"event_id,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

func registerModels(db *bun.DB) {
	db.RegisterModel((*CompanyInterest)(nil))
}
