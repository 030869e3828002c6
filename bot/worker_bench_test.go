package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// BenchmarkWorkerDrain measures how fast one worker empties an outbox of
// 100 streams with 30 rows each (3,000 deliveries) through a sender that
// answers at once, on each engine. It reports deliveries per second.
//
//	go test -run '^$' -bench WorkerDrain -benchtime 3x ./bot/
func BenchmarkWorkerDrain(b *testing.B) {
	for _, engine := range []string{core.EnginePostgres, core.EngineSQLite} {
		b.Run(engine, func(b *testing.B) {
			var total time.Duration
			n := 0
			for i := 0; i < b.N; i++ {
				st := coretest.MustOpenDB(b, engine)
				var all []*core.Delivery
				for row := 0; row < 30; row++ {
					for s := 0; s < 100; s++ {
						all = append(all, &core.Delivery{Stream: fmt.Sprintf("bench:%d", s), Kind: "discord.notice", Platform: core.PlatformDiscord})
					}
				}
				if err := st.Enqueue(context.Background(), all...); err != nil {
					b.Fatal(err)
				}
				s := &recSender{Name: core.PlatformDiscord}
				w := outbox.NewWorker(st, quietLog(), s)
				w.NoListen = true
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				start := time.Now()
				go func() { w.Run(ctx); close(done) }()
				for {
					if stats, err := st.OutboxStats(context.Background()); err == nil && stats.Pending == 0 {
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
				total += time.Since(start)
				n += len(all)
				cancel()
				<-done
			}
			b.ReportMetric(float64(n)/total.Seconds(), "deliveries/s")
		})
	}
}
