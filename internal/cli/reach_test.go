package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// reachRun runs pdr-audit in-process with args.
func reachRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: func() time.Time {
		return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	}}
	code = execute(context.Background(), env, newRootCmd(env), args)
	return code, out.String(), errb.String()
}

func reachDemoEstate(t *testing.T) string {
	return filepath.Join(simtest.EstatesDir(t), "demo")
}

func TestReachOnTheDemoEstate(t *testing.T) {
	demo := reachDemoEstate(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{
			name: "the analytics appliance's TCP 4138 to the data center is blocked by its subnet ACL's rule 90",
			args: []string{"--from", "i-075c290c942530871", "--to", "204.110.218.96/27", "--proto", "tcp", "--port", "4138"},
			code: ExitFindings,
			contains: []string{
				"blocked: i-075c290c942530871 to 204.110.218.96/27, tcp/4138\n",
				"  1. sg-0888167be8956aee0 (security-group, egress): egress rule allows tcp/4138 to ",
				"blocked by: acl-0c9a789bd61d2105f (network-acl, egress): rule 90 denies tcp 4138 to 204.110.218.96/27\n",
				"reason: acl-0c9a789bd61d2105f egress rule 90 denies tcp 4138 to 204.110.218.96/27\n",
			},
		},
		{
			name: "vault-1 reaches SSM through the interface endpoint",
			args: []string{"--from", "i-03fd9e1be4b90b541", "--to", "service:ssm", "--port", "443"},
			code: ExitOK,
			contains: []string{
				"allowed: i-03fd9e1be4b90b541 to service:ssm, tcp/443\n",
				"vpce-0bf2701b5d2e99815 (vpc-endpoint)",
				"sg-01b18f5e7088a36aa (security-group, ingress): ingress rule allows tcp/443 from 10.50.0.0/16",
			},
		},
		{
			name:     "ALL traffic is asked with --proto all and no port",
			args:     []string{"--from", "i-04e63e88010f48477", "--to", "i-0f56482480a0419fa", "--proto", "all"},
			code:     ExitFindings,
			contains: []string{"blocked by: sg-042c7a1fff4901656 (security-group, ingress)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := reachRun(t, append([]string{"reach", "--estate", demo}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
			for _, want := range tt.contains {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
		})
	}
}

func TestReachJSONHasExactlyTheDocumentedKeys(t *testing.T) {
	code, stdout, _ := reachRun(t, "reach", "--estate", reachDemoEstate(t), "--from", "i-0e4703afa6298b74d", "--to", "service:ssm",
		"--proto", "tcp", "--port", "443", "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitFindings, stdout)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if got := slices.Sorted(maps.Keys(doc)); strings.Join(got, ",") != "blocked_by,missing,path,verdict" {
		t.Errorf("keys %v", got)
	}
	var blocked map[string]string
	if err := json.Unmarshal(doc["blocked_by"], &blocked); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(blocked)); strings.Join(got, ",") != "direction,id,kind,reason,rule" {
		t.Errorf("blocked_by keys %v", got)
	}
	if blocked["id"] != "acl-01481e088148c465a" || blocked["kind"] != "network-acl" || blocked["direction"] != "egress" {
		t.Errorf("blocked_by = %v", blocked)
	}
	var path []map[string]string
	if err := json.Unmarshal(doc["path"], &path); err != nil || len(path) == 0 {
		t.Fatalf("path = %s (%v)", doc["path"], err)
	}
	if string(doc["verdict"]) != `"blocked"` || string(doc["missing"]) != "[]" {
		t.Errorf("verdict %s, missing %s", doc["verdict"], doc["missing"])
	}
}

