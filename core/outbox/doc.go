// Package outbox sends what the relay, the ticket commands and the
// reminders queue for the chat platforms: deliveries (core.Delivery rows)
// committed in the same transaction as the change that caused them
// (Worker.InTx, Tx.Enqueue), then sent by a Worker, in order per stream,
// with retries, and recorded.
//
// Files by job: sender.go (what a platform adapter implements, and the
// errors that classify a failed send), kinds.go (each kind of delivery
// declared once with its hooks), worker.go (the Worker and its options),
// run.go (the claim loop), dispatch.go (one send and how its outcome is
// classified), record.go (recording outcomes, one retry loop), handoff.go
// (deliveries leased by a commit of this process and the streams it
// holds), enqueue.go (queuing inside a transaction), notify.go (waking
// the workers of other replicas), metrics.go (what it reports, through
// an interface of its own).
//
// The package imports core only; bot and the adapters import it.
package outbox
