package bot

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jayaya/jayayacrm/core"
)

// replicaMetrics are the series of a fleet of replicas on one database:
// what this replica holds and takes over, and (read from the database at
// each scrape) which replicas are alive and which one holds the Discord
// gateway.
type replicaMetrics struct {
	takenOver prometheus.Counter
	held      *prometheus.GaugeVec
}

func newReplicaMetrics(reg *prometheus.Registry, store *core.Store) *replicaMetrics {
	m := &replicaMetrics{
		takenOver: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jayaya_outbox_leases_taken_over_total",
			Help: "Outbox deliveries this replica released from dead workers (no heartbeat for core.WorkerDeadAfter) for any worker to send.",
		}),
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "jayaya_gateway_held",
			Help: "1 while this replica holds the platform's gateway session (one replica at a time), 0 while it stands by.",
		}, []string{"platform"}),
	}
	reg.MustRegister(m.takenOver, m.held)
	if store != nil {
		reg.MustRegister(&replicasCollector{store: store})
	}
	return m
}

// TakenOver counts n outbox deliveries this replica released from dead
// workers (outbox.Metrics).
func (m *Metrics) TakenOver(n int) {
	if m == nil {
		return
	}
	m.replicas.takenOver.Add(float64(n))
}

// GatewayHeld records whether this replica holds platform's gateway
// session (on PostgreSQL, one replica at a time does).
func (m *Metrics) GatewayHeld(platform string, held bool) {
	if m == nil {
		return
	}
	v := 0.0
	if held {
		v = 1
	}
	m.replicas.held.WithLabelValues(platform).Set(v)
}

// replicasCollector reads the live replicas (their delivery workers'
// liveness rows) and the gateway holder from the database at scrape time.
type replicasCollector struct {
	store *core.Store
}

var (
	replicasAliveDesc = prometheus.NewDesc("jayaya_replicas_alive",
		"Replicas whose delivery worker beat within core.WorkerDeadAfter (read from the database).", nil, nil)
	replicaAliveDesc = prometheus.NewDesc("jayaya_replica_alive",
		"1 for each replica alive now, by its worker name (host-pid-random).", []string{"replica"}, nil)
	gatewayHolderDesc = prometheus.NewDesc("jayaya_gateway_holder",
		"1 for the replica holding the platform's gateway session now; absent while none does.", []string{"platform", "replica"}, nil)
)

// Describe sends the fleet gauges' descriptions.
func (c *replicasCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- replicasAliveDesc
	ch <- replicaAliveDesc
	ch <- gatewayHolderDesc
}

// Collect queries the live workers and the gateway lock's holder. A
// database error fails the gauges rather than showing stale ones.
func (c *replicasCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	names, err := c.store.LiveWorkers(ctx, core.WorkerDeadAfter)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(replicasAliveDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(replicasAliveDesc, prometheus.GaugeValue, float64(len(names)))
	for _, n := range names {
		ch <- prometheus.MustNewConstMetric(replicaAliveDesc, prometheus.GaugeValue, 1, n)
	}
	holder, err := c.store.SessionLockHolder(ctx, core.DiscordGatewayLock)
	switch {
	case err != nil:
		ch <- prometheus.NewInvalidMetric(gatewayHolderDesc, err)
	case holder != "":
		ch <- prometheus.MustNewConstMetric(gatewayHolderDesc, prometheus.GaugeValue, 1, core.PlatformDiscord, holder)
	}
}
