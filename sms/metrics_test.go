package sms_test

import (
	"context"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/sms"
	"github.com/prometheus/client_golang/prometheus"
)

// senderFunc adapts a function to sms.Sender.
type senderFunc func(context.Context, sms.Message) error

func (f senderFunc) Send(ctx context.Context, m sms.Message) error { return f(ctx, m) }

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := sms.NewMetrics(reg)
	if err != nil {
		t.Fatalf("NewMetrics = %v", err)
	}
	if _, err := sms.NewMetrics(reg); err == nil {
		t.Error("NewMetrics on the same registry twice = nil error, want a duplicate registration error")
	}
	failing := digitalid.Errorf(digitalid.EUNAVAILABLE, "down")
	s := m.Instrument("gateway", senderFunc(func(_ context.Context, msg sms.Message) error {
		if msg.Body == "fail" {
			return failing
		}
		return nil
	}))
	ctx := context.Background()
	for _, msg := range []sms.Message{
		{Purpose: "otp", Body: "ok"}, {Purpose: "otp", Body: "ok"}, {Purpose: "otp", Body: "fail"},
		{Purpose: "Bad Purpose!", Body: "ok"},
	} {
		want := error(nil)
		if msg.Body == "fail" {
			want = failing
		}
		if err := s.Send(ctx, msg); err != want {
			t.Errorf("Send(%q) = %v, want %v (the inner sender's result)", msg.Body, err, want)
		}
	}
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather = %v", err)
	}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			switch f.GetName() {
			case "digitalid_sms_messages_total":
				l := map[string]string{}
				for _, p := range metric.GetLabel() {
					l[p.GetName()] = p.GetValue()
				}
				got[l["sender"]+"/"+l["purpose"]+"/"+l["result"]] = metric.GetCounter().GetValue()
			case "digitalid_sms_send_duration_seconds":
				got["duration_count"] = float64(metric.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{"gateway/otp/sent": 2, "gateway/otp/unavailable": 1, "gateway/invalid/sent": 1, "duration_count": 4}
	if len(got) != len(want) {
		t.Errorf("metrics = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("metric %s = %v, want %v", k, got[k], v)
		}
	}
}
