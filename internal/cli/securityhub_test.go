package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

// demoCaller is the demo estate's account, the simulator's caller.
const demoCaller = "111122223333"

// startHub serves an estate on loopback and returns the server, whose
// Security Hub the test reads, and its endpoint.
func startHub(t *testing.T, dir string) (*awssim.Server, string) {
	t.Helper()
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awssim.NewServer(est, awssim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := run.Shutdown(ctx); err != nil {
			t.Errorf("shut down simulator: %v", err)
		}
	})
	return srv, run.URL
}

// asffFindings reads an asff report as generic documents, in file order.
func asffFindings(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Findings []map[string]any }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Findings
}

// regionOf is the region of a finding's ProductArn.
func regionOf(f map[string]any) string {
	return strings.Split(f["ProductArn"].(string), ":")[3]
}

// Auditing the demo estate with --security-hub imports every finding of
// the ASFF report, exactly as written, into the Security Hub of its
// region, and does not change the audit's exit code.
func TestAuditImportsEveryASFFFindingIntoSecurityHub(t *testing.T) {
	isolateAWS(t)
	demo := filepath.Join(simtest.EstatesDir(t), "demo")
	srv, endpoint := startHub(t, demo)
	dir := t.TempDir()
	asff := filepath.Join(dir, "findings.asff.json")

	plainCode, _, plainErr := runCLI(t, "audit", "--estate", demo, "-q", "--format", "json", "-o", filepath.Join(dir, "plain.json"))
	code, _, stderr := runCLI(t, "audit", "--estate", demo, "-q", "--format", "json", "-o", filepath.Join(dir, "report.json"),
		"--output", "asff="+asff, "--security-hub", "--endpoint-url", endpoint)
	if code != plainCode || code == ExitError || code == ExitUsage {
		t.Fatalf("audit --security-hub exited %d, without it %d (%s); want the same verdict\n%s", code, plainCode, plainErr, stderr)
	}
	want := asffFindings(t, asff)
	if len(want) == 0 {
		t.Fatal("the demo audit has no ASFF findings to import")
	}
	if line := fmt.Sprintf("security hub: imported %d, failed 0\n", len(want)); !strings.Contains(stderr, line) {
		t.Errorf("stderr %q; want the line %q", stderr, line)
	}
	byRegion := map[string][]map[string]any{}
	for _, f := range want {
		byRegion[regionOf(f)] = append(byRegion[regionOf(f)], f)
	}
	if len(byRegion) < 2 {
		t.Errorf("findings of %d regions; the demo estate has two", len(byRegion))
	}
	for region, fs := range byRegion {
		slices.SortFunc(fs, func(a, b map[string]any) int { return strings.Compare(a["Id"].(string), b["Id"].(string)) })
		got := srv.SecurityHubFindings(demoCaller, region)
		if diff := cmp.Diff(fs, got); diff != "" {
			t.Errorf("Security Hub in %s holds (-asff report +imported):\n%s", region, diff)
		}
	}

	// A second audit updates the same findings instead of adding others.
	if code, _, stderr := runCLI(t, "audit", "--estate", demo, "-q", "--format", "json", "-o", filepath.Join(dir, "again.json"),
		"--security-hub", "--endpoint-url", endpoint); code != plainCode {
		t.Fatalf("second audit exited %d: %s", code, stderr)
	}
	n := 0
	for region := range byRegion {
		n += len(srv.SecurityHubFindings(demoCaller, region))
	}
	if n != len(want) {
		t.Errorf("%d findings after a second import of the same %d", n, len(want))
	}
}

