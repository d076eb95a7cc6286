package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

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
	// parted are the catalog's rules, evaluated part by part (see
	// partition.go); whole are the others (the user's), evaluated over the
	// whole snapshot. When a user module joins the catalog's packages
	// (data.pdr), every rule is in whole.
	parted, whole *ruleSet
	resources     rego.PreparedEvalQuery
	compiler      *ast.Compiler
	store         storage.Store
	// network is the profile's network data (data.profile.network) as JSON.
	network []byte
}

// ruleSet is rules prepared for evaluation together.
type ruleSet struct {
	rules []Rule
	// all evaluates every rule in one query, so pdr.lib and the builtin's
	// memo are computed once; each (one query per rule) is the fallback
	// that isolates a rule that errors.
	all  rego.PreparedEvalQuery
	each []rego.PreparedEvalQuery
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
			// Results stay OPA values; convert reads them directly.
			rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }),
		}, regoBuiltins()...)
		return rego.New(ropts...).PrepareForEval(ctx)
	}
	var parted, whole []Rule
	joined := userJoinsCatalog(modules, builtIn)
	for _, r := range rules {
		if r.BuiltIn && !joined {
			parted = append(parted, r)
		} else {
			whole = append(whole, r)
		}
	}
	for _, set := range []struct {
		rules []Rule
		into  **ruleSet
	}{{parted, &e.parted}, {whole, &e.whole}} {
		if len(set.rules) == 0 {
			continue
		}
		rs := &ruleSet{rules: set.rules}
		var all []string
		for i, r := range set.rules {
			pq, err := prepare(r.Package + ".results")
			if err != nil {
				return nil, fmt.Errorf("%w: prepare %s: %w", ErrPolicy, r.ID, err)
			}
			rs.each = append(rs.each, pq)
			all = append(all, fmt.Sprintf("r%d := [x | some x in %s.results]", i, r.Package))
		}
		if rs.all, err = prepare(strings.Join(all, "; ")); err != nil {
			return nil, fmt.Errorf("%w: prepare the catalog: %w", ErrPolicy, err)
		}
		*set.into = rs
	}
	if e.resources, err = prepare("data.pdr.lib.resources"); err != nil {
		return nil, fmt.Errorf("%w: prepare data.pdr.lib.resources: %w", ErrPolicy, err)
	}
	return e, nil
}

