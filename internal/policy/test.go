package policy

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestSummary counts the Rego tests a run executed.
type TestSummary struct {
	Passed, Failed, Errored, Skipped int
}

// Test runs the Rego unit tests (test_* rules in *_test.rego files) of the
// embedded catalog and of dirs, the way `opa test` does, with the product's
// builtins and the given profile's data in the store, and writes one line
// per failing test (every test with verbose) and a summary to w.
func Test(ctx context.Context, dirs []string, profile string, verbose bool, w io.Writer) (TestSummary, error) {
	var sum TestSummary
	if profile == "" {
		profile = DefaultProfile
	}
	srcs, err := readSources(dirs, true)
	if err != nil {
		return sum, err
	}
	modules, _, err := parse(srcs)
	if err != nil {
		return sum, err
	}
	prof, err := profileData(profile)
	if err != nil {
		return sum, err
	}
	data, err := toPlain(map[string]any{"profile": prof, "config": map[string]any{"datacenter": "us"}})
	if err != nil {
		return sum, err
	}
	compiler := ast.NewCompiler().WithStrict(true).WithBuiltins(builtinDecls()).WithEnablePrintStatements(true)
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(inmem.NewFromObject(data)).
		AddCustomBuiltins(testerBuiltins()).
		SetTimeout(time.Minute).
		SetDefaultRegoVersion(ast.RegoV1)
	ch, err := runner.Run(ctx, modules)
	if err != nil {
		return sum, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	var lines []string
	for r := range ch {
		name := r.Package + "." + r.Name
		switch {
		case r.Error != nil:
			sum.Errored++
			lines = append(lines, fmt.Sprintf("ERROR %s (%s): %s", name, r.Location, strings.Join(strings.Fields(r.Error.Error()), " ")))
		case r.Skip:
			sum.Skipped++
			if verbose {
				lines = append(lines, "SKIP  "+name)
			}
		case r.Fail:
			sum.Failed++
			lines = append(lines, fmt.Sprintf("FAIL  %s (%s)", name, r.Location))
		default:
			sum.Passed++
			if verbose {
				lines = append(lines, "PASS  "+name)
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", sum.Passed, sum.Failed+sum.Errored)
	return sum, nil
}
