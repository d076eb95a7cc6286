package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const acct = "111122223333"

// sample is a hand-built audit outcome covering every status, a blocking
// component, a waiver, a rule with no resources, a severity changed by a
// profile, and a gap.
func sample() ([]finding.Result, []model.Gap, Meta) {
	res := func(rule, title, id, typ, region string, st finding.Status, sev finding.Severity, msg string) finding.Result {
		return finding.Result{RuleID: rule, Title: title, ResourceID: id, ResourceType: typ, Account: acct, Region: region,
			Status: st, Severity: sev, Message: msg}
	}
	ag := "Monitored instances reach every appliance on TCP 443 and 7777"
	blocked := res("PDR-AG-001", ag, "i-0a1b2c3d4e5f60001", "instance", "us-east-1", finding.Fail, finding.High,
		"tcp/7777 to appliance i-0feedfacecafe0001 is blocked")
	blocked.BlockedBy = &finding.Component{ID: "sg-0123456789abcdef0", Kind: "security-group", Direction: "egress",
		Reason: "no egress rule for tcp/7777 to 10.0.1.10"}
	nacl := res("PDR-AG-001", ag, "i-0a1b2c3d4e5f60002", "instance", "us-east-1", finding.Fail, finding.High,
		"tcp/443 to appliance i-0feedfacecafe0001 is blocked")
	nacl.BlockedBy = &finding.Component{ID: "acl-0123456789abcdef0", Kind: "network-acl", Direction: "ingress",
		Rule: "rule 90 denies tcp 1024-65535 from 10.0.1.10/32", Reason: "acl-0123456789abcdef0 ingress rule 90 denies tcp 1024-65535 from 10.0.1.10/32"}
	nacl.Message += ": acl-0123456789abcdef0 ingress rule 90 denies tcp 1024-65535 from 10.0.1.10/32"
	waived := res("PDR-SSM-001", "Monitored instances are registered with SSM and online", "i-0a1b2c3d4e5f60003", "instance",
		"us-east-1", finding.Waived, finding.High, "not registered with SSM")
	waived.Waiver = &finding.Applied{Reason: "batch node, rebuilt nightly", Owner: "ops@example.com", Expires: "2027-01-31"}
	results := []finding.Result{
		// deliberately out of order: New sorts
		res("PDR-SSM-001", waived.Title, "i-0a1b2c3d4e5f60002", "instance", "us-east-1", finding.Pass, finding.High, "registered, PingStatus Online"),
		waived,
		res("PDR-SSM-001", waived.Title, "i-0a1b2c3d4e5f60001", "instance", "us-east-1", finding.Fail, finding.High, "PingStatus is ConnectionLost"),
		nacl,
		blocked,
		res("PDR-AG-001", ag, "i-0a1b2c3d4e5f60003", "instance", "us-east-1", finding.Pass, finding.High, "tcp/443 and tcp/7777 reach every appliance"),
		res("PDR-AG-001", ag, "i-0a1b2c3d4e5f60004", "instance", "us-west-2", finding.Unknown, finding.High,
			"the network ACLs of us-west-2 could not be read"),
		res("PDR-TM-001", "At least two running Threat Manager appliances per VPC", "vpc-0123456789abcdef0", "vpc", "us-east-1",
			finding.Pass, finding.High, "2 running appliances"),
		res("PDR-TM-004", "Appliances have no public IP and sit behind a NAT gateway", "i-0feedfacecafe0001", "instance", "us-east-1",
			finding.Fail, finding.Low, "has public IP 203.0.113.10"),
		res("PDR-OS-002", "Linux kernels are on the profile's list", "i-0a1b2c3d4e5f60001", "instance", "us-east-1",
			finding.Error, finding.High, "the check failed: eval_conflict_error"),
		res("PDR-COV-001", "Every API pdr-audit needs could be read", acct+"/us-west-2/ec2:DescribeNetworkAcls", "api", "us-west-2",
			finding.Unknown, finding.High, "ec2:DescribeNetworkAcls was denied (UnauthorizedOperation)"),
	}
	gaps := []model.Gap{
		{Account: acct, Region: "us-west-2", API: "ec2:DescribeNetworkAcls", Class: model.GapDenied, Code: "UnauthorizedOperation",
			Message: "You are not authorized to perform this operation."},
	}
	meta := Meta{
		Tool:        Tool{Name: "pdr-audit", Version: "v1.2.3"},
		Profile:     "pdr-2018-10",
		Datacenter:  "us",
		GeneratedAt: time.Date(2026, 11, 25, 12, 0, 0, 123, time.FixedZone("CET", 3600)),
		Rules: []Rule{
			{ID: "PDR-TM-001", Title: "At least two running Threat Manager appliances per VPC", Severity: finding.High, ResourceKind: "vpc"},
			{ID: "PDR-TM-002", Title: "An appliance in every Availability Zone with monitored instances", Severity: finding.High, ResourceKind: "vpc-az"},
			{ID: "PDR-TM-004", Title: "Appliances have no public IP and sit behind a NAT gateway", Severity: finding.Medium, ResourceKind: "appliance"},
			{ID: "PDR-AG-001", Title: ag, Severity: finding.High, ResourceKind: "monitored-instance"},
			{ID: "PDR-SSM-001", Title: waived.Title, Severity: finding.High, ResourceKind: "monitored-instance"},
			{ID: "PDR-OS-002", Title: "Linux kernels are on the profile's list", Severity: finding.High, ResourceKind: "monitored-linux-instance"},
			{ID: "PDR-COV-001", Title: "Every API pdr-audit needs could be read", Severity: finding.High, ResourceKind: "api"},
		},
		Waivers: &finding.WaiverReport{
			Applied:   []finding.WaiverUse{{Waiver: finding.Waiver{Rule: "PDR-SSM-001", Resource: "i-0a1b2c3d4e5f60003", Reason: "batch node, rebuilt nightly", Owner: "ops@example.com", Expires: "2027-01-31", Entry: 1, Line: 1}, Results: 1}},
			Expired:   []finding.WaiverUse{},
			Unmatched: []finding.Waiver{{Rule: "PDR-TM-001", Resource: "vpc-gone*", Reason: "decommissioning", Owner: "netops", Expires: "2027-06-30", Entry: 2, Line: 6}},
		},
	}
	return results, gaps, meta
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report/ -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got); if intended, run with -update and review:\n%s", name, diff)
	}
}

