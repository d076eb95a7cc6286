package bench

import (
	"math"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// Work is what one API needs from one bucket: Calls calls (pages), of
// which at most Partitions can be in flight at once: 1 for a NextToken
// chain, the number of resources for per-resource calls.
type Work struct {
	Calls      int `json:"calls"`
	Partitions int `json:"partitions"`
}

// Floor is the least time AWS lets Work take through one token bucket of
// shape b, with latency L per call:
//
//	T ≥ max(ceil(k/p)·L, max(0, (k−B)/r) + L)
//
// The first term is the latency of the longest chain of calls that must
// follow one another; the second is the time the bucket needs to admit
// the k-th call, plus that call's own latency. A zero bucket stands for
// no throttling (only the first term). No calls take no time.
func Floor(w Work, b throttle.Limit, L time.Duration) time.Duration {
	k, p := w.Calls, max(w.Partitions, 1)
	if k <= 0 {
		return 0
	}
	chain := time.Duration((k+p-1)/p) * L
	if b.Refill <= 0 {
		return chain
	}
	wait := math.Max(0, float64(k)-b.Capacity) / b.Refill
	refill := time.Duration(wait*float64(time.Second)) + L
	return max(chain, refill)
}
