package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// DefaultReminderSpec runs the reminder tick at the start of every minute
// (cron with seconds), when HH:MM deadlines fall due.
const DefaultReminderSpec = "0 * * * * *"

// Reminders is the task reminder scheduler. Every tick it claims the
// reminders and morning digests due in the database (core.ClaimReminders,
// core.ClaimDigests) and, in the same transaction, enqueues one slack.dm
// delivery per DM on the outbox the relay uses; the delivery worker sends
// them. Each replica may run one: the claims make every reminder leave
// once.
type Reminders struct {
	Store *core.Store
	Log   *slog.Logger
	// Zones, when set, refreshes staff time zones (and the language
	// Slack gives them) once an hour so that digests follow a user who
	// travels.
	Zones Zones
	// Locale is the language of staff with none of their own
	// (JAYAYA_LOCALE); i18n.Default when empty.
	Locale i18n.Locale
	// Spec is the cron schedule of ticks (with seconds); DefaultReminderSpec
	// when empty.
	Spec string
	// Batch is how many tasks one claim takes (500 when 0).
	Batch int
	// Outbox is the delivery queue the DMs are queued through
	// (outbox.Worker.InTx), in the transaction that claims them; the local
	// worker and, after the commit, every replica's are woken. When nil, a
	// worker that never runs is used: it only queues and announces.
	Outbox *outbox.Worker

	lastZones time.Time
	queueOnce sync.Once
	queue     *outbox.Worker
}

// TickResult counts what one tick did.
type TickResult struct {
	Reminders int // tasks claimed
	DMs       int // DMs enqueued (reminders and digests)
	Digests   int
}

func (r *Reminders) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

// Tick claims everything due now, batch after batch, and enqueues the DMs.
func (r *Reminders) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	batch := r.Batch
	if batch <= 0 {
		batch = 500
	}
	for {
		n, err := r.claimReminders(ctx, batch, &res)
		if err != nil {
			return res, fmt.Errorf("claim reminders: %w", err)
		}
		res.Reminders += n
		if n < batch {
			break
		}
	}
	r.refreshZones(ctx)
	n, err := r.claimDigests(ctx)
	res.Digests = n
	res.DMs += n
	if err != nil {
		return res, fmt.Errorf("claim digests: %w", err)
	}
	return res, nil
}

// claimReminders claims one batch of due reminders and queues their DMs
// in the same transaction. It returns how many tasks it claimed.
func (r *Reminders) claimReminders(ctx context.Context, batch int, res *TickResult) (int, error) {
	n := 0
	err := r.outbox().InTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
		due, claimed, err := r.Store.ClaimRemindersTx(ctx, tx.Bun(), batch)
		if n = claimed; err != nil || claimed == 0 {
			return err
		}
		now := r.Store.Now()
		var ds []*core.Delivery
		for _, d := range due {
			if d.Owner == nil || !d.Owner.IsStaff() || d.Owner.SlackID == nil {
				continue // no one to remind on Slack
			}
			del, err := NewDMDelivery(ReminderDM(d.Task, d.Owner, d.Kind, now, r.Locale))
			if err != nil {
				return err
			}
			ds = append(ds, del)
		}
		res.DMs += len(ds)
		return tx.Enqueue(ctx, ds...)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// claimDigests claims the morning digests due, each in a transaction
// that queues its DM. It returns how many digests it queued.
func (r *Reminders) claimDigests(ctx context.Context) (int, error) {
	due, err := r.Store.DueDigests(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range due {
		err := r.outbox().InTx(ctx, func(ctx context.Context, tx *outbox.Tx) error {
			d, ok, err := r.Store.ClaimDigestTx(ctx, tx.Bun(), c)
			if err != nil || !ok {
				return err
			}
			del, err := NewDMDelivery(DigestDM(d, r.Store.Now(), r.Locale))
			if err != nil {
				return err
			}
			sent++
			return tx.Enqueue(ctx, del)
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// outbox returns Outbox or, when nil, a worker of its own that never
// runs.
func (r *Reminders) outbox() *outbox.Worker {
	if r.Outbox != nil {
		return r.Outbox
	}
	r.queueOnce.Do(func() { r.queue = outbox.NewWorker(r.Store, r.log()) })
	return r.queue
}

// refreshZones asks Zones for every staff user's zone, at most once an hour
// per process (Zones caches, so most calls read the database only).
func (r *Reminders) refreshZones(ctx context.Context) {
	now := r.Store.Now()
	if r.Zones == nil || now.Sub(r.lastZones) < time.Hour {
		return
	}
	r.lastZones = now
	for _, role := range []string{core.RoleStaff, core.RoleAdmin} {
		users, err := r.Store.ListUsers(ctx, core.UserFilter{Role: &role})
		if err != nil {
			r.log().Warn("time zone refresh: list users", "err", err)
			return
		}
		for _, u := range users {
			if u.IsStaff() && u.SlackID != nil {
				r.Zones.Location(ctx, u)
			}
		}
	}
}

// tick runs one Tick and logs its outcome.
func (r *Reminders) tick(ctx context.Context) {
	start := time.Now()
	res, err := r.Tick(ctx)
	if err != nil {
		r.log().Error("reminder tick failed", "err", err, "dms", res.DMs)
		return
	}
	if res.DMs > 0 || res.Reminders > 0 {
		r.log().Info("reminders enqueued", "tasks", res.Reminders, "dms", res.DMs, "digests", res.Digests,
			"took", time.Since(start).Round(time.Millisecond))
	}
}

// Run ticks on Spec until ctx ends, then waits for a running tick to
// finish. A tick that panics is logged and the next one runs; a tick still
// running when the next is due makes that one skip.
func (r *Reminders) Run(ctx context.Context) error {
	spec := r.Spec
	if spec == "" {
		spec = DefaultReminderSpec
	}
	return runCron(ctx, spec, r.log(), r.tick)
}

// runCron runs job on spec (robfig/cron with seconds, in UTC, recovering
// panics and skipping a run while the previous one is still going) until
// ctx ends, then waits for the running job.
func runCron(ctx context.Context, spec string, log *slog.Logger, job func(ctx context.Context)) error {
	cl := cronLogger{log}
	// SkipIfStillRunning must wrap Recover, not the other way round: in
	// robfig/cron v3.0.1 it hands its token back without defer, so a panic
	// passing through it would skip every later run.
	c := cron.New(cron.WithSeconds(), cron.WithLocation(time.UTC),
		cron.WithLogger(cl), cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)))
	if _, err := c.AddFunc(spec, func() { job(ctx) }); err != nil {
		return fmt.Errorf("reminder schedule %q: %w", spec, err)
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// cronLogger passes robfig/cron's logging to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