func TestGoldenReports(t *testing.T) {
	tests := []struct {
		name, format, file string
		tweak              func(*Meta)
	}{
		{"the JSON report holds every result in the contract's shape", "json", "sample.json", nil},
		{"the table groups by rule with failures first and counts passes", "table", "sample.table.txt", nil},
		{"the table lists passes with include-passed", "table", "sample.include-passed.table.txt", func(m *Meta) { m.IncludePassed = true }},
		{"the table colors statuses when asked", "table", "sample.color.table.txt", func(m *Meta) { m.Color = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, gaps, meta := sample()
			if tt.tweak != nil {
				tt.tweak(&meta)
			}
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, New(results, gaps, meta)); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
			// The same inputs give the same bytes.
			var again bytes.Buffer
			if err := Write(&again, tt.format, New(results, gaps, meta)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("two renderings of the same report differ")
			}
		})
	}
}

// The JSON report keeps the keys of the contract, and each result
// keeps the contract's keys, with blocked_by and waiver only when set.
func TestJSONReportKeepsTheContract(t *testing.T) {
	results, gaps, meta := sample()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, New(results, gaps, meta)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format_version", "tool", "profile", "generated_at", "summary", "results", "gaps"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("report has no %q", k)
		}
	}
	if doc["format_version"] != "1" || doc["generated_at"] != "2026-11-25T11:00:00Z" {
		t.Errorf("format_version %v, generated_at %v; want 1 and the injected clock in UTC", doc["format_version"], doc["generated_at"])
	}
	summary := doc["summary"].(map[string]any)
	for _, k := range []string{"by_status", "by_severity", "by_rule", "total"} {
		if _, ok := summary[k]; !ok {
			t.Errorf("summary has no %q", k)
		}
	}
	byRule := summary["by_rule"].(map[string]any)
	if _, ok := byRule["PDR-TM-002"]; !ok {
		t.Error("by_rule leaves out a catalog rule with no results")
	}
	rs := doc["results"].([]any)
	if len(rs) != len(results) {
		t.Fatalf("report has %d results, want all %d (passes included)", len(rs), len(results))
	}
	for _, x := range rs {
		r := x.(map[string]any)
		for _, k := range []string{"rule_id", "resource_id", "resource_type", "account", "region", "status", "severity", "message"} {
			if _, ok := r[k]; !ok {
				t.Errorf("result %v has no %q", r["resource_id"], k)
			}
		}
		_, hasBlock := r["blocked_by"]
		_, hasWaiver := r["waiver"]
		if hasWaiver != (r["status"] == "waived") {
			t.Errorf("result %v %v: status %v with waiver present %v", r["rule_id"], r["resource_id"], r["status"], hasWaiver)
		}
		if hasBlock && r["rule_id"] != "PDR-AG-001" {
			t.Errorf("result %v %v has a blocked_by it was not given", r["rule_id"], r["resource_id"])
		}
	}
}

