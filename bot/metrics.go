package bot

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Outcomes of one delivery attempt, the outcome label of
// jayaya_relay_deliveries_total: the outbox's own, which it reports.
const (
	OutcomeDone   = outbox.OutcomeDone   // the platform accepted it
	OutcomeRetry  = outbox.OutcomeRetry  // it failed and will be tried again
	OutcomeParked = outbox.OutcomeParked // it can never succeed and was set aside
)

// Results of an inbound event (a Slack event, a Discord gateway message),
// the result label of jayaya_inbound_events_total.
const (
	InboundAccepted     = "accepted"      // stored and relayed
	InboundDuplicate    = "duplicate"     // seen before (redelivery), changed nothing
	InboundRefused      = "refused"       // from someone who may not use the product
	InboundBadSignature = "bad_signature" // unsigned, wrongly signed or stale
	InboundReplayed     = "replayed"      // a signed request seen before, ignored
)

// Metrics are JayayaCRM's Prometheus metrics, on a registry of their own
// (never the global one, so tests and several apps in one process do not
// collide). Every method is safe on a nil *Metrics and then does nothing,
// so code can call m.Inbound(…) whether or not metrics were wired.
//
// Series (all prefixed jayaya_):
//
//	relay_deliveries_total{platform,outcome}        counter: delivery attempts by result (done, retry, parked)
//	relay_delivery_latency_seconds{platform}        histogram: from enqueue to the platform accepting it
//	outbox_pending                                  gauge: deliveries waiting (read from the database at scrape)
//	outbox_oldest_pending_age_seconds               gauge: age of the oldest waiting delivery, 0 when none
//	outbox_parked                                   gauge: deliveries parked for good, waiting for staff
//	inbound_events_total{platform,result}           counter: accepted, duplicate, refused, bad_signature
//	reminder_dms_sent_total                         counter: task reminder DMs sent
//	gateway_connected{platform}                     gauge: 1 while the realtime connection is up
//	gateway_reconnects_total{platform}              counter: connections after the first one
//	http_request_duration_seconds{route,method,code} histogram: HTTP requests by route pattern
//	pace_queue_depth{budget}                        gauge: platform calls waiting for their rate budget
//	pace_wait_seconds{budget}                       histogram: how long calls waited for their budget
//	pace_deferred_total{budget}                     counter: calls sent back for later, their budget busy too long
//	pace_refused_total{budget}                      counter: 429s from the platform despite pacing
//	relay_merged_total{platform}                    counter: messages that left inside an earlier post
//	tickets_routed_total{route}                     counter: new tickets by how their Slack channel was chosen
//	routing_fallbacks_total{reason}                 counter: routed channels that could not take a thread (default used)
//	outbox_leases_taken_over_total                  counter: deliveries released from dead workers by this replica
//	gateway_held{platform}                          gauge: 1 while this replica holds the gateway session
//	replicas_alive                                  gauge: replicas alive (read from the database at scrape)
//	replica_alive{replica}                          gauge: 1 per replica alive, by name (likewise)
//	gateway_holder{platform,replica}                gauge: 1 for the replica holding the gateway (likewise)
//	slack_channel_open_tickets{channel}             gauge: open tickets per Slack channel (WatchLoad, read at scrape)
//	slack_channel_queued_posts{channel}             gauge: relayed messages waiting for the channel
//	slack_channel_wait_seconds{channel}             gauge: how long the oldest of them has waited
//	discord_webhook_open_tickets{channel,webhook}   gauge: open tickets per webhook of a support channel's pool
//	discord_webhook_queued_posts{channel,webhook}   gauge: relayed messages waiting for the webhook
//	discord_webhook_wait_seconds{channel,webhook}   gauge: how long the oldest of them has waited
//
// plus the Go runtime and process collectors.
type Metrics struct {
	reg *prometheus.Registry

	deliveries *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	inbound    *prometheus.CounterVec
	reminders  prometheus.Counter
	connected  *prometheus.GaugeVec
	reconnects *prometheus.CounterVec
	httpDur    *prometheus.HistogramVec
	pace       *paceMetrics
	routing    *routingMetrics
	replicas   *replicaMetrics

	mu      sync.Mutex
	everUp  map[string]bool // platforms whose connection was up at least once
	isUpNow map[string]bool
}

