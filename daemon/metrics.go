package daemon

import (
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/pipeline"
)

// metrics are the Prometheus metrics of /metrics, on a registry of their
// own so that nothing registered elsewhere in the process leaks into it.
type metrics struct {
	registry *prometheus.Registry

	runs, runFailures, requests, retries prometheus.Counter
	mailSent, mailFailures, pushFailures prometheus.Counter
	mailRetries                          prometheus.Counter
	changes                              *prometheus.CounterVec
	duration                             prometheus.Histogram
	lastSuccess, inFlight                prometheus.Gauge
	dropPending                          prometheus.GaugeFunc
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "collecte", Name: name, Help: help})
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "collecte", Name: name, Help: help})
}

// newMetrics builds the metrics of the daemon of the archive directory
// dir, whose pending drop file sets collecte_drop_pending.
func newMetrics(dir string) *metrics {
	m := &metrics{
		registry:     prometheus.NewRegistry(),
		runs:         counter("runs_total", "Runs finished, failed ones included."),
		runFailures:  counter("run_failures_total", "Runs that failed."),
		requests:     counter("requests_total", "HTTP requests sent to the site, retries included."),
		retries:      counter("retries_total", "HTTP requests that repeated a failed attempt."),
		mailSent:     counter("mail_sent_total", "E-mails sent to watchers and to the operator."),
		mailFailures: counter("mail_failures_total", "E-mail sends that failed."),
		mailRetries:  counter("mail_retries_total", "E-mail sends to watchers that retried a failed send, successful or not."),
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
		lastSuccess: gauge("last_success_timestamp_seconds",
			"Unix time of the start of the last run whose snapshot is in the archive, committed or unchanged."),
		inFlight: gauge("run_in_progress", "1 while a run is in flight, else 0."),
		dropPending: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "collecte", Name: "drop_pending",
			Help: "1 while a sudden drop awaits confirmation by the next crawl, else 0.",
		}, func() float64 { return pendingGauge(dir) }),
	}
	m.registry.MustRegister(m.runs, m.runFailures, m.requests, m.retries, m.mailSent,
		m.mailFailures, m.mailRetries, m.pushFailures, m.changes, m.duration, m.lastSuccess, m.inFlight, m.dropPending,
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
	if o.res.Awaiting != "" {
		return
	}
	m.lastSuccess.Set(float64(o.started.Unix()))
	if o.res.Changed && !o.res.First {
		for kind, n := range o.res.Report.Counts {
			m.changes.WithLabelValues(kind).Add(float64(n))
		}
	}
}

// pendingGauge returns 1 when the archive directory dir records a drop
// awaiting confirmation, else 0. The file decides, so the gauge is right
// from start-up and after a crawl run outside the daemon.
func pendingGauge(dir string) float64 {
	if _, err := os.Stat(filepath.Join(dir, pipeline.PendingFile)); err == nil {
		return 1
	}
	return 0
}
