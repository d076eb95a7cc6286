package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
)

func TestSimGenerateWritesAnEstateTheSimulatorLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "org")
	got := runMain(t, "sim", "generate", "--seed", "3", "--accounts", "2", "--regions", "2", "--vpcs", "1",
		"--instances", "12", "--kernel-lists", filepath.Join("..", "..", "policies", "data", "profiles"), "-o", dir)
	if got.code != 0 {
		t.Fatalf("exit %d, stderr %q", got.code, got.stderr)
	}
	for _, want := range []string{"estate: " + dir, "accounts: 2, account-regions: 4", "instances: 48 (8 appliances)"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("stdout %q lacks %q", got.stdout, want)
		}
	}
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatalf("the estate does not load: %v", err)
	}
	if len(est.Accounts) != 2 || est.ListAccounts == nil {
		t.Errorf("loaded %d accounts (organization %v); want an organization of 2", len(est.Accounts), est.ListAccounts != nil)
	}
}

func TestSimGenerateRefusesWhatItCannotWrite(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no output directory", []string{"--instances", "10"}, 2, "-o DIR is required"},
		{"fewer instances than appliances", []string{"--vpcs", "4", "--instances", "3", "-o", filepath.Join(t.TempDir(), "e")}, 2, "at least 2 per VPC"},
		{"an SSM coverage above one", []string{"--ssm-coverage", "2", "-o", filepath.Join(t.TempDir(), "e")}, 2, "ssm coverage must be from 0 to 1"},
		{"a directory that is not empty", []string{"-o", full}, 1, "is not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runMain(t, append([]string{"sim", "generate"}, tt.args...)...)
			if got.code != tt.code {
				t.Errorf("exit %d; want %d (stderr %q)", got.code, tt.code, got.stderr)
			}
			assertOneErrorLine(t, got.stderr, tt.want)
		})
	}
}

// sim serve --stats writes the counters when the simulator stops.
func TestSimServeWritesItsStatsWhenItStops(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	statsFile := filepath.Join(t.TempDir(), "stats.json")
	cmd := exec.Command(pdrAuditBin(t), "sim", "serve", "--estate", estateDir("demo"), "--stats", statsFile,
		"--throttle", "aws", "--bucket-scale", "0.5", "--ssm-bucket", "4", "--ssm-refill", "2",
		"--latency", "1ms", "--latency-per-item", "10us", "--latency-jitter", "1ms", "--seed", "7")
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
	endpoint := strings.TrimPrefix(strings.TrimSpace(line), "endpoint: ")
	cfg := awssim.SDKConfig(endpoint, "us-east-1")
	cfg.RetryMaxAttempts = 1
	client := ssm.NewFromConfig(cfg)
	var throttled int
	for range 4 {
		// Two tokens (4 scaled by 0.5): the third and fourth calls are throttled.
		_, err := client.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(50)})
		if err != nil {
			throttled++
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v (stderr %q)", err, stderr.String())
	}
	b, err := os.ReadFile(statsFile)
	if err != nil {
		t.Fatal(err)
	}
	var st awssim.Stats
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("stats %q: %v", b, err)
	}
	dii := st.Actions["ssm:DescribeInstanceInformation"]
	if throttled != 2 || st.Calls != 4 || st.Throttled != 2 || dii.Pages != 2 || dii.MaxPageItems == 0 {
		t.Errorf("%d calls throttled; stats %+v, DescribeInstanceInformation %+v; want 4 calls, 2 throttled, 2 pages", throttled, st, dii)
	}
}

func TestSimServeThrottleFlagsNeedThrottlingOn(t *testing.T) {
	for _, args := range [][]string{
		{"--bucket-scale", "0.1"},
		{"--ssm-bucket", "50"},
		{"--throttle", "aws", "--bucket-scale", "0"},
		{"--throttle", "aws", "--ssm-refill", "-1"},
	} {
		got := runMain(t, append([]string{"sim", "serve", "--estate", estateDir("demo")}, args...)...)
		if got.code != ExitUsage {
			t.Errorf("%v: exit %d; want %d (stderr %q)", args, got.code, ExitUsage, got.stderr)
		}
	}
}