// NewMetrics registers every metric on a new registry. store, when not nil,
// is read at each scrape for the outbox gauges (with its clock for the age
// of the oldest pending delivery).
func NewMetrics(store *core.Store) *Metrics {
	m := &Metrics{
		reg:     prometheus.NewRegistry(),
		everUp:  map[string]bool{},
		isUpNow: map[string]bool{},
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_relay_deliveries_total",
			Help: "Outbox delivery attempts by target platform and outcome (done, retry, parked).",
		}, []string{"platform", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jayaya_relay_delivery_latency_seconds",
			Help:    "Time from a delivery's enqueueing to the platform accepting it.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"platform"}),
		inbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_inbound_events_total",
			Help: "Inbound chat events by platform and result (accepted, duplicate, refused, bad_signature).",
		}, []string{"platform", "result"}),
		reminders: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jayaya_reminder_dms_sent_total",
			Help: "Task reminder direct messages sent.",
		}),
		connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "jayaya_gateway_connected",
			Help: "1 while the platform's realtime connection (Discord gateway, Slack Socket Mode) is up, 0 otherwise.",
		}, []string{"platform"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_gateway_reconnects_total",
			Help: "Realtime connections established after the first one.",
		}, []string{"platform"}),
		httpDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jayaya_http_request_duration_seconds",
			Help:    "HTTP request durations by route pattern, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "code"}),
	}
	m.reg.MustRegister(m.deliveries, m.latency, m.inbound, m.reminders, m.connected, m.reconnects, m.httpDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.pace = newPaceMetrics(m.reg)
	m.routing = newRoutingMetrics(m.reg)
	m.replicas = newReplicaMetrics(m.reg, store)
	if store != nil {
		m.reg.MustRegister(&outboxCollector{store: store})
	}
	// Create the label combinations ahead, so that dashboards and alerts
	// see zeros instead of missing series.
	for _, p := range platforms {
		for _, o := range outcomes {
			m.deliveries.WithLabelValues(p, o)
		}
		for _, r := range inboundResults {
			m.inbound.WithLabelValues(p, r)
		}
		m.latency.WithLabelValues(p)
		m.reconnects.WithLabelValues(p)
	}
	return m
}

// Registry is the registry holding every metric, for the /metrics handler
// (promhttp.HandlerFor) and tests (testutil).
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Delivery records one attempt of outbox delivery d with its outcome
// (OutcomeDone, OutcomeRetry, OutcomeParked). For OutcomeDone it also
// observes the delivery's latency (now minus d.CreatedAt) and counts a
// sent task reminder or digest when d is a KindSlackDM.
func (m *Metrics) Delivery(d *core.Delivery, outcome string, now time.Time) {
	if m == nil || d == nil {
		return
	}
	platform := closed(d.Platform, platforms)
	m.deliveries.WithLabelValues(platform, closed(outcome, outcomes)).Inc()
	if outcome != OutcomeDone {
		return
	}
	if !d.CreatedAt.IsZero() {
		m.latency.WithLabelValues(platform).Observe(max(0, now.Sub(d.CreatedAt).Seconds()))
	}
	if d.Kind == KindSlackDM {
		m.ReminderSent()
	}
}

// Inbound counts one inbound event from platform with its result
// (InboundAccepted, InboundDuplicate, InboundRefused, InboundBadSignature,
// InboundReplayed).
func (m *Metrics) Inbound(platform, result string) {
	if m == nil {
		return
	}
	m.inbound.WithLabelValues(closed(platform, platforms), closed(result, inboundResults)).Inc()
}

// InboundOutcome counts what the relay made of an inbound event from
// platform: Stored as accepted, Duplicate and Refused as such. NotTicket
// (chatter outside ticket threads) is not counted.
func (m *Metrics) InboundOutcome(platform string, o Outcome) {
	switch o {
	case Stored:
		m.Inbound(platform, InboundAccepted)
	case Duplicate:
		m.Inbound(platform, InboundDuplicate)
	case Refused:
		m.Inbound(platform, InboundRefused)
	}
}

