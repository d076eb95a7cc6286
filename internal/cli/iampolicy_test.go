package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/iampolicy"
)

// callLog collects the simulator's call log.
type callLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *callLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// actions returns the distinct service:Action the log holds, from line
// offset on, and the number of lines.
func (l *callLog) actions(t *testing.T, from int) ([]string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(l.buf.String()), "\n")
	var out []string
	for _, line := range lines[min(from, len(lines)):] {
		var c struct{ Service, Action string }
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("call log line %q: %v", line, err)
		}
		out = append(out, c.Service+":"+c.Action)
	}
	slices.Sort(out)
	return slices.Compact(out), len(lines)
}

// granted is the policy's actions without those AWS authorizes without a
// call of their own; it checks each of those is implied by a call made.
func granted(t *testing.T, o iampolicy.Options, called []string) []string {
	t.Helper()
	p, err := iampolicy.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range p.Actions() {
		if slices.Contains(iampolicy.Recovery, a) {
			continue
		}
		if by, ok := iampolicy.Implied[a]; ok {
			if !slices.ContainsFunc(by, func(c string) bool { return slices.Contains(called, c) }) {
				t.Errorf("%s is granted for %v, none of which was called", a, by)
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

func startLogged(t *testing.T, estate string) (*awssim.Running, *callLog) {
	t.Helper()
	log := &callLog{}
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), estate))
	return simtest.Start(t, dir, awssim.Options{CallsLog: log}), log
}

// The audit policy's actions are exactly those a full collection calls:
// of every test estate, and with each option that calls more.
func TestTheAuditPolicyIsExactlyWhatCollectionCalls(t *testing.T) {
	isolateAWS(t)
	cases := []struct {
		name string
		opts iampolicy.Options
		runs [][]string // estate, then collect flags
	}{
		{"a single account", iampolicy.Options{For: "audit"},
			[][]string{{"demo"}, {"example"}}},
		{"kernels through run-command", iampolicy.Options{For: "audit", RunCommand: true},
			[][]string{{"demo", "--kernel-source", "run-command"}, {"example", "--kernel-source", "run-command"}}},
		{"an organization", iampolicy.Options{For: "audit", Org: true},
			[][]string{{"org", "--org", "--role-name", "pdr-audit"}, {"demo"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var called []string
			for _, run := range c.runs {
				sim, log := startLogged(t, run[0])
				args := append([]string{"collect", "--endpoint-url", sim.URL, "--regions", "all", "-q", "-o", filepath.Join(t.TempDir(), "s.json")}, run[1:]...)
				if code, _, stderr := runCLI(t, args...); code != ExitOK {
					t.Fatalf("collect exited %d: %s", code, stderr)
				}
				got, _ := log.actions(t, 0)
				called = append(called, got...)
			}
			slices.Sort(called)
			called = slices.Compact(called)
			if diff := cmp.Diff(granted(t, c.opts, called), called); diff != "" {
				t.Errorf("policy actions (-granted +called):\n%s", diff)
			}
		})
	}
	t.Run("security hub", func(t *testing.T) {
		sim, log := startLogged(t, "demo")
		args := []string{"audit", "--endpoint-url", sim.URL, "--regions", "all", "-q", "--security-hub", "--format", "json", "-o", filepath.Join(t.TempDir(), "r.json")}
		if code, _, stderr := runCLI(t, args...); code != ExitFindings {
			t.Fatalf("audit exited %d: %s", code, stderr)
		}
		called, _ := log.actions(t, 0)
		if diff := cmp.Diff(granted(t, iampolicy.Options{For: "audit", SecurityHub: true}, called), called); diff != "" {
			t.Errorf("policy actions (-granted +called):\n%s", diff)
		}
	})
}

// The apply policy's actions are exactly those apply and rollback call
// over plans holding every kind of change.
func TestTheApplyPolicyIsExactlyWhatApplyAndRollbackCall(t *testing.T) {
	isolateAWS(t)
	var called []string
	for _, groups := range []string{"existing", "dedicated"} {
		sim, log := startLogged(t, "demo")
		// Take away an appliance's egress rule, so a plan also adds one.
		api := ec2.NewFromConfig(simtest.Config(sim.URL, "eu-west-1", 1))
		if _, err := api.RevokeSecurityGroupEgress(context.Background(), &ec2.RevokeSecurityGroupEgressInput{
			GroupId: aws.String("sg-0888167be8956aee0"),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(4138), ToPort: aws.Int32(4138),
				IpRanges: []ec2types.IpRange{{CidrIp: aws.String("204.110.218.96/27")}}}},
		}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		plan, journal := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan.journal.json")
		code, _, stderr := runCLI(t, "plan", "--endpoint-url", sim.URL, "--regions", "all", "-q", "--allow-high-risk",
			"--config", remediationConfig(t, "app-s3-reader", groups), "-o", plan)
		if code != ExitOK {
			t.Fatalf("plan exited %d: %s", code, stderr)
		}
		_, from := log.actions(t, 0)
		for _, args := range [][]string{{"apply", plan}, {"rollback", journal}} {
			if code, _, stderr := runCLI(t, append(args, "--endpoint-url", sim.URL, "--auto-approve")...); code != ExitOK {
				t.Fatalf("%s exited %d: %s", args[0], code, stderr)
			}
		}
		got, _ := log.actions(t, from)
		called = append(called, got...)
	}
	slices.Sort(called)
	called = slices.Compact(called)
	if diff := cmp.Diff(granted(t, iampolicy.Options{For: "apply"}, called), called); diff != "" {
		t.Errorf("policy actions (-granted +called):\n%s", diff)
	}
}

func TestIAMPolicyPrintsValidJSONAndRefusesUnknownUses(t *testing.T) {
	code, out, stderr := runCLI(t, "iam-policy", "--for", "apply")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var p iampolicy.Policy
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Version != "2012-10-17" || len(p.Statement) == 0 {
		t.Fatalf("policy %q: %v", out, err)
	}
	if code, _, stderr := runCLI(t, "iam-policy", "--for", "everything"); code != ExitUsage || !strings.Contains(stderr, "audit or apply") {
		t.Errorf("--for everything: exit %d, %s", code, stderr)
	}
}
