package serve

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// metrics are one replica's Prometheus metrics. Counters and the histogram
// count what this replica did (sum them across replicas); the per-target
// gauges are read from the state database at scrape time, so every replica
// reports the same, whichever of them checked the target.
type metrics struct {
	reg         *prometheus.Registry
	duration    *prometheus.HistogramVec
	changes     *prometheus.CounterVec
	blocked     prometheus.Counter
	deliveries  *prometheus.CounterVec
	takeovers   prometheus.Counter
	lostLeases  prometheus.Counter
	checkErrors *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "guard_serve_check_duration_seconds",
			Help:    "Duration of target checks (connect and inspect) by this replica, by result (ok, unreachable).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"result"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guard_serve_drift_changes_total",
			Help: "Schema changes found between consecutive versions, by impact.",
		}, []string{"impact"}),
		blocked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "guard_serve_contract_blocked_changes_total",
			Help: "Changes of drift events that the target's contract blocks.",
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guard_serve_webhook_deliveries_total",
			Help: "Webhook delivery attempts by this replica, by result (succeeded, failed, gone, refused).",
		}, []string{"result"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "guard_serve_lease_takeovers_total",
			Help: "Leases this replica took over from a replica whose lease expired (it died or hung mid-check).",
		}),
		lostLeases: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "guard_serve_lease_lost_total",
			Help: "Checks whose result this replica dropped because its lease had been taken over.",
		}),
		checkErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guard_serve_checks_total",
			Help: "Target checks recorded by this replica, by result (ok, unreachable).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.duration, m.changes, m.blocked, m.deliveries, m.takeovers, m.lostLeases, m.checkErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) takeover()          { m.takeovers.Inc() }
func (m *metrics) leaseLost()         { m.lostLeases.Inc() }
func (m *metrics) delivered(r string) { m.deliveries.WithLabelValues(r).Inc() }

func (m *metrics) checked(_ string, _ *schema.Schema, err error, d time.Duration) {
	r := "ok"
	if err != nil {
		r = "unreachable"
	}
	m.duration.WithLabelValues(r).Observe(d.Seconds())
	m.checkErrors.WithLabelValues(r).Inc()
}

func (m *metrics) drift(_ string, changes []diff.Change, verdict *contract.Report) {
	for _, c := range changes {
		m.changes.WithLabelValues(c.Impact.String()).Inc()
	}
	if verdict == nil {
		return
	}
	for _, t := range verdict.Tables {
		for _, it := range t.Items {
			if it.Blocked {
				m.blocked.Inc()
			}
		}
	}
}

// targetCollector reads the per-target gauges from the state database.
type targetCollector struct {
	s       *Service
	version *prometheus.Desc
	since   *prometheus.Desc
	up      *prometheus.Desc
}

func (c *targetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.version
	ch <- c.since
	ch <- c.up
}

func (c *targetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := c.s.pool.Query(ctx, `SELECT t.name,
			coalesce((SELECT max(number) FROM guard_serve.versions v WHERE v.target_id = t.id), 0),
			extract(epoch FROM now() - t.last_success_at)::float8,
			t.last_error IS NULL AND t.last_check_at IS NOT NULL
		FROM guard_serve.targets t ORDER BY t.name`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.version, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var version int
		var since *float64
		var up bool
		if err := rows.Scan(&name, &version, &since, &up); err != nil {
			ch <- prometheus.NewInvalidMetric(c.version, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(c.version, prometheus.GaugeValue, float64(version), name)
		if since != nil {
			ch <- prometheus.MustNewConstMetric(c.since, prometheus.GaugeValue, *since, name)
		}
		u := 0.0
		if up {
			u = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, u, name)
	}
}

func (s *Service) registerTargetCollector() {
	s.metrics.reg.MustRegister(&targetCollector{
		s: s,
		version: prometheus.NewDesc("guard_serve_target_schema_version",
			"The latest schema version stored for the target (0: none yet).", []string{"target"}, nil),
		since: prometheus.NewDesc("guard_serve_target_seconds_since_success",
			"Seconds since the target's last successful check.", []string{"target"}, nil),
		up: prometheus.NewDesc("guard_serve_target_up",
			"1 when the target's last check succeeded.", []string{"target"}, nil),
	})
}

// MetricsHandler serves the replica's Prometheus metrics.
func (s *Service) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}
