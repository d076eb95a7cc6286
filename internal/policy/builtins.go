package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// The product's Rego builtins. Rules state requirements; Go does the graph
// work.

// reachName is `pdr.net.reach(from, to, proto, port)`: netpath's verdict
// for the question, as an object {verdict, blocked_by, path, missing}.
const reachName = "pdr.net.reach"

var reachDecl = &rego.Function{
	Name: reachName,
	Description: "Whether traffic from an instance or ENI reaches an instance, ENI, IP, CIDR, " +
		"\"internet\" or \"service:<name>\" on proto/port, as AWS would route and filter it: " +
		"{verdict, blocked_by, missing}.",
	Decl: types.NewFunction(
		types.Args(
			types.Named("from", types.S).Description("instance or ENI id"),
			types.Named("to", types.S).Description("instance or ENI id, IPv4 address or CIDR, internet, or service:<name>"),
			types.Named("proto", types.S).Description("tcp, udp, icmp or all"),
			types.Named("port", types.N).Description("destination port (ignored for icmp and all)"),
		),
		types.Named("verdict", types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))).Description("{verdict, blocked_by, missing}"),
	),
	Memoize: true,
}

// positionName is `pdr.net.position(from)`: netpath's network position of
// an instance as traffic it sends out of its VPC sees it (a string; equal
// positions get equal answers to such questions, up to names and
// addresses).
const positionName = "pdr.net.position"

var positionDecl = &rego.Function{
	Name: positionName,
	Description: "The network position of an instance or ENI for traffic leaving its VPC: sources of one " +
		"position get the same pdr.net.reach verdicts, up to their own id and address, for every destination " +
		"outside their VPC.",
	Decl: types.NewFunction(
		types.Args(types.Named("from", types.S).Description("instance or ENI id")),
		types.Named("position", types.S).Description("an opaque key"),
	),
	Memoize: true,
}

// className is `pdr.net.class(from)`: netpath's class of an instance as a
// source (a string; sources of one class get equal answers to every
// question, up to their own id and address).
const className = "pdr.net.class"

var classDecl = &rego.Function{
	Name: className,
	Description: "The class of an instance or ENI as a source: sources of one class get the same " +
		"pdr.net.reach verdicts, up to their own id and address, for every destination.",
	Decl: types.NewFunction(
		types.Args(types.Named("from", types.S).Description("instance or ENI id")),
		types.Named("class", types.S).Description("an opaque key"),
	),
	Memoize: true,
}

// replaceWordsName is `pdr.replace_words(x, pairs)`: x with, in every
// string it holds, each whole word equal to pairs[i][0] replaced by
// pairs[i][1], pair after pair (a pair whose first word is "" changes
// nothing) (regex.replace with \bold\b on each, as a
// builtin: results are rebased from one instance to another thousands of
// times per evaluation).
const replaceWordsName = "pdr.replace_words"

var replaceWordsDecl = &rego.Function{
	Name: replaceWordsName,
	Description: "x with, in every string it holds (object keys included), each whole word (between " +
		"\\b boundaries) equal to pairs[i][0] replaced by pairs[i][1], applied pair after pair; an empty " +
		"pairs[i][0] changes nothing.",
	Decl: types.NewFunction(
		types.Args(
			types.Named("x", types.A).Description("any value"),
			types.Named("pairs", types.NewArray(nil, types.NewArray([]types.Type{types.S, types.S}, nil))).Description("[[old, new], ...]"),
		),
		types.Named("y", types.A).Description("x with the words replaced"),
	),
}

func builtinDecls() map[string]*ast.Builtin {
	return map[string]*ast.Builtin{
		reachName:        {Name: reachName, Decl: reachDecl.Decl},
		positionName:     {Name: positionName, Decl: positionDecl.Decl},
		className:        {Name: className, Decl: classDecl.Decl},
		replaceWordsName: {Name: replaceWordsName, Decl: replaceWordsDecl.Decl},
	}
}

type engineKey struct{}

// withNetwork makes the netpath engine of the snapshot being evaluated
// available to pdr.net.reach.
func withNetwork(ctx context.Context, e *netpath.Engine) context.Context {
	return context.WithValue(ctx, engineKey{}, e)
}

func networkOf(bctx rego.BuiltinContext, name string) (*netpath.Engine, error) {
	e, _ := bctx.Context.Value(engineKey{}).(*netpath.Engine)
	if e == nil {
		return nil, fmt.Errorf("%s: no snapshot is being evaluated (in Rego tests, mock it: with %s as ...)", name, name)
	}
	return e, nil
}

