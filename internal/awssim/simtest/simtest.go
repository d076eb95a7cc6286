// Package simtest starts the simulator for tests and builds SDK
// configurations that talk to it with a fast, deterministic retryer. It is
// imported only by tests.
package simtest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
)

// EstatesDir is the repository's test estates, relative to a package
// directory two levels below the module root (internal/<pkg>).
func EstatesDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "testdata", "estates")
		}
	}
	tb.Fatalf("no go.mod above %s", dir)
	return ""
}

// Start serves the estate at dir until the test ends and returns the
// running simulator.
func Start(tb testing.TB, dir string, opts awssim.Options) *awssim.Running {
	tb.Helper()
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := awssim.NewServer(est, opts)
	if err != nil {
		tb.Fatal(err)
	}
	run, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := run.Shutdown(ctx); err != nil {
			tb.Errorf("shut down simulator: %v", err)
		}
	})
	return run
}

// Config is awssim.SDKConfig with the SDK's standard retryer made fast
// for tests: no backoff delay and no client-side retry quota, so injected
// faults are retried immediately and never exhaust a token bucket.
func Config(endpoint, region string, maxAttempts int) aws.Config {
	cfg := awssim.SDKConfig(endpoint, region)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.Backoff = noBackoff{}
			o.RateLimiter = ratelimit.None
		})
	}
	return cfg
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// CopyEstate copies an estate directory into a temporary one the test may
// change (to add a faults.json, say) and returns its path.
func CopyEstate(tb testing.TB, src string) string {
	tb.Helper()
	dst := tb.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		tb.Fatalf("copy estate: %v", err)
	}
	return dst
}
