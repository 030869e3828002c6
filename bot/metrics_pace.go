package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jayaya/jayayacrm/core"
)

// paceMetrics are the series of the Pacer and of coalescing, labelled by
// budget class (slack.post, slack.tier3, discord.webhook,
// discord.messages, discord.reactions: the prefixes of the Pacer's
// rules without their ':'; bounded, unlike the channels themselves).
type paceMetrics struct {
	depth    *prometheus.GaugeVec
	wait     *prometheus.HistogramVec
	deferred *prometheus.CounterVec
	refused  *prometheus.CounterVec
	merged   *prometheus.CounterVec
}

// paceClasses are the budget classes of DefaultRules, created ahead so
// that dashboards see zeros.
var paceClasses = []string{"slack.post", "slack.tier3", "discord.webhook", "discord.messages", "discord.reactions"}

func newPaceMetrics(reg *prometheus.Registry) *paceMetrics {
	m := &paceMetrics{
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "jayaya_pace_queue_depth",
			Help: "Platform calls waiting for their rate budget now, by budget class.",
		}, []string{"budget"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jayaya_pace_wait_seconds",
			Help:    "How long platform calls waited for their rate budget, by budget class.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5},
		}, []string{"budget"}),
		deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_pace_deferred_total",
			Help: "Platform calls not sent because their budget was busy for longer than the pacer waits; retried later.",
		}, []string{"budget"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_pace_refused_total",
			Help: "Platform calls refused with 429 despite pacing, by budget class.",
		}, []string{"budget"}),
		merged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_relay_merged_total",
			Help: "Relayed messages that left inside the post of an earlier one of the same author, by target platform.",
		}, []string{"platform"}),
	}
	reg.MustRegister(m.depth, m.wait, m.deferred, m.refused, m.merged)
	for _, c := range paceClasses {
		m.depth.WithLabelValues(c)
		m.wait.WithLabelValues(c)
		m.deferred.WithLabelValues(c)
		m.refused.WithLabelValues(c)
	}
	for _, p := range platforms {
		m.merged.WithLabelValues(p)
	}
	return m
}

// PaceDepth moves the count of calls waiting for a budget of class by
// delta.
func (m *Metrics) PaceDepth(class string, delta int) {
	if m == nil {
		return
	}
	m.pace.depth.WithLabelValues(class).Add(float64(delta))
}

// PaceWaited observes how long a call waited for a budget of class.
func (m *Metrics) PaceWaited(class string, d time.Duration) {
	if m == nil {
		return
	}
	m.pace.wait.WithLabelValues(class).Observe(d.Seconds())
}

// PaceDeferred counts a call the pacer sent back for later.
func (m *Metrics) PaceDeferred(class string) {
	if m == nil {
		return
	}
	m.pace.deferred.WithLabelValues(class).Inc()
}

// PaceRefused counts a 429 from the platform on a budget of class.
func (m *Metrics) PaceRefused(class string) {
	if m == nil {
		return
	}
	m.pace.refused.WithLabelValues(class).Inc()
}

// Merged counts n messages that left inside delivery d's post.
func (m *Metrics) Merged(d *core.Delivery, n int) {
	if m == nil || d == nil {
		return
	}
	m.pace.merged.WithLabelValues(closed(d.Platform, platforms)).Add(float64(n))
}
