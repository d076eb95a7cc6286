package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// Options say which rules to evaluate and with what data.
type Options struct {
	// Profile is the requirement profile (DefaultProfile when empty).
	Profile string
	// Datacenter is us (default) or eu.
	Datacenter string
	// PolicyDirs hold the user's own Rego, loaded beside the catalog.
	PolicyDirs []string
	// Config is data.config besides the datacenter: who is monitored, who
	// is an appliance, what is excluded (see package config).
	Config map[string]any
}

// Engine evaluates the compiled rules; it is safe for concurrent use.
type Engine struct {
	opts  Options
	rules []Rule
	// all evaluates every rule in one query, so pdr.lib and the builtin's
	// memo are computed once; queries (one per rule) are the fallback that
	// isolates a rule that errors.
	all       rego.PreparedEvalQuery
	queries   []rego.PreparedEvalQuery
	resources rego.PreparedEvalQuery
	compiler  *ast.Compiler
	store     storage.Store
	// network is the profile's network data (data.profile.network) as JSON.
	network []byte
}

// New loads, compiles and prepares the rules once.
func New(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Profile == "" {
		opts.Profile = DefaultProfile
	}
	if opts.Datacenter == "" {
		opts.Datacenter = "us"
	}
	if !slices.Contains(Datacenters, opts.Datacenter) {
		return nil, fmt.Errorf("unknown datacenter %q (want us or eu)", opts.Datacenter)
	}
	profile, err := profileData(opts.Profile)
	if err != nil {
		return nil, err
	}
	srcs, err := readSources(opts.PolicyDirs, false)
	if err != nil {
		return nil, err
	}
	modules, builtIn, err := parse(srcs)
	if err != nil {
		return nil, err
	}
	compiler, err := compile(modules)
	if err != nil {
		return nil, err
	}
	rules, err := rulesOf(modules, builtIn)
	if err != nil {
		return nil, err
	}
	cfg := map[string]any{}
	for k, v := range opts.Config {
		cfg[k] = v
	}
	cfg["datacenter"] = opts.Datacenter
	data, err := toPlain(map[string]any{"profile": profile, "config": cfg})
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(data)
	network, err := json.Marshal(profile["network"])
	if err != nil {
		return nil, fmt.Errorf("profile %s: network data: %w", opts.Profile, err)
	}
	e := &Engine{opts: opts, rules: rules, compiler: compiler, store: store, network: network}
	prepare := func(query string) (rego.PreparedEvalQuery, error) {
		ropts := append([]func(*rego.Rego){
			rego.Compiler(compiler), rego.Store(store), rego.Query(query), rego.StrictBuiltinErrors(true),
		}, regoBuiltins()...)
		return rego.New(ropts...).PrepareForEval(ctx)
	}
	for _, r := range rules {
		pq, err := prepare(r.Package + ".results")
		if err != nil {
			return nil, fmt.Errorf("%w: prepare %s: %w", ErrPolicy, r.ID, err)
		}
		e.queries = append(e.queries, pq)
	}
	var all []string
	for i, r := range rules {
		all = append(all, fmt.Sprintf("r%d := [x | some x in %s.results]", i, r.Package))
	}
	if len(all) > 0 {
		if e.all, err = prepare(strings.Join(all, "; ")); err != nil {
			return nil, fmt.Errorf("%w: prepare the catalog: %w", ErrPolicy, err)
		}
	}
	if e.resources, err = prepare("data.pdr.lib.resources"); err != nil {
		return nil, fmt.Errorf("%w: prepare data.pdr.lib.resources: %w", ErrPolicy, err)
	}
	return e, nil
}

// toPlain round-trips a value through JSON so the store holds only JSON
// types.
func toPlain(v map[string]any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}

// Rules returns the catalog, sorted by id.
func (e *Engine) Rules() []Rule { return slices.Clone(e.rules) }

// NetworkRequirements returns the profile's network data (network.json,
// the rules' data.profile.network) as JSON, for reports that draw the paths
// the rules check.
func (e *Engine) NetworkRequirements() []byte { return e.network }

