package core

import (
	"context"
)

// EventSeen reports whether a platform event ID was already recorded by
// SeenEvent, without recording it: an adapter checks it before handling an
// event and records the ID (SeenEvent) once the event's effects are
// committed, so a failed attempt never marks the event handled.
func (s *Store) EventSeen(ctx context.Context, platform, eventID string) (bool, error) {
	return s.DB.NewSelect().Model((*InboundEvent)(nil)).
		Where("platform = ? AND event_id = ?", platform, eventID).Exists(ctx)
}

// MarkEventSeen records a platform event ID as handled, after the event's
// effects committed, and reports whether it was recorded before. On
// PostgreSQL the record commits without waiting for the disk
// (synchronous_commit off): losing it in a crash only costs the cheap
// check, since what the event carried is keyed by its own IDs too.
func (s *Store) MarkEventSeen(ctx context.Context, platform, eventID string) (bool, error) {
	// One statement on the pool that does not wait for the disk.
	return s.SeenEvent(ctx, s.noSync(), platform, eventID)
}
