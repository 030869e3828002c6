package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// metricValue gathers reg and returns the value of the series name with
// exactly the given labels (a counter, gauge, or a histogram's sample
// count), and whether it exists.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func mustValue(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	v, ok := metricValue(t, reg, name, labels)
	if !ok {
		t.Fatalf("no series %s%v", name, labels)
	}
	return v
}

func TestMetricsNilIsSafe(t *testing.T) {
	var m *bot.Metrics
	m.Delivery(&core.Delivery{Platform: core.PlatformSlack}, bot.OutcomeDone, time.Now())
	m.Inbound(core.PlatformDiscord, bot.InboundAccepted)
	m.InboundOutcome(core.PlatformDiscord, bot.Stored)
	m.ReminderSent()
	m.GatewayConnected(core.PlatformDiscord, true)
	m.HTTPRequest("/healthz", "GET", 200, time.Millisecond)
	if m.Registry() != nil {
		t.Fatal("a nil *Metrics has a registry")
	}
	var r *bot.Readiness
	r.Set("discord", false, "down")
	if ready, comps := r.Status(); !ready || comps != nil {
		t.Fatalf("nil readiness: %v %v", ready, comps)
	}
}

func TestMetricsCountEvents(t *testing.T) {
	m := bot.NewMetrics(nil)
	reg := m.Registry()
	slack := map[string]string{"platform": "slack"}
	discord := map[string]string{"platform": "discord"}

	// Every platform/outcome pair exists at zero before anything happens.
	for _, o := range []string{bot.OutcomeDone, bot.OutcomeRetry, bot.OutcomeParked} {
		if v := mustValue(t, reg, "jayaya_relay_deliveries_total", map[string]string{"platform": "discord", "outcome": o}); v != 0 {
			t.Fatalf("%s starts at %v", o, v)
		}
	}

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := &core.Delivery{Platform: core.PlatformSlack, CreatedAt: now.Add(-1500 * time.Millisecond)}
	m.Delivery(d, bot.OutcomeRetry, now.Add(-time.Second))
	m.Delivery(d, bot.OutcomeDone, now)
	m.Delivery(&core.Delivery{Platform: core.PlatformDiscord, CreatedAt: now}, bot.OutcomeParked, now)
	if v := mustValue(t, reg, "jayaya_relay_deliveries_total", map[string]string{"platform": "slack", "outcome": "done"}); v != 1 {
		t.Errorf("slack done = %v", v)
	}
	if v := mustValue(t, reg, "jayaya_relay_deliveries_total", map[string]string{"platform": "slack", "outcome": "retry"}); v != 1 {
		t.Errorf("slack retry = %v", v)
	}
	if v := mustValue(t, reg, "jayaya_relay_deliveries_total", map[string]string{"platform": "discord", "outcome": "parked"}); v != 1 {
		t.Errorf("discord parked = %v", v)
	}
	// Only the successful delivery is in the latency histogram, in the
	// 2.5 s bucket and not the 1 s one.
	if v := mustValue(t, reg, "jayaya_relay_delivery_latency_seconds", slack); v != 1 {
		t.Errorf("latency samples = %v", v)
	}
	if v := mustValue(t, reg, "jayaya_relay_delivery_latency_seconds", discord); v != 0 {
		t.Error("a parked delivery was observed as latency")
	}
	fams, _ := reg.Gather()
	for _, f := range fams {
		if f.GetName() != "jayaya_relay_delivery_latency_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() != "slack" {
				continue
			}
			h := m.GetHistogram()
			if h.GetSampleSum() != 1.5 {
				t.Errorf("latency sum = %v, want 1.5", h.GetSampleSum())
			}
			for _, b := range h.GetBucket() {
				if want := map[bool]uint64{true: 1, false: 0}[b.GetUpperBound() >= 1.5]; b.GetCumulativeCount() != want {
					t.Errorf("bucket le=%v has %d", b.GetUpperBound(), b.GetCumulativeCount())
				}
			}
		}
	}

	m.Inbound(core.PlatformSlack, bot.InboundBadSignature)
	m.Inbound(core.PlatformSlack, bot.InboundBadSignature)
	m.Inbound(core.PlatformDiscord, bot.InboundDuplicate)
	if v := mustValue(t, reg, "jayaya_inbound_events_total", map[string]string{"platform": "slack", "result": "bad_signature"}); v != 2 {
		t.Errorf("bad signatures = %v", v)
	}
	if v := mustValue(t, reg, "jayaya_inbound_events_total", map[string]string{"platform": "discord", "result": "duplicate"}); v != 1 {
		t.Errorf("duplicates = %v", v)
	}
	// The relay's outcomes map onto results; chatter outside tickets is
	// not an event of the relay.
	for _, o := range []bot.Outcome{bot.Stored, bot.Stored, bot.Duplicate, bot.Refused, bot.NotTicket} {
		m.InboundOutcome(core.PlatformDiscord, o)
	}
	for result, want := range map[string]float64{"accepted": 2, "duplicate": 2, "refused": 1} {
		if v := mustValue(t, reg, "jayaya_inbound_events_total", map[string]string{"platform": "discord", "result": result}); v != want {
			t.Errorf("discord %s = %v, want %v", result, v, want)
		}
	}

	// A reminder DM counts once delivered, not when it fails.
	dm := &core.Delivery{Platform: core.PlatformSlack, Kind: bot.KindSlackDM, CreatedAt: now}
	m.Delivery(dm, bot.OutcomeRetry, now)
	m.Delivery(dm, bot.OutcomeDone, now)
	m.ReminderSent()
	if v := mustValue(t, reg, "jayaya_reminder_dms_sent_total", nil); v != 2 {
		t.Errorf("reminders = %v", v)
	}

	// up, up again (no change), down, up: one reconnect, connected now.
	m.GatewayConnected(core.PlatformDiscord, true)
	m.GatewayConnected(core.PlatformDiscord, true)
	if v := mustValue(t, reg, "jayaya_gateway_reconnects_total", discord); v != 0 {
		t.Errorf("reconnects after the first connection = %v", v)
	}
	m.GatewayConnected(core.PlatformDiscord, false)
	if v := mustValue(t, reg, "jayaya_gateway_connected", discord); v != 0 {
		t.Errorf("connected while down = %v", v)
	}
	m.GatewayConnected(core.PlatformDiscord, true)
	if v := mustValue(t, reg, "jayaya_gateway_reconnects_total", discord); v != 1 {
		t.Errorf("reconnects = %v", v)
	}
	if v := mustValue(t, reg, "jayaya_gateway_connected", discord); v != 1 {
		t.Errorf("connected = %v", v)
	}

	m.HTTPRequest("/slack/events", "POST", 200, 20*time.Millisecond)
	m.HTTPRequest("/slack/events", "POST", 401, time.Millisecond)
	if v := mustValue(t, reg, "jayaya_http_request_duration_seconds", map[string]string{"route": "/slack/events", "method": "POST", "code": "401"}); v != 1 {
		t.Errorf("401 requests = %v", v)
	}
	// Runtime collectors are there too.
	if _, ok := metricValue(t, reg, "go_goroutines", nil); !ok {
		t.Error("no go_goroutines")
	}
}

