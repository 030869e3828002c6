package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jayaya/jayayacrm/core"
)

// Sender performs outbox deliveries on one platform. Each adapter
// implements it; the delivery worker claims rows from core's outbox and
// hands each to the Sender of its platform.
type Sender interface {
	// Platform returns core.PlatformSlack or core.PlatformDiscord.
	Platform() string
	// Deliver performs one delivery and returns the ID the platform gave
	// the result (a Slack ts, a Discord message ID), or "" when there is
	// none. Errors: wrap with Permanent to park the delivery, with
	// RetryAfter to retry at a time the platform asked for; any other
	// error is retried with backoff.
	Deliver(ctx context.Context, d *core.Delivery) (remoteID string, err error)
}

// PermanentError marks a delivery that can never succeed (thread deleted,
// bot removed, user gone): it is parked and shown to staff, never retried
// on its own.
type PermanentError struct{ Err error }

// Error describes the failure.
func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// RetryAfterError asks for another try after a delay the platform gave
// (Slack Retry-After, Discord retry_after).
type RetryAfterError struct {
	After time.Duration
	Err   error
	// NotSent says that nothing of this attempt reached the platform (it
	// refused the call with a 429, or the worker's own pacing held it
	// back): the attempt does not count, and the next one need not look
	// for what this one left.
	NotSent bool
}

// Error describes the failure and the delay.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

// Unwrap returns the underlying error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter wraps err as a RetryAfterError.
func RetryAfter(after time.Duration, err error) error {
	return &RetryAfterError{After: after, Err: err}
}

// NotSent wraps err as a RetryAfterError for an attempt that sent
// nothing: the platform refused it outright, or pacing deferred it.
func NotSent(after time.Duration, err error) error {
	return &RetryAfterError{After: after, Err: err, NotSent: true}
}

// IsPermanent reports whether err (or an error it wraps) is permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