// stringArg reads a string argument without the JSON round trip of
// ast.As: the builtins are called tens of thousands of times.
func stringArg(name, arg string, t *ast.Term) (string, error) {
	s, ok := t.Value.(ast.String)
	if !ok {
		return "", fmt.Errorf("%s: %s: want a string, have %s", name, arg, ast.ValueName(t.Value))
	}
	return string(s), nil
}

func reachImpl(bctx rego.BuiltinContext, from, to, proto, port *ast.Term) (*ast.Term, error) {
	e, err := networkOf(bctx, reachName)
	if err != nil {
		return nil, err
	}
	var q netpath.Query
	if q.From, err = stringArg(reachName, "from", from); err != nil {
		return nil, err
	}
	if q.To, err = stringArg(reachName, "to", to); err != nil {
		return nil, err
	}
	if q.Proto, err = stringArg(reachName, "proto", proto); err != nil {
		return nil, err
	}
	n, ok := port.Value.(ast.Number)
	if !ok {
		return nil, fmt.Errorf("%s: port: want a number, have %s", reachName, ast.ValueName(port.Value))
	}
	if q.Port, ok = n.Int(); !ok {
		return nil, fmt.Errorf("%s: port: %s is not an integer", reachName, n)
	}
	v := e.ReachVerdict(q)
	if v.Verdict == netpath.Allowed && v.BlockedBy == nil && len(v.Missing) == 0 {
		return allowedTerm, nil
	}
	obj := verdictValue(v)
	if v.Verdict != netpath.Allowed {
		// A path that is not allowed carries its question, so a result
		// can say which paths a remediation must open (blocked_paths).
		obj.Insert(ast.InternedTerm("query"), ast.ObjectTerm(
			ast.Item(ast.InternedTerm("from"), from),
			ast.Item(ast.InternedTerm("to"), to),
			ast.Item(ast.InternedTerm("proto"), proto),
			ast.Item(ast.InternedTerm("port"), port),
		))
	}
	return ast.NewTerm(obj), nil
}

// allowedTerm is the answer to most questions, made once (OPA values are
// not changed once built).
var allowedTerm = ast.NewTerm(verdictValue(netpath.Verdict{Verdict: netpath.Allowed}))

func positionImpl(bctx rego.BuiltinContext, from *ast.Term) (*ast.Term, error) {
	e, err := networkOf(bctx, positionName)
	if err != nil {
		return nil, err
	}
	id, err := stringArg(positionName, "from", from)
	if err != nil {
		return nil, err
	}
	p, err := e.Position(id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", positionName, err)
	}
	return ast.StringTerm(p), nil
}

func classImpl(bctx rego.BuiltinContext, from *ast.Term) (*ast.Term, error) {
	e, err := networkOf(bctx, className)
	if err != nil {
		return nil, err
	}
	id, err := stringArg(className, "from", from)
	if err != nil {
		return nil, err
	}
	c, err := e.Class(id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", className, err)
	}
	return ast.StringTerm(c), nil
}

func replaceWordsImpl(_ rego.BuiltinContext, x, pairs *ast.Term) (*ast.Term, error) {
	arr, ok := pairs.Value.(*ast.Array)
	if !ok {
		return nil, fmt.Errorf("%s: pairs: want an array, have %s", replaceWordsName, ast.ValueName(pairs.Value))
	}
	var olds, news []string
	for i := range arr.Len() {
		p, ok := arr.Elem(i).Value.(*ast.Array)
		if !ok || p.Len() != 2 {
			return nil, fmt.Errorf("%s: pairs[%d]: want [old, new]", replaceWordsName, i)
		}
		o, ok1 := p.Elem(0).Value.(ast.String)
		n, ok2 := p.Elem(1).Value.(ast.String)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s: pairs[%d]: want two strings", replaceWordsName, i)
		}
		olds, news = append(olds, string(o)), append(news, string(n))
	}
	rewrite := func(s string) string {
		for i := range olds {
			s = replaceWord(s, olds[i], news[i])
		}
		return s
	}
	return mapStrings(x, rewrite), nil
}

