package account

import (
	"context"
	"crypto/rand"
	"math/big"
	"sync"
	"time"
)

// latency is a moving average of how long sending an SMS takes, so that a
// request that sends nothing can take about as long as one that sends
// (RequestCode for a number without an account). It measures real time, not
// the injected clock: it is about what a caller with a stopwatch sees.
type latency struct {
	mu  sync.Mutex
	avg time.Duration
}

// Bounds of the padding: never longer than maxPad, whatever a slow gateway
// did once; and jittered by ±25% so a single sample says little.
const (
	maxPad       = 2 * time.Second
	latencyAlpha = 5 // the newest sample weighs 1/latencyAlpha
)

func newLatency() *latency { return &latency{} }

// observe adds one measured send.
func (l *latency) observe(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.avg == 0 {
		l.avg = d
		return
	}
	l.avg += (d - l.avg) / latencyAlpha
}

// pad returns how long a request that sends nothing should wait.
func (l *latency) pad() time.Duration {
	l.mu.Lock()
	d := min(l.avg, maxPad)
	l.mu.Unlock()
	if d <= 0 {
		return 0
	}
	j, err := rand.Int(rand.Reader, big.NewInt(int64(d/2)+1))
	if err != nil {
		return d
	}
	return d*3/4 + time.Duration(j.Int64())
}

// wait sleeps for pad(), or until ctx ends.
func (l *latency) wait(ctx context.Context) error {
	d := l.pad()
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
