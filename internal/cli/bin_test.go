package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// End-to-end tests run the real binary. `make test` builds it once and
// exports its path in PDR_AUDIT_BIN; a plain `go test` builds it once per
// test process into a temporary directory, removed by TestMain.
var (
	binOnce sync.Once
	binPath string
	binDir  string
	binErr  error
)

// pdrAuditBin returns the path of the pdr-audit binary to run end-to-end
// tests against, building it if PDR_AUDIT_BIN is not set.
func pdrAuditBin(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if p := os.Getenv("PDR_AUDIT_BIN"); p != "" {
			binPath = p
			return
		}
		binDir, binErr = os.MkdirTemp("", "pdr-audit-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "pdr-audit")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/pdr-audit/pdr-audit/cmd/pdr-audit").CombinedOutput()
		if err != nil {
			binErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build pdr-audit: %v", binErr)
	}
	// Stat (not just exec) the binary: the go test cache records files a
	// test stats, so a rebuilt binary invalidates cached results.
	if _, err := os.Stat(binPath); err != nil {
		t.Fatalf("pdr-audit binary: %v (PDR_AUDIT_BIN=%q)", err, os.Getenv("PDR_AUDIT_BIN"))
	}
	return binPath
}

// cleanupBinary removes a binary built by pdrAuditBin.
func cleanupBinary() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := pdrAuditBin(t)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout *regexp.Regexp
		wantStderr *regexp.Regexp
	}{
		{"the binary prints its version", []string{"version"}, ExitOK, regexp.MustCompile(`^pdr-audit \S+\n$`), regexp.MustCompile(`^$`)},
		{"the binary exits 2 on an unknown flag with one error line", []string{"--bogus"}, ExitUsage, regexp.MustCompile(`^$`), regexp.MustCompile(`^pdr-audit: unknown flag: --bogus[^\n]*\n$`)},
		{"the binary exits 2 on an unknown command with one error line", []string{"bogus"}, ExitUsage, regexp.MustCompile(`^$`), regexp.MustCompile(`^pdr-audit: unknown command "bogus"[^\n]*\n$`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("run %s %s: %v", bin, strings.Join(tt.args, " "), err)
			}
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !tt.wantStdout.MatchString(stdout.String()) {
				t.Errorf("stdout = %q, want match for %s", stdout.String(), tt.wantStdout)
			}
			if !tt.wantStderr.MatchString(stderr.String()) {
				t.Errorf("stderr = %q, want match for %s", stderr.String(), tt.wantStderr)
			}
		})
	}
}
