package sms

import (
	"context"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts text messages for Prometheus: how many were sent or failed,
// by sender and purpose, and how long sending took. It registers on the
// registerer it is given, never on the global one.
type Metrics struct {
	messages *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the SMS metrics on reg:
//
//	digitalid_sms_messages_total{sender, purpose, result}  result: "sent" or an error code
//	digitalid_sms_send_duration_seconds{sender}
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digitalid_sms_messages_total",
			Help: "Text messages handed to a sender, by sender, purpose and result (sent, or the error code).",
		}, []string{"sender", "purpose", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "digitalid_sms_send_duration_seconds",
			Help:    "Time to send one text message, retries included.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"sender"}),
	}
	for _, c := range []prometheus.Collector{m.messages, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Instrument returns a Sender that sends through s and records each
// message under the sender label name ("outbox", "gateway").
func (m *Metrics) Instrument(name string, s Sender) Sender {
	return &instrumented{name: name, next: s, m: m}
}

type instrumented struct {
	name string
	next Sender
	m    *Metrics
}

func (i *instrumented) Send(ctx context.Context, msg Message) error {
	start := time.Now()
	err := i.next.Send(ctx, msg)
	i.m.duration.WithLabelValues(i.name).Observe(time.Since(start).Seconds())
	result := "sent"
	if err != nil {
		result = digitalid.ErrorCode(err)
	}
	purpose := msg.Purpose
	if !validPurpose(purpose) {
		purpose = "invalid" // keep label values bounded and clean
	}
	i.m.messages.WithLabelValues(i.name, purpose, result).Inc()
	return err
}