// userJoinsCatalog reports whether a user module is in a package of the
// catalog's namespace (data.pdr…): it could then change what the
// catalog's rules see, and the catalog is evaluated over the whole
// snapshot like the user's rules.
func userJoinsCatalog(modules map[string]*ast.Module, builtIn map[string]bool) bool {
	for name, m := range modules {
		if !builtIn[name] && len(m.Package.Path) > 1 && m.Package.Path[1].Value.Compare(ast.String("pdr")) == 0 {
			return true
		}
	}
	return false
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

// Evaluate runs every rule over the snapshot (which it normalizes, as
// model.Encode does). The catalog's rules are evaluated part by part (a
// few VPCs of one region at a time, see partition.go), each part's input
// built once from the snapshot and released after its evaluation; the
// user's rules over the whole snapshot, converted once. One netpath
// engine serves all of them.
func (e *Engine) Evaluate(ctx context.Context, snap *model.Snapshot) ([]finding.Result, error) {
	if len(e.rules) == 0 {
		return nil, nil
	}
	snap.Normalize()
	network := netpath.New(snap)
	ctx = withNetwork(ctx, network)
	var results []finding.Result
	if e.parted != nil {
		got, err := e.evaluateParts(ctx, snap, network)
		if err != nil {
			return nil, err
		}
		results = got
	}
	if e.whole != nil {
		input, err := toValue(snap)
		if err != nil {
			return nil, fmt.Errorf("convert snapshot for evaluation: %w", err)
		}
		got, err := e.evaluate(ctx, e.whole, input)
		if err != nil {
			return nil, err
		}
		results = append(results, got...)
	}
	return merge(results), nil
}

// evaluateParts evaluates the catalog's rules over each part of the
// snapshot, a few parts at once. Once a region's parts are evaluated, the
// network engine forgets its answers about that region.
func (e *Engine) evaluateParts(ctx context.Context, snap *model.Snapshot, network *netpath.Engine) ([]finding.Result, error) {
	plans := planParts(snap)
	out := make([][]finding.Result, len(plans))
	errs := make([]error, len(plans))
	var mu sync.Mutex
	left := map[string]int{} // region → parts not evaluated yet
	for _, p := range plans {
		left[p.region]++
	}
	workers := min(runtime.GOMAXPROCS(0), len(plans), maxWorkers)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				input, err := toValue(plans[i].input(snap))
				if err != nil {
					errs[i] = fmt.Errorf("convert snapshot for evaluation: %w", err)
				} else {
					out[i], errs[i] = e.evaluate(ctx, e.parted, input)
				}
				mu.Lock()
				if left[plans[i].region]--; left[plans[i].region] == 0 {
					network.Forget(plans[i].region)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range plans {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	total := 0
	for i := range plans {
		if errs[i] != nil {
			return nil, errs[i]
		}
		total += len(out[i])
	}
	results := make([]finding.Result, 0, total)
	for i := range plans {
		results = append(results, out[i]...)
		out[i] = nil
	}
	return results, nil
}

// maxWorkers bounds the parts evaluated at once (each holds its input and
// OPA's caches).
const maxWorkers = 2

// evaluate runs a rule set over one input: one query for all its rules;
// if any rule errors, rule by rule, so only that rule's results become
// errors.
func (e *Engine) evaluate(ctx context.Context, set *ruleSet, input ast.Value) ([]finding.Result, error) {
	if rs, err := set.all.Eval(ctx, rego.EvalParsedInput(input)); err == nil && len(rs) == 1 {
		var results []finding.Result
		for i, r := range set.rules {
			got, err := convert(r, rs[0].Bindings[fmt.Sprintf("r%d", i)])
			if err != nil {
				return e.evaluateEach(ctx, set, input)
			}
			results = append(results, got...)
		}
		return results, nil
	} else if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return e.evaluateEach(ctx, set, input)
}

// evaluateEach evaluates the rules one query each, turning a rule's
// failure into error results for its resources.
func (e *Engine) evaluateEach(ctx context.Context, set *ruleSet, input ast.Value) ([]finding.Result, error) {
	var results []finding.Result
	var resources map[string][]map[string]any
	for i, r := range set.rules {
		rs, err := set.each[i].Eval(ctx, rego.EvalParsedInput(input))
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
	return results, nil
}

// resourcesOf evaluates data.pdr.lib.resources: the resources of each
// kind, which an erroring rule reports as error results.
func (e *Engine) resourcesOf(ctx context.Context, input ast.Value) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	rs, err := e.resources.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil || len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return out
	}
	t, ok := rs[0].Expressions[0].Value.(*ast.Term)
	if !ok {
		return out
	}
	v, err := ast.JSON(t.Value)
	if err != nil {
		return out
	}
	b, err := json.Marshal(v)
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

// convert turns a rule's result set (as the query returns it: an OPA set
// or array of objects) into findings, checking every field.
func convert(r Rule, v any) ([]finding.Result, error) {
	t, ok := v.(*ast.Term)
	if !ok {
		return nil, fmt.Errorf("rule %s: results must be a set of result objects, not %T", r.ID, v)
	}
	var items []*ast.Term
	switch x := t.Value.(type) {
	case *ast.Array:
		items = make([]*ast.Term, 0, x.Len())
		x.Foreach(func(e *ast.Term) { items = append(items, e) })
	case ast.Set:
		items = x.Slice()
	default:
		return nil, fmt.Errorf("rule %s: results must be a set of result objects, not %s", r.ID, ast.ValueName(t.Value))
	}
	out := make([]finding.Result, 0, len(items))
	for _, it := range items {
		x, ok := it.Value.(ast.Object)
		if !ok {
			return nil, fmt.Errorf("rule %s: a result is %s, not an object", r.ID, ast.ValueName(it.Value))
		}
		res := finding.Result{RuleID: r.ID, Title: r.Title, Severity: finding.Severity(r.Severity)}
		var status, severity string
		err := x.Iter(func(kt, val *ast.Term) error {
			k, ok := kt.Value.(ast.String)
			if !ok {
				return fmt.Errorf("rule %s: a result has the key %v, not a string", r.ID, kt)
			}
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
				b, err := component(val.Value)
				if err != nil {
					return fmt.Errorf("rule %s: blocked_by: %w", r.ID, err)
				}
				res.BlockedBy = b
				return nil
			case "blocked_paths":
				ps, err := paths(val.Value)
				if err != nil {
					return fmt.Errorf("rule %s: blocked_paths: %w", r.ID, err)
				}
				res.BlockedPaths = ps
				return nil
			default:
				return fmt.Errorf("rule %s: a result has the unknown field %q", r.ID, string(k))
			}
			s, ok := val.Value.(ast.String)
			if !ok {
				return fmt.Errorf("rule %s: %s must be a string, not %s", r.ID, string(k), jsonType(val.Value))
			}
			*dst = string(s)
			return nil
		})
		if err != nil {
			return nil, err
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

// jsonType names a value's type as Go's JSON decoding would have (the
// words of errors about results).
func jsonType(v ast.Value) string {
	switch v.(type) {
	case ast.Null:
		return "<nil>"
	case ast.Boolean:
		return "bool"
	case ast.Number:
		return "json.Number"
	case *ast.Array, ast.Set:
		return "[]interface {}"
	case ast.Object:
		return "map[string]interface {}"
	}
	return ast.ValueName(v)
}

// component reads a blocked_by object (null for none).
func component(v ast.Value) (*finding.Component, error) {
	if _, ok := v.(ast.Null); ok {
		return nil, nil
	}
	m, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("want an object, have %s", jsonType(v))
	}
	c := &finding.Component{}
	err := m.Iter(func(kt, val *ast.Term) error {
		k, _ := kt.Value.(ast.String)
		s, _ := val.Value.(ast.String)
		switch k {
		case "id":
			c.ID = string(s)
		case "kind":
			c.Kind = string(s)
		case "direction":
			c.Direction = string(s)
		case "rule":
			c.Rule = string(s)
		case "reason":
			c.Reason = string(s)
		default:
			return fmt.Errorf("unknown field %q", kt.String())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// paths reads blocked_paths: a list of {from, to, proto, port}.
func paths(v ast.Value) ([]finding.Path, error) {
	var items []*ast.Term
	switch x := v.(type) {
	case *ast.Array:
		x.Foreach(func(e *ast.Term) { items = append(items, e) })
	case ast.Set:
		items = x.Slice()
	default:
		return nil, fmt.Errorf("want a list, have %s", jsonType(v))
	}
	out := make([]finding.Path, 0, len(items))
	for _, it := range items {
		m, ok := it.Value.(ast.Object)
		if !ok {
			return nil, fmt.Errorf("a path is %s, not an object", jsonType(it.Value))
		}
		str := func(key string) string {
			if t := m.Get(ast.InternedTerm(key)); t != nil {
				if s, ok := t.Value.(ast.String); ok {
					return string(s)
				}
			}
			return ""
		}
		p := finding.Path{From: str("from"), To: str("to"), Proto: str("proto")}
		port := m.Get(ast.InternedTerm("port"))
		n, ok := ast.Number(""), false
		if port != nil {
			n, ok = port.Value.(ast.Number)
		}
		if !ok {
			what := "<nil>"
			if port != nil {
				what = jsonType(port.Value)
			}
			return nil, fmt.Errorf("port is %s, not a number", what)
		}
		i, ok := n.Int()
		if !ok {
			return nil, fmt.Errorf("port %s: not an integer", n)
		}
		p.Port = i
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
	// In place: tens of thousands of results are not copied again.
	out := rs[:0]
	last := ""
	for _, r := range rs {
		key := r.Key()
		if n := len(out); n > 0 && last == key {
			if finding.Worst(out[n-1].Status, r.Status) != out[n-1].Status {
				out[n-1] = r
			}
			continue
		}
		out, last = append(out, r), key
	}
	clear(rs[len(out):])
	return out
}