// mapStrings returns t with f applied to every string it holds, object
// keys included; what f leaves unchanged is shared, not copied.
func mapStrings(t *ast.Term, f func(string) string) *ast.Term {
	switch x := t.Value.(type) {
	case ast.String:
		if s := f(string(x)); s != string(x) {
			return ast.StringTerm(s)
		}
	case *ast.Array:
		var terms []*ast.Term
		for i := range x.Len() {
			e := x.Elem(i)
			if m := mapStrings(e, f); m != e && terms == nil {
				terms = make([]*ast.Term, x.Len())
				for j := range i {
					terms[j] = x.Elem(j)
				}
				terms[i] = m
			} else if terms != nil {
				terms[i] = m
			}
		}
		if terms != nil {
			return ast.ArrayTerm(terms...)
		}
	case ast.Set:
		changed := false
		terms := make([]*ast.Term, 0, x.Len())
		x.Foreach(func(e *ast.Term) {
			m := mapStrings(e, f)
			changed = changed || m != e
			terms = append(terms, m)
		})
		if changed {
			return ast.SetTerm(terms...)
		}
	case ast.Object:
		changed := false
		items := make([][2]*ast.Term, 0, x.Len())
		x.Foreach(func(k, v *ast.Term) {
			mk, mv := mapStrings(k, f), mapStrings(v, f)
			changed = changed || mk != k || mv != v
			items = append(items, ast.Item(mk, mv))
		})
		if changed {
			return ast.ObjectTerm(items...)
		}
	}
	return t
}

// replaceWord replaces in s every occurrence of old that begins and ends
// at a word boundary (as regexp's \b: between a word character
// [0-9A-Za-z_] and a non-word one, or the text's edge) by new, leftmost
// first and without overlap, as regexp.ReplaceAllString with
// `\b`+QuoteMeta(old)+`\b` would.
func replaceWord(s, old, new string) string {
	if old == "" || !strings.Contains(s, old) {
		return s
	}
	word := func(i int) bool {
		if i < 0 || i >= len(s) {
			return false
		}
		c := s[i]
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	boundary := func(i int) bool { return word(i-1) != word(i) }
	var b strings.Builder
	last := 0
	for i := 0; i+len(old) <= len(s); {
		j := strings.Index(s[i:], old)
		if j < 0 {
			break
		}
		at := i + j
		if boundary(at) && boundary(at+len(old)) {
			b.WriteString(s[last:at])
			b.WriteString(new)
			last = at + len(old)
			i = last
			continue
		}
		i = at + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// verdictValue builds the builtin's result object directly, without a
// JSON round trip: it is called once per question, tens of thousands of
// times per evaluation. The path is left out — no rule reads it, and
// `pdr-audit reach` shows it.
func verdictValue(v netpath.Verdict) ast.Object {
	blocked := ast.NullTerm()
	if b := v.BlockedBy; b != nil {
		blocked = ast.ObjectTerm(
			ast.Item(ast.InternedTerm("id"), ast.StringTerm(b.ID)),
			ast.Item(ast.InternedTerm("kind"), ast.InternedTerm(b.Kind)),
			ast.Item(ast.InternedTerm("direction"), ast.InternedTerm(b.Direction)),
			ast.Item(ast.InternedTerm("rule"), ast.StringTerm(b.Rule)),
			ast.Item(ast.InternedTerm("reason"), ast.StringTerm(b.Reason)),
		)
	}
	missing := make([]*ast.Term, len(v.Missing))
	for i, m := range v.Missing {
		missing[i] = ast.StringTerm(m)
	}
	return ast.NewObject(
		ast.Item(ast.InternedTerm("verdict"), ast.InternedTerm(v.Verdict)),
		ast.Item(ast.InternedTerm("blocked_by"), blocked),
		ast.Item(ast.InternedTerm("missing"), ast.ArrayTerm(missing...)),
	)
}

// regoBuiltins are the options that give a rego.Rego the product's
// builtins.
func regoBuiltins() []func(*rego.Rego) {
	return []func(*rego.Rego){
		rego.Function4(reachDecl, reachImpl), rego.Function1(positionDecl, positionImpl),
		rego.Function1(classDecl, classImpl), rego.Function2(replaceWordsDecl, replaceWordsImpl),
	}
}

// testerBuiltins are the same builtins for Rego unit tests.
func testerBuiltins() []*tester.Builtin {
	decls := builtinDecls()
	return []*tester.Builtin{
		{Decl: decls[reachName], Func: rego.Function4(reachDecl, reachImpl)},
		{Decl: decls[positionName], Func: rego.Function1(positionDecl, positionImpl)},
		{Decl: decls[className], Func: rego.Function1(classDecl, classImpl)},
		{Decl: decls[replaceWordsName], Func: rego.Function2(replaceWordsDecl, replaceWordsImpl)},
	}
}
