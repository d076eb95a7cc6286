package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// baselineSection is what the tests read of the JSON report's baseline.
type baselineSection struct {
	Baseline *struct {
		File   string `json:"file"`
		Counts struct {
			New       int `json:"new"`
			Unchanged int `json:"unchanged"`
			Resolved  int `json:"resolved"`
		} `json:"counts"`
		New []struct {
			Key string `json:"key"`
		} `json:"new"`
		Resolved []struct {
			Key    string `json:"key"`
			Status string `json:"status"`
		} `json:"resolved"`
	} `json:"baseline"`
}

func fakeKey(vpc string) string { return "TEST-FAKE-001|" + testAccount + "|us-east-1|" + vpc }

// An earlier audit found vpc-00000001 and vpc-00000003 failing; now
// vpc-00000001 is fixed, vpc-00000002 fails for the first time and
// vpc-00000003 still fails: one resolved, one new, one unchanged, in
// every report that shows them.
func TestAuditMarksResultsAgainstABaseline(t *testing.T) {
	needEngine(t)
	dir := t.TempDir()
	previous := filepath.Join(dir, "previous.json")
	before := writeTestSnapshot(t, []vpcTags{{"fail", "high"}, {"pass", ""}, {"fail", "low"}})
	if code, _, stderr := runCLI(t, "audit", "--snapshot", before, "--policy", fakePolicies, "--format", "json", "-o", previous); code != ExitFindings {
		t.Fatalf("the first audit exited %d: %s", code, stderr)
	}
	now := writeTestSnapshot(t, []vpcTags{{"pass", ""}, {"fail", "medium"}, {"fail", "low"}})
	sarifFile := filepath.Join(dir, "findings.sarif")
	jsonFile := filepath.Join(dir, "report.json")
	code, table, stderr := runCLI(t, "audit", "--snapshot", now, "--policy", fakePolicies, "--baseline", previous,
		"--format", "table", "--output", "json="+jsonFile, "--output", "sarif="+sarifFile)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitFindings, stderr)
	}

	b, _ := os.ReadFile(jsonFile)
	var rep baselineSection
	if err := json.Unmarshal(b, &rep); err != nil || rep.Baseline == nil {
		t.Fatalf("the JSON report has no baseline section: %v", err)
	}
	bl := rep.Baseline
	if bl.File != previous || bl.Counts.New != 1 || bl.Counts.Unchanged != 1 || bl.Counts.Resolved != 1 {
		t.Errorf("baseline file %q, counts %+v; want %s and one of each", bl.File, bl.Counts, previous)
	}
	if len(bl.New) != 1 || bl.New[0].Key != fakeKey("vpc-00000002") {
		t.Errorf("new = %+v, want only %s", bl.New, fakeKey("vpc-00000002"))
	}
	if len(bl.Resolved) != 1 || bl.Resolved[0].Key != fakeKey("vpc-00000001") || bl.Resolved[0].Status != "pass" {
		t.Errorf("resolved = %+v, want only %s, now pass", bl.Resolved, fakeKey("vpc-00000001"))
	}

	for _, want := range []string{
		"BASELINE",
		"against baseline " + previous + ": 1 new, 1 unchanged, 1 resolved",
		"resolved: TEST-FAKE-001 vpc-00000001 " + testAccount + "/us-east-1 (was fail, now pass)",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	for _, line := range strings.Split(table, "\n") {
		switch {
		case strings.Contains(line, "vpc-00000002") && !strings.Contains(line, " new "):
			t.Errorf("vpc-00000002's row is not marked new: %q", line)
		case strings.Contains(line, "vpc-00000003") && !strings.Contains(line, " unchanged "):
			t.Errorf("vpc-00000003's row is not marked unchanged: %q", line)
		}
	}

	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID        string         `json:"ruleId"`
				BaselineState string         `json:"baselineState"`
				Properties    map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	b, _ = os.ReadFile(sarifFile)
	if err := json.Unmarshal(b, &sarif); err != nil || len(sarif.Runs) != 1 {
		t.Fatalf("SARIF: %v", err)
	}
	got := map[string]string{}
	for _, r := range sarif.Runs[0].Results {
		if r.RuleID == "TEST-FAKE-001" {
			got[r.Properties["pdrAudit/resourceId"].(string)] = r.BaselineState
		}
	}
	want := map[string]string{"vpc-00000002": "new", "vpc-00000003": "unchanged"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SARIF baselineState by resource (-want +got):\n%s", diff)
	}
}

// --fail-on new exits 3 only for a fail or error result that is new,
// whatever its severity; failures already in the baseline do not gate.
func TestAuditFailOnNewGatesOnlyOnRegressions(t *testing.T) {
	needEngine(t)
	dir := t.TempDir()
	previous := filepath.Join(dir, "previous.json")
	before := writeTestSnapshot(t, []vpcTags{{"fail", "critical"}, {"pass", ""}})
	if code, _, stderr := runCLI(t, "audit", "--snapshot", before, "--policy", fakePolicies, "--format", "json", "-o", previous); code != ExitFindings {
		t.Fatalf("the first audit exited %d: %s", code, stderr)
	}
	tests := []struct {
		name string
		vpcs []vpcTags
		want int
	}{
		{"an unchanged critical failure does not gate", []vpcTags{{"fail", "critical"}, {"pass", ""}}, ExitOK},
		{"a fixed failure does not gate", []vpcTags{{"pass", ""}, {"pass", ""}}, ExitOK},
		{"a new info failure gates", []vpcTags{{"fail", "critical"}, {"fail", "info"}}, ExitFindings},
		{"a new error gates", []vpcTags{{"pass", ""}, {"error", ""}}, ExitFindings},
		{"a new unknown result does not gate", []vpcTags{{"fail", "critical"}, {"unknown", ""}}, ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := writeTestSnapshot(t, tt.vpcs)
			code, _, stderr := runCLI(t, "audit", "--snapshot", snap, "--policy", fakePolicies, "--format", "json",
				"--baseline", previous, "--fail-on", "new")
			if code != tt.want {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.want, stderr)
			}
		})
	}
}

func TestAuditRefusesABadBaselineInOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v2 := write("v2.json", `{"format_version": "2", "results": []}`)
	snapshot := write("snapshot.json", `{"schema_version": "1", "accounts": []}`)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"another format_version", []string{"--baseline", v2}, ExitError, "baseline " + v2 + `: format_version "2", this build reads "1"`},
		{"a snapshot instead of a report", []string{"--baseline", snapshot}, ExitError, "baseline " + snapshot + ": no format_version"},
		{"a missing file", []string{"--baseline", filepath.Join(dir, "none.json")}, ExitError, "read baseline:"},
		{"--fail-on new without a baseline", []string{"--fail-on", "new"}, ExitUsage, "--fail-on new compares with an earlier report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := writeTestSnapshot(t, []vpcTags{{"pass", ""}})
			args := append([]string{"audit", "--snapshot", snap, "--policy", fakePolicies}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.code || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and no report", code, stdout, tt.code)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}
