package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/policy"
)

// fakePolicies holds TEST-FAKE-001, a rule that reports every VPC tagged
// test:status with that status and its test:severity tag's severity. On a
// snapshot of VPCs without instances, the catalog's own rules have nothing
// to report (no monitored instance, no appliance), so audit's outcome is
// decided by the tags the test writes (and by gaps, through PDR-COV-001).
const fakePolicies = "testdata/policies"

const testAccount = "111122223333"

// needEngine skips the test when the catalog cannot be compiled yet.
func needEngine(t *testing.T) {
	t.Helper()
	if _, err := policy.New(context.Background(), policy.Options{PolicyDirs: []string{fakePolicies}}); err != nil {
		t.Skipf("the policy engine cannot load the embedded catalog plus %s, so audit cannot run: %v", fakePolicies, err)
	}
}

// vpcTags is one VPC's test tags: status, and severity ("" for the rule's).
type vpcTags struct{ status, severity string }

// writeSnapshot writes a snapshot with one VPC per tags entry (and gaps)
// into a temporary directory and returns its path.
func writeTestSnapshot(t *testing.T, vpcs []vpcTags, gaps ...model.Gap) string {
	t.Helper()
	region := model.Region{Name: "us-east-1"}
	for i, v := range vpcs {
		tags := model.Tags{"test:status": v.status}
		if v.severity != "" {
			tags["test:severity"] = v.severity
		}
		region.VPCs = append(region.VPCs, model.VPC{
			ID: "vpc-0000000" + string(rune('1'+i)), OwnerID: testAccount, State: "available",
			CIDRBlocks: []string{"10.0.0.0/16"}, Tags: tags,
		})
	}
	snap := &model.Snapshot{
		SchemaVersion: model.SchemaVersion,
		Tool:          model.Tool{Name: "pdr-audit", Version: "test"},
		CollectedAt:   time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC),
		Scope:         model.Scope{Source: "import", Accounts: []string{testAccount}, Regions: []string{"us-east-1"}, KernelSource: "none"},
		Accounts:      []model.Account{{ID: testAccount, Regions: []model.Region{region}}},
		Gaps:          gaps,
	}
	path := filepath.Join(t.TempDir(), "snapshot.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := model.Encode(f, snap); err != nil {
		t.Fatal(err)
	}
	return path
}

// jsonReport is what the tests read of a JSON report.
type jsonReport struct {
	FormatVersion string           `json:"format_version"`
	Profile       string           `json:"profile"`
	GeneratedAt   string           `json:"generated_at"`
	Results       []finding.Result `json:"results"`
	Gaps          []model.Gap      `json:"gaps"`
	Summary       struct {
		Total int `json:"total"`
	} `json:"summary"`
	Waivers *finding.WaiverReport `json:"waivers"`
}

func parseReport(t *testing.T, text string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, text)
	}
	return r
}

// statusesOf returns the statuses of rule's results, in report order.
func statusesOf(r jsonReport, rule string) []finding.Status {
	var out []finding.Status
	for _, res := range r.Results {
		if res.RuleID == rule {
			out = append(out, res.Status)
		}
	}
	return out
}

