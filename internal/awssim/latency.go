package awssim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// latencyModel is how long the simulator takes to answer a call: a base
// (network and service time), a cost per item the answer carries (AWS's
// large pages are slower than small ones), and a jitter drawn uniformly
// from [0, Jitter] by a generator seeded from Options.Seed, so a run's
// sequence of delays repeats when its sequence of calls does.
type latencyModel struct {
	base, perItem, jitter time.Duration

	mu  sync.Mutex
	rnd *rand.Rand
}

func newLatencyModel(o Options) *latencyModel {
	return &latencyModel{
		base: o.Latency, perItem: o.LatencyPerItem, jitter: o.LatencyJitter,
		rnd: rand.New(rand.NewPCG(uint64(o.Seed), 0x6c6174656e6379)),
	}
}

// delay is the latency of an answer carrying items items.
func (l *latencyModel) delay(items int) time.Duration {
	d := l.base + time.Duration(items)*l.perItem
	if l.jitter > 0 {
		l.mu.Lock()
		d += time.Duration(l.rnd.Int64N(int64(l.jitter) + 1))
		l.mu.Unlock()
	}
	return d
}
