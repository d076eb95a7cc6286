package awssim

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/pdr-audit/pdr-audit/internal/awssim/fault"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// persistentOnly injects only the faults with neither first nor rate that
// spoil the answer: the reads that failed when evidence was gathered (used
// by offline import). Delays are not failed reads.
type persistentOnly struct{ in *fault.Injector }

func (p persistentOnly) Decide(account, region, action string) (fault.Rule, bool) {
	return p.in.DecidePersistent(account, region, action)
}

// spoilBody returns the writer to answer a call through when a "body"
// fault fired on it (how is fault.BodyTruncated or fault.BodyMalformed;
// "" answers untouched), and the function that sends the spoiled answer
// once it is written: the status and headers as written and the first
// half of the body, declared whole (truncated: the connection closes
// mid-body) or declared as the half (malformed: a complete answer that is
// not a valid document).
func spoilBody(w http.ResponseWriter, how string) (http.ResponseWriter, func()) {
	if how == "" {
		return w, func() {}
	}
	sw := &spoiledWriter{ResponseWriter: w, how: how, status: http.StatusOK}
	return sw, sw.send
}

type spoiledWriter struct {
	http.ResponseWriter
	how    string
	status int
	body   bytes.Buffer
}

func (w *spoiledWriter) WriteHeader(status int)      { w.status = status }
func (w *spoiledWriter) Write(p []byte) (int, error) { return w.body.Write(p) }

func (w *spoiledWriter) send() {
	b := w.body.Bytes()
	half := b[:len(b)/2]
	if w.how == fault.BodyMalformed {
		w.Header().Set("Content-Length", strconv.Itoa(len(half)))
	} else {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	}
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(half)
}

// newFaults builds the injector from the estate's faults.json files: the
// estate's own first, then each account's in account order, with an
// account file's "*" account narrowed to that account.
func newFaults(est *Estate, persistent bool) (FaultInjector, error) {
	keys := make([]string, 0, len(est.FaultFiles))
	for k := range est.FaultFiles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rules []fault.Rule
	for _, acct := range keys {
		f := est.FaultFiles[acct]
		rs, err := fault.Parse(f.Path, f.Data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrBadEstate)
		}
		for i := range rs {
			if acct != "" && (rs[i].Account == fault.Any || rs[i].Account == "") {
				rs[i].Account = acct
			}
			if _, ok := handlers[rs[i].Action]; !ok {
				return nil, fmt.Errorf("%s: %s is not an operation the simulator serves: %w", rs[i].Pos, rs[i].Action, ErrBadEstate)
			}
		}
		rules = append(rules, rs...)
	}
	in := fault.New(rules)
	if persistent {
		return persistentOnly{in}, nil
	}
	return in, nil
}

// ThrottleOptions are the token-bucket options a server built with opts
// throttles with (when opts.Throttle is "aws"): ThrottleScale, and
// SSMBucket as every SSM action's bucket. Benchmarks build their floors'
// limiter from the same options.
func ThrottleOptions(opts Options) throttle.Options {
	topts := throttle.Options{Scale: opts.ThrottleScale}
	if opts.Now != nil {
		topts.Clock = throttle.ClockFunc(opts.Now)
	}
	if opts.SSMBucket != (throttle.Limit{}) {
		p, _ := throttle.DefaultPolicy("ssm")
		topts.Policies = map[string]throttle.Policy{"ssm": p.Uniform(opts.SSMBucket)}
	}
	return topts
}

// newThrottler returns the throttler opts ask for and a limiter that
// names the bucket of every call (for the counters), which is the
// throttler itself when throttling is on.
func newThrottler(opts Options) (Throttler, *throttle.Limiter, error) {
	topts := ThrottleOptions(opts)
	switch opts.Throttle {
	case "", "off":
		// Sizes do not matter to name buckets.
		classify, err := throttle.NewLimiter(throttle.Options{})
		return allowAll{}, classify, err
	case "aws":
	default:
		return nil, nil, fmt.Errorf("throttle %q: want off or aws", opts.Throttle)
	}
	l, err := throttle.NewLimiter(topts)
	if err != nil {
		return nil, nil, err
	}
	return l, l, nil
}

type allowAll struct{}

func (allowAll) Allow(string, string, string, string, bool) (bool, string) { return true, "" }

func protocolOf(proto string) fault.Protocol {
	switch proto {
	case simmodel.ProtocolEC2:
		return fault.EC2Query
	case simmodel.ProtocolJSON:
		return fault.JSON
	case simmodel.ProtocolRestJSON:
		return fault.RestJSON
	}
	return fault.AWSQuery
}

func httpStatus(proto, code string) int {
	status, _ := fault.Lookup(protocolOf(proto), code)
	return status
}

// defaultMessage is the message AWS sends with an injected error code.
func defaultMessage(code string, c *call) string {
	return fault.Message(protocolOf(c.Model.Metadata.Protocol), code,
		fault.Details{Principal: c.principal(), Action: c.Service + ":" + c.Action, Account: c.Account})
}

// principal is the caller's ARN, as AWS names it in denials.
func (c *call) principal() string {
	if c.Caller.Role != "" {
		return "arn:aws:sts::" + c.Caller.Account + ":assumed-role/" + c.Caller.Role + "/" + c.Caller.Session
	}
	if acct := c.server.estate.Accounts[c.server.estate.Management]; acct != nil {
		arn, _ := acct.Identity["Arn"].(string)
		return arn
	}
	return ""
}