func TestMetricsReadOutboxAtScrape(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		m := bot.NewMetrics(st)
		reg := m.Registry()
		gauges := func() (pending, age, parked float64) {
			return mustValue(t, reg, "jayaya_outbox_pending", nil), mustValue(t, reg, "jayaya_outbox_oldest_pending_age_seconds", nil),
				mustValue(t, reg, "jayaya_outbox_parked", nil)
		}
		if p, a, k := gauges(); p != 0 || a != 0 || k != 0 {
			t.Fatalf("empty outbox: pending %v age %v parked %v", p, a, k)
		}
		for _, s := range []string{"dm:1", "dm:2"} {
			if err := st.Enqueue(ctx, &core.Delivery{Stream: s, Kind: "slack.dm", Platform: core.PlatformSlack}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(10 * time.Second)
		}
		clock.Advance(40 * time.Second)
		if p, a, k := gauges(); p != 2 || a != 60 || k != 0 {
			t.Fatalf("two pending: pending %v age %v parked %v; want 2 60 0", p, a, k)
		}
		claimed, err := st.ClaimDeliveries(ctx, "w", 1, time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		if ok, err := st.ParkDelivery(ctx, claimed[0].ID, "w", "gone"); !ok || err != nil {
			t.Fatalf("park: %v %v", ok, err)
		}
		// The oldest pending one is now the second, enqueued 50 s ago.
		if p, a, k := gauges(); p != 1 || a != 50 || k != 1 {
			t.Fatalf("after parking: pending %v age %v parked %v; want 1 50 1", p, a, k)
		}

		// A database that stops answering fails the scrape, naming it.
		st.Close()
		_, err = reg.Gather()
		if err == nil || !strings.Contains(err.Error(), "jayaya_outbox_pending") {
			t.Fatalf("gather with a closed database: %v", err)
		}
	})
}

