package throttle

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// Options configures a Limiter. The zero value is AWS's model on the wall
// clock.
type Options struct {
	// Clock supplies the time; nil means time.Now.
	Clock Clock
	// Scale multiplies every bucket's capacity and refill rate; 0 means 1.
	// Stress tests shrink it to provoke throttling with few calls. A scaled
	// capacity below one token is raised to one, so every bucket can admit.
	Scale float64
	// Policies replaces the built-in policy of the named services (see
	// DefaultPolicy); services not named keep theirs.
	Policies map[string]Policy
}

// Limiter throttles calls per account, region, service and bucket,
// creating each bucket full on first use. It is safe for concurrent use; a
// nil *Limiter admits every call.
type Limiter struct {
	clock    Clock
	scale    float64
	policies map[string]Policy

	mu      sync.Mutex
	buckets map[BucketID]*Bucket
}

// BucketID names one token bucket: an account, a region ("" for the
// buckets of a global service), a service, and the bucket's name (the
// action, with " (unpaginated)" appended for an unpaginated bucket).
type BucketID struct {
	Account, Region, Service, Bucket string
}

// String renders the id as account/region/service/bucket.
func (b BucketID) String() string {
	region := b.Region
	if region == "" {
		region = "global"
	}
	return b.Account + "/" + region + "/" + b.Service + "/" + b.Bucket
}

// NewLimiter returns a Limiter for opts, or an error naming what in opts
// is unusable.
func NewLimiter(opts Options) (*Limiter, error) {
	scale := opts.Scale
	if scale == 0 {
		scale = 1
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("throttle scale %g: want a finite positive factor", opts.Scale)
	}
	clock := opts.Clock
	if clock == nil {
		clock = ClockFunc(time.Now)
	}
	policies := make(map[string]Policy, len(defaults))
	for svc, p := range defaults {
		policies[svc] = p.Clone()
	}
	for _, svc := range slices.Sorted(maps.Keys(opts.Policies)) {
		p := opts.Policies[svc]
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("throttle policy for %s: %w", svc, err)
		}
		policies[svc] = p.Clone()
	}
	l := &Limiter{clock: clock, scale: scale, policies: policies, buckets: map[BucketID]*Bucket{}}
	// Check every limit as it will be used, so Allow never meets a bucket
	// NewBucket refuses.
	for _, svc := range slices.Sorted(maps.Keys(policies)) {
		p := policies[svc]
		limits := map[string]Limit{"read": p.Read, "write": p.Write}
		if len(p.UnpaginatedActions) > 0 {
			limits["unpaginated"] = p.Unpaginated
		}
		for a, lim := range p.Actions {
			limits[a] = lim
		}
		for _, name := range slices.Sorted(maps.Keys(limits)) {
			if err := l.scaled(limits[name]).validate(); err != nil {
				return nil, fmt.Errorf("throttle scale %g: %s limit of %s: %w", scale, name, svc, err)
			}
		}
	}
	return l, nil
}

// Allow spends a token for a call of action (the operation name, e.g.
// "DescribeInstances") of service ("ec2", "ssm", "iam", "sts",
// "organizations") in account and region. It reports whether the call may
// proceed and, when it may not, the error code the service throttles with.
//
// paginated matters only for the actions of Policy.UnpaginatedActions: it
// is true when the request set pagination (MaxResults or NextToken) or a
// filter, which sends it to the action's ordinary bucket instead of the
// smaller unpaginated one. Calls of services without a policy are always
// allowed.
func (l *Limiter) Allow(account, region, service, action string, paginated bool) (ok bool, code string) {
	if l == nil {
		return true, ""
	}
	p, known := l.policies[service]
	if !known {
		return true, ""
	}
	name, limit := p.classify(action, paginated)
	if p.Global {
		region = ""
	}
	k := BucketID{Account: account, Region: region, Service: service, Bucket: name}
	l.mu.Lock()
	b := l.buckets[k]
	if b == nil {
		b = NewBucket(l.scaled(limit), l.clock)
		l.buckets[k] = b
	}
	l.mu.Unlock()
	if b.Take() {
		return true, ""
	}
	return false, p.Code
}

// Classify tells which bucket a call draws from, by name (the action, with
// " (unpaginated)" appended for an unpaginated bucket), and its shape after
// scaling. ok is false for a service without a policy.
func (l *Limiter) Classify(service, action string, paginated bool) (bucket string, limit Limit, ok bool) {
	if l == nil {
		return "", Limit{}, false
	}
	p, known := l.policies[service]
	if !known {
		return "", Limit{}, false
	}
	name, lim := p.classify(action, paginated)
	return name, l.scaled(lim), true
}

// BucketOf names the bucket a call draws from, the one Allow would spend
// a token of. ok is false for a service without a policy.
func (l *Limiter) BucketOf(account, region, service, action string, paginated bool) (id BucketID, ok bool) {
	if l == nil {
		return BucketID{}, false
	}
	p, known := l.policies[service]
	if !known {
		return BucketID{}, false
	}
	name, _ := p.classify(action, paginated)
	if p.Global {
		region = ""
	}
	return BucketID{Account: account, Region: region, Service: service, Bucket: name}, true
}

// Code returns the error code service throttles with, "" for a service
// without a policy.
func (l *Limiter) Code(service string) string {
	if l == nil {
		return ""
	}
	return l.policies[service].Code
}

func (l *Limiter) scaled(lim Limit) Limit {
	return Limit{Capacity: max(lim.Capacity*l.scale, 1), Refill: lim.Refill * l.scale}
}
