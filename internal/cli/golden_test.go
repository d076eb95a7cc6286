package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenPath is a golden file at the repository's testdata/golden.
func goldenPath(t *testing.T, name string) string {
	return filepath.Join(filepath.Dir(simtest.EstatesDir(t)), "golden", name)
}

// checkGolden compares got with a golden file, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := goldenPath(t, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run Golden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-golden +got); if the change is intended, review it and run with -update:\n%s", name, diff)
	}
}

// The audit of every test estate, in both report formats and both
// profiles, is pinned by goldens that a person reviews when they change.
func TestAuditReportsOfEveryEstateMatchTheirGoldens(t *testing.T) {
	entries, err := os.ReadDir(simtest.EstatesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(simtest.EstatesDir(t), e.Name())
		for _, profile := range []string{"pdr-2018-10", "pdr-2020-03"} {
			for _, format := range []string{"json", "table"} {
				name := "audit-" + e.Name() + "-" + profile + "." + format
				t.Run(name, func(t *testing.T) {
					code, stdout, stderr := runCLI(t, "audit", "--estate", dir, "--profile", profile, "--format", format, "--quiet")
					if code != ExitOK && code != ExitFindings && code != ExitIncomplete {
						t.Fatalf("audit exited %d: %s", code, stderr)
					}
					checkGolden(t, name, stdout)
					if format == "json" && !strings.Contains(stdout, `"format_version": "1"`) {
						t.Errorf("the JSON report has no format_version")
					}
				})
			}
		}
	}
}

// The same estate audited twice gives byte-identical reports.
func TestAuditIsDeterministic(t *testing.T) {
	dir := filepath.Join(simtest.EstatesDir(t), "demo")
	_, a, _ := runCLI(t, "audit", "--estate", dir, "--format", "json", "--quiet")
	_, b, _ := runCLI(t, "audit", "--estate", dir, "--format", "json", "--quiet")
	if !bytes.Equal([]byte(a), []byte(b)) || a == "" {
		t.Error("two audits of the demo differ")
	}
}
