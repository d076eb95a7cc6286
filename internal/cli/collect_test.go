package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// runCLI runs the CLI in-process with a fixed clock.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: func() time.Time {
		return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	}}
	code = execute(context.Background(), env, newRootCmd(env), args)
	return code, out.String(), errb.String()
}

// isolateAWS points the SDK's configuration at nothing but the test's
// credentials.
func isolateAWS(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", awssim.CallerAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awssim.CallerSecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func readSnapshot(t *testing.T, path string) *model.Snapshot {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := model.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// collect through the simulator on loopback and import of the same estate
// give the same snapshot, for every test estate.
func TestCollectThroughTheSimulatorEqualsImportForEveryEstate(t *testing.T) {
	isolateAWS(t)
	entries, err := os.ReadDir(simtest.EstatesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(simtest.EstatesDir(t), e.Name())
			est, err := awssim.LoadEstate(dir)
			if err != nil {
				t.Fatal(err)
			}
			sim := simtest.Start(t, dir, awssim.Options{})
			collected := filepath.Join(t.TempDir(), "collected.json")
			imported := filepath.Join(t.TempDir(), "imported.json")
			args := []string{"collect", "--endpoint-url", sim.URL, "--regions", "all", "--kernel-source", "run-command", "-q", "-o", collected}
			if est.ListAccounts != nil {
				args = append(args, "--org", "--role-name", "pdr-audit")
			}
			if code, _, stderr := runCLI(t, args...); code != ExitOK {
				t.Fatalf("collect exited %d: %s", code, stderr)
			}
			if code, _, stderr := runCLI(t, "import", dir, "-q", "-o", imported); code != ExitOK {
				t.Fatalf("import exited %d: %s", code, stderr)
			}
			a, b := readSnapshot(t, collected), readSnapshot(t, imported)
			if a.Scope.Source != "collect" || b.Scope.Source != "import" {
				t.Errorf("sources %q and %q", a.Scope.Source, b.Scope.Source)
			}
			a.Scope.Source, b.Scope.Source = "", ""
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("collect and import differ (-collect +import):\n%s", diff)
			}
			if len(a.Accounts) == 0 || len(a.Gaps) != 0 {
				t.Errorf("%d accounts, gaps %+v", len(a.Accounts), a.Gaps)
			}
			for _, p := range []string{collected, imported} {
				if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v (%v), want 0600", p, info.Mode().Perm(), err)
				}
			}
		})
	}
}

// A persistent fault in an estate's faults.json is the same gap whether
// the estate is imported or collected through the simulator.
func TestImportRecordsPersistentFaultsAsGaps(t *testing.T) {
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	faults := `[{"region": "us-east-1", "action": "ssm:DescribeInstanceInformation", "error": "AccessDeniedException"},
	  {"action": "ec2:DescribeVpcs", "error": "RequestLimitExceeded", "first": 3}]`
	if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte(faults), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "s.json")
	if code, _, stderr := runCLI(t, "import", dir, "-q", "-o", out); code != ExitOK {
		t.Fatalf("import exited %d: %s", code, stderr)
	}
	s := readSnapshot(t, out)
	if len(s.Gaps) != 1 || s.Gaps[0].API != "ssm:DescribeInstanceInformation" || s.Gaps[0].Region != "us-east-1" || s.Gaps[0].Class != model.GapDenied {
		t.Errorf("gaps = %+v, want the one persistent SSM denial (transient faults do not affect import)", s.Gaps)
	}
}

func TestCollectAndImportRefuseBadInputInOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	broken := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "example"))
	if err := os.WriteFile(filepath.Join(broken, "eu-west-1", "ec2", "describe-subnets.json"), []byte(`{"Subnets": [}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "never.json")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"a malformed estate file", []string{"import", broken, "-o", out}, ExitError, "describe-subnets.json: line 1, column 14"},
		{"an estate that does not exist", []string{"import", "/nonexistent/estate", "-o", out}, ExitError, "/nonexistent/estate"},
		{"an unknown region", []string{"collect", "--regions", "us-moon-1", "-o", out}, ExitUsage, `unknown region "us-moon-1"`},
		{"--org without --role-name", []string{"collect", "--org", "--regions", "us-east-1", "-o", out}, ExitUsage, "--role-name is required"},
		{"a bad kernel source", []string{"collect", "--regions", "us-east-1", "--kernel-source", "guess", "-o", out}, ExitUsage, "--kernel-source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(pdrAuditBin(t), tt.args...)
			cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "AWS_EC2_METADATA_DISABLED=true")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "pdr-audit: ") || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("stderr %q, want one line containing %q", msg, tt.wantMsg)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written in spite of the error", out)
			}
		})
	}
}
