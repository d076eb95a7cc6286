package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/policy"
)

const demoEstate = "../../testdata/estates/demo"

// fault is one entry of an estate's faults.json: a read that fails every
// time, which collection records as a gap.
type fault struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Action  string `json:"action"`
	Error   string `json:"error"`
}

// demoSnapshot collects the demo estate in-process, as `pdr-audit import`
// does, with faults making the given reads fail.
func demoSnapshot(t testing.TB, faults ...fault) *model.Snapshot {
	t.Helper()
	est, err := awssim.LoadEstate(demoEstate)
	if err != nil {
		t.Fatal(err)
	}
	if len(faults) > 0 {
		b, err := json.Marshal(faults)
		if err != nil {
			t.Fatal(err)
		}
		est.FaultFiles = map[string]awssim.FaultFile{"": {Path: "injected-faults.json", Data: b}}
	}
	srv, err := awssim.NewServer(est, awssim.Options{PersistentFaultsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := awssim.SDKConfig(awssim.InProcessEndpoint, "us-east-1")
	cfg.HTTPClient = awssim.InProcessClient(srv)
	cfg.RetryMaxAttempts = 1
	snap, err := collect.Collect(context.Background(), cfg, collect.Options{
		Regions: []string{collect.AllRegions}, KernelSource: "run-command", PollInterval: -1, Source: "import",
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// evaluate runs the catalog over snap under profile.
func evaluate(t *testing.T, profile string, snap *model.Snapshot) []finding.Result {
	t.Helper()
	e, err := policy.New(context.Background(), policy.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.Evaluate(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Status == finding.Error {
			t.Errorf("%s %s: %s", r.RuleID, r.ResourceID, r.Message)
		}
	}
	return rs
}

// scaled returns the demo snapshot grown to at least n instances: copies
// of its monitored instances (with their SSM records and kernels) under new
// instance and interface ids, in the same subnets and security groups and
// with the same private addresses.
func scaled(t testing.TB, snap *model.Snapshot, n int) *model.Snapshot {
	b, err := model.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	out, err := model.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, a := range out.Accounts {
		for _, r := range a.Regions {
			total += len(r.Instances)
		}
	}
	seq := 0
	for total < n {
		for ai := range out.Accounts {
			for ri := range out.Accounts[ai].Regions {
				r := &out.Accounts[ai].Regions[ri]
				ssm := map[string]model.SSMInstance{}
				for _, s := range r.SSMInstances {
					ssm[s.InstanceID] = s
				}
				kernels := map[string]model.Kernel{}
				for _, k := range r.Kernels {
					kernels[k.InstanceID] = k
				}
				for _, in := range r.Instances {
					appliance := in.Tags["ProductVendor"] != "" || strings.Contains(strings.ToLower(in.Tags["Name"]), "threat manager")
					if in.State != "running" || appliance || total >= n {
						continue
					}
					seq++
					id := fmt.Sprintf("i-%017x", 0xf0000000+seq)
					c := in
					c.ID = id
					c.NetworkInterfaces = slices.Clone(in.NetworkInterfaces)
					for k := range c.NetworkInterfaces {
						c.NetworkInterfaces[k].ID = fmt.Sprintf("eni-%017x", 0xf0000000+seq*8+k)
					}
					r.Instances = append(r.Instances, c)
					if s, ok := ssm[in.ID]; ok {
						s.InstanceID = id
						r.SSMInstances = append(r.SSMInstances, s)
					}
					if k, ok := kernels[in.ID]; ok {
						k.InstanceID = id
						r.Kernels = append(r.Kernels, k)
					}
					total++
				}
			}
		}
	}
	return out
}

// BenchmarkEvaluateScaledDemo evaluates the catalog over the demo grown to
// 10,000 instances.
func BenchmarkEvaluateScaledDemo(b *testing.B) {
	snap := scaled(b, demoSnapshot(b), 10000)
	e, err := policy.New(context.Background(), policy.Options{Profile: "pdr-2020-03"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Evaluate(context.Background(), snap); err != nil {
			b.Fatal(err)
		}
	}
}

// demoIDs names the demo's instances as its README does.
var demoIDs = map[string]string{
	"prod-web-tm-a":                        "i-0279437c3c869fc65",
	"AlertLogic Threat Manager prod-web b": "i-04322eedbd83b32d6",
	"bastion-1":                            "i-075bf01053711d645",
	"web-1":                                "i-069f6df0bd0b76287",
	"web-3":                                "i-02c0dc928968f9ea5",
	"web-2":                                "i-0246f4c3a2c0b6144",
	"app-1":                                "i-0b3ae1362d54b4ff5",
	"app-2":                                "i-06452c60a5d0f64b4",
	"api-1":                                "i-0f567c5d1ab4a6a31",
	"worker-1":                             "i-0a94c99904f8cf46c",
	"win-web-1":                            "i-00dc62997e5f75848",
	"win-web-2":                            "i-040c2a5fbefbe21ed",
	"prod-app Threat Manager":              "i-04e63e88010f48477",
	"pay-api-1":                            "i-0b6856a86ebbe274a",
	"pay-api-2":                            "i-04f3649ccdde6427a",
	"pay-worker-1":                         "i-088246345e15e3a02",
	"pay-api-3":                            "i-0090fe2bfce7d3525",
	"pay-web-1":                            "i-0f56482480a0419fa",
	"pay-batch-1":                          "i-0f1f87a4cd27ceece",
	"pay-batch-2":                          "i-05f58e92dc31f510c",
	"pay-report-1":                         "i-0e2c065b62e2e1800",
	"analytics-ids-a":                      "i-075c290c942530871",
	"analytics Threat Manager b":           "i-0d825b1e621ddc5a9",
	"etl-1":                                "i-06c916c940f8cb2ae",
	"etl-2":                                "i-01f960fcc7ca92187",
	"etl-3":                                "i-08a4fc9e8db06a98d",
	"etl-4":                                "i-01d78b93d783402f1",
	"etl-5":                                "i-03e05f15e5bc7ded5",
	"etl-6":                                "i-0494fb215d364e133",
	"etl-7":                                "i-098276393f921dfee",
	"etl-8":                                "i-0d5225e490850d38a",
	"etl-win-1":                            "i-0a3aa01d626ee8b91",
	"etl-win-2":                            "i-0821c3706f7748c92",
	"vault-1":                              "i-03fd9e1be4b90b541",
	"vault-2":                              "i-039c2ba299ed40cce",
	"vault-3":                              "i-088cd94f3916c6f3f",
	"vault-batch-1":                        "i-0e4703afa6298b74d",
	"vault-batch-2":                        "i-01958c216e47c5732",
	"legacy-ftp":                           "i-09bc302b3ff324f65",
}

// The demo's VPCs.
const (
	prodWeb   = "vpc-098c1fcae3c860e8c"
	prodApp   = "vpc-0bf81f5e18895f522"
	analytics = "vpc-0b00ac00b93843520"
	vault     = "vpc-09db142956782acf7"
	defVPC    = "vpc-0449efa64a84307fa"
)

// story is what the demo README says about the results that do not pass,
// for profile pdr-2020-03: rule → resource (an instance name, or a VPC
// resource id) → status. Every other result passes.
var story = map[string]map[string]finding.Status{
	"PDR-TM-001": {prodApp: finding.Fail, vault: finding.Fail, defVPC: finding.Fail},
	"PDR-TM-002": {
		prodApp + "/us-east-1b": finding.Fail,
		vault + "/eu-west-1a":   finding.Fail, vault + "/eu-west-1b": finding.Fail, vault + "/eu-west-1c": finding.Fail,
		defVPC + "/eu-west-1a": finding.Fail,
	},
	"PDR-TM-003": {"analytics-ids-a": finding.Fail},
	"PDR-TM-004": {"analytics Threat Manager b": finding.Fail},
	"PDR-TM-005": {"prod-app Threat Manager": finding.Fail},
	// The README says nothing fails for vault and the default VPC here; the
	// catalog reports that the agents there have no appliance to send to.
	"PDR-AG-001": names(finding.Fail, "etl-1", "etl-2", "etl-3", "etl-4", "etl-5", "etl-6", "etl-7", "etl-8",
		"etl-win-1", "etl-win-2", "vault-1", "vault-2", "vault-3", "vault-batch-1", "vault-batch-2", "legacy-ftp"),
	"PDR-AG-002": names(finding.Fail, "pay-batch-1", "pay-batch-2", "vault-1", "vault-2", "vault-3", "vault-batch-1", "vault-batch-2"),
	"PDR-SSM-001": names(finding.Fail, "pay-api-2", "pay-worker-1", "pay-batch-2", "pay-batch-1", "vault-batch-1",
		"vault-batch-2"),
	"PDR-SSM-002": names(finding.Fail, "pay-batch-1", "pay-batch-2", "vault-batch-1", "vault-batch-2"),
	"PDR-SSM-003": names(finding.Fail, "pay-api-2", "pay-batch-2", "pay-worker-1"),
	"PDR-OS-001": merge(names(finding.Fail, "etl-win-2"),
		names(finding.Unknown, "pay-api-2", "pay-worker-1", "pay-batch-2", "vault-batch-1", "vault-batch-2")),
	"PDR-OS-002": merge(names(finding.Fail, "etl-1", "etl-3", "etl-4", "etl-8"),
		names(finding.Unknown, "etl-2", "pay-api-2", "pay-worker-1", "vault-batch-1", "vault-batch-2")),
}

// story201810 is what differs under pdr-2018-10.
var story201810 = map[string]map[string]finding.Status{
	"PDR-OS-001": names(finding.Fail, "etl-win-1", "etl-4"),
	"PDR-OS-002": names(finding.Fail, "pay-api-3"),
}

func names(st finding.Status, ns ...string) map[string]finding.Status {
	m := map[string]finding.Status{}
	for _, n := range ns {
		m[n] = st
	}
	return m
}

func merge(ms ...map[string]finding.Status) map[string]finding.Status {
	out := map[string]finding.Status{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// resourceID turns a story's instance name into its id.
func resourceID(name string) string {
	if id, ok := demoIDs[name]; ok {
		return id
	}
	return name
}

func TestDemoStory(t *testing.T) {
	snap := demoSnapshot(t)
	for _, profile := range policy.Profiles {
		t.Run(profile, func(t *testing.T) {
			want := map[string]finding.Status{}
			for rule, m := range story {
				for name, st := range m {
					want[rule+" "+resourceID(name)] = st
				}
			}
			if profile == "pdr-2018-10" {
				for rule, m := range story201810 {
					for name, st := range m {
						want[rule+" "+resourceID(name)] = st
					}
				}
			}
			results := evaluate(t, profile, snap)
			perRule := map[string]int{}
			for _, r := range results {
				perRule[r.RuleID]++
				key := r.RuleID + " " + r.ResourceID
				st, ok := want[key]
				if !ok {
					st = finding.Pass
				}
				if r.Status != st {
					t.Errorf("%s is %s, want %s: %s", key, r.Status, st, r.Message)
				}
				delete(want, key)
			}
			for key := range want {
				t.Errorf("%s has no result", key)
			}
			// One result per resource: 5 VPCs, 10 VPC zones, 5 appliances,
			// 33 monitored instances (27 of them Linux), no gap.
			counts := map[string]int{
				"PDR-TM-001": 5, "PDR-TM-002": 10, "PDR-TM-003": 5, "PDR-TM-004": 5, "PDR-TM-005": 5,
				"PDR-AG-001": 33, "PDR-AG-002": 33, "PDR-SSM-001": 33, "PDR-SSM-002": 33, "PDR-SSM-003": 33,
				"PDR-OS-001": 33, "PDR-OS-002": 27, "PDR-COV-001": 0,
			}
			for rule, n := range counts {
				if perRule[rule] != n {
					t.Errorf("%s has %d results, want %d", rule, perRule[rule], n)
				}
			}
		})
	}
}

func TestDemoMessages(t *testing.T) {
	results := evaluate(t, "pdr-2020-03", demoSnapshot(t))
	find := func(rule, name string) finding.Result {
		t.Helper()
		for _, r := range results {
			if r.RuleID == rule && r.ResourceID == resourceID(name) {
				return r
			}
		}
		t.Fatalf("no %s result for %s", rule, name)
		return finding.Result{}
	}
	tests := []struct {
		name, rule, resource string
		contains             []string
		blockedBy            string
	}{
		{"the analytics appliance's event transport is denied by its subnet's network ACL", "PDR-TM-003", "analytics-ids-a",
			[]string{"tcp/4138 to 204.110.218.96/27 is blocked", "acl-0c9a789bd61d2105f", "rule 90"}, "acl-0c9a789bd61d2105f"},
		{"the analytics agents' data transport is refused by the appliance group", "PDR-AG-001", "etl-1",
			[]string{"tcp/7777", "sg-0888167be8956aee0"}, "sg-0888167be8956aee0"},
		{"an agent in a VPC without appliance has nothing to send to", "PDR-AG-001", "vault-1",
			[]string{"no running Threat Manager appliance in " + vault, "PDR-TM-001"}, ""},
		{"pay-web-1 refuses the appliance's scan", "PDR-TM-005", "prod-app Threat Manager",
			[]string{demoIDs["pay-web-1"], "sg-042c7a1fff4901656"}, "sg-042c7a1fff4901656"},
		{"the blackhole route cuts pay-batch-1 from the internet", "PDR-AG-002", "pay-batch-1",
			[]string{"rtb-043a6f4b0a460d101", "blackhole"}, "rtb-043a6f4b0a460d101"},
		{"the isolated subnet's network ACL keeps vault-batch-1 from the SSM endpoints", "PDR-SSM-002", "vault-batch-1",
			[]string{"acl-01481e088148c465a"}, "acl-01481e088148c465a"},
		{"vault reaches SSM through its interface endpoints", "PDR-SSM-002", "vault-1",
			[]string{"tcp/443 reaches the ssm, ec2messages, ssmmessages endpoints"}, ""},
		{"the deprecated policy passes with a warning", "PDR-SSM-003", "pay-api-1",
			[]string{"AmazonEC2RoleforSSM", "deprecated"}, ""},
		{"DHMC passes an instance without a profile", "PDR-SSM-003", "etl-6",
			[]string{"Default Host Management Configuration is on in eu-west-1"}, ""},
		{"the two-kernel instance's kernel is unknown, not guessed", "PDR-OS-002", "etl-2",
			[]string{"2 kernel packages in inventory"}, ""},
		{"uname evidence decides over inventory", "PDR-OS-002", "etl-1",
			[]string{"4.14.177-107.254.amzn1.x86_64", "uname -r"}, ""},
		{"an arm64 instance fails whatever its kernel", "PDR-OS-002", "etl-4",
			[]string{"arm64"}, ""},
		{"Windows is judged by build number", "PDR-OS-001", "etl-win-2",
			[]string{"10.0.20348", "not in the pdr-2020-03 compatibility list"}, ""},
		{"a public appliance fails the exposure rule", "PDR-TM-004", "analytics Threat Manager b",
			[]string{"54.170.83.184", "igw-"}, ""},
		{"a private appliance falls back to the main route table", "PDR-TM-004", "prod-app Threat Manager",
			[]string{"nat-0a3f85f7c3d44e0f3"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := find(tt.rule, tt.resource)
			for _, c := range tt.contains {
				if !strings.Contains(r.Message, c) {
					t.Errorf("message %q does not mention %q", r.Message, c)
				}
			}
			switch {
			case tt.blockedBy == "" && r.BlockedBy != nil:
				t.Errorf("blocked_by is %+v, want none", *r.BlockedBy)
			case tt.blockedBy != "" && (r.BlockedBy == nil || r.BlockedBy.ID != tt.blockedBy):
				t.Errorf("blocked_by is %+v, want %s", r.BlockedBy, tt.blockedBy)
			}
		})
	}
}

// TestDemoExposureSeverityFollowsTheProfile: PDR-TM-004 is medium under
// pdr-2020-03 and low (public IP only) under pdr-2018-10.
func TestDemoExposureSeverityFollowsTheProfile(t *testing.T) {
	snap := demoSnapshot(t)
	for profile, want := range map[string]finding.Severity{"pdr-2020-03": finding.Medium, "pdr-2018-10": finding.Low} {
		for _, r := range evaluate(t, profile, snap) {
			if r.RuleID == "PDR-TM-004" && r.Severity != want {
				t.Errorf("%s: PDR-TM-004 %s has severity %s, want %s", profile, r.ResourceID, r.Severity, want)
			}
		}
	}
}

// gapCase makes reads fail and names, for some rules, the results that
// needed the missing data: none of them may pass.
type gapCase struct {
	name   string
	faults []fault
	// affected says whether rule's result r needed the data (base is the
	// snapshot collected without faults).
	affected func(rule string, r finding.Result, base *model.Snapshot) bool
	// gone, when set, is a region whose results all disappear (the
	// instance listing itself failed).
	gone string
}

func ec2Fault(region, action string) fault {
	return fault{Account: "*", Region: region, Action: "ec2:" + action, Error: "UnauthorizedOperation"}
}

func ssmFault(region, action string) fault {
	return fault{Account: "*", Region: region, Action: "ssm:" + action, Error: "AccessDeniedException"}
}

func iamFault(action string) fault {
	return fault{Account: "*", Region: "*", Action: "iam:" + action, Error: "AccessDenied"}
}

// in holds for a result of one of rules in region, except the named
// resources.
func in(region string, rules []string, except ...string) func(string, finding.Result, *model.Snapshot) bool {
	return func(rule string, r finding.Result, _ *model.Snapshot) bool {
		if r.Region != region || !slices.Contains(rules, rule) {
			return false
		}
		for _, n := range except {
			if resourceID(n) == r.ResourceID {
				return false
			}
		}
		return true
	}
}

// either holds when one of fs does.
func either(fs ...func(string, finding.Result, *model.Snapshot) bool) func(string, finding.Result, *model.Snapshot) bool {
	return func(rule string, r finding.Result, base *model.Snapshot) bool {
		for _, f := range fs {
			if f(rule, r, base) {
				return true
			}
		}
		return false
	}
}

// instanceOf returns instance id of the base snapshot.
func instanceOf(base *model.Snapshot, id string) (model.Instance, bool) {
	for _, a := range base.Accounts {
		for _, r := range a.Regions {
			for _, i := range r.Instances {
				if i.ID == id {
					return i, true
				}
			}
		}
	}
	return model.Instance{}, false
}

var (
	// outbound are the rules whose paths leave the VPC.
	outbound = []string{"PDR-TM-003", "PDR-AG-002", "PDR-SSM-002"}
	// network are all the rules that ask pdr.net.reach.
	network = []string{"PDR-TM-003", "PDR-TM-005", "PDR-AG-001", "PDR-AG-002", "PDR-SSM-002"}
	// fromSSM are the rules that read DescribeInstanceInformation.
	fromSSM = []string{"PDR-SSM-001", "PDR-OS-001", "PDR-OS-002"}
)

var gapCases = []gapCase{
	{
		name:     "security groups unread",
		faults:   []fault{ec2Fault("eu-west-1", "DescribeSecurityGroups")},
		affected: in("eu-west-1", network),
	},
	{
		name:   "network ACLs unread",
		faults: []fault{ec2Fault("eu-west-1", "DescribeNetworkAcls")},
		// Every path of these crosses a subnet boundary (the SSM endpoints
		// of vault have interfaces in both private subnets).
		affected: in("eu-west-1", []string{"PDR-TM-003", "PDR-TM-005", "PDR-AG-002", "PDR-SSM-002"}),
	},
	{
		name:     "subnets unread",
		faults:   []fault{ec2Fault("eu-west-1", "DescribeSubnets")},
		affected: in("eu-west-1", outbound),
	},
	{
		name:   "route tables unread",
		faults: []fault{ec2Fault("us-east-1", "DescribeRouteTables")},
		// Even inside a VPC (a route more specific than the local one may
		// send the traffic elsewhere), but not within one subnet: prod-app's
		// appliance shares private-a with these agents.
		affected: either(
			in("us-east-1", []string{"PDR-TM-003", "PDR-TM-004", "PDR-TM-005", "PDR-AG-002", "PDR-SSM-002"}),
			in("us-east-1", []string{"PDR-AG-001"}, "pay-api-1", "pay-api-2", "pay-worker-1", "pay-api-3", "pay-web-1"),
		),
	},
	{
		name:   "NAT gateways unread",
		faults: []fault{ec2Fault("us-east-1", "DescribeNatGateways")},
		// bastion-1 goes out through the internet gateway.
		affected: in("us-east-1", append([]string{"PDR-TM-004"}, outbound...), "bastion-1"),
	},
	{
		name:     "internet gateways unread",
		faults:   []fault{ec2Fault("us-east-1", "DescribeInternetGateways")},
		affected: in("us-east-1", []string{"PDR-AG-002", "PDR-SSM-002"}),
	},
	{
		name:     "VPC endpoints unread",
		faults:   []fault{ec2Fault("eu-west-1", "DescribeVpcEndpoints")},
		affected: in("eu-west-1", []string{"PDR-SSM-002"}),
	},
	{
		name:   "prefix list entries unread",
		faults: []fault{ec2Fault("us-east-1", "GetManagedPrefixListEntries")},
		// prod-web's appliances send TCP 443 and 4138 to a prefix list.
		affected: func(rule string, r finding.Result, _ *model.Snapshot) bool {
			return rule == "PDR-TM-003" && (r.ResourceID == demoIDs["prod-web-tm-a"] ||
				r.ResourceID == demoIDs["AlertLogic Threat Manager prod-web b"])
		},
	},
	{
		name:     "SSM's instance list unread",
		faults:   []fault{ssmFault("us-east-1", "DescribeInstanceInformation")},
		affected: in("us-east-1", fromSSM),
	},
	{
		name:   "SSM inventory unread",
		faults: []fault{ssmFault("us-east-1", "ListInventoryEntries")},
		// The instances whose kernel only inventory knew.
		affected: func(rule string, r finding.Result, base *model.Snapshot) bool {
			if rule != "PDR-OS-002" || r.Region != "us-east-1" {
				return false
			}
			for _, a := range base.Accounts {
				for _, reg := range a.Regions {
					for _, k := range reg.Kernels {
						if k.InstanceID == r.ResourceID {
							return k.Source == model.KernelFromInventory
						}
					}
				}
			}
			return false
		},
	},
	{
		name:   "instance profiles unread",
		faults: []fault{iamFault("GetInstanceProfile")},
		// DHMC decides in eu-west-1; in us-east-1 the role must.
		affected: func(rule string, r finding.Result, base *model.Snapshot) bool {
			i, ok := instanceOf(base, r.ResourceID)
			return rule == "PDR-SSM-003" && r.Region == "us-east-1" && ok && i.IAMInstanceProfileARN != ""
		},
	},
	{
		name:   "role policies unread",
		faults: []fault{iamFault("ListAttachedRolePolicies")},
		affected: func(rule string, r finding.Result, base *model.Snapshot) bool {
			i, ok := instanceOf(base, r.ResourceID)
			return rule == "PDR-SSM-003" && r.Region == "us-east-1" && ok && i.IAMInstanceProfileARN != ""
		},
	},
	{
		name:   "Default Host Management Configuration unread",
		faults: []fault{ssmFault("eu-west-1", "GetServiceSetting")},
		// The eu-west-1 instances whose role has neither SSM policy.
		affected: func(rule string, r finding.Result, _ *model.Snapshot) bool {
			return rule == "PDR-SSM-003" && slices.Contains([]string{
				demoIDs["etl-6"], demoIDs["etl-8"], demoIDs["vault-1"], demoIDs["vault-2"], demoIDs["vault-3"],
				demoIDs["legacy-ftp"],
			}, r.ResourceID)
		},
	},
	{
		name:   "instances unread",
		faults: []fault{ec2Fault("eu-west-1", "DescribeInstances")},
		gone:   "eu-west-1",
	},
}

// TestAGapNeverYieldsPass makes the reads each rule depends on fail, as
// collection records them, and checks that no result that needed the
// missing data passes, and that PDR-COV-001 reports every gap.
func TestAGapNeverYieldsPass(t *testing.T) {
	base := demoSnapshot(t)
	e, err := policy.New(context.Background(), policy.Options{Profile: "pdr-2020-03"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range gapCases {
		t.Run(tc.name, func(t *testing.T) {
			snap := demoSnapshot(t, tc.faults...)
			if len(snap.Gaps) == 0 {
				t.Fatal("the faults produced no gap")
			}
			results, err := e.Evaluate(context.Background(), snap)
			if err != nil {
				t.Fatal(err)
			}
			covered := map[string]bool{}
			affected := 0
			for _, r := range results {
				switch {
				case r.Status == finding.Error:
					t.Errorf("%s %s errored: %s", r.RuleID, r.ResourceID, r.Message)
				case r.RuleID == "PDR-COV-001":
					covered[r.ResourceID] = r.Status == finding.Unknown
				case tc.gone != "" && r.Region == tc.gone:
					t.Errorf("%s reports on %s in %s, whose instances could not be listed", r.RuleID, r.ResourceID, tc.gone)
				case tc.affected != nil && tc.affected(r.RuleID, r, base):
					affected++
					if r.Status == finding.Pass {
						t.Errorf("%s passes %s without the data it needs: %s", r.RuleID, r.ResourceID, r.Message)
					}
				}
			}
			if tc.affected != nil && affected == 0 {
				t.Error("no result needed the missing data: the case tests nothing")
			}
			for _, g := range snap.Gaps {
				id := g.Account + "/" + g.Region + "/" + g.API
				if !covered[id] {
					t.Errorf("PDR-COV-001 does not report %s as unknown", id)
				}
			}
		})
	}
}
