package awssim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/fault"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// Options are the simulator's knobs. The zero value serves the estate as
// fast as it can, with no throttling and no call log.
type Options struct {
	// Latency delays every response, like the network and service time of
	// a real endpoint: the base of the latency model.
	Latency time.Duration
	// LatencyPerItem adds to an answer's latency for each item it carries.
	LatencyPerItem time.Duration
	// LatencyJitter adds a delay drawn uniformly from [0, LatencyJitter].
	LatencyJitter time.Duration
	// Seed seeds the jitter, so a run's delays repeat.
	Seed int64
	// Throttle is "off" (the default) or "aws": AWS's published EC2 token
	// buckets per account, region and action.
	Throttle string
	// ThrottleScale scales bucket sizes and refill rates (1 when zero),
	// SSM's included.
	ThrottleScale float64
	// SSMBucket, when set, is the bucket of every SSM action (before
	// scaling). AWS publishes none; the zero value keeps the simulator's
	// assumed default (see package throttle).
	SSMBucket throttle.Limit
	// CallsLog, when set, receives one JSON line per request.
	CallsLog io.Writer
	// Now is the clock (time.Now when nil); tests inject their own.
	Now func() time.Time
	// Sleep waits for latency (time.Sleep honouring the request's context
	// when nil).
	Sleep func(r *http.Request, d time.Duration)
	// PersistentFaultsOnly injects only the faults.json rules with neither
	// first nor rate: reads that failed when the evidence was gathered.
	// Offline import uses it.
	PersistentFaultsOnly bool
	// Faults, when set, decides the faults instead of the estate's
	// faults.json: tests that arm and disarm faults while a server runs.
	Faults FaultInjector
}

// FaultInjector decides whether a call misbehaves on purpose
// (faults.json): the rule that fires on it and true, or false. A
// *fault.Injector is one.
type FaultInjector interface {
	Decide(account, region, action string) (fault.Rule, bool)
}

// Throttler decides whether a call is admitted by the rate limits.
type Throttler interface {
	Allow(account, region, service, action string, paginated bool) (ok bool, code string)
}

// Server serves an Estate over AWS's wire protocols. It is an http.Handler;
// it is safe for concurrent use.
type Server struct {
	estate   *Estate
	opts     Options
	faults   FaultInjector
	throttle Throttler
	models   map[string]*simmodel.Model
	latency  *latencyModel
	counters *counters
	// world is the estate as write operations have changed it: the state
	// every read sees, kept for the server's lifetime (world.go).
	world *world
	// hub holds the findings Security Hub's BatchImportFindings received
	// (securityhub.go).
	hub *hubStore

	mu       sync.Mutex
	keys     map[string]credential    // access key ids issued by AssumeRole
	commands map[string]commandRecord // commands SendCommand accepted
	seq      atomic.Int64

	logMu sync.Mutex
}

// credential is what an access key id issued by AssumeRole stands for.
type credential struct {
	Account string
	Role    string
	Session string
	Secret  string
	Token   string
}

// NewServer prepares a server for an estate.
func NewServer(est *Estate, opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	s := &Server{estate: est, opts: opts, models: map[string]*simmodel.Model{}, keys: map[string]credential{}}
	for _, svc := range simmodel.Services {
		m, err := simmodel.Load(svc)
		if err != nil {
			return nil, err
		}
		s.models[svc] = m
	}
	faults, err := newFaults(est, opts.PersistentFaultsOnly)
	if err != nil {
		return nil, err
	}
	s.faults = faults
	if opts.Faults != nil {
		s.faults = opts.Faults
	}
	th, classify, err := newThrottler(opts)
	if err != nil {
		return nil, err
	}
	s.throttle = th
	s.latency = newLatencyModel(opts)
	s.counters = newCounters(classify)
	s.world = newWorld(est)
	s.hub = newHubStore()
	return s, nil
}

