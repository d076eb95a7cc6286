package policy

import (
	"context"
	"fmt"

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

func builtinDecls() map[string]*ast.Builtin {
	return map[string]*ast.Builtin{reachName: {Name: reachName, Decl: reachDecl.Decl}}
}

type engineKey struct{}

// withNetwork makes the netpath engine of the snapshot being evaluated
// available to pdr.net.reach.
func withNetwork(ctx context.Context, e *netpath.Engine) context.Context {
	return context.WithValue(ctx, engineKey{}, e)
}

func reachImpl(bctx rego.BuiltinContext, from, to, proto, port *ast.Term) (*ast.Term, error) {
	e, _ := bctx.Context.Value(engineKey{}).(*netpath.Engine)
	if e == nil {
		return nil, fmt.Errorf("%s: no snapshot is being evaluated (in Rego tests, mock it: with %s as ...)", reachName, reachName)
	}
	var q netpath.Query
	if err := ast.As(from.Value, &q.From); err != nil {
		return nil, fmt.Errorf("%s: from: %w", reachName, err)
	}
	if err := ast.As(to.Value, &q.To); err != nil {
		return nil, fmt.Errorf("%s: to: %w", reachName, err)
	}
	if err := ast.As(proto.Value, &q.Proto); err != nil {
		return nil, fmt.Errorf("%s: proto: %w", reachName, err)
	}
	if err := ast.As(port.Value, &q.Port); err != nil {
		return nil, fmt.Errorf("%s: port: %w", reachName, err)
	}
	v := verdictValue(e.Reach(q))
	if obj, ok := v.(ast.Object); ok && obj.Get(ast.InternedTerm("verdict")).Value.Compare(ast.String(netpath.Allowed)) != 0 {
		// A path that is not allowed carries its question, so a result
		// can say which paths a remediation must open (blocked_paths).
		obj.Insert(ast.InternedTerm("query"), ast.ObjectTerm(
			ast.Item(ast.InternedTerm("from"), from),
			ast.Item(ast.InternedTerm("to"), to),
			ast.Item(ast.InternedTerm("proto"), proto),
			ast.Item(ast.InternedTerm("port"), port),
		))
	}
	return ast.NewTerm(v), nil
}

// verdictValue builds the builtin's result object directly, without a
// JSON round trip: it is called once per question, tens of thousands of
// times per evaluation. The path is left out — no rule reads it, and
// `pdr-audit reach` shows it.
func verdictValue(v netpath.Verdict) ast.Value {
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
	return []func(*rego.Rego){rego.Function4(reachDecl, reachImpl)}
}

// testerBuiltins are the same builtins for Rego unit tests.
func testerBuiltins() []*tester.Builtin {
	return []*tester.Builtin{{Decl: builtinDecls()[reachName], Func: rego.Function4(reachDecl, reachImpl)}}
}
