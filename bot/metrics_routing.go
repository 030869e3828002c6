package bot

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jayaya/jayayacrm/core"
)

// routingMetrics count where new tickets go on Slack and the routed
// channels that could not take a ticket's thread.
type routingMetrics struct {
	routed    *prometheus.CounterVec
	fallbacks *prometheus.CounterVec
}

// Routes of a ticket (the route label): a rule's kind, the overflow
// policy's choice, or the default channel.
var routeLabels = []string{core.RuleCompany, core.RuleInterest, core.RuleDiscord, core.RouteOverflow, core.RouteDefault}

// Reasons a routed channel could not take a ticket's thread (the reason
// label of jayaya_routing_fallbacks_total; core.FallbackReason).
const (
	FallbackArchived     = core.FallbackArchived
	FallbackNotInChannel = core.FallbackNotInChannel
	FallbackNotFound     = core.FallbackNotFound
)

var fallbackLabels = []string{FallbackArchived, FallbackNotInChannel, FallbackNotFound}

func newRoutingMetrics(reg *prometheus.Registry) *routingMetrics {
	m := &routingMetrics{
		routed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_tickets_routed_total",
			Help: "New tickets by how their Slack channel was chosen: a company, interest or discord rule, the overflow policy, or the default channel.",
		}, []string{"route"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jayaya_routing_fallbacks_total",
			Help: "Tickets whose routed Slack channel could not take their thread, opened in the default channel instead, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.routed, m.fallbacks)
	for _, r := range routeLabels {
		m.routed.WithLabelValues(r)
	}
	for _, r := range fallbackLabels {
		m.fallbacks.WithLabelValues(r)
	}
	return m
}

// TicketRouted counts a new ticket placed on Slack by route (a
// core.TicketRoute's Kind).
func (m *Metrics) TicketRouted(route string) {
	if m == nil || route == "" {
		return
	}
	m.routing.routed.WithLabelValues(closed(route, routeLabels)).Inc()
}

// RoutingFallback counts a ticket whose routed channel could not take its
// thread, for reason (FallbackArchived, FallbackNotInChannel,
// FallbackNotFound).
func (m *Metrics) RoutingFallback(reason string) {
	if m == nil {
		return
	}
	m.routing.fallbacks.WithLabelValues(closed(reason, fallbackLabels)).Inc()
}