// Profile returns the profile the engine evaluates.
func (e *Engine) Profile() string { return e.opts.Profile }

// Evaluate runs every rule over the snapshot. The snapshot is converted to
// an OPA value once and shared by all rules.
func (e *Engine) Evaluate(ctx context.Context, snap *model.Snapshot) ([]finding.Result, error) {
	var buf bytes.Buffer
	if err := model.Encode(&buf, snap); err != nil {
		return nil, err
	}
	input, err := ast.ValueFromReader(&buf)
	if err != nil {
		return nil, fmt.Errorf("convert snapshot for evaluation: %w", err)
	}
	ctx = withNetwork(ctx, netpath.New(snap))
	if len(e.rules) == 0 {
		return nil, nil
	}
	// One query for the whole catalog; if any rule errors, evaluate rule by
	// rule so only that rule's results become errors.
	if rs, err := e.all.Eval(ctx, rego.EvalParsedInput(input)); err == nil && len(rs) == 1 {
		var results []finding.Result
		for i, r := range e.rules {
			got, err := convert(r, rs[0].Bindings[fmt.Sprintf("r%d", i)])
			if err != nil {
				return e.evaluateEach(ctx, input)
			}
			results = append(results, got...)
		}
		return merge(results), nil
	} else if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return e.evaluateEach(ctx, input)
}

// evaluateEach evaluates the rules one query each, turning a rule's
// failure into error results for its resources.
func (e *Engine) evaluateEach(ctx context.Context, input ast.Value) ([]finding.Result, error) {
	var results []finding.Result
	var resources map[string][]map[string]any
	for i, r := range e.rules {
		rs, err := e.queries[i].Eval(ctx, rego.EvalParsedInput(input))
		var got []finding.Result
		if err == nil {
			if len(rs) > 0 && len(rs[0].Expressions) > 0 {
				got, err = convert(r, rs[0].Expressions[0].Value)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if resources == nil {
				resources = e.resourcesOf(ctx, input)
			}
			got = errorResults(r, resources[r.ResourceKind], err)
		}
		results = append(results, got...)
	}
	return merge(results), nil
}

// resourcesOf evaluates data.pdr.lib.resources: the resources of each
// kind, which an erroring rule reports as error results.
func (e *Engine) resourcesOf(ctx context.Context, input ast.Value) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	rs, err := e.resources.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil || len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return out
	}
	b, err := json.Marshal(rs[0].Expressions[0].Value)
	if err != nil {
		return out
	}
	_ = json.Unmarshal(b, &out)
	return out
}

