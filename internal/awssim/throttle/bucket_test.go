package throttle

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a Clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

var epoch = time.Date(2024, 2, 12, 10, 48, 59, 0, time.UTC)

func newFakeClock() *fakeClock { return &fakeClock{now: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// burst takes until the first refusal and returns how many calls got in.
func burst(take func() bool) int {
	n := 0
	for take() {
		n++
		if n > 1e6 {
			panic("bucket never ran dry")
		}
	}
	return n
}

// admitted polls take every step for the given span and returns the
// offsets from the start at which calls were admitted.
func admitted(clock *fakeClock, step, span time.Duration, take func() bool) []time.Duration {
	var at []time.Duration
	for t := step; t <= span; t += step {
		clock.Advance(step)
		if take() {
			at = append(at, t)
		}
	}
	return at
}

func every(interval time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * interval
	}
	return out
}

func TestBucket(t *testing.T) {
	tests := []struct {
		name  string
		limit Limit
		step  time.Duration
		span  time.Duration
		want  []time.Duration // admissions after draining the initial burst
	}{
		{"a non-mutating EC2 bucket refills one token every 50ms", Limit{100, 20}, 10 * time.Millisecond, time.Second, every(50*time.Millisecond, 20)},
		{"an unpaginated EC2 bucket refills one token every 100ms", Limit{50, 10}, 25 * time.Millisecond, time.Second, every(100*time.Millisecond, 10)},
		{"a mutating EC2 bucket refills one token every 200ms", Limit{50, 5}, 50 * time.Millisecond, 2 * time.Second, every(200*time.Millisecond, 10)},
		{"a fractional refill rate accumulates across polls", Limit{1, 0.5}, 250 * time.Millisecond, 6 * time.Second, every(2*time.Second, 3)},
		{"polls coarser than the refill admit one call per poll", Limit{100, 20}, 200 * time.Millisecond, time.Second, every(200*time.Millisecond, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			b := NewBucket(tt.limit, clock)
			if got := burst(b.Take); got != int(tt.limit.Capacity) {
				t.Fatalf("a burst admitted %d calls; want the capacity, %v", got, tt.limit.Capacity)
			}
			got := admitted(clock, tt.step, tt.span, b.Take)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("admission times (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBucketNeverHoldsMoreThanItsCapacity(t *testing.T) {
	clock := newFakeClock()
	b := NewBucket(Limit{100, 20}, clock)
	burst(b.Take)
	clock.Advance(time.Hour)
	if got := b.Tokens(); got != 100 {
		t.Errorf("after an idle hour the bucket holds %v tokens; want 100", got)
	}
	if got := burst(b.Take); got != 100 {
		t.Errorf("a burst after an idle hour admitted %d calls; want 100", got)
	}
}

func TestBucketRefillsContinuously(t *testing.T) {
	clock := newFakeClock()
	b := NewBucket(Limit{10, 4}, clock)
	burst(b.Take)
	clock.Advance(125 * time.Millisecond)
	if got := b.Tokens(); got != 0.5 {
		t.Errorf("125ms at 4/s earned %v tokens; want 0.5", got)
	}
	if b.Take() {
		t.Error("half a token admitted a call")
	}
	clock.Advance(125 * time.Millisecond)
	if !b.Take() {
		t.Error("two half tokens did not make a whole one")
	}
}

func TestBucketMintsNothingWhenTheClockStepsBack(t *testing.T) {
	clock := newFakeClock()
	b := NewBucket(Limit{5, 1}, clock)
	burst(b.Take)
	clock.Advance(-time.Hour)
	if b.Take() {
		t.Error("a clock stepping back admitted a call")
	}
	clock.Advance(time.Hour) // back where the bucket ran dry
	if b.Take() {
		t.Error("returning to the same instant admitted a call")
	}
	clock.Advance(time.Second)
	if !b.Take() {
		t.Error("a second after running dry, a 1/s bucket admitted nothing")
	}
}

func TestBucketIsSafeForConcurrentUse(t *testing.T) {
	b := NewBucket(Limit{100, 20}, newFakeClock())
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		n  int
	)
	for range 40 {
		wg.Go(func() {
			for range 10 {
				if b.Take() {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if n != 100 {
		t.Errorf("400 concurrent calls on a frozen clock got %d tokens; want 100", n)
	}
}

func TestNewBucketRefusesABucketThatCouldNeverAdmit(t *testing.T) {
	for _, l := range []Limit{{0.5, 1}, {10, 0}, {10, -1}, {2e9, 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewBucket(%v) did not panic", l)
				}
			}()
			NewBucket(l, newFakeClock())
		}()
	}
}
