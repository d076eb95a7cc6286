package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// writePolicy writes a user policy directory with one rule file.
func writePolicy(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const userRuleHeader = `# METADATA
# title: Every VPC has a Name tag
# description: A user's own rule.
# custom:
#   id: ACME-VPC-001
#   severity: low
#   resource_kind: vpc
#   remediation: manual
#   help: Tag it.
package acme.vpc.named

import rego.v1
`

func snapshotWithVPCs(ids ...string) *model.Snapshot {
	r := model.Region{Name: "eu-west-1"}
	for _, id := range ids {
		r.VPCs = append(r.VPCs, model.VPC{ID: id, Tags: model.Tags{}})
	}
	return &model.Snapshot{SchemaVersion: model.SchemaVersion, Accounts: []model.Account{{ID: "111122223333", Regions: []model.Region{r}}}}
}

func userResults(rs []finding.Result) []finding.Result {
	var out []finding.Result
	for _, r := range rs {
		if strings.HasPrefix(r.RuleID, "ACME-") {
			out = append(out, r)
		}
	}
	return out
}

func TestAUserRuleIsLoadedWithItsMetadataAndEvaluated(t *testing.T) {
	dir := writePolicy(t, map[string]string{"named.rego": userRuleHeader + `
results contains {"resource_id": vpc.id, "resource_type": "vpc", "account": acct.id, "region": region.name, "status": status, "message": "checked"} if {
	some acct in input.accounts
	some region in acct.regions
	some vpc in region.vpcs
	status := "fail"
}
`})
	e, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var rule *Rule
	for _, r := range e.Rules() {
		if r.ID == "ACME-VPC-001" {
			rule = &r
		}
	}
	if rule == nil || rule.BuiltIn || rule.Severity != "low" || rule.Title != "Every VPC has a Name tag" {
		t.Fatalf("user rule = %+v", rule)
	}
	rs, err := e.Evaluate(context.Background(), snapshotWithVPCs("vpc-b", "vpc-a"))
	if err != nil {
		t.Fatal(err)
	}
	got := userResults(rs)
	if len(got) != 2 || got[0].ResourceID != "vpc-a" || got[1].ResourceID != "vpc-b" || got[0].Status != finding.Fail || got[0].Severity != finding.Low {
		t.Errorf("results = %+v, want a sorted low-severity fail per VPC", got)
	}
}

func TestARuleThatErrorsYieldsErrorResultsAndTheRunGoesOn(t *testing.T) {
	// Dividing by zero at evaluation time is a runtime error in Rego with
	// strict builtin errors.
	dir := writePolicy(t, map[string]string{"broken.rego": userRuleHeader + `
results contains {"resource_id": "x", "resource_type": "vpc", "account": "a", "region": "r", "status": "pass", "message": sprintf("%d", [1 / count(input.gaps)])} if {
	true
}
`})
	e, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.Evaluate(context.Background(), snapshotWithVPCs("vpc-a"))
	if err != nil {
		t.Fatalf("a failing rule stopped the run: %v", err)
	}
	got := userResults(rs)
	if len(got) == 0 {
		t.Fatal("the erroring rule produced no result")
	}
	for _, r := range got {
		if r.Status != finding.Error || !strings.Contains(r.Message, "the check failed") {
			t.Errorf("result %+v, want status error", r)
		}
	}
}

func TestBadPoliciesAreRefusedWithTheFileAndTheProblem(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"a syntax error", userRuleHeader + "results contains x if {", "named.rego"},
		{"an unused variable (strict mode)", userRuleHeader + "results contains {\"resource_id\": \"x\"} if {\n\tunused := 1\n}\n", "unused"},
		{"a severity that does not exist", strings.Replace(userRuleHeader, "severity: low", "severity: urgent", 1) + "results := set()\n", "severity"},
		{"a resource kind that does not exist", strings.Replace(userRuleHeader, "resource_kind: vpc", "resource_kind: lambda", 1) + "results := set()\n", "resource_kind"},
		{"a rule id the catalog already has", strings.Replace(userRuleHeader, "ACME-VPC-001", "PDR-TM-001", 1) + "results := set()\n", "PDR-TM-001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePolicy(t, map[string]string{"named.rego": tt.text})
			_, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
			if err == nil {
				t.Fatal("the bad policy was accepted")
			}
			if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a policy error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestUnknownProfileAndDatacenterAreRefused(t *testing.T) {
	if _, err := New(context.Background(), Options{Profile: "pdr-1999-01"}); err == nil || !strings.Contains(err.Error(), "pdr-2018-10") {
		t.Errorf("unknown profile: err = %v, want the list of profiles", err)
	}
	if _, err := New(context.Background(), Options{Datacenter: "ap"}); err == nil {
		t.Error("unknown datacenter accepted")
	}
}

// Every catalog rule has a heading in policies/README.md: SARIF reports
// link to it (helpUri …/policies/README.md#<rule-id>).
func TestEveryRuleHasAnAnchorInThePoliciesREADME(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "policies", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rules() {
		if r.BuiltIn && !strings.Contains(string(b), "\n### "+r.ID+"\n") {
			t.Errorf("policies/README.md has no heading ### %s", r.ID)
		}
	}
}