// ReminderSent counts one task reminder DM sent. Delivery calls it for
// every KindSlackDM delivered, so the delivery worker needs no more.
func (m *Metrics) ReminderSent() {
	if m == nil {
		return
	}
	m.reminders.Inc()
}

// GatewayConnected records that platform's realtime connection went up or
// down. Every connection after the platform's first counts as a reconnect;
// repeated reports of the same state change nothing.
func (m *Metrics) GatewayConnected(platform string, up bool) {
	if m == nil {
		return
	}
	platform = closed(platform, platforms)
	m.mu.Lock()
	defer m.mu.Unlock()
	if up && !m.isUpNow[platform] && m.everUp[platform] {
		m.reconnects.WithLabelValues(platform).Inc()
	}
	m.isUpNow[platform] = up
	m.everUp[platform] = m.everUp[platform] || up
	v := 0.0
	if up {
		v = 1
	}
	m.connected.WithLabelValues(platform).Set(v)
}

// HTTPRequest observes one HTTP request. route is the router's pattern
// (like /slack/events, or "unmatched"), never the raw path. The method
// and the status code are labels only when they are standard ones (the
// methods of RFC 9110 and PATCH, codes 100 to 599); anything else a client
// made up is counted as "other", so requests cannot add series at will.
func (m *Metrics) HTTPRequest(route, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	if !httpMethods[method] {
		method = LabelOther
	}
	status := LabelOther
	if code >= 100 && code <= 599 {
		status = strconv.Itoa(code)
	}
	m.httpDur.WithLabelValues(route, method, status).Observe(d.Seconds())
}

// LabelOther is the label value of whatever is not in a label's closed set
// of values (a made-up HTTP method, an unknown platform).
const LabelOther = "other"

// The closed sets of label values. Every label of these metrics takes its
// value from one of them, or from the router's route patterns and the
// pacer's rules, all fixed in code: nothing a request or a platform sends
// (an ID, a name, an error text) becomes a label value.
var (
	platforms      = []string{core.PlatformSlack, core.PlatformDiscord}
	outcomes       = []string{OutcomeDone, OutcomeRetry, OutcomeParked}
	inboundResults = []string{InboundAccepted, InboundDuplicate, InboundRefused, InboundBadSignature, InboundReplayed}
)

// closed returns v when it is one of values, else LabelOther.
func closed(v string, values []string) string {
	if slices.Contains(values, v) {
		return v
	}
	return LabelOther
}

// httpMethods are the HTTP methods counted under their own name.
var httpMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"CONNECT": true, "OPTIONS": true, "TRACE": true,
}

// outboxCollector reads the outbox from the database at scrape time.
type outboxCollector struct {
	store *core.Store
}

var (
	outboxPendingDesc = prometheus.NewDesc("jayaya_outbox_pending",
		"Outbox deliveries waiting to be sent.", nil, nil)
	outboxOldestDesc = prometheus.NewDesc("jayaya_outbox_oldest_pending_age_seconds",
		"Age of the oldest waiting outbox delivery; 0 when none waits.", nil, nil)
	outboxParkedDesc = prometheus.NewDesc("jayaya_outbox_parked",
		"Outbox deliveries parked for good (they can never succeed), waiting for staff.", nil, nil)
)

// Describe sends the outbox gauges' descriptions.
func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPendingDesc
	ch <- outboxOldestDesc
	ch <- outboxParkedDesc
}

// Collect queries core.OutboxStats. A database error fails the three
// gauges (the scrape reports it) rather than showing stale numbers.
func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.store.OutboxStats(ctx)
	if err != nil {
		for _, d := range []*prometheus.Desc{outboxPendingDesc, outboxOldestDesc, outboxParkedDesc} {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
		return
	}
	age := 0.0
	if st.OldestPending != nil {
		age = max(0, c.store.Now().Sub(*st.OldestPending).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(outboxParkedDesc, prometheus.GaugeValue, float64(st.Parked))
}
