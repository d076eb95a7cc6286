package collect_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

type call struct {
	Account, Region, Service, Action, Outcome string
}

func (s *syncBuffer) calls(t *testing.T) []call {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []call
	sc := bufio.NewScanner(bytes.NewReader(s.buf.Bytes()))
	for sc.Scan() {
		var c call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// run collects an estate through a simulator on loopback.
func run(t *testing.T, dir string, opts collect.Options, log *syncBuffer) *model.Snapshot {
	t.Helper()
	simOpts := awssim.Options{}
	if log != nil {
		simOpts.CallsLog = log
	}
	sim := simtest.Start(t, dir, simOpts)
	if opts.Regions == nil {
		opts.Regions = []string{collect.AllRegions}
	}
	opts.Now = fixedNow
	opts.PollInterval = -1
	snap, err := collect.Collect(context.Background(), simtest.Config(sim.URL, "us-east-1", 8), opts)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func estate(t *testing.T, name string) string { return filepath.Join(simtest.EstatesDir(t), name) }

func writeFaults(t *testing.T, dir, faults string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte(faults), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAPersistentDenialIsExactlyOneGapAndNothingElseIsMissing(t *testing.T) {
	clean := run(t, estate(t, "demo"), collect.Options{}, nil)
	if len(clean.Gaps) != 0 {
		t.Fatalf("the clean demo has gaps: %+v", clean.Gaps)
	}
	dir := simtest.CopyEstate(t, estate(t, "demo"))
	writeFaults(t, dir, `[{"region": "eu-west-1", "action": "ec2:DescribeNetworkAcls", "error": "UnauthorizedOperation"}]`)
	got := run(t, dir, collect.Options{}, nil)
	want := []model.Gap{{Account: "111122223333", Region: "eu-west-1", API: "ec2:DescribeNetworkAcls", Class: model.GapDenied,
		Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}}
	if diff := cmp.Diff(want, got.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	// Everything but eu-west-1's NACLs is as in the clean run.
	for i := range got.Accounts[0].Regions {
		if got.Accounts[0].Regions[i].Name == "eu-west-1" {
			if n := len(got.Accounts[0].Regions[i].NetworkACLs); n != 0 {
				t.Errorf("%d NACLs read in spite of the denial", n)
			}
			got.Accounts[0].Regions[i].NetworkACLs = clean.Accounts[0].Regions[i].NetworkACLs
		}
	}
	got.Gaps = clean.Gaps
	if diff := cmp.Diff(clean, got); diff != "" {
		t.Errorf("the denial changed more than eu-west-1's NACLs (-clean +faulted):\n%s", diff)
	}
}

func TestATransientThrottleLeavesNoTrace(t *testing.T) {
	clean := run(t, estate(t, "demo"), collect.Options{}, nil)
	dir := simtest.CopyEstate(t, estate(t, "demo"))
	writeFaults(t, dir, `[{"action": "ec2:DescribeInstances", "error": "RequestLimitExceeded", "first": 5},
	  {"action": "ssm:DescribeInstanceInformation", "error": "ThrottlingException", "first": 3}]`)
	var log syncBuffer
	got := run(t, dir, collect.Options{}, &log)
	if diff := cmp.Diff(clean, got); diff != "" {
		t.Errorf("a throttle that clears changed the snapshot (-clean +throttled):\n%s", diff)
	}
	throttled := 0
	for _, c := range log.calls(t) {
		if c.Outcome != "ok" {
			throttled++
		}
	}
	if throttled != 8 {
		t.Errorf("%d throttled calls, want the 8 injected (the faults must have fired)", throttled)
	}
}

func TestAnAccountThatCannotBeEnteredIsOneGapAndTheRestAreComplete(t *testing.T) {
	opts := collect.Options{Org: true, RoleName: "pdr-audit"}
	clean := run(t, estate(t, "org"), opts, nil)
	dir := simtest.CopyEstate(t, estate(t, "org"))
	writeFaults(t, dir, `[{"account": "333344445555", "action": "sts:AssumeRole", "error": "AccessDenied"}]`)
	got := run(t, dir, opts, nil)
	if len(got.Gaps) != 1 || got.Gaps[0].Account != "333344445555" || got.Gaps[0].API != "sts:AssumeRole" || got.Gaps[0].Class != model.GapDenied {
		t.Fatalf("gaps = %+v, want one denied sts:AssumeRole gap for 333344445555", got.Gaps)
	}
	var want []model.Account
	for _, a := range clean.Accounts {
		if a.ID != "333344445555" {
			want = append(want, a)
		}
	}
	if diff := cmp.Diff(want, got.Accounts); diff != "" {
		t.Errorf("the other accounts differ from a clean run (-clean +got):\n%s", diff)
	}
	if len(clean.Accounts) != len(got.Scope.Accounts) {
		t.Errorf("scope lists %d accounts, want all %d asked for", len(got.Scope.Accounts), len(clean.Accounts))
	}
}

// minimumCalls counts the calls a collection of a single-account estate
// needs at AWS's maximum page sizes, from the estate's own files: one call
// per page of every listing, plus the per-resource reads no listing can
// replace (prefix-list entries, inventory of each SSM-managed Linux
// instance, instance profiles and their roles).
func minimumCalls(t *testing.T, dir string) map[string]int {
	t.Helper()
	read := func(rel string) map[string]any {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	list := func(doc map[string]any, key string) []any {
		l, _ := doc[key].([]any)
		return l
	}
	pages := func(n, size int) int { return max(1, (n+size-1)/size) }
	want := map[string]int{"sts:GetCallerIdentity": 1, "ec2:DescribeRegions": 1}
	regions, _ := os.ReadDir(dir)
	profiles := map[string]bool{}
	for _, r := range regions {
		if !r.IsDir() || r.Name() == "iam" {
			continue
		}
		rd := func(f string) map[string]any { return read(filepath.Join(r.Name(), f)) }
		for file, spec := range map[string]struct {
			action, key string
			size        int
		}{
			"ec2/describe-vpcs.json": {"DescribeVpcs", "Vpcs", 1000}, "ec2/describe-subnets.json": {"DescribeSubnets", "Subnets", 1000},
			"ec2/describe-security-groups.json":      {"DescribeSecurityGroups", "SecurityGroups", 1000},
			"ec2/describe-network-acls.json":         {"DescribeNetworkAcls", "NetworkAcls", 1000},
			"ec2/describe-route-tables.json":         {"DescribeRouteTables", "RouteTables", 100},
			"ec2/describe-nat-gateways.json":         {"DescribeNatGateways", "NatGateways", 1000},
			"ec2/describe-internet-gateways.json":    {"DescribeInternetGateways", "InternetGateways", 1000},
			"ec2/describe-vpc-endpoints.json":        {"DescribeVpcEndpoints", "VpcEndpoints", 1000},
			"ec2/describe-managed-prefix-lists.json": {"DescribeManagedPrefixLists", "PrefixLists", 100},
			"ec2/describe-instances.json":            {"DescribeInstances", "Reservations", 1000},
			"ssm/describe-instance-information.json": {"DescribeInstanceInformation", "InstanceInformationList", 50},
		} {
			svc, _, _ := strings.Cut(file, "/")
			want[svc+":"+spec.action] += pages(len(list(rd(file), spec.key)), spec.size)
		}
		want["ssm:GetServiceSetting"]++
		// Prefix lists referenced by a security group rule or a route.
		referenced := map[string]bool{}
		for _, g := range list(rd("ec2/describe-security-groups.json"), "SecurityGroups") {
			for _, k := range []string{"IpPermissions", "IpPermissionsEgress"} {
				for _, p := range list(g.(map[string]any), k) {
					for _, pl := range list(p.(map[string]any), "PrefixListIds") {
						referenced[pl.(map[string]any)["PrefixListId"].(string)] = true
					}
				}
			}
		}
		for _, rt := range list(rd("ec2/describe-route-tables.json"), "RouteTables") {
			for _, route := range list(rt.(map[string]any), "Routes") {
				if id, ok := route.(map[string]any)["DestinationPrefixListId"].(string); ok {
					referenced[id] = true
				}
			}
		}
		for id := range referenced {
			want["ec2:GetManagedPrefixListEntries"] += pages(len(list(rd("ec2/get-managed-prefix-list-entries/"+id+".json"), "Entries")), 100)
		}
		linux := map[string]bool{}
		for _, info := range list(rd("ssm/describe-instance-information.json"), "InstanceInformationList") {
			m := info.(map[string]any)
			if m["PlatformType"] == "Linux" {
				linux[m["InstanceId"].(string)] = true
			}
		}
		for _, res := range list(rd("ec2/describe-instances.json"), "Reservations") {
			for _, in := range list(res.(map[string]any), "Instances") {
				m := in.(map[string]any)
				if p, ok := m["IamInstanceProfile"].(map[string]any); ok {
					profiles[p["Arn"].(string)] = true
				}
				if m["State"].(map[string]any)["Name"] != "running" || m["Platform"] == "windows" || !linux[m["InstanceId"].(string)] {
					continue
				}
				entries := 0
				for _, e := range list(rd("ssm/list-inventory-entries/"+m["InstanceId"].(string)+"/AWS_Application.json"), "Entries") {
					name, _ := e.(map[string]any)["Name"].(string)
					if strings.HasPrefix(name, "kernel") || strings.HasPrefix(name, "linux-image-") {
						entries++
					}
				}
				want["ssm:ListInventoryEntries"] += pages(entries, 50)
			}
		}
	}
	roles := map[string]bool{}
	for arn := range profiles {
		want["iam:GetInstanceProfile"]++
		name := arn[strings.LastIndex(arn, "/")+1:]
		for _, r := range list(read("iam/get-instance-profile/" + name + ".json")["InstanceProfile"].(map[string]any), "Roles") {
			roles[r.(map[string]any)["RoleName"].(string)] = true
		}
	}
	for role := range roles {
		want["iam:ListAttachedRolePolicies"] += pages(len(list(read("iam/list-attached-role-policies/"+role+".json"), "AttachedPolicies")), 1000)
	}
	return want
}

func TestCollectingTheDemoMakesTheMinimumNumberOfCalls(t *testing.T) {
	var log syncBuffer
	run(t, estate(t, "demo"), collect.Options{}, &log)
	got := map[string]int{}
	for _, c := range log.calls(t) {
		if c.Outcome != "ok" {
			t.Errorf("call %+v failed", c)
		}
		got[c.Service+":"+c.Action]++
	}
	t.Logf("calls made: %v", got)
	if diff := cmp.Diff(minimumCalls(t, estate(t, "demo")), got); diff != "" {
		t.Errorf("calls per API (-minimum +made):\n%s", diff)
	}
}

func TestScopeErrorsAreCaughtBeforeAnyCall(t *testing.T) {
	for name, opts := range map[string]collect.Options{
		"--org without --role-name":      {Org: true, Regions: []string{"us-east-1"}},
		"--accounts without --role-name": {Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}},
		"a malformed account id":         {Accounts: []string{"1234"}, RoleName: "r", Regions: []string{"us-east-1"}},
		"an unknown region":              {Regions: []string{"us-moon-1"}},
		"all mixed with names":           {Regions: []string{"all", "us-east-1"}},
		"an unknown kernel source":       {Regions: []string{"us-east-1"}, KernelSource: "guess"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := collect.Collect(context.Background(), simtest.Config("http://127.0.0.1:9", "us-east-1", 1), opts)
			if err == nil || !strings.Contains(err.Error(), "invalid scope") {
				t.Errorf("err = %v, want an invalid scope error", err)
			}
		})
	}
}
