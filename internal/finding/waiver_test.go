package finding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGlobMatchesWholeIDsWithStarOnly(t *testing.T) {
	tests := []struct {
		name        string
		pattern, id string
		want        bool
	}{
		{"an exact id matches itself", "i-0abc", "i-0abc", true},
		{"an exact id does not match a longer id (no prefix matching)", "i-0abc", "i-0abcdef", false},
		{"an exact id does not match a shorter id", "i-0abcdef", "i-0abc", false},
		{"a trailing star matches the rest", "i-0abc*", "i-0abcdef", true},
		{"a trailing star matches nothing too", "i-0abc*", "i-0abc", true},
		{"a leading star matches a prefix", "*/us-east-1a", "vpc-1/us-east-1a", true},
		{"a star crosses slashes", "111122223333/*", "111122223333/us-west-2/ec2:DescribeNetworkAcls", true},
		{"a middle star must keep both ends", "vpc-*/us-east-1a", "vpc-1/us-east-1b", false},
		{"several stars backtrack", "*a*b*c", "xxaxxbxxbxc", true},
		{"a lone star matches anything", "*", "anything/at:all", true},
		{"a question mark is literal", "i-0ab?", "i-0abc", false},
		{"a question mark matches itself", "i-0ab?", "i-0ab?", true},
		{"brackets are literal", "i-[0-9]", "i-5", false},
		{"a dot is literal", "i.0", "ix0", false},
		{"an empty pattern matches only the empty id", "", "i-0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := globMatch(tt.pattern, tt.id); got != tt.want {
				t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.id, got, tt.want)
			}
		})
	}
}

func res(rule, id string, st Status) Result {
	return Result{RuleID: rule, ResourceID: id, Account: "111122223333", Region: "us-east-1", Status: st, Severity: High}
}

func waiver(entry int, rule, resource, expires string) Waiver {
	return Waiver{Rule: rule, Resource: resource, Reason: "accepted risk", Owner: "netops", Expires: expires, Entry: entry}
}

