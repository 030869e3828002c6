package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestDeliveryReportsDatabaseErrorsAsThemselves: a missing delivery is
// ENOTFOUND, a failing query is not.
func TestDeliveryReportsDatabaseErrorsAsThemselves(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		if _, err := st.Delivery(ctx, 424242); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("missing delivery: %v, want ENOTFOUND", err)
		}
		d := &core.Delivery{Stream: "ticket:1:discord", Kind: "discord.notice", Platform: core.PlatformDiscord}
		if err := st.Enqueue(ctx, d); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Delivery(ctx, d.ID); err != nil || got.ID != d.ID {
			t.Fatalf("Delivery(%d) = %+v, %v", d.ID, got, err)
		}
		gone, cancel := context.WithCancel(ctx)
		cancel()
		_, err := st.Delivery(gone, d.ID)
		if err == nil || core.ErrorCode(err) == core.ENOTFOUND || !errors.Is(err, context.Canceled) {
			t.Errorf("query on a cancelled context: %v (code %s), want the context's error", err, core.ErrorCode(err))
		}
	})
}

// TestWithSessionLockOneHolderAtATime: while fn runs, no other session
// can take the lock; once it returns, the lock is free again. On SQLite
// fn simply runs.
func TestWithSessionLockOneHolderAtATime(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		const key = 8_100_200_300
		wantErr := errors.New("fn's own error")
		ran := false
		err := st.WithSessionLock(ctx, core.SessionLock{Key: key, Holder: "replica-a"}, func(ctx context.Context) error {
			ran = true
			if st.Engine() == core.EnginePostgres && tryLock(t, st, key) {
				t.Error("another session took the lock while fn held it")
			}
			return wantErr
		})
		if !ran || !errors.Is(err, wantErr) {
			t.Fatalf("ran %v, err %v: want fn run and its error returned", ran, err)
		}
		if st.Engine() == core.EnginePostgres && !tryLock(t, st, key) {
			t.Error("the lock is still held after fn returned")
		}
	})
}

// tryLock reports whether a session of its own could take the advisory
// lock key (and lets it go at once).
func tryLock(t *testing.T, st *core.Store, key int64) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", key).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", key); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

// TestListenHearsNotify: a notification on the channel reaches fn once
// LISTEN is in place; Listen returns when its context ends. On SQLite it
// returns at once.
func TestListenHearsNotify(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if st.Engine() != core.EnginePostgres {
			if err := st.Listen(ctx, "jayaya_test", nil, func() {}); err != nil {
				t.Fatal(err)
			}
			return
		}
		ready, heard, done := make(chan struct{}), make(chan struct{}, 1), make(chan error, 1)
		go func() {
			done <- st.Listen(ctx, "jayaya_test", func() { close(ready) }, func() {
				select {
				case heard <- struct{}{}:
				default:
				}
			})
		}()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("Listen ended before LISTEN was in place: %v", err)
		}
		if err := st.Notify(ctx, "jayaya_test"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-heard:
		case <-time.After(10 * time.Second):
			t.Fatal("the notification was not heard")
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Listen returned %v after its context ended, want context.Canceled", err)
		}
	})
}
