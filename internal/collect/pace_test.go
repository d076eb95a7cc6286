package collect

import (
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// paceAgainst runs a chain of calls, one after another as a paginator
// makes them, through a limiter against an AWS-like token bucket, until
// want calls succeeded. A throttled call waits the SDK's mean throttle
// backoff (half its 1s base) before its retry. It returns the throttled
// calls and the time taken.
func paceAgainst(t *testing.T, service string, aws throttle.Limit, latency time.Duration, want int) (throttled int, took time.Duration) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := clock.Now()
	l := newAdaptiveLimiter(paceFor(service), clock.Now)
	b := throttle.NewBucket(aws, clock)
	for ok := 0; ok < want; {
		r := l.lim.ReserveN(clock.Now(), 1)
		clock.Advance(r.DelayFrom(clock.Now()))
		admitted := b.Take()
		clock.Advance(latency)
		if admitted {
			ok++
			l.observe(nil)
			continue
		}
		throttled++
		l.observe(&smithy.GenericAPIError{Code: "ThrottlingException"})
		clock.Advance(500 * time.Millisecond)
	}
	return throttled, clock.Now().Sub(start)
}

func TestTheLimiterSettlesJustBelowAWSsRefillRate(t *testing.T) {
	tests := []struct {
		name    string
		service string
		aws     throttle.Limit
		latency time.Duration
		calls   int
		slowest float64 // wall ÷ floor
	}{
		{"SSM at a tenth of the assumed bucket (2 tokens, 1/s), L=100ms", "SSM", throttle.Limit{Capacity: 2, Refill: 1}, 100 * time.Millisecond, 160, 1.05},
		{"SSM at the assumed bucket (20 tokens, 10/s), no latency", "SSM", throttle.Limit{Capacity: 20, Refill: 10}, 0, 500, 1.05},
		{"EC2 at a tenth of AWS's bucket (10 tokens, 2/s), no latency", "EC2", throttle.Limit{Capacity: 10, Refill: 2}, 0, 200, 1.05},
		// With no burst to absorb a probe, every step above the rate is
		// throttled at once: the harshest case.
		{"a slow service with a bucket of one (0.6/s), L=100ms", "IAM", throttle.Limit{Capacity: 1, Refill: 0.6}, 100 * time.Millisecond, 100, 1.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			throttled, took := paceAgainst(t, tt.service, tt.aws, tt.latency, tt.calls)
			floor := time.Duration((float64(tt.calls)-tt.aws.Capacity)/tt.aws.Refill*float64(time.Second)) + tt.latency
			ratio := float64(throttled) / float64(tt.calls)
			slow := took.Seconds() / floor.Seconds()
			t.Logf("%d throttled per %d successes (%.3f); %v for a floor of %v (%.3f)", throttled, tt.calls, ratio, took, floor, slow)
			if ratio > 0.15 {
				t.Errorf("throttled ÷ successful %.3f; want at most 0.15", ratio)
			}
			if slow > tt.slowest {
				t.Errorf("took %.2f× the floor; want at most %.2f", slow, tt.slowest)
			}
		})
	}
}

func TestTheLimiterStaysAtItsPaceWhenNeverThrottled(t *testing.T) {
	throttled, took := paceAgainst(t, "EC2", throttle.Limit{Capacity: 1000, Refill: 1000}, 0, 1000)
	if throttled != 0 {
		t.Fatalf("%d throttles from a bucket that never runs dry", throttled)
	}
	// 95 at once, then 19 a second.
	if want := time.Duration((1000 - 95) * int64(time.Second) / 19); took < want-time.Second || took > want+time.Second {
		t.Errorf("1000 calls took %v; want about %v at EC2's published pace", took, want)
	}
}