func sleepCtx(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// call is one request being served.
type call struct {
	server    *Server
	Account   string
	Region    string
	Service   string
	Action    string
	Model     *simmodel.Model
	Op        *simmodel.Operation
	Input     map[string]any
	Paginated bool
	Caller    credential // the identity of the caller
	Items     int        // items returned, for the call log
	// spoil is the "delay" or "body" fault rule that fired on the call.
	spoil fault.Rule
}

var credentialRe = regexp.MustCompile(`Credential=([^/,\s]+)/[0-9]{8}/([^/]+)/([^/]+)/aws4_request`)

// ServeHTTP answers one AWS API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	// Read the whole body before answering anything: a server that replies
	// with the request body unread makes Go's client see its connection
	// closed under it.
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "read request", http.StatusBadRequest)
		return
	}
	c := &call{Account: s.estate.Management, Region: "us-east-1", server: s}
	m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		s.writeError(w, c, simmodel.ProtocolQuery, &APIError{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token"})
		return
	}
	accessKey, region, service := m[1], m[2], m[3]
	c.Region, c.Service = region, service
	model, ok := s.models[service]
	if !ok {
		s.writeError(w, c, simmodel.ProtocolQuery, apiErr("UnknownService", "the simulator does not serve %q", service))
		return
	}
	c.Model = model
	proto := model.Metadata.Protocol
	s.mu.Lock()
	cred, issued := s.keys[accessKey]
	s.mu.Unlock()
	if issued {
		c.Account = cred.Account
		c.Caller = cred
	} else {
		c.Caller = credential{Account: s.estate.Management}
	}
	if service == "iam" || service == "organizations" {
		c.Region = "global"
	}

	if err := s.decode(c, r, body); err != nil {
		if c.Action != "" {
			s.counters.end(c, nil, err, false)
		}
		s.writeError(w, c, proto, err)
		s.logCall(c, start, err)
		return
	}
	bucket := s.counters.begin(c)
	out, apiErr, throttled := s.answer(c)
	// The latency is paid after the throttle took its token (the call
	// reached AWS) and scales with the items the answer carries.
	s.opts.Sleep(r, s.latency.delay(c.Items)+c.spoil.Delay)
	w, finish := spoilBody(w, c.spoil.Body)
	defer finish()
	if apiErr == nil {
		if err := s.writeOutput(w, c, out); err != nil {
			// The estate was validated at load; an encoding failure is a
			// simulator bug, reported as AWS reports its own failures.
			apiErr = apiErr500(err)
		}
	}
	if apiErr != nil {
		c.Items = 0
		s.writeError(w, c, proto, apiErr)
	}
	s.counters.end(c, bucket, apiErr, throttled)
	s.logCall(c, start, apiErr)
}

// answer decides a decoded call: an injected fault, a throttle, or the
// operation's handler.
func (s *Server) answer(c *call) (out map[string]any, e *APIError, throttled bool) {
	if f, hit := s.faults.Decide(c.faultAccount(), c.Region, c.Service+":"+c.Action); hit {
		if f.Error != "" {
			return nil, &APIError{Code: f.Error, Message: defaultMessage(f.Error, c)}, false
		}
		c.spoil = f // a delay or a spoiled body, paid when answering
	}
	if ok, code := s.throttle.Allow(c.Account, c.Region, c.Service, c.Action, c.Paginated); !ok {
		e := &APIError{Code: code, Message: "Rate exceeded"}
		if code == "RequestLimitExceeded" {
			e.Message = "Request limit exceeded."
		}
		return nil, e, true
	}
	h, ok := handlers[c.Service+":"+c.Action]
	if !ok {
		return nil, apiErr(invalidAction(c.Model.Metadata.Protocol), "The action %s is not valid for this web service.", c.Action), false
	}
	out, e = h(s, c)
	if e != nil {
		c.Items = 0
	}
	return out, e, false
}

func apiErr500(err error) *APIError {
	return &APIError{Code: "InternalError", Message: err.Error()}
}

// faultAccount is the account a fault rule matches: for AssumeRole the
// account being assumed into, so a test can deny entry into one account.
func (c *call) faultAccount() string {
	if c.Service == "sts" && c.Action == "AssumeRole" {
		if acct, _, ok := roleARNAccount(strParam(c.Input, "RoleArn")); ok {
			return acct
		}
	}
	return c.Account
}

