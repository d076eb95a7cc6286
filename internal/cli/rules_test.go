package cli

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/policy"
)

func TestRulesListShowsTheCatalogAndUserRules(t *testing.T) {
	needEngine(t)
	code, stdout, stderr := runCLI(t, "rules", "list", "--policy", fakePolicies)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "SEVERITY") || !strings.Contains(lines[0], "REMEDIATION") {
		t.Errorf("header = %q", lines[0])
	}
	var fake string
	for _, l := range lines {
		if strings.HasPrefix(l, "TEST-FAKE-001") {
			fake = l
		}
	}
	if fields := strings.Fields(fake); len(fields) < 4 || fields[1] != "high" || fields[2] != "vpc" || fields[len(fields)-1] != "manual" {
		t.Errorf("TEST-FAKE-001 line = %q, want its severity, kind, title and remediation", fake)
	}

	code, stdout, stderr = runCLI(t, "rules", "list", "--policy", fakePolicies, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rules []policy.Rule
	if err := json.Unmarshal([]byte(stdout), &rules); err != nil {
		t.Fatalf("rules list --format json is not a JSON list of rules: %v", err)
	}
	if len(rules) != len(lines)-1 {
		t.Errorf("json lists %d rules, the table %d", len(rules), len(lines)-1)
	}
	for _, r := range rules {
		if r.ID == "TEST-FAKE-001" && (r.BuiltIn || r.Help == "" || r.ResourceKind != "vpc") {
			t.Errorf("TEST-FAKE-001 = %+v", r)
		}
		if strings.HasPrefix(r.ID, "PDR-") && !r.BuiltIn {
			t.Errorf("%s is not marked built in", r.ID)
		}
	}
}

func TestRulesShow(t *testing.T) {
	needEngine(t)
	code, stdout, stderr := runCLI(t, "rules", "show", "test-fake-001", "--policy", fakePolicies)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"TEST-FAKE-001  Test rule driven by VPC tags",
		"severity:       high",
		"resource kind:  vpc",
		"remediation:    manual",
		"package:        data.test.fake",
		"(--policy)",
		"Reports each VPC tagged test:status",
		"Used by internal/cli's tests",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("rules show has no %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "rules", "show", "TEST-FAKE-001", "--policy", fakePolicies, "--format", "json")
	var r policy.Rule
	if err := json.Unmarshal([]byte(stdout), &r); code != ExitOK || err != nil || r.ID != "TEST-FAKE-001" {
		t.Errorf("rules show --format json: exit %d, %v, %+v", code, err, r)
	}
}

func TestRulesUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		engine bool
		want   string
	}{
		{"show needs an id", []string{"rules", "show"}, false, "accepts 1 arg(s), received 0"},
		{"show of an unknown id lists the catalog", []string{"rules", "show", "PDR-XX-999"}, true, `no rule "PDR-XX-999" (the catalog has PDR-`},
		{"list refuses an unknown format", []string{"rules", "list", "--format", "xml"}, false, `--format: unknown format "xml" (valid formats: json, table)`},
		{"test refuses an unknown profile", []string{"rules", "test", "--profile", "pdr-1999"}, false, `--profile: unknown profile "pdr-1999"`},
		{"an unknown subcommand is refused", []string{"rules", "lint"}, false, `unknown command "lint" for "pdr-audit rules"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.engine {
				needEngine(t)
			}
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != ExitUsage || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, stdout, ExitUsage)
			}
			assertOneErrorLine(t, stderr, tt.want)
		})
	}
}

// catalogTestsPass skips the test when the built-in catalog's own Rego
// tests do not pass (yet): rules test would fail for reasons not its own.
func catalogTestsPass(t *testing.T) {
	t.Helper()
	sum, err := policy.Test(context.Background(), nil, "", false, io.Discard)
	if err != nil || sum.Failed+sum.Errored > 0 {
		t.Skipf("the built-in catalog's Rego tests do not pass (%+v, %v)", sum, err)
	}
}

func TestRulesTest(t *testing.T) {
	catalogTestsPass(t)
	t.Run("passing user tests exit 0 and print the summary", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "rules", "test", fakePolicies, "-v")
		if code != ExitOK || stderr != "" {
			t.Errorf("exit %d, stderr %q; want 0 and nothing", code, stderr)
		}
		for _, want := range []string{"PASS  data.test.fake_test.test_a_tagged_vpc_gets_its_status", " passed, 0 failed\n"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout has no %q:\n%s", want, stdout)
			}
		}
	})
	t.Run("a failing user test exits 1 and is named", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "rules", "test", "testdata/failing-rego", "--profile", "pdr-2020-03")
		if code != ExitError {
			t.Errorf("exit %d, want %d", code, ExitError)
		}
		if !strings.Contains(stdout, "FAIL  data.test.failing_test.test_arithmetic_is_broken (testdata/failing-rego/failing_test.rego:5)") ||
			!strings.Contains(stdout, " passed, 1 failed\n") {
			t.Errorf("stdout does not name the failing test and count it:\n%s", stdout)
		}
		assertOneErrorLine(t, stderr, "1 of ")
	})
}
