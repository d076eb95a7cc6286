package iamcollect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
)

const testAccount = "111122223333"

// writeEstate puts files (paths below the estate directory without
// ".json", to documents) and account.json in a fresh temporary directory.
func writeEstate(t *testing.T, files map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]any{
		"account": map[string]any{
			"UserId": "AIDAEXAMPLEUSERID0001", "Account": testAccount,
			"Arn": "arn:aws:iam::" + testAccount + ":user/pdr-audit",
		},
		// A region directory makes the estate a usual one.
		"eu-west-1/ssm/describe-instance-information": map[string]any{"InstanceInformationList": []any{}},
	}
	for k, v := range files {
		all[k] = v
	}
	for rel, doc := range all {
		p := filepath.Join(dir, filepath.FromSlash(rel)+".json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := json.MarshalIndent(doc, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// sim is a simulator serving one estate, with an IAM client pointed at it.
type sim struct {
	client  *iam.Client
	log     *syncBuffer
	running *awssim.Running
	stopped bool
}

func startSim(t *testing.T, dir string) *sim {
	t.Helper()
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	srv, err := awssim.NewServer(est, awssim.Options{CallsLog: log})
	if err != nil {
		t.Fatal(err)
	}
	running, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := awssim.SDKConfig(running.URL, "us-east-1")
	// The standard retryer without backoff or retry quota: injected faults
	// cost no time and never exhaust the client.
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		})
	}
	s := &sim{client: iam.NewFromConfig(cfg), log: log, running: running}
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *sim) stop(t *testing.T) {
	if s.stopped {
		return
	}
	s.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.running.Shutdown(ctx); err != nil {
		t.Errorf("simulator shutdown: %v", err)
	}
}

// callCounts stops the simulator (so every request is logged) and counts
// its calls by action.
func (s *sim) callCounts(t *testing.T) map[string]int {
	t.Helper()
	s.stop(t)
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	out := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(s.log.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var c struct {
			Action string `json:"action"`
		}
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("calls log line %q: %v", line, err)
		}
		out[c.Action]++
	}
	return out
}
