package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// SimParams are the simulator's knobs for one run.
type SimParams struct {
	// Latency is the base latency L; PerItem and Jitter complete the
	// latency model.
	Latency, PerItem, Jitter time.Duration
	Seed                     int64
	// Throttle turns on AWS's token buckets, scaled by Scale (1 when 0),
	// with SSM's bucket SSM (the simulator's assumed default when zero).
	Throttle bool
	Scale    float64
	SSM      throttle.Limit
}

func (p SimParams) options() awssim.Options {
	o := awssim.Options{
		Latency: p.Latency, LatencyPerItem: p.PerItem, LatencyJitter: p.Jitter, Seed: p.Seed,
		ThrottleScale: p.Scale, SSMBucket: p.SSM,
	}
	if p.Throttle {
		o.Throttle = "aws"
	}
	return o
}

// buckets are the bucket shapes the simulator throttles with, from the
// options it was given.
func (p SimParams) buckets() (Buckets, error) {
	if !p.Throttle {
		return LimiterBuckets(nil), nil
	}
	l, err := throttle.NewLimiter(awssim.ThrottleOptions(p.options()))
	if err != nil {
		return nil, err
	}
	return LimiterBuckets(l), nil
}

func (p SimParams) String() string {
	s := fmt.Sprintf("L=%v", p.Latency)
	if !p.Throttle {
		return s + ", no throttling"
	}
	scale := p.Scale
	if scale == 0 {
		scale = 1
	}
	ssm := p.SSM
	if ssm == (throttle.Limit{}) {
		def, _ := throttle.DefaultPolicy("ssm")
		ssm = def.Read
	}
	return fmt.Sprintf("%s, AWS buckets ×%g, SSM %g/%g·s⁻¹ ×%g", s, scale, ssm.Capacity, ssm.Refill, scale)
}

// Run is one collection of an estate through the simulator.
type Run struct {
	Name   string
	Estate *awssim.Estate
	Scope  Scope
	Sim    SimParams
	// Concurrency is the collector's --concurrency (its default when 0).
	Concurrency int
	// Timeout stops a run that takes too long (none when 0); the result
	// then says so instead of a ratio.
	Timeout time.Duration
}

// ClientCounts are what the client side saw, attempt by attempt.
type ClientCounts struct {
	Attempts int64 `json:"attempts"`
	// ThrottleRetries are attempts answered with a throttling error.
	ThrottleRetries int64 `json:"throttle_errors"`
	// TransportRetries are attempts that failed below HTTP (a connection
	// closed or reset): they should never happen on loopback.
	TransportRetries int64 `json:"transport_errors"`
	OtherErrors      int64 `json:"other_errors"`
}

// RunResult is what one Run measured.
type RunResult struct {
	Name        string        `json:"name"`
	Sim         string        `json:"sim"`
	Concurrency int           `json:"concurrency,omitempty"`
	Wall        time.Duration `json:"wall_ns"`
	Floor       FloorReport   `json:"floor"`
	Ratio       float64       `json:"wall_over_floor"`
	Client      ClientCounts  `json:"client"`
	// OK is the successful calls the simulator answered per API, Minimum
	// what the estate needs.
	OK      map[string]int `json:"ok_calls"`
	Minimum map[string]int `json:"minimum_calls"`
	Stats   awssim.Stats   `json:"-"`
	// A summary of Stats without its per-bucket list.
	Calls             int64       `json:"calls"`
	Throttled         int64       `json:"throttled"`
	Errors            int64       `json:"errors"`
	Unpaginated       int64       `json:"unpaginated"`
	MaxInFlight       int         `json:"max_in_flight"`
	MaxBucketInFlight int         `json:"max_in_flight_per_bucket"`
	Gaps              []model.Gap `json:"gaps,omitempty"`
	// Complete says the snapshot holds every instance, SSM node and
	// security group of the estate and no gap.
	Complete bool `json:"complete"`
	// Phases are, per service, when its first and last calls reached the
	// simulator, from the start of the run.
	Phases   map[string]Phase `json:"phases"`
	Missing  string           `json:"missing,omitempty"`
	TimedOut bool             `json:"timed_out,omitempty"`
	Err      string           `json:"error,omitempty"`
}