// errorResults reports a rule that failed to evaluate: one error result
// per resource of its kind, or one for the rule when even those are
// unknown.
func errorResults(r Rule, resources []map[string]any, err error) []finding.Result {
	msg := "the check failed: " + oneLine(err.Error())
	if len(resources) == 0 {
		return []finding.Result{{RuleID: r.ID, Title: r.Title, ResourceID: "*", ResourceType: r.ResourceKind,
			Status: finding.Error, Severity: finding.Severity(r.Severity), Message: msg}}
	}
	out := make([]finding.Result, 0, len(resources))
	for _, res := range resources {
		out = append(out, finding.Result{
			RuleID: r.ID, Title: r.Title, ResourceID: str(res["resource_id"]), ResourceType: str(res["resource_type"]),
			Account: str(res["account"]), Region: str(res["region"]),
			Status: finding.Error, Severity: finding.Severity(r.Severity), Message: msg,
		})
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func str(v any) string { s, _ := v.(string); return s }

// regoResult is what a rule's results set holds.
type regoResult struct {
	ResourceID   string             `json:"resource_id"`
	ResourceType string             `json:"resource_type"`
	Account      string             `json:"account"`
	Region       string             `json:"region"`
	Status       string             `json:"status"`
	Message      string             `json:"message"`
	Severity     string             `json:"severity"`
	BlockedBy    *finding.Component `json:"blocked_by"`
}

// convert turns a rule's result set (as rego returns it: a slice of
// objects) into findings, checking every field.
func convert(r Rule, v any) ([]finding.Result, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("rule %s: results must be a set of result objects, not %T", r.ID, v)
	}
	out := make([]finding.Result, 0, len(items))
	for _, it := range items {
		x, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("rule %s: a result is %T, not an object", r.ID, it)
		}
		res := finding.Result{RuleID: r.ID, Title: r.Title, Severity: finding.Severity(r.Severity)}
		var status, severity string
		for k, val := range x {
			var dst *string
			switch k {
			case "resource_id":
				dst = &res.ResourceID
			case "resource_type":
				dst = &res.ResourceType
			case "account":
				dst = &res.Account
			case "region":
				dst = &res.Region
			case "message":
				dst = &res.Message
			case "status":
				dst = &status
			case "severity":
				dst = &severity
			case "blocked_by":
				b, err := component(val)
				if err != nil {
					return nil, fmt.Errorf("rule %s: blocked_by: %w", r.ID, err)
				}
				res.BlockedBy = b
				continue
			case "blocked_paths":
				ps, err := paths(val)
				if err != nil {
					return nil, fmt.Errorf("rule %s: blocked_paths: %w", r.ID, err)
				}
				res.BlockedPaths = ps
				continue
			default:
				return nil, fmt.Errorf("rule %s: a result has the unknown field %q", r.ID, k)
			}
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("rule %s: %s must be a string, not %T", r.ID, k, val)
			}
			*dst = s
		}
		res.Status = finding.Status(status)
		if res.Status != finding.Pass && res.Status != finding.Fail && res.Status != finding.Unknown {
			return nil, fmt.Errorf("rule %s: status %q of %s is not pass, fail or unknown", r.ID, status, res.ResourceID)
		}
		if res.ResourceID == "" {
			return nil, fmt.Errorf("rule %s: a result has no resource_id", r.ID)
		}
		if severity != "" {
			sev, err := finding.ParseSeverity(severity)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.ID, err)
			}
			res.Severity = sev
		}
		out = append(out, res)
	}
	return out, nil
}

// component reads a blocked_by object (null for none).
func component(v any) (*finding.Component, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object, have %T", v)
	}
	c := &finding.Component{}
	for k, val := range m {
		s, _ := val.(string)
		switch k {
		case "id":
			c.ID = s
		case "kind":
			c.Kind = s
		case "direction":
			c.Direction = s
		case "rule":
			c.Rule = s
		case "reason":
			c.Reason = s
		default:
			return nil, fmt.Errorf("unknown field %q", k)
		}
	}
	return c, nil
}

// paths reads blocked_paths: a list of {from, to, proto, port}.
func paths(v any) ([]finding.Path, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, have %T", v)
	}
	out := make([]finding.Path, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a path is %T, not an object", it)
		}
		var p finding.Path
		p.From, _ = m["from"].(string)
		p.To, _ = m["to"].(string)
		p.Proto, _ = m["proto"].(string)
		switch n := m["port"].(type) {
		case json.Number:
			i, err := n.Int64()
			if err != nil {
				return nil, fmt.Errorf("port %s: %w", n, err)
			}
			p.Port = int(i)
		case float64:
			p.Port = int(n)
		case int:
			p.Port = n
		default:
			return nil, fmt.Errorf("port is %T, not a number", n)
		}
		if p.From == "" || p.To == "" || p.Proto == "" {
			return nil, fmt.Errorf("a path lacks from, to or proto: %v", m)
		}
		out = append(out, p)
	}
	return out, nil
}

// merge keeps one result per rule and resource, the worst by
// finding.Worst, and sorts them.
func merge(rs []finding.Result) []finding.Result {
	finding.Sort(rs)
	var out []finding.Result
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].Key() == r.Key() {
			if finding.Worst(out[n-1].Status, r.Status) != out[n-1].Status {
				out[n-1] = r
			}
			continue
		}
		out = append(out, r)
	}
	return out
}
