package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// BenchmarkMetricsRecord is the cost the relay pays per delivery and per
// inbound event for being measured.
func BenchmarkMetricsRecord(b *testing.B) {
	m := bot.NewMetrics(nil)
	now := time.Now()
	d := &core.Delivery{Platform: core.PlatformSlack, CreatedAt: now.Add(-time.Second)}
	b.ReportAllocs()
	for b.Loop() {
		m.Delivery(d, bot.OutcomeDone, now)
		m.Inbound(core.PlatformDiscord, bot.InboundAccepted)
	}
}

// BenchmarkMetricsScrape gathers every series, the outbox gauges included
// (three queries on SQLite with 1,000 pending deliveries).
func BenchmarkMetricsScrape(b *testing.B) {
	st := coretest.MustOpenSQLite(b)
	ds := make([]*core.Delivery, 1000)
	for i := range ds {
		ds[i] = &core.Delivery{Stream: "dm:1", Kind: "slack.dm", Platform: core.PlatformSlack}
	}
	if err := st.Enqueue(context.Background(), ds...); err != nil {
		b.Fatal(err)
	}
	reg := bot.NewMetrics(st).Registry()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
