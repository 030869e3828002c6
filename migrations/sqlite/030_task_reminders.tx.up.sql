-- Reminder state of tasks (see core/reminders.go): remind_at is when the
-- next early reminder (lead time before the deadline, or a snooze) is due,
-- NULL when none is pending; reminded_at is when the last reminder DM was
-- claimed; deadline_notified_at when the DM at the deadline was.
ALTER TABLE tasks ADD COLUMN remind_at TIMESTAMP;
--bun:split
ALTER TABLE tasks ADD COLUMN reminded_at TIMESTAMP;
--bun:split
ALTER TABLE tasks ADD COLUMN deadline_notified_at TIMESTAMP;
--bun:split
-- Existing open tasks: arm the lead reminder when it is still ahead, and
-- consider deadlines already past as notified (no flood of stale DMs).
-- Times are compared as bun writes them, "YYYY-MM-DD HH:MM:SS+00:00"; this
-- one-off backfill is the only place SQLite's own clock is read.
UPDATE tasks SET remind_at = strftime('%Y-%m-%d %H:%M:%S', due_at, printf('-%d minutes', remind_minutes)) || '+00:00'
WHERE done_at IS NULL;
--bun:split
UPDATE tasks SET remind_at = NULL WHERE remind_at <= strftime('%Y-%m-%d %H:%M:%S', 'now') || '+00:00';
--bun:split
UPDATE tasks SET deadline_notified_at = strftime('%Y-%m-%d %H:%M:%S', 'now') || '+00:00'
WHERE done_at IS NULL AND due_at <= strftime('%Y-%m-%d %H:%M:%S', 'now') || '+00:00';
--bun:split
CREATE INDEX tasks_remind_due_idx ON tasks (remind_at) WHERE done_at IS NULL AND remind_at IS NOT NULL;
--bun:split
CREATE INDEX tasks_deadline_due_idx ON tasks (due_at) WHERE done_at IS NULL AND deadline_notified_at IS NULL;
--bun:split
-- Per-user reminder settings: the morning digest's local time (minutes
-- after midnight, 08:30 by default), the owner-local date of the last
-- digest claimed (YYYY-MM-DD), and when time_zone was last read from Slack.
ALTER TABLE users ADD COLUMN digest_minute INTEGER NOT NULL DEFAULT 510;
--bun:split
ALTER TABLE users ADD COLUMN last_digest_on TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE users ADD COLUMN tz_checked_at TIMESTAMP;
