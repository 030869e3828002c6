package core

import "context"

// EventSeen reports whether a platform event ID was already recorded by
// SeenEvent, without recording it: an adapter checks it before handling an
// event and records the ID (SeenEvent) once the event's effects are
// committed, so a failed attempt never marks the event handled.
func (s *Store) EventSeen(ctx context.Context, platform, eventID string) (bool, error) {
	return s.DB.NewSelect().Model((*InboundEvent)(nil)).
		Where("platform = ? AND event_id = ?", platform, eventID).Exists(ctx)
}
