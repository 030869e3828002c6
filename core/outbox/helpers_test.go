package outbox_test

import (
	"github.com/jayaya/jayayacrm/core/outbox/outboxtest"
)

// The recording sender, shared with the other package's tests.
type (
	sent      = outboxtest.Sent
	recSender = outboxtest.RecSender
)

// Shared with the producers' tests (outboxtest).
var (
	quietLog = outboxtest.QuietLog
	waitFor  = outboxtest.WaitFor
	waitIdle = outboxtest.WaitIdle
)
