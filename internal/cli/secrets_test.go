package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

// Credentials never appear in what pdr-audit writes: stdout, stderr with
// --debug (every request and response), every report format, the
// snapshot, the plan, the journal.
func TestNoCredentialsInAnyOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := pdrAuditBin(t)
	const key, secret, token = "AKIASECRETTESTKEY0042", "s3cr3t/TestSecretAccessKey+DoNotLog0042", "FQoSeSsIoNToKeNtEsTdOnOtLoG0042"
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	sim := simtest.Start(t, dir, awssim.Options{})
	out := t.TempDir()
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN="+token,
		"AWS_REGION=us-east-1", "AWS_PROFILE=", "AWS_CONFIG_FILE="+filepath.Join(out, "none"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(out, "none"), "AWS_EC2_METADATA_DISABLED=true")
	live := []string{"--endpoint-url", sim.URL, "--regions", "all", "-q", "--debug"}
	var logs bytes.Buffer
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != ExitFindings {
			t.Fatalf("pdr-audit %s: exit %d (%v): %s", strings.Join(args, " "), code, err, stderr.String())
		}
		logs.Write(stdout.Bytes())
		logs.Write(stderr.Bytes())
	}
	run(append([]string{"collect", "-o", filepath.Join(out, "snapshot.json")}, live...)...)
	args := append([]string{"audit", "--format", "json", "-o", filepath.Join(out, "report.json"), "--security-hub"}, live...)
	for _, f := range []string{"sarif", "junit", "markdown", "asff", "html", "table"} {
		args = append(args, "--output", f+"="+filepath.Join(out, "report."+f))
	}
	run(args...)
	run(append([]string{"plan", "-o", filepath.Join(out, "plan.json")}, live...)...)
	run("apply", filepath.Join(out, "plan.json"), "--auto-approve", "--endpoint-url", sim.URL, "--debug")
	run("rollback", filepath.Join(out, "plan.journal.json"), "--auto-approve", "--endpoint-url", sim.URL, "--debug")
	if !strings.Contains(logs.String(), "--- request POST "+sim.URL) {
		t.Fatalf("--debug logged no request:\n%.2000s", logs.String())
	}
	check := func(name string, b []byte) {
		for _, s := range []string{key, secret, token} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the credential %q", name, s)
			}
		}
	}
	check("stdout and stderr", logs.Bytes())
	files, err := filepath.Glob(filepath.Join(out, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d files written: %v", len(files), files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(filepath.Base(f), b)
		if info, err := os.Stat(f); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", filepath.Base(f), info.Mode().Perm(), err)
		}
	}
}
