package throttle

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Clock tells the time; tests inject a fake one.
type Clock interface{ Now() time.Time }

// ClockFunc adapts a function such as time.Now to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// Limit is a token bucket's shape, in the EC2 documentation's terms.
type Limit struct {
	// Capacity is the bucket maximum capacity, in tokens.
	Capacity float64
	// Refill is the bucket refill rate, in tokens per second.
	Refill float64
}

func (l Limit) String() string { return fmt.Sprintf("%g tokens, %g/s", l.Capacity, l.Refill) }

func (l Limit) validate() error {
	if !(l.Capacity >= 1 && l.Capacity <= maxTokens) {
		return fmt.Errorf("capacity %g: want from 1 to %g tokens", l.Capacity, maxTokens)
	}
	if !(l.Refill > 0 && l.Refill <= maxTokens) {
		return fmt.Errorf("refill %g: want a positive rate of at most %g tokens per second", l.Refill, maxTokens)
	}
	return nil
}

const (
	// nano is the number of stored units per token.
	nano = 1e9
	// maxTokens bounds capacities and rates so that stored units fit an int64.
	maxTokens = 1e9
)

// Bucket is a token bucket: it starts full, refills continuously, and
// admits a call when it holds a whole token. It is safe for concurrent use.
type Bucket struct {
	clock Clock
	limit Limit

	mu       sync.Mutex
	capacity int64   // in billionths of a token
	rate     float64 // billionths of a token per nanosecond = tokens per second
	tokens   int64   // in billionths of a token
	last     time.Time
}

// NewBucket returns a full bucket of the given shape, reading time from
// clock. It panics if l has a capacity below one token or a refill rate
// that is not positive: such a bucket could never admit a call.
func NewBucket(l Limit, clock Clock) *Bucket {
	if err := l.validate(); err != nil {
		panic("throttle.NewBucket: " + err.Error())
	}
	capacity := int64(math.Round(l.Capacity * nano))
	return &Bucket{
		clock:    clock,
		limit:    l,
		capacity: capacity,
		rate:     l.Refill,
		tokens:   capacity,
		last:     clock.Now(),
	}
}

// Limit returns the bucket's shape.
func (b *Bucket) Limit() Limit { return b.limit }

// Take spends one token if the bucket holds one and reports whether it
// did. It never blocks.
func (b *Bucket) Take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens < nano {
		return false
	}
	b.tokens -= nano
	return true
}

// Tokens returns how many tokens the bucket holds now, fractions included.
func (b *Bucket) Tokens() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	return float64(b.tokens) / nano
}

// refill adds the tokens earned since the last refill. Callers hold b.mu.
func (b *Bucket) refill() {
	now := b.clock.Now()
	elapsed := now.Sub(b.last)
	if elapsed <= 0 {
		// No time passed, or the clock stepped back: earn nothing, and keep
		// the later instant so the same interval is never paid twice.
		return
	}
	b.last = now
	room := b.capacity - b.tokens
	if earned := float64(elapsed) * b.rate; earned < float64(room) {
		b.tokens += int64(earned)
	} else {
		b.tokens = b.capacity
	}
}