// ClientConfig is the SDK configuration of `pdr-audit collect
// --endpoint-url`: the simulator's test credentials, pdr-audit's transport,
// and the production retry settings (standard retryer, 8 attempts, its
// client-side retry quota), plus a middleware that counts every attempt.
func ClientConfig(endpoint string, counts *ClientCounts) aws.Config {
	cfg := awssim.SDKConfig(endpoint, "us-east-1")
	cfg.RetryMaxAttempts = 8
	if counts != nil {
		cfg.APIOptions = append(cfg.APIOptions, counts.middleware)
	}
	return cfg
}

func (c *ClientCounts) middleware(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("PDRBenchCount",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			atomic.AddInt64(&c.Attempts, 1)
			var apiErr smithy.APIError
			var sendErr *smithyhttp.RequestSendError
			var netErr net.Error
			switch {
			case err == nil:
			case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
				// A run stopped at its timeout: not the transport's doing.
				atomic.AddInt64(&c.OtherErrors, 1)
			case errors.As(err, &apiErr):
				if _, ok := retry.DefaultThrottleErrorCodes[apiErr.ErrorCode()]; ok {
					atomic.AddInt64(&c.ThrottleRetries, 1)
				} else {
					atomic.AddInt64(&c.OtherErrors, 1)
				}
			case errors.As(err, &sendErr) || errors.As(err, &netErr):
				atomic.AddInt64(&c.TransportRetries, 1)
			default:
				atomic.AddInt64(&c.OtherErrors, 1)
			}
			return out, md, err
		}), middleware.After)
}

// Collect runs r: a fresh simulator on loopback, the collector against it,
// and the comparison with the estate's minimum and floor.
func (r Run) Collect(ctx context.Context) (*RunResult, error) {
	res := &RunResult{Name: r.Name, Sim: r.Sim.String(), Concurrency: r.Concurrency}
	need, err := Minimum(r.Estate, r.Scope)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	b, err := r.Sim.buckets()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	res.Floor = EstateFloor(need, b, r.Sim.Latency)
	res.Minimum = need.Total()

	phases := &phaseLog{}
	simOpts := r.Sim.options()
	simOpts.CallsLog = phases
	srv, err := awssim.NewServer(r.Estate, simOpts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	sim, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = sim.Shutdown(sctx)
	}()

	opts := collect.Options{
		Regions: r.Scope.Regions, Concurrency: r.Concurrency, KernelSource: "none",
		Tool: model.Tool{Name: "pdr-audit", Version: "bench"}, Source: "collect",
	}
	if r.Scope.Inventory {
		opts.KernelSource = "inventory"
	}
	if need.Org {
		opts.Org, opts.RoleName = true, "OrganizationAccountAccessRole"
	}
	cctx := ctx
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	cfg := ClientConfig(sim.URL, &res.Client)
	start := time.Now()
	snap, err := collect.Collect(cctx, cfg, opts)
	res.Wall = time.Since(start)
	if c, ok := cfg.HTTPClient.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	res.Stats = srv.Stats()
	res.summarise()
	res.Phases = phases.spans(start)
	if res.Floor.Total > 0 {
		res.Ratio = res.Wall.Seconds() / res.Floor.Total.Seconds()
	}
	switch {
	case err != nil && cctx.Err() != nil && ctx.Err() == nil:
		res.TimedOut = true
		res.Err = fmt.Sprintf("stopped after %v", r.Timeout)
		return res, nil
	case err != nil:
		return nil, fmt.Errorf("%s: collect: %w", r.Name, err)
	}
	res.Gaps = snap.Gaps
	res.Missing = missing(need, snap)
	res.Complete = res.Missing == "" && len(snap.Gaps) == 0
	return res, nil
}

