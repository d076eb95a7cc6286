package policy_test

import (
	"bytes"
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/policy"
	"github.com/pdr-audit/pdr-audit/policies"
)

// catalogIDs are the rule ids of PDR-REQUIREMENTS.md's catalog.
var catalogIDs = []string{
	"PDR-AG-001", "PDR-AG-002",
	"PDR-COV-001",
	"PDR-OS-001", "PDR-OS-002",
	"PDR-SSM-001", "PDR-SSM-002", "PDR-SSM-003",
	"PDR-TM-001", "PDR-TM-002", "PDR-TM-003", "PDR-TM-004", "PDR-TM-005",
}

// remediations is the closed set of remediation actions a rule may name.
var remediations = []string{
	"deploy-appliance",
	"add-security-group-rules",
	"add-network-acl-entries",
	"create-ssm-endpoints",
	"attach-ssm-policy",
	"associate-instance-profile",
	"manual",
}

func TestRegoFilesAreFormatted(t *testing.T) {
	n := 0
	err := fs.WalkDir(policies.FS, "pdr", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		n++
		src, err := policies.FS.ReadFile(p)
		if err != nil {
			return err
		}
		got, err := format.SourceWithOpts(p, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if !bytes.Equal(got, src) {
			t.Errorf("policies/%s is not formatted as opa fmt prints it", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no Rego file found in the embedded bundle")
	}
}

func TestRegoUnitTests(t *testing.T) {
	for _, profile := range policy.Profiles {
		t.Run(profile, func(t *testing.T) {
			var buf bytes.Buffer
			sum, err := policy.Test(context.Background(), nil, profile, false, &buf)
			if err != nil {
				t.Fatalf("run the Rego tests: %v", err)
			}
			if sum.Failed+sum.Errored > 0 {
				t.Errorf("%d Rego tests failed and %d errored under %s:\n%s", sum.Failed, sum.Errored, profile, buf.String())
			}
			if sum.Passed == 0 {
				t.Errorf("no Rego test ran:\n%s", buf.String())
			}
		})
	}
}

func TestCatalogMetadata(t *testing.T) {
	e, err := policy.New(context.Background(), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := e.Rules()
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			t.Errorf("rule id %s is defined twice", r.ID)
		}
		seen[r.ID] = true
		if !r.BuiltIn {
			t.Errorf("%s is not part of the embedded catalog", r.ID)
		}
		if _, err := finding.ParseSeverity(r.Severity); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
		if !slices.Contains(remediations, r.Remediation) {
			t.Errorf("%s names remediation %q, which is not one of %s", r.ID, r.Remediation, strings.Join(remediations, ", "))
		}
		if !slices.Contains(policy.ResourceKinds, r.ResourceKind) {
			t.Errorf("%s reports on %q, which is not a resource kind", r.ID, r.ResourceKind)
		}
		if !strings.HasPrefix(r.Package, "data.pdr.") || !strings.HasPrefix(r.File, "policies/pdr/") {
			t.Errorf("%s lives in %s (%s), not under package pdr", r.ID, r.Package, r.File)
		}
		if len(r.Help) < 200 {
			t.Errorf("%s: the help text is too short to help anyone (%d bytes)", r.ID, len(r.Help))
		}
	}
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, catalogIDs) {
		t.Errorf("the catalog implements %v, want exactly %v", ids, catalogIDs)
	}
}

// TestCatalogSeverities pins the severities of PDR-REQUIREMENTS.md's table.
func TestCatalogSeverities(t *testing.T) {
	want := map[string]string{
		"PDR-TM-001": "high", "PDR-TM-002": "high", "PDR-TM-003": "high", "PDR-TM-004": "medium", "PDR-TM-005": "low",
		"PDR-AG-001": "high", "PDR-AG-002": "medium",
		"PDR-SSM-001": "high", "PDR-SSM-002": "high", "PDR-SSM-003": "medium",
		"PDR-OS-001": "high", "PDR-OS-002": "high", "PDR-COV-001": "high",
	}
	kinds := map[string]string{
		"PDR-TM-001": "vpc", "PDR-TM-002": "vpc-az", "PDR-TM-003": "appliance", "PDR-TM-004": "appliance",
		"PDR-TM-005": "appliance", "PDR-AG-001": "monitored-instance", "PDR-AG-002": "monitored-instance",
		"PDR-SSM-001": "monitored-instance", "PDR-SSM-002": "monitored-instance", "PDR-SSM-003": "monitored-instance",
		"PDR-OS-001": "monitored-instance", "PDR-OS-002": "monitored-linux-instance", "PDR-COV-001": "api",
	}
	e, err := policy.New(context.Background(), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rules() {
		if r.Severity != want[r.ID] {
			t.Errorf("%s has severity %s, want %s", r.ID, r.Severity, want[r.ID])
		}
		if r.ResourceKind != kinds[r.ID] {
			t.Errorf("%s reports on %s, want %s", r.ID, r.ResourceKind, kinds[r.ID])
		}
	}
}
