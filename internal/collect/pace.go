package collect

import (
	"context"
	"errors"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"

	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
)

// bucket is a client-side token bucket: the rate and burst a service lets
// one action of one account and region have.
type bucket struct {
	rate  float64
	burst int
	// ceiling is the highest rate the limiter probes up to; 0 is rate.
	ceiling float64
}

// paceFor returns the client-side bucket a service's actions start with.
// EC2's numbers are AWS's published non-mutating bucket (100 tokens,
// 20 per second; the collectors always paginate, so the smaller
// "unpaginated" bucket never applies), kept slightly below AWS's so the
// two never race. The others publish no rate: they start at a moderate
// pace. Every limiter adapts to the throttling errors it gets, since an
// account's buckets are shared with every other client of the account.
func paceFor(service string) bucket {
	switch service {
	case "EC2":
		return bucket{rate: 19, burst: 95}
	case "STS":
		// AWS publishes no STS rate either; an organization's AssumeRole
		// calls all come from the caller's bucket.
		return bucket{rate: 10, burst: 20, ceiling: 100}
	case "SSM":
		// AWS publishes no SSM rate: start moderate and probe upwards,
		// so an account whose buckets allow more is read faster.
		return bucket{rate: 20, burst: 20, ceiling: 100}
	}
	return bucket{rate: 10, burst: 10}
}

// pacer holds the limiters of one account and region, one per service
// action, created on first use.
type pacer struct {
	mu   sync.Mutex
	lims map[string]*adaptiveLimiter
	now  func() time.Time
}

func newPacer() *pacer { return &pacer{lims: map[string]*adaptiveLimiter{}, now: time.Now} }

func (p *pacer) limiter(service, action string) *adaptiveLimiter {
	key := service + ":" + action
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.lims[key]
	if !ok {
		l = newAdaptiveLimiter(paceFor(service), p.now)
		p.lims[key] = l
	}
	return l
}

// Adaptation constants. AWS refills a bucket at a steady rate r; a client
// paced above r is throttled on a share (R−r)/R of its calls, below r it
// wastes the difference. The limiter therefore settles just below r:
//
//   - On a throttle after a run of successes, the bucket was empty at the
//     start of the run and is empty again, so the run's admitted rate
//     (successes ÷ time since the previous throttle) is r itself; the
//     limiter drops to backoffShare of it.
//   - On a throttle after too short a run to measure (at the start, or
//     when the rate is far above r), it halves.
//   - Each success raises the rate by probeStep, so the limiter probes
//     back up to r in about ln(1/backoffShare)/ln(1+probeStep) ≈ 11
//     successes, and a throttle costs about one call in twelve or fewer.
const (
	minRate      = 0.5
	backoffShare = 0.93
	probeStep    = 0.01
	// minRun is the fewest successes between two throttles from which
	// their rate is trusted as the refill rate.
	minRun = 3
	// Far below the rate it was last throttled at (under regainShare of
	// it), the limiter climbs back faster.
	regainShare = 0.8
	regainStep  = 0.05
)

// adaptiveLimiter paces one action: it waits for a token before every
// attempt and adapts its rate to the throttling errors it observes. It is
// safe for concurrent use.
type adaptiveLimiter struct {
	lim *rate.Limiter
	max float64
	now func() time.Time

	mu        sync.Mutex
	runStart  time.Time // the previous throttle, or the limiter's creation
	successes int       // since runStart
	ceiling   float64   // the rate of the last throttle, 0 before any
}

func newAdaptiveLimiter(b bucket, now func() time.Time) *adaptiveLimiter {
	top := b.rate
	if b.ceiling > top {
		top = b.ceiling
	}
	return &adaptiveLimiter{lim: rate.NewLimiter(rate.Limit(b.rate), b.burst), max: top, now: now, runStart: now()}
}

// rate is the current pace, in calls per second.
func (a *adaptiveLimiter) rate() float64 { return float64(a.lim.Limit()) }

func (a *adaptiveLimiter) observe(err error) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	cur := a.rate()
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && gap.IsThrottle(apiErr.ErrorCode()) {
		next := cur / 2
		if elapsed := now.Sub(a.runStart).Seconds(); a.successes >= minRun && elapsed > 0 {
			next = backoffShare * min(cur, float64(a.successes)/elapsed)
		}
		a.ceiling = cur
		a.lim.SetLimitAt(now, rate.Limit(max(next, minRate)))
		// AWS's bucket is empty: spend the tokens saved up here too, so
		// that no burst follows a throttle.
		if left := int(a.lim.TokensAt(now)); left > 0 {
			a.lim.AllowN(now, left)
		}
		a.runStart, a.successes = now, 0
		return
	}
	if err == nil {
		a.successes++
		step := probeStep
		if cur < regainShare*a.ceiling {
			step = regainStep
		}
		if cur < a.max {
			a.lim.SetLimitAt(now, rate.Limit(min(cur*(1+step), a.max)))
		}
	}
}

// middleware waits for a token before every attempt of a call (it sits
// after the retry middleware, so retries are paced too) and feeds the
// outcome back to the limiter.
func (p *pacer) middleware(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("PDRAuditPace",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			l := p.limiter(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
			if err := l.lim.Wait(ctx); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			out, md, err := next.HandleFinalize(ctx, in)
			l.observe(err)
			return out, md, err
		}), middleware.After)
}

// inFlight bounds the calls in flight across the whole collection: account-
// regions run many at once (AWS throttles each on its own), and this cap,
// not the number of account-regions, keeps sockets and memory in bounds.
// It sits innermost, around each attempt's round trip, so no slot is held
// while a retry backs off or the pacer waits.
func inFlight(slots chan struct{}) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("PDRAuditInFlight",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return middleware.DeserializeOutput{}, middleware.Metadata{}, ctx.Err()
				}
				defer func() { <-slots }()
				return next.HandleDeserialize(ctx, in)
			}), middleware.After)
	}
}
