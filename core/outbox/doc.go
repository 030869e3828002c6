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
// the workers of other replicas), liveness.go (the worker's heartbeat,
// the rescue of dead workers' leases, the check before each send),
// metrics.go (what it reports, through an interface of its own).
//
// # Leases, liveness and failover
//
// A worker takes a delivery by leasing it (locked_by, locked_until) and
// records its outcome only where the row is still leased to it, so
// locked_by is the fencing token: a worker that lost a lease can send
// nothing more of it to the database. What a dead worker leased must move
// to another replica within seconds, and never while a live one is still
// sending it. Three mechanisms were weighed:
//
//   - short leases renewed by a heartbeat while a send is in flight: one
//     write per delivery in flight at every renewal, on the busiest
//     table;
//   - a PostgreSQL session-level lock per worker: freed at once when the
//     process dies, but not when it is paused (SIGSTOP, a long GC pause:
//     its socket stays open and its lock held), nor when only its
//     connection dies while it goes on sending;
//   - a liveness row per worker (chosen): table outbox_workers, one row
//     each, refreshed every Heartbeat (250 ms) on a connection of its own
//     with the database's clock (core.Pulse). Every worker, after its
//     beat, looks for the workers whose row is older than DeadAfter
//     (2 s), ends their database sessions (each replica names its
//     sessions after itself, core.Store.Replica, so a paused one's open
//     transaction rolls back and lets go of its locks), then releases
//     their pending deliveries and deletes their rows in one statement
//     (core.Store.RescueDeadWorkers), and claims. A killed, paused or cut
//     off replica loses its leases 2 to 2.25 s after its last beat, a
//     paused one as surely as a dead one, and the cost is one small write
//     and one small read per replica per heartbeat. A lease taken by a
//     name that never had a row (an older version) still runs out after
//     Lease (30 s).
//
// The session lock's one advantage, noticing a SIGKILL at once, is kept
// where it is safe: the Discord gateway (core.Store.WithSessionLock, which
// also ends the session of a holder that stops beating), whose duplicate
// events the relay ignores anyway.
//
// A live worker's slow send is never taken: it beats while it sends, and
// a send never outlasts its lease (SendTimeout < Lease). A paused worker
// must not send, on resuming, what another took over meanwhile. Another
// replica can declare it dead only DeadAfter after its latest successful
// beat started, so the worker keeps, in its own clock, when that beat
// started and an epoch that changes whenever a beat finds its row gone
// (declared dead) or ends too long after the previous one (it may have
// been). A send carries the epoch and lease of its delivery in its
// context; LeaseHeld refuses it unless the epoch is unchanged and the
// latest beat started less than DeadAfter minus a margin ago, and the
// platform clients (bot.PacedTransport) call LeaseHeld right before each
// request. A refused send is put back as a failed attempt.
//
// No delivery is sent twice across a takeover: a rescued delivery keeps
// its attempt count, so its next sender finds MayHaveBeenTried true and
// looks on the platform first (Slack message metadata, Discord's
// look-back of the thread), merged (coalesced) deliveries included: the
// merge committed the combined payload before the post. A worker that
// resumes after its post was taken over finds its recording refused. What
// remains is the instant between LeaseHeld and the request reaching the
// platform: a pause there of more than the margin could still let a
// second copy through.
//
// SQLite serves one process: the same rows let a restarted process take
// over what the previous one leased 2 s after it stopped, rather than
// 30 s.
//
// The package imports core only; bot and the adapters import it.
package outbox
