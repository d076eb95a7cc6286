package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

func res(rule, resource string, s finding.Status) finding.Result {
	return finding.Result{RuleID: rule, Account: "111122223333", Region: "eu-west-1", ResourceID: resource,
		Status: s, Severity: finding.High}
}

// A fixed finding is resolved, a first failure is new, a lasting one is
// unchanged, a resource gone is resolved as absent, and a lasting failure
// whose status changed is SARIF's "updated".
func TestNewBaselineComparesByRuleAndResource(t *testing.T) {
	prev := &Previous{File: "previous.json", Results: []finding.Result{
		res("R1", "fixed", finding.Fail),
		res("R1", "still", finding.Fail),
		res("R1", "regressed", finding.Pass),
		res("R1", "gone", finding.Error),
		res("R1", "now-errs", finding.Unknown),
		res("R2", "clean", finding.Pass),
	}}
	now := []finding.Result{
		res("R1", "fixed", finding.Pass),
		res("R1", "still", finding.Fail),
		res("R1", "regressed", finding.Fail),
		res("R1", "now-errs", finding.Error),
		res("R1", "first-seen", finding.Waived),
		res("R2", "clean", finding.Pass),
	}
	b := NewBaseline(prev, now)
	states := map[string]string{}
	sarif := map[string]string{}
	for _, r := range now {
		states[r.ResourceID] = string(b.State(r))
		sarif[r.ResourceID] = b.SARIFBaselineState(r)
	}
	wantStates := map[string]string{"fixed": "resolved", "still": "unchanged", "regressed": "new",
		"now-errs": "unchanged", "first-seen": "new", "clean": ""}
	if diff := cmp.Diff(wantStates, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	wantSARIF := map[string]string{"fixed": "absent", "still": "unchanged", "regressed": "new",
		"now-errs": "updated", "first-seen": "new", "clean": ""}
	if diff := cmp.Diff(wantSARIF, sarif); diff != "" {
		t.Errorf("SARIF states (-want +got):\n%s", diff)
	}
	if want := (BaselineCounts{New: 2, Unchanged: 2, Resolved: 2}); b.Counts != want {
		t.Errorf("counts %+v, want %+v", b.Counts, want)
	}
	var resolved []string
	for _, e := range b.Resolved {
		resolved = append(resolved, e.ResourceID+"="+e.Status+"<"+string(e.Previous))
	}
	if diff := cmp.Diff([]string{"fixed=pass<fail", "gone=absent<error"}, resolved); diff != "" {
		t.Errorf("resolved (-want +got):\n%s", diff)
	}
	if n := b.NewFailures(now); n != 1 {
		t.Errorf("NewFailures = %d, want 1 (the waived first-seen result does not count)", n)
	}
}

func TestNoBaselineMarksNothing(t *testing.T) {
	var b *Baseline
	r := res("R1", "x", finding.Fail)
	if b.State(r) != "" || b.SARIFBaselineState(r) != "" {
		t.Error("a nil baseline marked a result")
	}
}

func TestParseBaselineRefusesOtherShapes(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"not JSON", "table output\n", "baseline f.json: not a JSON report"},
		{"another version", `{"format_version":"2","results":[]}`, `baseline f.json: format_version "2", this build reads "1"`},
		{"no version", `{"results":[]}`, "baseline f.json: no format_version"},
		{"no results", `{"format_version":"1"}`, "baseline f.json: no results array"},
		{"a result without a rule", `{"format_version":"1","results":[{"status":"fail"}]}`, "baseline f.json: result 1 has no rule_id"},
		{"an unknown status", `{"format_version":"1","results":[{"rule_id":"R","status":"bad"}]}`, `unknown status "bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBaseline("f.json", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line containing %q", err, tt.want)
			}
		})
	}
	p, err := ParseBaseline("f.json", []byte(`{"format_version":"1","generated_at":"2026-11-24T12:00:00Z","results":[{"rule_id":"R","status":"fail"}]}`))
	if err != nil || len(p.Results) != 1 || p.GeneratedAt.IsZero() {
		t.Errorf("a valid report: %+v, %v", p, err)
	}
}

// The demo estate's SARIF against a baseline where one failure was
// passing and one was failing differently still validates against the
// SARIF 2.1.0 schema, with baselineState on its results.
func TestSARIFWithABaselineValidatesAgainstTheSchema(t *testing.T) {
	r := estateReport(t, "audit-demo-pdr-2020-03")
	prev := &Previous{File: "previous.json", Results: slices.Clone(r.Results)}
	changed := 0
	for i, res := range prev.Results {
		if res.Status == finding.Fail && changed == 0 {
			prev.Results[i].Status = finding.Pass // a new failure now
			changed++
		} else if res.Status == finding.Fail && changed == 1 {
			prev.Results[i].Status = finding.Error // updated
			changed++
		}
	}
	r.Baseline = NewBaseline(prev, r.Results)
	b, _ := writeFormat(t, "sarif", r)
	validateSARIF(t, "demo.sarif", b)
	states := map[string]int{}
	for _, s := range []string{"new", "unchanged", "updated"} {
		states[s] = strings.Count(string(b), `"baselineState": "`+s+`"`)
	}
	if states["new"] != 1 || states["updated"] != 1 || states["unchanged"] == 0 {
		t.Errorf("baselineState counts %v; want 1 new, 1 updated, the rest unchanged", states)
	}
}
