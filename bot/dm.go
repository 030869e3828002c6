package bot

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// DM purposes carried in DMPayload.Purpose.
const (
	DMReminder = "reminder" // a task reminder (DMPayload.TaskID set)
	DMDigest   = "digest"   // the morning digest
)

// DMPayload is the payload of a KindSlackDM delivery: a direct message from
// the bot to one staff user, rendered like a Reply (Text, then Sections
// with their buttons).
type DMPayload struct {
	UserID      int64     `json:"user_id"`       // the JayayaCRM user
	SlackUserID string    `json:"slack_user_id"` // their Slack ID (U…)
	Text        string    `json:"text"`
	Sections    []Section `json:"sections,omitempty"`
	// Lang is the language Text and Sections are written in; the
	// adapter's own words around them follow it.
	Lang i18n.Locale `json:"lang,omitempty"`

	// Purpose is DMReminder or DMDigest; with TaskID, DueAt and Kind it lets
	// the sender re-check at send time that the DM is still wanted.
	Purpose string            `json:"purpose,omitempty"`
	TaskID  int64             `json:"task_id,omitempty"`
	DueAt   time.Time         `json:"due_at,omitzero"`
	Kind    core.ReminderKind `json:"kind,omitempty"`
}

// DMStream is the outbox stream of DMs to one user: they leave in order.
func DMStream(userID int64) string { return "dm:" + strconv.FormatInt(userID, 10) }

// NewDMDelivery returns the outbox row that sends p over Slack.
func NewDMDelivery(p DMPayload) (*core.Delivery, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return &core.Delivery{Stream: DMStream(p.UserID), Kind: KindSlackDM, Platform: core.PlatformSlack, Payload: string(b)}, nil
}

// DecodeDM reads a KindSlackDM payload. Errors: EINTERNAL when it is not
// one.
func DecodeDM(d *core.Delivery) (DMPayload, error) {
	var p DMPayload
	if err := json.Unmarshal([]byte(d.Payload), &p); err != nil || p.SlackUserID == "" {
		return p, core.Errorf(core.EINTERNAL, "delivery %d is not a valid DM payload", d.ID)
	}
	return p, nil
}

// DMStillWanted re-checks, at send time, that a DM should still go out:
// its recipient is still an active staff user with that Slack ID, and for
// a reminder the task still exists, is theirs, is open and keeps the
// deadline the reminder was about. It reports why not, for the log. A
// database error is returned, so that the delivery is retried.
func DMStillWanted(ctx context.Context, st *core.Store, p DMPayload) (ok bool, why string, err error) {
	var taskID int64
	if p.Purpose == DMReminder {
		taskID = p.TaskID
	}
	c, err := st.CheckDM(ctx, p.UserID, taskID)
	switch {
	case err != nil:
		return false, "", err
	case c.User == nil:
		return false, "user removed", nil
	case !c.User.IsStaff():
		return false, "user disabled or no longer staff", nil
	case c.User.SlackID == nil || *c.User.SlackID != p.SlackUserID:
		return false, "user's Slack account changed", nil
	case p.Purpose != DMReminder:
		return true, "", nil
	case c.Task == nil:
		return false, "task deleted", nil
	case c.Task.DoneAt != nil:
		return false, "task done", nil
	case !c.Task.DueAt.Equal(p.DueAt):
		return false, "deadline moved", nil
	}
	return true, "", nil
}