func TestApplyWaivers(t *testing.T) {
	today := time.Date(2026, 6, 15, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		name    string
		results []Result
		waivers []Waiver
		want    []Status
		report  WaiverReport
	}{
		{
			name:    "an exact unexpired waiver turns fail into waived",
			results: []Result{res("PDR-SSM-001", "i-1", Fail)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-12-31")},
			want:    []Status{Waived},
			report:  WaiverReport{Applied: []WaiverUse{{Waiver: waiver(1, "PDR-SSM-001", "i-1", "2026-12-31"), Results: 1}}},
		},
		{
			name:    "a waiver is in force on its expiry day",
			results: []Result{res("PDR-SSM-001", "i-1", Fail)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-06-15")},
			want:    []Status{Waived},
			report:  WaiverReport{Applied: []WaiverUse{{Waiver: waiver(1, "PDR-SSM-001", "i-1", "2026-06-15"), Results: 1}}},
		},
		{
			name:    "a glob waiver covers every matching resource of its rule only",
			results: []Result{res("PDR-SSM-001", "i-1a", Fail), res("PDR-SSM-001", "i-1b", Fail), res("PDR-SSM-002", "i-1a", Fail), res("PDR-SSM-001", "i-2", Fail)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-1*", "2026-12-31")},
			want:    []Status{Waived, Waived, Fail, Fail},
			report:  WaiverReport{Applied: []WaiverUse{{Waiver: waiver(1, "PDR-SSM-001", "i-1*", "2026-12-31"), Results: 2}}},
		},
		{
			name:    "a waiver without a star does not match by prefix",
			results: []Result{res("PDR-SSM-001", "i-1abc", Fail)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-12-31")},
			want:    []Status{Fail},
			report:  WaiverReport{Unmatched: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-12-31")}},
		},
		{
			name:    "an expired waiver leaves fail and is reported",
			results: []Result{res("PDR-SSM-001", "i-1", Fail)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-06-14")},
			want:    []Status{Fail},
			report:  WaiverReport{Expired: []WaiverUse{{Waiver: waiver(1, "PDR-SSM-001", "i-1", "2026-06-14"), Results: 1}}},
		},
		{
			name:    "unknown and error results are not waivable but keep the waiver from being stale",
			results: []Result{res("PDR-OS-002", "i-1", Unknown), res("PDR-OS-002", "i-2", Error)},
			waivers: []Waiver{waiver(1, "PDR-OS-002", "i-*", "2026-12-31")},
			want:    []Status{Unknown, Error},
		},
		{
			name:    "a waiver that matches only passing results is stale",
			results: []Result{res("PDR-SSM-001", "i-1", Pass)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-12-31")},
			want:    []Status{Pass},
			report:  WaiverReport{Unmatched: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-12-31")}},
		},
		{
			name:    "a waiver that matches nothing is stale",
			results: []Result{res("PDR-SSM-001", "i-1", Fail)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-gone", "2026-12-31"), waiver(2, "PDR-XX-999", "*", "2026-12-31")},
			want:    []Status{Fail},
			report:  WaiverReport{Unmatched: []Waiver{waiver(1, "PDR-SSM-001", "i-gone", "2026-12-31"), waiver(2, "PDR-XX-999", "*", "2026-12-31")}},
		},
		{
			name:    "the first waiver in force wins and an overlapping one still counts as matched",
			results: []Result{res("PDR-SSM-001", "i-1", Fail)},
			waivers: []Waiver{waiver(1, "PDR-SSM-001", "i-1", "2026-06-01"), waiver(2, "PDR-SSM-001", "i-*", "2026-12-31"), waiver(3, "PDR-SSM-001", "*", "2027-12-31")},
			want:    []Status{Waived},
			report: WaiverReport{
				Applied: []WaiverUse{{Waiver: waiver(2, "PDR-SSM-001", "i-*", "2026-12-31"), Results: 1}},
				Expired: []WaiverUse{{Waiver: waiver(1, "PDR-SSM-001", "i-1", "2026-06-01"), Results: 1}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]Result(nil), tt.results...)
			got, report := ApplyWaivers(tt.results, tt.waivers, today)
			if len(got) != len(tt.results) {
				t.Fatalf("got %d results, want %d: a waiver never drops a result", len(got), len(tt.results))
			}
			for i, r := range got {
				if r.Status != tt.want[i] {
					t.Errorf("result %d (%s %s) status = %s, want %s", i, r.RuleID, r.ResourceID, r.Status, tt.want[i])
				}
				if (r.Status == Waived) != (r.Waiver != nil) {
					t.Errorf("result %d: status %s with waiver %+v", i, r.Status, r.Waiver)
				}
			}
			if diff := cmp.Diff(before, tt.results); diff != "" {
				t.Errorf("ApplyWaivers modified its input (-before +after):\n%s", diff)
			}
			want := tt.report
			for _, p := range []*[]WaiverUse{&want.Applied, &want.Expired} {
				if *p == nil {
					*p = []WaiverUse{}
				}
			}
			if want.Unmatched == nil {
				want.Unmatched = []Waiver{}
			}
			if diff := cmp.Diff(want, report); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyWaiversRecordsTheWaiverOnTheResult(t *testing.T) {
	got, _ := ApplyWaivers([]Result{res("PDR-TM-004", "i-9", Fail)},
		[]Waiver{{Rule: "PDR-TM-004", Resource: "i-9", Reason: "lab appliance", Owner: "sec@example.com", Expires: "2030-01-01", Entry: 1}},
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	want := &Applied{Reason: "lab appliance", Owner: "sec@example.com", Expires: "2030-01-01"}
	if diff := cmp.Diff(want, got[0].Waiver); diff != "" {
		t.Errorf("waiver on result (-want +got):\n%s", diff)
	}
}

func TestParseWaivers(t *testing.T) {
	const good = `# accepted
- rule: PDR-SSM-001
  resource: "i-0abc*"
  reason: batch nodes are rebuilt nightly
  owner: ops@example.com
  expires: 2026-12-31
- rule: PDR-TM-004
  resource: i-0def
  reason: lab
  owner: sec
  expires: "2027-01-15"
`
	got, err := ParseWaivers("waivers.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []Waiver{
		{Rule: "PDR-SSM-001", Resource: "i-0abc*", Reason: "batch nodes are rebuilt nightly", Owner: "ops@example.com", Expires: "2026-12-31", Entry: 1, Line: 2},
		{Rule: "PDR-TM-004", Resource: "i-0def", Reason: "lab", Owner: "sec", Expires: "2027-01-15", Entry: 2, Line: 7},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waivers (-want +got):\n%s", diff)
	}
}

func TestParseWaiversRefusesBadFilesNamingEntryAndField(t *testing.T) {
	entry := func(lines ...string) string {
		return "- rule: PDR-SSM-001\n  resource: i-1\n  reason: r\n  owner: o\n  expires: 2026-12-31\n" + strings.Join(lines, "\n") + "\n"
	}
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"an unknown field is named with its line", entry("- rule: PDR-SSM-001", "  resource: i-2", "  reason: r", "  owner: o", "  expires: 2026-12-31", "  approver: bob"),
			"waivers file w.yaml, line 11, waiver 2, field approver: unknown field (a waiver has rule, resource, reason, owner, expires)"},
		{"a missing field is named", "- rule: PDR-SSM-001\n  resource: i-1\n  reason: r\n  expires: 2026-12-31\n",
			"waivers file w.yaml, line 1, waiver 1, field owner: missing"},
		{"an empty reason is refused", "- rule: PDR-SSM-001\n  resource: i-1\n  reason: \"  \"\n  owner: o\n  expires: 2026-12-31\n",
			"waiver 1, field reason: cannot be empty"},
		{"a null owner is refused", "- rule: PDR-SSM-001\n  resource: i-1\n  reason: r\n  owner:\n  expires: 2026-12-31\n",
			"waiver 1, field owner: must be a string, not empty"},
		{"a list where a string belongs is refused", "- rule: PDR-SSM-001\n  resource: [i-1, i-2]\n  reason: r\n  owner: o\n  expires: 2026-12-31\n",
			"line 2, waiver 1, field resource: must be a string, not a list"},
		{"a bad date is refused", "- rule: PDR-SSM-001\n  resource: i-1\n  reason: r\n  owner: o\n  expires: 31/12/2026\n",
			`waiver 1, field expires: "31/12/2026" is not a date of the form YYYY-MM-DD`},
		{"an impossible date is refused", "- rule: PDR-SSM-001\n  resource: i-1\n  reason: r\n  owner: o\n  expires: \"2026-02-30\"\n",
			`field expires: "2026-02-30" is not a date`},
		{"a pattern in rule is refused", "- rule: PDR-SSM-*\n  resource: i-1\n  reason: r\n  owner: o\n  expires: 2026-12-31\n",
			`field rule: "PDR-SSM-*" is not a rule id`},
		{"a field set twice is refused", "- rule: PDR-SSM-001\n  rule: PDR-SSM-002\n  resource: i-1\n  reason: r\n  owner: o\n  expires: 2026-12-31\n",
			"line 2, waiver 1, field rule: set twice"},
		{"a mapping at the top is refused", "waivers:\n  - rule: PDR-SSM-001\n",
			"waivers file w.yaml, line 1: must be a list of waivers"},
		{"an entry that is not a mapping is refused", "- PDR-SSM-001\n",
			"waivers file w.yaml, line 1, waiver 1: must be a mapping"},
		{"broken YAML is refused", "- rule: [\n",
			"waivers file w.yaml: not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWaivers("w.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("ParseWaivers accepted the file")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadWaiversReadsAFileAndAnEmptyOne(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, []byte("# nothing waived\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, err := LoadWaivers(empty)
	if err != nil || len(ws) != 0 {
		t.Errorf("LoadWaivers(empty) = %v, %v; want no waivers", ws, err)
	}
	if _, err := LoadWaivers(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("LoadWaivers(missing) error = %v, want one naming the file", err)
	}
}
