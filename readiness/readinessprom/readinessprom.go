// Package readinessprom exports what a readiness.Checker sees as Prometheus
// metrics, so an application gets guard_schema_version_lag on its own
// /metrics without guard serve:
//
//	reg.MustRegister(readinessprom.New(checker, src))
//
// Each scrape asks the Checker, which answers from its cache within its TTL
// (one query per TTL however many scrapes and probes there are). The
// readiness package itself links no Prometheus code: only this package
// does.
package readinessprom

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/readiness"
)

// The metrics, all gauges.
var (
	versionDesc = prometheus.NewDesc("guard_schema_version",
		"The migration version recorded in the database (-1: none recorded, or the database could not be read).", nil, nil)
	headDesc = prometheus.NewDesc("guard_schema_head",
		"The last migration version embedded in this binary.", nil, nil)
	lagDesc = prometheus.NewDesc("guard_schema_version_lag",
		"How many of this binary's migrations the database lacks (0 at or above the head; all of them when no version is recorded; absent when the database could not be read).", nil, nil)
	dirtyDesc = prometheus.NewDesc("guard_schema_dirty",
		"1 when golang-migrate marked the database's version dirty (a migration running, or failed half-way).", nil, nil)
	readyDesc = prometheus.NewDesc("guard_schema_ready",
		"1 when the readiness check passes, labelled by its status (ready, ahead, drift, dirty, no_table, unreachable, error).", []string{"status"}, nil)
)

// Collector is a prometheus.Collector of one Checker.
type Collector struct {
	c       *readiness.Checker
	src     *source.Source
	timeout time.Duration
}

// New returns the collector of c, a Checker of the migrations of src (the
// source given to readiness.New), which counts the lag. A scrape waits for
// c's answer at most its budget (readiness.WithBudget).
func New(c *readiness.Checker, src *source.Source) *Collector {
	return &Collector{c: c, src: src, timeout: 10 * time.Second}
}

// Describe sends the metrics' descriptions.
func (x *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{versionDesc, headDesc, lagDesc, dirtyDesc, readyDesc} {
		ch <- d
	}
}

// Collect asks the Checker (its cached answer within the TTL) and sends
// the metrics.
func (x *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), x.timeout)
	defer cancel()
	r := x.c.Check(ctx)
	head := float64(r.Expected)
	ch <- prometheus.MustNewConstMetric(headDesc, prometheus.GaugeValue, head)
	ready := 0.0
	if r.Ready {
		ready = 1
	}
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, ready, string(r.Status))
	dirty := 0.0
	if r.Dirty {
		dirty = 1
	}
	ch <- prometheus.MustNewConstMetric(dirtyDesc, prometheus.GaugeValue, dirty)
	unread := r.Status == readiness.StatusUnreachable || r.Status == readiness.StatusError
	v, ok := r.DB.Get()
	switch {
	case ok:
		ch <- prometheus.MustNewConstMetric(versionDesc, prometheus.GaugeValue, float64(v))
	default:
		ch <- prometheus.MustNewConstMetric(versionDesc, prometheus.GaugeValue, -1)
	}
	if unread {
		return
	}
	// The migrations above the database's version, up to the head: with
	// timestamp versions the numbers' difference says nothing.
	lag := len(x.src.Upto(r.DB, source.FromInt(int64(r.Expected))))
	ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(lag))
}