func invalidAction(proto string) string {
	if proto == simmodel.ProtocolJSON || proto == simmodel.ProtocolRestJSON {
		return "UnknownOperationException"
	}
	return "InvalidAction"
}

// decode finds the action and reads the input document.
func (s *Server) decode(c *call, r *http.Request, body []byte) *APIError {
	switch c.Model.Metadata.Protocol {
	case simmodel.ProtocolJSON:
		target := r.Header.Get("X-Amz-Target")
		prefix := c.Model.Metadata.TargetPrefix + "."
		if !strings.HasPrefix(target, prefix) {
			return apiErr("UnknownOperationException", "unknown target %q", target)
		}
		c.Action = strings.TrimPrefix(target, prefix)
		c.Input = map[string]any{}
		if len(bytes.TrimSpace(body)) > 0 {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&c.Input); err != nil {
				return apiErr("SerializationException", "request body: %v", err)
			}
		}
		if c.Input == nil {
			c.Input = map[string]any{}
		}
	case simmodel.ProtocolRestJSON:
		if err := decodeRestJSON(c, r, body); err != nil {
			return err
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return apiErr("MalformedQueryString", "%v", err)
		}
		for k, v := range r.URL.Query() {
			if _, ok := form[k]; !ok {
				form[k] = v
			}
		}
		c.Action = form.Get("Action")
		if c.Action == "" {
			return apiErr("MissingAction", "Missing Action")
		}
		if want := c.Model.Metadata.APIVersion; form.Get("Version") != "" && form.Get("Version") != want {
			return apiErr("InvalidParameterValue", "version %q is not %s", form.Get("Version"), want)
		}
		if op, ok := c.Model.Operations[c.Action]; ok && op.Input != nil {
			in, err := decodeQuery(c.Model, op.Input.Shape, form)
			if err != nil {
				code := "InvalidParameterValue"
				if c.Model.Metadata.Protocol == simmodel.ProtocolQuery {
					code = "ValidationError"
				}
				return apiErr(code, "%v", err)
			}
			c.Input = in
		} else {
			c.Input = map[string]any{}
		}
	}
	c.Op = c.Model.Operations[c.Action]
	if c.Op == nil {
		return apiErr(invalidAction(c.Model.Metadata.Protocol), "The action %s is not valid for this web service.", c.Action)
	}
	_, hasLimit := c.Input["MaxResults"]
	_, hasToken := c.Input["NextToken"]
	filters, _ := c.Input["Filters"].([]any)
	filter, _ := c.Input["Filter"].([]any)
	// AWS's rule for the "unpaginated" throttling bucket: a call that
	// gives neither pagination nor a filter.
	c.Paginated = hasLimit || hasToken || len(filters) > 0 || len(filter) > 0
	return nil
}

func (s *Server) requestID() string {
	n := s.seq.Add(1)
	return fmt.Sprintf("5a1f0000-0000-4000-8000-%012x", n)
}

