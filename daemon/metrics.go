package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/collecte-cacem/collecte/diff"
)

// metrics are the Prometheus metrics of /metrics, on a registry of their
// own so that nothing registered elsewhere in the process leaks into it.
type metrics struct {
	registry *prometheus.Registry

	runs, runFailures, requests, retries prometheus.Counter
	mailSent, mailFailures, pushFailures prometheus.Counter
	changes                              *prometheus.CounterVec
	duration                             prometheus.Histogram
	lastSuccess, inFlight                prometheus.Gauge
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "collecte", Name: name, Help: help})
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "collecte", Name: name, Help: help})
}

func newMetrics() *metrics {
	m := &metrics{
		registry:     prometheus.NewRegistry(),
		runs:         counter("runs_total", "Runs finished, failed ones included."),
		runFailures:  counter("run_failures_total", "Runs that failed."),
		requests:     counter("requests_total", "HTTP requests sent to the site, retries included."),
		retries:      counter("retries_total", "HTTP requests that repeated a failed attempt."),
		mailSent:     counter("mail_sent_total", "E-mails sent to watchers and to the operator."),
		mailFailures: counter("mail_failures_total", "E-mail sends that failed."),
		pushFailures: counter("push_failures_total", "Pushes of the archive to the remote that failed."),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "collecte", Name: "changes_total",
			Help: "Changes committed, by kind of change.",
		}, []string{"kind"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "collecte", Name: "run_duration_seconds",
			Help:    "Duration of the runs, from the start of the crawl to the push.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		lastSuccess: gauge("last_success_timestamp_seconds", "Unix time of the start of the last successful run."),
		inFlight:    gauge("run_in_progress", "1 while a run is in flight, else 0."),
	}
	m.registry.MustRegister(m.runs, m.runFailures, m.requests, m.retries, m.mailSent,
		m.mailFailures, m.pushFailures, m.changes, m.duration, m.lastSuccess, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, kind := range []string{diff.KindScheduleChanged, diff.KindCollectionMissing,
		diff.KindCollectionAdded, diff.KindAddressAdded, diff.KindAddressRemoved} {
		m.changes.WithLabelValues(kind)
	}
	return m
}

// restore sets the gauges that the state file carries across restarts.
func (m *metrics) restore(s runState) {
	if !s.LastSuccess.IsZero() {
		m.lastSuccess.Set(float64(s.LastSuccess.Unix()))
	}
}

// record counts one finished run. An aborted run counts as neither a
// success nor a failure.
func (m *metrics) record(o *outcome) {
	if o.res != nil && o.res.Crawl != nil {
		m.requests.Add(float64(o.res.Crawl.Requests))
		m.retries.Add(float64(o.res.Crawl.Retries))
	}
	if o.aborted {
		return
	}
	m.runs.Inc()
	m.duration.Observe(o.duration.Seconds())
	if o.err != nil {
		m.runFailures.Inc()
		return
	}
	m.lastSuccess.Set(float64(o.started.Unix()))
	if o.res.Changed && !o.res.First {
		for kind, n := range o.res.Report.Counts {
			m.changes.WithLabelValues(kind).Add(float64(n))
		}
	}
}