// Findings Security Hub does not import are each reported with AWS's code
// and message, and make the audit exit 1, whether a whole request was
// refused (Security Hub not enabled in a region) or the findings were
// listed in FailedFindings.
func TestAuditReportsEveryFindingSecurityHubRejects(t *testing.T) {
	isolateAWS(t)
	demo := filepath.Join(simtest.EstatesDir(t), "demo")

	t.Run("a region where Security Hub is not enabled refuses its whole batch", func(t *testing.T) {
		dir := simtest.CopyEstate(t, demo)
		faults := `[{"region": "eu-west-1", "action": "securityhub:BatchImportFindings", "error": "InvalidAccessException"}]`
		if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte(faults), 0o644); err != nil {
			t.Fatal(err)
		}
		srv, endpoint := startHub(t, dir)
		asff := filepath.Join(t.TempDir(), "findings.asff.json")
		code, _, stderr := runCLI(t, "audit", "--estate", dir, "-q", "--format", "asff", "-o", asff, "--security-hub", "--endpoint-url", endpoint)
		if code != ExitError {
			t.Errorf("exit %d; want %d when findings were not imported", code, ExitError)
		}
		var refused, imported []string
		for _, f := range asffFindings(t, asff) {
			if regionOf(f) == "eu-west-1" {
				refused = append(refused, f["Id"].(string))
			} else {
				imported = append(imported, f["Id"].(string))
			}
		}
		if len(refused) == 0 || len(imported) == 0 {
			t.Fatalf("%d eu-west-1 and %d other findings; the test needs both", len(refused), len(imported))
		}
		if line := fmt.Sprintf("security hub: imported %d, failed %d\n", len(imported), len(refused)); !strings.Contains(stderr, line) {
			t.Errorf("stderr %q; want the line %q", stderr, line)
		}
		for _, id := range refused {
			line := "security hub: " + id + ": InvalidAccessException: Account 111122223333 is not subscribed to AWS Security Hub\n"
			if !strings.Contains(stderr, line) {
				t.Errorf("stderr lacks %q", line)
			}
		}
		if !strings.HasSuffix(stderr, fmt.Sprintf("pdr-audit: security hub: %d of %d findings not imported\n", len(refused), len(refused)+len(imported))) {
			t.Errorf("stderr does not end with the error line: %q", stderr)
		}
		if got := len(srv.SecurityHubFindings(demoCaller, "us-east-1")); got != len(imported) {
			t.Errorf("%d findings in us-east-1; want %d", got, len(imported))
		}
	})

	t.Run("findings that break the format are listed one by one", func(t *testing.T) {
		_, endpoint := startHub(t, demo)
		dir := t.TempDir()
		snap := filepath.Join(dir, "snapshot.json")
		if code, _, stderr := runCLI(t, "import", demo, "-q", "-o", snap); code != ExitOK {
			t.Fatalf("import exited %d: %s", code, stderr)
		}
		// An account id that is not 12 digits: every finding of it is
		// refused by Security Hub's format check, not by the uploader.
		b, err := os.ReadFile(snap)
		if err != nil {
			t.Fatal(err)
		}
		bad := "11112222333X"
		if err := os.WriteFile(snap, []byte(strings.ReplaceAll(string(b), demoCaller, bad)), 0o600); err != nil {
			t.Fatal(err)
		}
		asff := filepath.Join(dir, "findings.asff.json")
		code, _, stderr := runCLI(t, "audit", "--snapshot", snap, "--format", "asff", "-o", asff, "--security-hub", "--endpoint-url", endpoint)
		if code != ExitError {
			t.Errorf("exit %d; want %d", code, ExitError)
		}
		findings := asffFindings(t, asff)
		if line := fmt.Sprintf("security hub: imported 0, failed %d\n", len(findings)); !strings.Contains(stderr, line) {
			t.Errorf("stderr %q; want the line %q", stderr, line)
		}
		for _, f := range findings {
			line := "security hub: " + f["Id"].(string) + `: InvalidInput: Finding does not adhere to Amazon Finding Format. data.AwsAccountId should match pattern "^[0-9]{12}$".` + "\n"
			if !strings.Contains(stderr, line) {
				t.Errorf("stderr lacks %q", line)
			}
		}
	})
}

// The upload's AWS flags are accepted with --snapshot and --estate only
// together with --security-hub, which uses them.
func TestSecurityHubFlagsApplyToSnapshotsOnlyWithTheUpload(t *testing.T) {
	isolateAWS(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"--endpoint-url without --security-hub", []string{"--endpoint-url", "http://127.0.0.1:9"}, "--endpoint-url applies to live collection"},
		{"--role-name without --security-hub", []string{"--role-name", "audit"}, "--role-name applies to live collection"},
		{"--regions even with --security-hub", []string{"--security-hub", "--regions", "eu-west-1"}, "--regions applies to live collection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"audit", "--snapshot", "nonexistent.json"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tt.want)
			}
		})
	}
	// With --security-hub the flags pass the usage check: the run gets as
	// far as reading the snapshot.
	code, _, stderr := runCLI(t, "audit", "--snapshot", "nonexistent.json", "--security-hub", "--endpoint-url", "http://127.0.0.1:9",
		"--aws-profile", "x", "--region", "eu-west-1", "--role-name", "audit", "--external-id", "e")
	if code != ExitError || !regexp.MustCompile(`read snapshot: .*nonexistent\.json`).MatchString(stderr) {
		t.Errorf("exit %d, stderr %q; want the snapshot read to fail", code, stderr)
	}
}