// TestMetricsLabelsStayInTheirSets: whatever reaches the metrics (a
// made-up HTTP method or status, an unknown platform, outcome or result,
// a pacing key full of IDs), every label value comes from a closed set;
// the rest counts as "other" (issue 22, defect 1).
func TestMetricsLabelsStayInTheirSets(t *testing.T) {
	m := bot.NewMetrics(nil)
	pacer := bot.NewPacer(bot.Rule{Prefix: "slack", Rate: bot.Rate{Burst: 100, Every: time.Second}})
	pacer.Metrics = m
	now := time.Now()
	for i := range 20 {
		junk := fmt.Sprintf("junk%d", i)
		m.HTTPRequest("/healthz", "X"+junk, 1000+i, time.Millisecond)
		m.Inbound(junk, junk)
		m.Delivery(&core.Delivery{Platform: junk, CreatedAt: now}, bot.OutcomeDone, now)
		m.Delivery(&core.Delivery{Platform: core.PlatformSlack}, junk, now)
		m.GatewayConnected(junk, i%2 == 0)
		m.Merged(&core.Delivery{Platform: junk}, 1)
		if err := pacer.Wait(context.Background(), "slack.post:C"+junk); err != nil {
			t.Fatal(err)
		}
		pacer.Refused("slack:"+junk, 0)
		m.TicketRouted(junk)
		m.RoutingFallback(junk)
	}
	allowed := map[string][]string{
		"method":   {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", bot.LabelOther},
		"code":     {bot.LabelOther},
		"platform": {core.PlatformSlack, core.PlatformDiscord, bot.LabelOther},
		"outcome":  {bot.OutcomeDone, bot.OutcomeRetry, bot.OutcomeParked, bot.LabelOther},
		"result":   {bot.InboundAccepted, bot.InboundDuplicate, bot.InboundRefused, bot.InboundBadSignature, bot.InboundReplayed, bot.LabelOther},
		"budget":   {"slack", "slack.post", "slack.tier3", "discord.webhook", "discord.messages", "discord.reactions"},
		"route":    {"/healthz", core.RuleCompany, core.RuleInterest, core.RuleDiscord, core.RouteOverflow, core.RouteDefault, bot.LabelOther},
		"reason":   {core.FallbackArchived, core.FallbackNotInChannel, core.FallbackNotFound, bot.LabelOther},
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "jayaya_") {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				seen++
				if !slices.Contains(allowed[l.GetName()], l.GetValue()) {
					t.Errorf("%s: label %s=%q is outside its set", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no labelled series gathered")
	}
	if got := mustValue(t, m.Registry(), "jayaya_inbound_events_total", map[string]string{"platform": bot.LabelOther, "result": bot.LabelOther}); got != 20 {
		t.Errorf("inbound events of unknown platforms and results: %v, want 20", got)
	}
	if got := mustValue(t, m.Registry(), "jayaya_pace_refused_total", map[string]string{"budget": "slack"}); got != 20 {
		t.Errorf("refusals of the rule \"slack\": %v, want 20", got)
	}
}

// The lanes' load is read at each scrape: per Slack channel and per
// webhook of the Discord pool, open tickets, queued posts and the wait of
// the oldest; configured lanes show zeros.
func TestMetricsReadLanesAtScrape(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		m := bot.NewMetrics(st)
		m.WatchLoad(st, bot.LoadLanes([]string{"C1"}, []string{"D1"}, 2))
		reg := m.Registry()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		tk, err := st.OpenTicket(ctx, carl, "Help", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetTicketThreads(ctx, nil, tk.ID, "", "C1", "1.0001"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AssignDiscordWebhookTx(ctx, st.DB, tk.ID, "D1", 2); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{bot.KindDiscordPost, bot.KindDiscordPost, bot.KindDiscordReact} {
			d := &core.Delivery{Stream: "d:" + kind, Kind: kind, Platform: core.PlatformDiscord, TicketID: &tk.ID, Payload: "{}"}
			if err := st.Enqueue(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(30 * time.Second)
		webhook := func(name, slot string) float64 {
			return mustValue(t, reg, "jayaya_discord_webhook_"+name, map[string]string{"channel": "D1", "webhook": slot})
		}
		slack := func(name string) float64 {
			return mustValue(t, reg, "jayaya_slack_channel_"+name, map[string]string{"channel": "C1"})
		}
		if o, q, w := webhook("open_tickets", "1"), webhook("queued_posts", "1"), webhook("wait_seconds", "1"); o != 1 || q != 2 || w != 30 {
			t.Fatalf("webhook 1: open %v queued %v wait %v; want 1 2 30", o, q, w)
		}
		if o, q, w := webhook("open_tickets", "2"), webhook("queued_posts", "2"), webhook("wait_seconds", "2"); o != 0 || q != 0 || w != 0 {
			t.Fatalf("webhook 2: open %v queued %v wait %v; want zeros", o, q, w)
		}
		if o, q, w := slack("open_tickets"), slack("queued_posts"), slack("wait_seconds"); o != 1 || q != 0 || w != 0 {
			t.Fatalf("Slack C1: open %v queued %v wait %v; want 1 0 0", o, q, w)
		}
	})
}