// writeOutput encodes an output document in the service's protocol.
func (s *Server) writeOutput(w http.ResponseWriter, c *call, out map[string]any) error {
	id := s.requestID()
	m := c.Model
	switch m.Metadata.Protocol {
	case simmodel.ProtocolRestJSON:
		return writeRestJSON(w, c, out, id)
	case simmodel.ProtocolJSON:
		v := any(map[string]any{})
		if c.Op.Output != nil {
			jv, err := toJSONValue(m, c.Op.Output, out)
			if err != nil {
				return err
			}
			v = jv
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Requestid", id)
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return nil
	case simmodel.ProtocolEC2:
		var buf bytes.Buffer
		buf.WriteString(xmlHeader)
		fmt.Fprintf(&buf, `<%sResponse xmlns="%s/">`, c.Action, m.Metadata.XMLNamespace)
		fmt.Fprintf(&buf, "<requestId>%s</requestId>", id)
		if c.Op.Output != nil {
			if err := encodeMembers(&buf, m, c.Op.Output, out); err != nil {
				return err
			}
		}
		fmt.Fprintf(&buf, "</%sResponse>", c.Action)
		writeXML(w, http.StatusOK, buf.Bytes())
		return nil
	default:
		var buf bytes.Buffer
		buf.WriteString(xmlHeader)
		fmt.Fprintf(&buf, `<%sResponse xmlns="%s">`, c.Action, m.Metadata.XMLNamespace)
		if c.Op.Output != nil {
			wrapper := nonEmpty(c.Op.Output.ResultWrapper, c.Action+"Result")
			openTag(&buf, wrapper)
			if err := encodeMembers(&buf, m, c.Op.Output, out); err != nil {
				return err
			}
			closeTag(&buf, wrapper)
		}
		fmt.Fprintf(&buf, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>", id)
		fmt.Fprintf(&buf, "</%sResponse>", c.Action)
		writeXML(w, http.StatusOK, buf.Bytes())
		return nil
	}
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// encodeMembers writes the members of a top-level output structure without
// a wrapping element of its own.
func encodeMembers(buf *bytes.Buffer, m *simmodel.Model, ref *simmodel.ShapeRef, out map[string]any) error {
	sh := m.Shape(ref.Shape)
	for _, mn := range sh.SortedMembers() {
		v, ok := out[mn]
		if !ok || v == nil {
			continue
		}
		mref := sh.Members[mn]
		if err := encodeXML(buf, m, mref, xmlMemberName(mref, m, mn), v); err != nil {
			return fmt.Errorf("%s: %w", mn, err)
		}
	}
	return nil
}

func writeXML(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers with an AWS error in the body shape of the protocol.
func (s *Server) writeError(w http.ResponseWriter, c *call, proto string, e *APIError) {
	id := s.requestID()
	status := httpStatus(proto, e.Code)
	switch proto {
	case simmodel.ProtocolRestJSON:
		writeRestJSONError(w, c, e, id)
	case simmodel.ProtocolJSON:
		b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Requestid", id)
		w.Header().Set("X-Amzn-Errortype", e.Code)
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
	case simmodel.ProtocolEC2:
		var buf bytes.Buffer
		buf.WriteString(xmlHeader)
		buf.WriteString("<Response><Errors><Error><Code>")
		escape(&buf, e.Code)
		buf.WriteString("</Code><Message>")
		escape(&buf, e.Message)
		buf.WriteString("</Message></Error></Errors><RequestID>" + id + "</RequestID></Response>")
		writeXML(w, status, buf.Bytes())
	default:
		ns := "https://iam.amazonaws.com/doc/2010-05-08/"
		if c != nil && c.Model != nil {
			ns = c.Model.Metadata.XMLNamespace
		}
		typ := "Sender"
		if status >= 500 {
			typ = "Receiver"
		}
		var buf bytes.Buffer
		buf.WriteString(xmlHeader)
		fmt.Fprintf(&buf, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>`, ns, typ)
		escape(&buf, e.Code)
		buf.WriteString("</Code><Message>")
		escape(&buf, e.Message)
		buf.WriteString("</Message></Error><RequestId>" + id + "</RequestId></ErrorResponse>")
		writeXML(w, status, buf.Bytes())
	}
}

func escape(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s))
}

// callRecord is one line of the calls log.
type callRecord struct {
	Time      string `json:"time"`
	Account   string `json:"account"`
	Region    string `json:"region"`
	Service   string `json:"service"`
	Action    string `json:"action"`
	Outcome   string `json:"outcome"`
	Paginated bool   `json:"paginated"`
	Items     int    `json:"items"`
}

func (s *Server) logCall(c *call, start time.Time, e *APIError) {
	if s.opts.CallsLog == nil {
		return
	}
	rec := callRecord{
		Time: start.UTC().Format(time.RFC3339Nano), Account: c.Account, Region: c.Region,
		Service: c.Service, Action: c.Action, Outcome: "ok", Paginated: c.Paginated, Items: c.Items,
	}
	if e != nil {
		rec.Outcome = e.Code
	}
	b, _ := json.Marshal(rec)
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = s.opts.CallsLog.Write(append(b, '\n'))
}