// reachGapSnapshot is a snapshot whose network ACLs could not be read: i-a and
// i-b share a subnet, i-c is in another.
func reachGapSnapshot(t *testing.T) string {
	t.Helper()
	s := &model.Snapshot{SchemaVersion: model.SchemaVersion, Accounts: []model.Account{{ID: "111122223333", Regions: []model.Region{{
		Name: "us-east-1",
		VPCs: []model.VPC{{ID: "vpc-1", CIDRBlocks: []string{"10.0.0.0/16"}}},
		Subnets: []model.Subnet{{ID: "subnet-1", VPCID: "vpc-1", CIDRBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1a"},
			{ID: "subnet-2", VPCID: "vpc-1", CIDRBlock: "10.0.2.0/24", AvailabilityZone: "us-east-1b"}},
		SecurityGroups: []model.SecurityGroup{{ID: "sg-1", VPCID: "vpc-1",
			Ingress: []model.Permission{{Protocol: "-1", IPv4Ranges: []string{"10.0.0.0/16"}}},
			Egress:  []model.Permission{{Protocol: "-1", IPv4Ranges: []string{"0.0.0.0/0"}}}}},
		RouteTables: []model.RouteTable{{ID: "rtb-1", VPCID: "vpc-1", Main: true,
			Routes: []model.Route{{DestinationCIDR: "10.0.0.0/16", TargetType: model.TargetLocal, TargetID: "local", State: "active"}}}},
		Instances: []model.Instance{
			{ID: "i-a", State: "running", VPCID: "vpc-1", SubnetID: "subnet-1", PrivateIP: "10.0.1.10", SecurityGroupIDs: []string{"sg-1"}},
			{ID: "i-b", State: "running", VPCID: "vpc-1", SubnetID: "subnet-1", PrivateIP: "10.0.1.11", SecurityGroupIDs: []string{"sg-1"}},
			{ID: "i-c", State: "running", VPCID: "vpc-1", SubnetID: "subnet-2", PrivateIP: "10.0.2.12", SecurityGroupIDs: []string{"sg-1"}},
		},
	}}}}, Gaps: []model.Gap{{Account: "111122223333", Region: "us-east-1", API: "ec2:DescribeNetworkAcls", Class: model.GapDenied, Code: "UnauthorizedOperation"}}}
	path := filepath.Join(t.TempDir(), "snap.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := model.Encode(f, s); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReachUnknownExitsFour(t *testing.T) {
	code, stdout, stderr := reachRun(t, "reach", "--snapshot", reachGapSnapshot(t), "--from", "i-a", "--to", "i-c", "--port", "443")
	if code != ExitIncomplete {
		t.Fatalf("exit %d, want %d:\n%s%s", code, ExitIncomplete, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "unknown: ") || !strings.Contains(stdout, "missing:\n  - ec2:DescribeNetworkAcls could not be read in 111122223333/us-east-1") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestReachFromASnapshotFile(t *testing.T) {
	code, stdout, _ := reachRun(t, "reach", "--snapshot", reachGapSnapshot(t), "--from", "i-a", "--to", "i-b", "--proto", "udp", "--port", "53", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d, want 0 (one subnet: no ACL needed):\n%s", code, stdout)
	}
	if !strings.Contains(stdout, `"verdict": "allowed"`) || !strings.Contains(stdout, `"blocked_by": null`) {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestReachCommandLineErrors(t *testing.T) {
	snap := reachGapSnapshot(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no snapshot or estate collects live, which needs a region", []string{"--from", "i-a", "--to", "i-b", "--port", "1"}, ExitUsage, "no region"},
		{"live-collection flags with a snapshot", []string{"--snapshot", snap, "--regions", "us-east-1", "--from", "i-a", "--to", "i-b", "--port", "1"}, ExitUsage, "--regions applies to live collection"},
		{"both a snapshot and an estate", []string{"--snapshot", snap, "--estate", "x", "--from", "i-a", "--to", "i-b", "--port", "1"}, ExitUsage, "snapshot"},
		{"no --from", []string{"--snapshot", snap, "--to", "i-b", "--port", "1"}, ExitUsage, `"from"`},
		{"an unknown protocol", []string{"--snapshot", snap, "--from", "i-a", "--to", "i-b", "--proto", "sctp"}, ExitUsage, `--proto "sctp"`},
		{"tcp without a port", []string{"--snapshot", snap, "--from", "i-a", "--to", "i-b"}, ExitUsage, "--port is required for tcp"},
		{"an unknown format", []string{"--snapshot", snap, "--from", "i-a", "--to", "i-b", "--port", "1", "--format", "xml"}, ExitUsage, `--format "xml"`},
		{"a source id the snapshot does not hold", []string{"--snapshot", snap, "--from", "i-nope", "--to", "i-b", "--port", "1"}, ExitUsage, "i-nope not in the snapshot"},
		{"a destination that is nothing", []string{"--snapshot", snap, "--from", "i-a", "--to", "example.com", "--port", "1"}, ExitUsage, `destination "example.com"`},
		{"a snapshot that is not there", []string{"--snapshot", filepath.Join(t.TempDir(), "none.json"), "--from", "i-a", "--to", "i-b", "--port", "1"}, ExitError, "read snapshot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := reachRun(t, append([]string{"reach"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "pdr-audit: ") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}

func TestReachHelpDocumentsExitCodes(t *testing.T) {
	code, stdout, _ := reachRun(t, "reach", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"0 allowed, 3 blocked, 4 unknown", "service:NAME", "--format"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, stdout)
		}
	}
}

// With neither --snapshot nor --estate, reach collects live: here through
// the simulator, as against AWS with --endpoint-url.
func TestReachCollectsLiveWithCollectsScopeFlags(t *testing.T) {
	isolateAWS(t)
	sim := simtest.Start(t, filepath.Join(simtest.EstatesDir(t), "demo"), awssim.Options{})
	// The analytics appliance's NACL denies event transport (the demo story).
	code, stdout, stderr := runCLI(t, "reach", "--endpoint-url", sim.URL, "--regions", "eu-west-1", "--quiet",
		"--from", "i-075c290c942530871", "--to", "204.110.218.96/27", "--proto", "tcp", "--port", "4138")
	if code != ExitFindings || !strings.Contains(stdout, "acl-0c9a789bd61d2105f") {
		t.Errorf("exit %d, stdout %q, stderr %q; want blocked (3) by acl-0c9a789bd61d2105f", code, stdout, stderr)
	}
}