func TestAuditExitCode(t *testing.T) {
	res := func(st finding.Status, sev finding.Severity) finding.Result {
		return finding.Result{RuleID: "R", ResourceID: "x", Status: st, Severity: sev}
	}
	tests := []struct {
		name          string
		results       []finding.Result
		gaps          int
		failOn        finding.Severity
		failOnUnknown bool
		want          int
	}{
		{"nothing at all exits 0", nil, 0, finding.Low, true, ExitOK},
		{"only passes exit 0", []finding.Result{res(finding.Pass, finding.High)}, 0, finding.Low, true, ExitOK},
		{"a low failure at the default threshold exits 3", []finding.Result{res(finding.Fail, finding.Low)}, 0, finding.Low, false, ExitFindings},
		{"an info failure is below the default threshold", []finding.Result{res(finding.Fail, finding.Info)}, 0, finding.Low, false, ExitOK},
		{"a medium failure is below --fail-on high", []finding.Result{res(finding.Fail, finding.Medium)}, 0, finding.High, false, ExitOK},
		{"a critical failure is above --fail-on high", []finding.Result{res(finding.Fail, finding.Critical)}, 0, finding.High, false, ExitFindings},
		{"an error counts like a failure", []finding.Result{res(finding.Error, finding.High)}, 0, finding.High, false, ExitFindings},
		{"a waived failure never fails the run", []finding.Result{res(finding.Waived, finding.Critical)}, 0, finding.Info, true, ExitOK},
		{"an unknown result exits 0 without --fail-on-unknown", []finding.Result{res(finding.Unknown, finding.High)}, 0, finding.Low, false, ExitOK},
		{"an unknown result exits 4 with --fail-on-unknown", []finding.Result{res(finding.Unknown, finding.High)}, 0, finding.Low, true, ExitIncomplete},
		{"a gap alone exits 4 with --fail-on-unknown", nil, 1, finding.Low, true, ExitIncomplete},
		{"a failure wins over an unknown", []finding.Result{res(finding.Unknown, finding.High), res(finding.Fail, finding.Low)}, 1, finding.Low, true, ExitFindings},
		{"a failure below the threshold leaves room for 4", []finding.Result{res(finding.Fail, finding.Low), res(finding.Unknown, finding.Low)}, 0, finding.High, true, ExitIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auditExitCode(tt.results, tt.gaps, tt.failOn, tt.failOnUnknown); got != tt.want {
				t.Errorf("auditExitCode = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestAuditUsageErrors(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "never-read.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"two inputs are refused", []string{"--snapshot", snap, "--estate", "dir"}, "--snapshot and --estate are two inputs"},
		{"an unknown format lists the valid ones", []string{"--snapshot", snap, "--format", "xml"}, `unknown report format "xml" (valid formats: asff, html, json, junit, markdown, sarif, table)`},
		{"an unknown severity is refused", []string{"--snapshot", snap, "--fail-on", "urgent"}, `--fail-on: unknown severity "urgent"`},
		{"an unknown profile lists the profiles", []string{"--snapshot", snap, "--profile", "pdr-1999"}, `--profile: unknown profile "pdr-1999" (this build has pdr-2018-10, pdr-2020-03)`},
		{"an unknown data center is refused", []string{"--snapshot", snap, "--datacenter", "apac"}, `--datacenter: unknown data center "apac" (want us or eu)`},
		{"a collection flag with --snapshot is refused", []string{"--snapshot", snap, "--regions", "us-east-1", "--aws-profile", "x"}, "--aws-profile, --regions applies to live collection, not to --snapshot"},
		{"the kernel source means nothing for a snapshot", []string{"--snapshot", snap, "--kernel-source", "none"}, "--kernel-source applies to live collection, not to --snapshot"},
		{"an AWS profile means nothing for an estate", []string{"--estate", "dir", "--aws-profile", "prod"}, "--aws-profile applies to live collection, not to --estate"},
		{"a positional argument is refused", []string{"extra"}, `"pdr-audit audit" takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"audit"}, tt.args...)...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, ExitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			assertOneErrorLine(t, stderr, tt.want)
		})
	}
}

func TestAuditRefusesBadInputFilesInOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	future := write("future.json", `{"schema_version": "99", "accounts": [], "something_new": true}`)
	notSnap := write("not.json", `{"Vpcs": []}`)
	badConfig := write("pdr-audit.yaml", "datacenter: us\nprofiel: pdr-2020-03\n")
	badWaivers := write("waivers.yaml", "- rule: PDR-SSM-001\n  resource: i-1\n  reason: r\n  owner: o\n")
	good := writeTestSnapshot(t, nil)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a snapshot from a newer build names the file and the versions this build reads", []string{"--snapshot", future},
			`snapshot ` + future + `: unsupported snapshot schema version "99": this build reads 1`},
		{"a file that is not a snapshot is refused", []string{"--snapshot", notSnap}, "snapshot " + notSnap + ": not a snapshot"},
		{"a missing snapshot is refused", []string{"--snapshot", filepath.Join(dir, "absent.json")}, "absent.json"},
		{"a bad config names the file, line and key", []string{"--snapshot", good, "--config", badConfig},
			"config file " + badConfig + ", line 2, key profiel: unknown key"},
		{"a bad waivers file names the file, waiver and field", []string{"--snapshot", good, "--waivers", badWaivers},
			"waivers file " + badWaivers + ", line 1, waiver 1, field expires: missing"},
		{"a policy directory that does not exist is refused", []string{"--snapshot", good, "--policy", filepath.Join(dir, "nope")}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"audit"}, tt.args...)...)
			if code != ExitError {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, ExitError, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			assertOneErrorLine(t, stderr, tt.want)
		})
	}
}

func TestAuditExitCodesOnHandMadeSnapshots(t *testing.T) {
	needEngine(t)
	denied := model.Gap{Account: testAccount, Region: "us-east-1", API: "ec2:DescribeNetworkAcls", Class: model.GapDenied,
		Code: "UnauthorizedOperation", Message: "denied"}
	tests := []struct {
		name   string
		vpcs   []vpcTags
		gaps   []model.Gap
		flags  []string
		want   int
		status []finding.Status // of TEST-FAKE-001, in resource order
	}{
		{"a clean snapshot exits 0", []vpcTags{{"pass", ""}}, nil, nil, ExitOK, []finding.Status{finding.Pass}},
		{"a low failure exits 3 at the default --fail-on", []vpcTags{{"pass", ""}, {"fail", "low"}}, nil, nil, ExitFindings,
			[]finding.Status{finding.Pass, finding.Fail}},
		{"a medium failure exits 0 with --fail-on high", []vpcTags{{"fail", "medium"}}, nil, []string{"--fail-on", "high"}, ExitOK,
			[]finding.Status{finding.Fail}},
		{"a high failure exits 3 with --fail-on high", []vpcTags{{"fail", "high"}}, nil, []string{"--fail-on", "high"}, ExitFindings,
			[]finding.Status{finding.Fail}},
		{"an unknown result exits 0 without --fail-on-unknown", []vpcTags{{"unknown", ""}}, nil, nil, ExitOK,
			[]finding.Status{finding.Unknown}},
		{"an unknown result exits 4 with --fail-on-unknown", []vpcTags{{"unknown", ""}}, nil, []string{"--fail-on-unknown"}, ExitIncomplete,
			[]finding.Status{finding.Unknown}},
		{"a gap exits 4 with --fail-on-unknown", []vpcTags{{"pass", ""}}, []model.Gap{denied}, []string{"--fail-on-unknown"}, ExitIncomplete,
			[]finding.Status{finding.Pass}},
		{"a failure wins over a gap", []vpcTags{{"fail", "low"}}, []model.Gap{denied}, []string{"--fail-on-unknown"}, ExitFindings,
			[]finding.Status{finding.Fail}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := writeTestSnapshot(t, tt.vpcs, tt.gaps...)
			args := append([]string{"audit", "--snapshot", snap, "--policy", fakePolicies, "--format", "json"}, tt.flags...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.want {
				t.Errorf("exit code = %d, want %d; stderr %q", code, tt.want, stderr)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing (the report says it all)", stderr)
			}
			r := parseReport(t, stdout)
			if diff := cmp.Diff(tt.status, statusesOf(r, "TEST-FAKE-001")); diff != "" {
				t.Errorf("TEST-FAKE-001 statuses (-want +got):\n%s", diff)
			}
			if len(r.Gaps) != len(tt.gaps) {
				t.Errorf("report has %d gaps, want %d", len(r.Gaps), len(tt.gaps))
			}
			if len(tt.gaps) > 0 && len(statusesOf(r, "PDR-COV-001")) == 0 {
				t.Error("a gap gave no PDR-COV-001 result")
			}
		})
	}
}

func TestAuditAppliesWaiversAndWarnsOnStderr(t *testing.T) {
	needEngine(t)
	snap := writeTestSnapshot(t, []vpcTags{{"fail", "high"}, {"fail", "high"}})
	waivers := filepath.Join(t.TempDir(), "waivers.yaml")
	// The clock of runCLI is 2026-11-25.
	text := `- rule: TEST-FAKE-001
  resource: vpc-00000001
  reason: being rebuilt
  owner: netops
  expires: 2026-12-31
- rule: TEST-FAKE-001
  resource: vpc-00000002
  reason: was accepted last year
  owner: netops
  expires: 2026-11-24
- rule: TEST-FAKE-001
  resource: vpc-0000000*9
  reason: gone
  owner: netops
  expires: 2027-01-01
- rule: PDR-XX-999
  resource: "*"
  reason: typo
  owner: netops
  expires: 2027-01-01
`
	if err := os.WriteFile(waivers, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "audit", "--snapshot", snap, "--policy", fakePolicies, "--format", "json", "--waivers", waivers)
	if code != ExitFindings {
		t.Errorf("exit code = %d, want %d: the expired waiver leaves a failure", code, ExitFindings)
	}
	r := parseReport(t, stdout)
	if diff := cmp.Diff([]finding.Status{finding.Waived, finding.Fail}, statusesOf(r, "TEST-FAKE-001")); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	for _, res := range r.Results {
		if res.Status == finding.Waived && (res.Waiver == nil || res.Waiver.Reason != "being rebuilt") {
			t.Errorf("waived result %s carries waiver %+v", res.ResourceID, res.Waiver)
		}
	}
	if r.Waivers == nil || len(r.Waivers.Expired) != 1 || len(r.Waivers.Unmatched) != 2 {
		t.Errorf("report waivers = %+v, want 1 expired and 2 unmatched", r.Waivers)
	}
	wantLines := []string{
		"pdr-audit: warning: waiver 2 of " + waivers + " (line 6: TEST-FAKE-001 vpc-00000002) expired on 2026-11-24; it no longer waives the 1 failure it matches",
		"pdr-audit: warning: waiver 3 of " + waivers + " (line 11: TEST-FAKE-001 vpc-0000000*9) matches no failing, unknown or erroring result; remove it",
		"pdr-audit: warning: waiver 4 of " + waivers + " (line 16: PDR-XX-999 *) names rule PDR-XX-999, which is not in the catalog; fix or remove it",
	}
	if diff := cmp.Diff(strings.Join(wantLines, "\n")+"\n", stderr); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

func TestAuditWritesTheReportToAFileWithMode0600(t *testing.T) {
	needEngine(t)
	snap := writeTestSnapshot(t, []vpcTags{{"pass", ""}})
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := runCLI(t, "audit", "--snapshot", snap, "--policy", fakePolicies, "--format", "json", "-o", out)
	if code != ExitOK || stdout != "" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing printed", code, stdout, stderr)
	}
	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v; want 0600", out, err, info.Mode().Perm())
	}
	b, _ := os.ReadFile(out)
	r := parseReport(t, string(b))
	if r.FormatVersion != "1" || r.GeneratedAt != "2026-11-25T12:00:00Z" {
		t.Errorf("format_version %q, generated_at %q; want 1 and the injected clock", r.FormatVersion, r.GeneratedAt)
	}
}

func TestAuditProfileComesFromFlagOverConfig(t *testing.T) {
	needEngine(t)
	snap := writeTestSnapshot(t, []vpcTags{{"pass", ""}})
	cfg := filepath.Join(t.TempDir(), "pdr-audit.yaml")
	if err := os.WriteFile(cfg, []byte("profile: pdr-2020-03\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the default profile without config or flag", nil, policy.DefaultProfile},
		{"the config file's profile", []string{"--config", cfg}, "pdr-2020-03"},
		{"the flag over the config file", []string{"--config", cfg, "--profile", "pdr-2018-10"}, "pdr-2018-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"audit", "--snapshot", snap, "--format", "json"}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if got := parseReport(t, stdout).Profile; got != tt.want {
				t.Errorf("profile = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAuditTableGroupsByRuleAndEndsWithASummary(t *testing.T) {
	needEngine(t)
	snap := writeTestSnapshot(t, []vpcTags{{"pass", ""}, {"fail", "medium"}, {"unknown", ""}})
	code, stdout, _ := runCLI(t, "audit", "--snapshot", snap, "--policy", fakePolicies)
	if code != ExitFindings {
		t.Errorf("exit code = %d, want %d", code, ExitFindings)
	}
	for _, want := range []string{
		"TEST-FAKE-001  Test rule driven by VPC tags (high)",
		"  vpc-00000002  111122223333/us-east-1  fail     medium    tagged fail",
		"  and 1 passed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table has no %q:\n%s", want, stdout)
		}
	}
	if strings.Index(stdout, "vpc-00000002") > strings.Index(stdout, "vpc-00000003") {
		t.Error("the failure is not listed before the unknown result")
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "3 results: 1 pass, 1 fail (1 medium), 1 unknown, 0 waived, 0 error") {
		t.Errorf("last line = %q, want the summary", last)
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Error("colors in output that is not a terminal")
	}
}

// Live collection through the simulator and --estate of the same estate
// give the same report.
func TestAuditLiveAndEstateAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	needEngine(t)
	isolateAWS(t)
	dir := filepath.Join(simtest.EstatesDir(t), "demo")
	sim := simtest.Start(t, dir, awssim.Options{})
	liveCode, live, liveErr := runCLI(t, "audit", "--endpoint-url", sim.URL, "--regions", "all", "--kernel-source", "run-command", "-q", "--format", "json")
	estCode, est, estErr := runCLI(t, "audit", "--estate", dir, "-q", "--format", "json")
	if liveErr != "" || estErr != "" {
		t.Fatalf("stderr: live %q, estate %q", liveErr, estErr)
	}
	if liveCode != estCode {
		t.Errorf("exit codes differ: live %d, estate %d", liveCode, estCode)
	}
	a, b := parseReport(t, live), parseReport(t, est)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("live and estate reports differ (-live +estate):\n%s", diff)
	}
	if a.Summary.Total == 0 {
		t.Error("the demo estate gave no results")
	}
	if want := auditExitCode(a.Results, len(a.Gaps), finding.Low, false); estCode != want {
		t.Errorf("exit code %d does not follow the report's results (want %d)", estCode, want)
	}
}

func TestAuditHelpListsExitCodes(t *testing.T) {
	code, stdout, _ := runCLI(t, "audit", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Exit codes:", "  0  ", "  3  ", "  4  ", "  1  runtime error", "  2  usage error", "--aws-profile", "--endpoint-url", "--fail-on-unknown"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("audit --help has no %q", want)
		}
	}
}

func TestColorsOnlyOnATerminalWithoutNoColor(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	tests := []struct {
		name     string
		terminal bool
		vars     map[string]string
		want     bool
	}{
		{"a terminal gets colors", true, nil, true},
		{"a pipe or file gets none", false, nil, false},
		{"NO_COLOR turns them off", true, map[string]string{"NO_COLOR": "1"}, false},
		{"an empty NO_COLOR does not", true, map[string]string{"NO_COLOR": ""}, true},
		{"a dumb terminal gets none", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wantColor(tt.terminal, env(tt.vars)); got != tt.want {
				t.Errorf("wantColor = %v, want %v", got, tt.want)
			}
		})
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if colorTerminal(devNull) || colorTerminal(io.Discard) {
		t.Error("colors for /dev/null or a non-file writer")
	}
}
