package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One run writes the --format report to stdout and every --output
// FORMAT=FILE report to its file, all from the same results.
func TestAuditWritesSeveralFormatsFromOneRun(t *testing.T) {
	needEngine(t)
	snap := writeTestSnapshot(t, []vpcTags{{"pass", ""}, {"fail", "high"}})
	dir := t.TempDir()
	files := map[string]string{
		"sarif":    filepath.Join(dir, "findings.sarif"),
		"json":     filepath.Join(dir, "report.json"),
		"html":     filepath.Join(dir, "report.html"),
		"markdown": filepath.Join(dir, "summary.md"),
		"junit":    filepath.Join(dir, "junit.xml"),
	}
	args := []string{"audit", "--snapshot", snap, "--policy", fakePolicies, "--format", "table"}
	for format, file := range files {
		args = append(args, "--output", format+"="+file)
	}
	code, stdout, stderr := runCLI(t, args...)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitFindings, stderr)
	}
	if !strings.Contains(stdout, "TEST-FAKE-001") || strings.HasPrefix(strings.TrimSpace(stdout), "{") {
		t.Errorf("stdout is not the table report:\n%s", stdout)
	}
	for format, file := range files {
		info, err := os.Stat(file)
		if err != nil {
			t.Errorf("%s report: %v", format, err)
			continue
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", file, info.Mode().Perm())
		}
		b, _ := os.ReadFile(file)
		if !strings.Contains(string(b), "TEST-FAKE-001") {
			t.Errorf("%s report does not mention TEST-FAKE-001", format)
		}
	}
	b, _ := os.ReadFile(files["json"])
	r := parseReport(t, string(b))
	if got := statusesOf(r, "TEST-FAKE-001"); len(got) != 2 {
		t.Errorf("JSON report has %d TEST-FAKE-001 results, want 2", len(got))
	}
	var sarif struct {
		Runs []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	b, _ = os.ReadFile(files["sarif"])
	if err := json.Unmarshal(b, &sarif); err != nil || len(sarif.Runs) != 1 {
		t.Fatalf("the SARIF file is not one run: %v", err)
	}
	b, _ = os.ReadFile(files["html"])
	if !strings.Contains(string(b), "<html") {
		t.Error("the HTML report is not HTML")
	}
}

// -o FILE still takes the --format report, and --output adds to it.
func TestAuditWritesTheFormatReportToOAndTheOthersBeside(t *testing.T) {
	needEngine(t)
	snap := writeTestSnapshot(t, []vpcTags{{"pass", ""}})
	dir := t.TempDir()
	main, md := filepath.Join(dir, "report.json"), filepath.Join(dir, "summary.md")
	code, stdout, stderr := runCLI(t, "audit", "--snapshot", snap, "--policy", fakePolicies, "--format", "json",
		"-o", main, "--output", "markdown="+md)
	if code != ExitOK || stdout != "" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing printed", code, stdout, stderr)
	}
	b, _ := os.ReadFile(main)
	if r := parseReport(t, string(b)); r.FormatVersion != "1" {
		t.Errorf("format_version %q, want 1", r.FormatVersion)
	}
	if b, err := os.ReadFile(md); err != nil || len(b) == 0 {
		t.Errorf("markdown report: %v, %d bytes", err, len(b))
	}
}

func TestAuditOutputUsageErrors(t *testing.T) {
	dir := t.TempDir()
	same := filepath.Join(dir, "same.out")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown format lists the valid ones", []string{"--output", "pdf=report.pdf"},
			`--output pdf=report.pdf: unknown report format "pdf" (valid formats: asff, html, json, junit, markdown, sarif, table)`},
		{"the same file twice is refused", []string{"--output", "json=" + same, "--output", "sarif=" + same},
			"the json and sarif reports both go to " + same},
		{"the --format file named again is refused", []string{"-o", same, "--output", "sarif=" + same},
			"the table and sarif reports both go to " + same},
		{"two reports on stdout are refused", []string{"--output", "json=-"},
			"the table and json reports both go to stdout"},
		{"two files for the --format report are refused", []string{"-o", "a.txt", "-o", "b.txt"},
			"not to both a.txt and b.txt"},
		{"a format without a file is refused", []string{"--output", "json="},
			"--output json=: no file after json="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"audit", "--snapshot", filepath.Join(dir, "never-read.json")}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (usage)", code, ExitUsage)
			}
			if stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("stdout %q, stderr %q; want a usage error containing %q", stdout, stderr, tt.want)
			}
			if _, err := os.Stat(same); err == nil {
				t.Errorf("%s was written despite the usage error", same)
			}
		})
	}
}