func TestNewCountsAndSorts(t *testing.T) {
	results, gaps, meta := sample()
	r := New(results, gaps, meta)
	want := Summary{
		Total: 11, Rules: 7, Resources: 7, Gaps: 1,
		ByStatus: Counts{Pass: 3, Fail: 4, Unknown: 2, Waived: 1, Error: 1},
		BySeverity: map[finding.Severity]Counts{
			finding.High: {Pass: 3, Fail: 3, Unknown: 2, Waived: 1, Error: 1},
			finding.Low:  {Fail: 1},
		},
		ByRule: map[string]Counts{
			"PDR-AG-001": {Pass: 1, Fail: 2, Unknown: 1}, "PDR-COV-001": {Unknown: 1}, "PDR-OS-002": {Error: 1},
			"PDR-SSM-001": {Pass: 1, Fail: 1, Waived: 1}, "PDR-TM-001": {Pass: 1}, "PDR-TM-002": {}, "PDR-TM-004": {Fail: 1},
		},
	}
	if diff := cmp.Diff(want, r.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	for i := 1; i < len(r.Results); i++ {
		a, b := r.Results[i-1], r.Results[i]
		if a.RuleID > b.RuleID || (a.RuleID == b.RuleID && a.Region+a.ResourceID > b.Region+b.ResourceID) {
			t.Errorf("results are not sorted: %s %s before %s %s", a.RuleID, a.ResourceID, b.RuleID, b.ResourceID)
		}
	}
	if results[0].RuleID != "PDR-SSM-001" {
		t.Error("New reordered its input")
	}
}

func TestNewAddsRulesMissingFromTheCatalog(t *testing.T) {
	r := New([]finding.Result{{RuleID: "ACME-X-001", Title: "custom", ResourceID: "i-1", Status: finding.Fail, Severity: finding.Medium}}, nil, Meta{})
	if len(r.Rules) != 1 || r.Rules[0].ID != "ACME-X-001" || r.Rules[0].Title != "custom" {
		t.Errorf("rules = %+v, want the custom rule added from its result", r.Rules)
	}
	if r.Gaps == nil || r.Results == nil {
		t.Error("nil gaps or results would encode as null")
	}
}

func TestUnknownFormatListsTheValidOnes(t *testing.T) {
	err := Write(&bytes.Buffer{}, "xml", New(nil, nil, Meta{}))
	if err == nil || !strings.Contains(err.Error(), `unknown report format "xml" (valid formats: asff, html, json, junit, markdown, sarif, table)`) {
		t.Errorf("error = %v, want one listing json and table", err)
	}
}

func TestTableWithoutColorHasNoEscapes(t *testing.T) {
	results, gaps, meta := sample()
	var buf bytes.Buffer
	if err := WriteTable(&buf, New(results, gaps, meta)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Error("table without Color contains an escape sequence")
	}
	last := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := "7 rules, 7 resources, 11 results: 3 pass, 4 fail (3 high, 1 low), 2 unknown, 1 waived, 1 error (1 high)"
	found := false
	for _, l := range last {
		found = found || l == want
	}
	if !found {
		t.Errorf("table has no summary line %q:\n%s", want, buf.String())
	}
}
