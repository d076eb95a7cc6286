package collect

import (
	"context"
	"errors"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// bucket is a client-side token bucket: the rate and burst a service lets
// one action of one account and region have.
type bucket struct {
	rate  float64
	burst int
}

// paceFor returns the client-side bucket of a service's read action.
// EC2's numbers are AWS's published non-mutating bucket (100 tokens,
// 20 per second; the collectors always paginate, so the smaller
// "unpaginated" bucket never applies), kept slightly below AWS's so the
// two never race. The others publish no rate: they start at a moderate
// pace and adapt to the throttling errors they get.
func paceFor(service string) (b bucket, adaptive bool) {
	switch service {
	case "EC2":
		return bucket{rate: 19, burst: 95}, false
	case "SSM":
		return bucket{rate: 20, burst: 20}, true
	}
	return bucket{rate: 10, burst: 10}, true
}

// pacer holds the limiters of one account and region, one per service
// action, created on first use.
type pacer struct {
	mu   sync.Mutex
	lims map[string]*adaptiveLimiter
}

func newPacer() *pacer { return &pacer{lims: map[string]*adaptiveLimiter{}} }

func (p *pacer) limiter(service, action string) *adaptiveLimiter {
	key := service + ":" + action
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.lims[key]
	if !ok {
		b, adaptive := paceFor(service)
		l = &adaptiveLimiter{lim: rate.NewLimiter(rate.Limit(b.rate), b.burst), max: b.rate, adaptive: adaptive}
		p.lims[key] = l
	}
	return l
}

// adaptiveLimiter halves its rate when AWS throttles a call and creeps back
// up on success (additive increase, multiplicative decrease), for services
// whose limits are not published.
type adaptiveLimiter struct {
	lim      *rate.Limiter
	max      float64
	adaptive bool
}

const minRate = 0.5

func (a *adaptiveLimiter) observe(err error) {
	if !a.adaptive {
		return
	}
	cur := float64(a.lim.Limit())
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && throttleCode(apiErr.ErrorCode()) {
		a.lim.SetLimit(rate.Limit(max(cur/2, minRate)))
		return
	}
	if err == nil && cur < a.max {
		a.lim.SetLimit(rate.Limit(min(cur+0.5, a.max)))
	}
}

func throttleCode(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled", "SlowDown":
		return true
	}
	return false
}

// middleware waits for a token before every attempt of a call (it sits
// after the retry middleware, so retries are paced too) and feeds the
// outcome back to adaptive limiters.
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