func (res *RunResult) summarise() {
	st := res.Stats
	res.OK = map[string]int{}
	for api, a := range st.Actions {
		if ok := a.Calls - a.Throttled - a.Errors; ok > 0 {
			res.OK[api] = int(ok)
		}
	}
	res.Calls, res.Throttled, res.Errors, res.Unpaginated = st.Calls, st.Throttled, st.Errors, st.Unpaginated
	res.MaxInFlight = st.MaxInFlight
	for _, b := range st.Buckets {
		res.MaxBucketInFlight = max(res.MaxBucketInFlight, b.MaxInFlight)
	}
}

// missing compares a snapshot's counts with the estate's; "" when they
// agree.
func missing(n *Need, snap *model.Snapshot) string {
	got := map[string][3]int{}
	for _, a := range snap.Accounts {
		for _, r := range a.Regions {
			got[a.ID+"/"+r.Name] = [3]int{len(r.Instances), len(r.SSMInstances), len(r.SecurityGroups)}
		}
	}
	for _, a := range n.Accounts {
		for _, u := range a.Units {
			key := a.ID + "/" + u.Region
			want := [3]int{u.Instances, u.SSMNodes, u.SecurityGroups}
			if got[key] != want {
				return fmt.Sprintf("%s: instances, SSM nodes, security groups %v; the estate has %v", key, got[key], want)
			}
		}
	}
	return ""
}

// OKCalls and MinimumCalls total the successful and the needed calls.
func (res *RunResult) OKCalls() int      { return sum(res.OK) }
func (res *RunResult) MinimumCalls() int { return sum(res.Minimum) }

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Excess lists the APIs called more, or less, than the minimum.
func (res *RunResult) Excess() []string {
	var out []string
	var apis []string
	for api := range res.OK {
		apis = append(apis, api)
	}
	for api := range res.Minimum {
		if _, ok := res.OK[api]; !ok {
			apis = append(apis, api)
		}
	}
	slices.Sort(apis)
	for _, api := range apis {
		if res.OK[api] != res.Minimum[api] {
			out = append(out, fmt.Sprintf("%s %d/%d", api, res.OK[api], res.Minimum[api]))
		}
	}
	return out
}

// estateCache loads each estate directory once.
type estateCache struct {
	mu sync.Mutex
	m  map[string]*awssim.Estate
}

func (c *estateCache) load(dir string) (*awssim.Estate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[dir]; ok {
		return e, nil
	}
	e, err := awssim.LoadEstate(dir)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*awssim.Estate{}
	}
	c.m[dir] = e
	return e, nil
}

// Phase is the span of one service's calls in a run.
type Phase struct {
	First time.Duration `json:"first_ns"`
	Last  time.Duration `json:"last_ns"`
}

// phaseLog reads the simulator's calls log as it is written and keeps
// each service's first and last call.
type phaseLog struct {
	mu    sync.Mutex
	first map[string]time.Time
	last  map[string]time.Time
}

func (p *phaseLog) Write(b []byte) (int, error) {
	var rec struct {
		Time    time.Time `json:"time"`
		Service string    `json:"service"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return 0, fmt.Errorf("calls log line: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first == nil {
		p.first, p.last = map[string]time.Time{}, map[string]time.Time{}
	}
	if t, ok := p.first[rec.Service]; !ok || rec.Time.Before(t) {
		p.first[rec.Service] = rec.Time
	}
	if rec.Time.After(p.last[rec.Service]) {
		p.last[rec.Service] = rec.Time
	}
	return len(b), nil
}

func (p *phaseLog) spans(start time.Time) map[string]Phase {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]Phase{}
	for svc, f := range p.first {
		out[svc] = Phase{First: f.Sub(start), Last: p.last[svc].Sub(start)}
	}
	return out
}
