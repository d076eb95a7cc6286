package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
)

func estateDir(name string) string {
	return filepath.Join("..", "..", "testdata", "estates", name)
}

// sim serve prints its endpoint first, serves real AWS clients, writes the
// calls log, and exits 0 on SIGTERM.
func TestSimServeServesUntilSignalledAndExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	callsLog := filepath.Join(t.TempDir(), "calls.jsonl")
	cmd := exec.Command(pdrAuditBin(t), "sim", "serve", "--estate", estateDir("demo"), "--calls-log", callsLog)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read first line: %v (stderr %q)", err, stderr.String())
	}
	endpoint, ok := strings.CutPrefix(strings.TrimSpace(line), "endpoint: ")
	if !ok || !strings.HasPrefix(endpoint, "http://127.0.0.1:") {
		t.Fatalf("first line %q, want endpoint: http://127.0.0.1:PORT", line)
	}
	id, err := sts.NewFromConfig(awssim.SDKConfig(endpoint, "us-east-1")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Account != "111122223333" {
		t.Errorf("account %s, want the demo's 111122223333", *id.Account)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v (stderr %q)", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("sim serve did not exit after SIGTERM")
	}
	b, err := os.ReadFile(callsLog)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(string(b), "\n", 2)[0]), &rec); err != nil {
		t.Fatalf("calls log %q: %v", b, err)
	}
	for k, want := range map[string]string{"account": "111122223333", "service": "sts", "action": "GetCallerIdentity", "outcome": "ok"} {
		if rec[k] != want {
			t.Errorf("calls log %s = %v, want %s", k, rec[k], want)
		}
	}
	if info, err := os.Stat(callsLog); err == nil && info.Mode().Perm() != 0o600 {
		t.Errorf("calls log mode %v, want 0600", info.Mode().Perm())
	}
}

func TestSimServeRefusesABadEstateInOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "account.json"), []byte(`{"Account": "111122223333", "Arn": `), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdrAuditBin(t), "sim", "serve", "--estate", dir).CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != ExitError {
		t.Fatalf("err = %v, want exit %d", err, ExitError)
	}
	msg := string(out)
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "account.json") || !strings.Contains(msg, "line 1") {
		t.Errorf("output %q, want one line naming account.json and the position", msg)
	}
}
