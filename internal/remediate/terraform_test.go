package remediate

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// The -update flag rewrites golden files. Other tests of this package may
// define it too, so it is defined only where nobody has, and read by name.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func tfUpdateGoldens() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	v, _ := g.Get().(bool)
	return v
}

// tfFullPlan is a hand-built plan with every action, three accounts and
// several regions: account 111111111111 in us-east-1 and us-west-2 with an
// IAM change, 222222222222 in eu-west-1, and 333333333333 with only an IAM
// change.
func tfFullPlan() *Plan {
	return &Plan{
		FormatVersion:  FormatVersion,
		ToolVersion:    "v0.9.0",
		CreatedAt:      time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
		Profile:        "pdr-2018-12",
		Accounts:       []string{"111111111111", "222222222222", "333333333333"},
		SnapshotDigest: "sha256:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
		Digest:         "sha256:d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
		Changes: []Change{
			{
				ID: "c001", Action: AddSecurityGroupRules, Account: "111111111111", Region: "us-east-1",
				Resource: Ref{Type: "security-group", ID: "sg-0123abcd"}, Risk: RiskLow,
				RuleIDs:     []string{"PDR-NET-001", "PDR-NET-002"},
				Summary:     "Allow the Threat Manager appliance to reach the agents of sg-0123abcd.",
				BlastRadius: []string{"i-0aaa000000000001", "i-0aaa000000000002"},
				SecurityGroup: &SecurityGroupChange{GroupID: "sg-0123abcd", VPCID: "vpc-0a1b2c3d", Rules: []SGRule{
					{Direction: "ingress", Protocol: "tcp", FromPort: 7777, ToPort: 7777, CIDR: "10.0.0.0/16", Description: "pdr-audit c001: Threat Manager agents"},
					{Direction: "ingress", Protocol: "udp", FromPort: 514, ToPort: 515, GroupID: "sg-0fedcba9", Description: "pdr-audit c001: syslog from the appliance"},
					{Direction: "ingress", Protocol: "icmp", FromPort: -1, ToPort: -1, CIDR: "10.0.0.0/16"},
					{Direction: "egress", Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "0.0.0.0/0", Description: "pdr-audit c001: HTTPS to the Threat Manager backend"},
					{Direction: "egress", Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: "sg-0fedcba9", Description: "pdr-audit c001: all to the appliance"},
				}},
			},
			{
				ID: "c002", Action: AddNetworkACLEntries, Account: "111111111111", Region: "us-west-2",
				Resource: Ref{Type: "network-acl", ID: "acl-0aaa1111"}, Risk: RiskLow,
				RuleIDs: []string{"PDR-NET-003"},
				Summary: "Allow agent traffic through acl-0aaa1111 before its first deny.",
				NetworkACL: &NetworkACLChange{ACLID: "acl-0aaa1111", VPCID: "vpc-0b2c3d4e", Entries: []ACLEntry{
					{RuleNumber: 90, Egress: false, Protocol: "6", CIDR: "10.0.0.0/16", FromPort: 7777, ToPort: 7777},
					{RuleNumber: 91, Egress: true, Protocol: "17", CIDR: "10.0.0.0/16", FromPort: 1024, ToPort: 65535},
					{RuleNumber: 92, Egress: true, Protocol: "-1", CIDR: "10.9.0.0/24"},
				}},
			},
			{
				ID: "c003", Action: CreateSSMEndpoints, Account: "222222222222", Region: "eu-west-1",
				Resource: Ref{Type: "vpc", ID: "vpc-0bbb2222"}, Risk: RiskMedium,
				RuleIDs: []string{"PDR-SSM-002"},
				Summary: "Create the SSM interface endpoints of vpc-0bbb2222.",
				Endpoints: &EndpointsChange{
					VPCID: "vpc-0bbb2222",
					Services: []string{"com.amazonaws.eu-west-1.ssm", "com.amazonaws.eu-west-1.ec2messages",
						"com.amazonaws.eu-west-1.ssmmessages"},
					SubnetIDs: []string{"subnet-0b000001", "subnet-0b000002"},
					SecurityGroup: NewSecurityGroup{
						Name:        "pdr-audit-ssm-endpoints",
						Description: "HTTPS from the VPC to the SSM endpoints (pdr-audit)",
						Ingress: []SGRule{
							{Direction: "ingress", Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "10.1.0.0/16", Description: "HTTPS from the VPC"},
						},
					},
					PrivateDNS: true,
				},
			},
			{
				ID: "c004", Action: AssociateInstanceProfile, Account: "222222222222", Region: "eu-west-1",
				Resource: Ref{Type: "instance", ID: "i-0ccc333333333333"}, Risk: RiskLow,
				RuleIDs: []string{"PDR-SSM-001"},
				Summary: "Associate PDRSSMProfile with i-0ccc333333333333.",
				InstanceProfile: &InstanceProfileChange{InstanceID: "i-0ccc333333333333", ProfileName: "PDRSSMProfile",
					ProfileARN: "arn:aws:iam::222222222222:instance-profile/PDRSSMProfile"},
			},
			{
				ID: "c005", Action: AttachSSMPolicy, Account: "111111111111", Region: "global",
				Resource: Ref{Type: "iam-role", ID: "PDR-SSM-Role"}, Risk: RiskLow,
				RuleIDs: []string{"PDR-SSM-003"},
				Summary: "Attach AmazonSSMManagedInstanceCore to PDR-SSM-Role.",
				RolePolicy: &RolePolicyChange{RoleName: "PDR-SSM-Role",
					PolicyARN: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", ProfileName: "PDRSSMProfile"},
			},
			{
				ID: "c006", Action: AttachSSMPolicy, Account: "333333333333", Region: "global",
				Resource: Ref{Type: "iam-role", ID: "app-role"}, Risk: RiskLow,
				RuleIDs: []string{"PDR-SSM-003"},
				Summary: "Attach AmazonSSMManagedInstanceCore to app-role.",
				RolePolicy: &RolePolicyChange{RoleName: "app-role",
					PolicyARN: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", ProfileName: "app-profile"},
			},
			{
				ID: "c007", Action: DeployAppliance, Account: "222222222222", Region: "eu-west-1",
				Resource: Ref{Type: "vpc", ID: "vpc-0bbb2222"}, Risk: RiskHigh,
				RuleIDs: []string{"PDR-IDS-001"},
				Summary: "Launch a Threat Manager appliance in subnet-0b000001.",
				Appliance: &ApplianceChange{VPCID: "vpc-0bbb2222", SubnetID: "subnet-0b000001", AvailabilityZone: "eu-west-1a",
					ImageID: "ami-0ddd444444444444", InstanceType: "c5.large", SecurityGroupIDs: []string{"sg-0eee5555"},
					Tags: map[string]string{"Name": "pdr-threat-manager", "pdr-audit:change": "c007"}},
			},
		},
		Skipped: []Skipped{
			{RuleID: "PDR-OS-001", Account: "111111111111", Region: "us-east-1", Resource: "i-0aaa000000000001",
				Reason: "The operating system is not supported by the agent.",
				Manual: "Upgrade the instance to a supported OS,\nthen run the audit again."},
			{RuleID: "PDR-LOG-002", Account: "222222222222", Region: "eu-west-1", Resource: "vpc-0bbb2222",
				Reason: "Flow logs need a destination the plan cannot choose.", Manual: "Enable VPC flow logs to your log bucket."},
		},
	}
}

func tfSkippedOnlyPlan() *Plan {
	return &Plan{
		FormatVersion: FormatVersion, ToolVersion: "v0.9.0",
		Digest: "sha256:e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2",
		Skipped: []Skipped{{RuleID: "PDR-OS-001", Account: "444444444444", Region: "ap-south-1",
			Resource: "i-0fff", Reason: "Unsupported OS.", Manual: "Replace the instance."}},
	}
}

// tfParsed is what the tests read back from an exported file.
type tfParsed struct {
	// providers maps alias to [account, region].
	providers map[string][2]string
	// resources maps "type.label" to the resource's provider alias.
	resources map[string]string
	// order is "type.label" in file order.
	order  []string
	blocks map[string]*hclsyntax.Block
}

// tfParse parses out as Terraform would and checks what must hold for
// every export: no diagnostics, canonical format, valid and unique labels,
// every resource on a declared provider, every reference resolved.
func tfParse(t *testing.T, out []byte) tfParsed {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(out, "plan.tf", hcl.InitialPos)
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("output does not parse: %s", diags.Error())
	}
	if got := hclwrite.Format(out); !bytes.Equal(got, out) {
		t.Errorf("output is not in canonical format; formatted:\n%s", got)
	}
	body := f.Body.(*hclsyntax.Body)
	p := tfParsed{providers: map[string][2]string{}, resources: map[string]string{}, blocks: map[string]*hclsyntax.Block{}}
	for _, b := range body.Blocks {
		if b.Type != "provider" {
			continue
		}
		alias := tfAttrString(t, b, "alias")
		if _, dup := p.providers[alias]; dup {
			t.Errorf("provider alias %s declared twice", alias)
		}
		accts := tfAttrValue(t, b, "allowed_account_ids")
		if accts.LengthInt() != 1 {
			t.Errorf("provider %s allows %d accounts, want 1", alias, accts.LengthInt())
			continue
		}
		p.providers[alias] = [2]string{accts.Index(cty.NumberIntVal(0)).AsString(), tfAttrString(t, b, "region")}
	}
	labels := map[string]bool{}
	for _, b := range body.Blocks {
		if b.Type != "resource" {
			continue
		}
		if len(b.Labels) != 2 {
			t.Fatalf("resource block has labels %v", b.Labels)
		}
		typ, label := b.Labels[0], b.Labels[1]
		if !hclsyntax.ValidIdentifier(label) || label != strings.ToLower(label) {
			t.Errorf("label %q is not a lower-case identifier", label)
		}
		if labels[label] {
			t.Errorf("label %q is used twice", label)
		}
		labels[label] = true
		key := typ + "." + label
		prov, ok := b.Body.Attributes["provider"]
		if !ok {
			t.Errorf("%s has no provider", key)
			continue
		}
		trav, ok := prov.Expr.(*hclsyntax.ScopeTraversalExpr)
		if !ok || len(trav.Traversal) != 2 || trav.Traversal.RootName() != "aws" {
			t.Errorf("%s: provider is not a traversal aws.<alias>", key)
			continue
		}
		alias := trav.Traversal[1].(hcl.TraverseAttr).Name
		if _, ok := p.providers[alias]; !ok {
			t.Errorf("%s uses undeclared provider aws.%s", key, alias)
		}
		p.resources[key] = alias
		p.order = append(p.order, key)
		p.blocks[key] = b
	}
	for key, b := range p.blocks {
		for name, a := range b.Body.Attributes {
			if name == "provider" {
				continue
			}
			for _, v := range a.Expr.Variables() {
				ref := v.RootName() + "." + v[1].(hcl.TraverseAttr).Name
				if _, ok := p.blocks[ref]; !ok {
					t.Errorf("%s.%s refers to %s, which the file does not declare", key, name, ref)
				}
			}
		}
	}
	return p
}

func tfAttrValue(t *testing.T, b *hclsyntax.Block, name string) cty.Value {
	t.Helper()
	a, ok := b.Body.Attributes[name]
	if !ok {
		t.Fatalf("%s %v has no %s", b.Type, b.Labels, name)
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("%s %v: %s is not a constant: %s", b.Type, b.Labels, name, diags.Error())
	}
	return v
}

func tfAttrString(t *testing.T, b *hclsyntax.Block, name string) string {
	t.Helper()
	return tfAttrValue(t, b, name).AsString()
}

func TestTerraformGoldens(t *testing.T) {
	tests := []struct {
		name   string
		plan   *Plan
		golden string
	}{
		{"every action across three accounts and four regions", tfFullPlan(), "full.tf"},
		{"a plan with only skipped failures has no providers", tfSkippedOnlyPlan(), "skipped-only.tf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Terraform(tt.plan)
			if err != nil {
				t.Fatal(err)
			}
			tfParse(t, out)
			path := filepath.Join("testdata", "terraform", tt.golden)
			if tfUpdateGoldens() {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(out)); diff != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestTerraformIsDeterministic(t *testing.T) {
	first, err := Terraform(tfFullPlan())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := Terraform(tfFullPlan())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("run %d differs from the first", i+2)
		}
	}
}

func TestTerraformProviders(t *testing.T) {
	out, err := Terraform(tfFullPlan())
	if err != nil {
		t.Fatal(err)
	}
	p := tfParse(t, out)

	wantProviders := map[string][2]string{
		"a111111111111_us_east_1": {"111111111111", "us-east-1"},
		"a111111111111_us_west_2": {"111111111111", "us-west-2"},
		"a222222222222_eu_west_1": {"222222222222", "eu-west-1"},
		"a333333333333_global":    {"333333333333", "us-east-1"},
	}
	if diff := cmp.Diff(wantProviders, p.providers); diff != "" {
		t.Errorf("providers (-want +got):\n%s", diff)
	}

	// Each change's resources use the provider of its account and region;
	// IAM changes use the account's first region, or its global provider.
	wantByChange := map[string]string{
		"c001": "a111111111111_us_east_1",
		"c002": "a111111111111_us_west_2",
		"c003": "a222222222222_eu_west_1",
		"c005": "a111111111111_us_east_1",
		"c006": "a333333333333_global",
		"c007": "a222222222222_eu_west_1",
	}
	seen := map[string]bool{}
	for key, alias := range p.resources {
		id := strings.SplitN(strings.SplitN(key, ".", 2)[1], "_", 2)[0]
		seen[id] = true
		if want := wantByChange[id]; alias != want {
			t.Errorf("%s uses aws.%s, want aws.%s", key, alias, want)
		}
	}
	for id := range wantByChange {
		if !seen[id] {
			t.Errorf("change %s has no resource", id)
		}
	}
	if seen["c004"] {
		t.Errorf("associate-instance-profile became a resource; it must be a comment only")
	}
}

func TestTerraformResources(t *testing.T) {
	out, err := Terraform(tfFullPlan())
	if err != nil {
		t.Fatal(err)
	}
	p := tfParse(t, out)

	wantOrder := []string{
		"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_tcp_7777_10_0_0_0_16",
		"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_udp_514_515_sg_0fedcba9",
		"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_icmp_any_10_0_0_0_16",
		"aws_vpc_security_group_egress_rule.c001_sg_0123abcd_egress_tcp_443_0_0_0_0_0",
		"aws_vpc_security_group_egress_rule.c001_sg_0123abcd_egress_all_sg_0fedcba9",
		"aws_network_acl_rule.c002_acl_0aaa1111_ingress_90",
		"aws_network_acl_rule.c002_acl_0aaa1111_egress_91",
		"aws_network_acl_rule.c002_acl_0aaa1111_egress_92",
		"aws_security_group.c003_vpc_0bbb2222_endpoints_sg",
		"aws_vpc_security_group_ingress_rule.c003_vpc_0bbb2222_endpoints_sg_ingress_tcp_443_10_1_0_0_16",
		"aws_vpc_endpoint.c003_vpc_0bbb2222_ssm",
		"aws_vpc_endpoint.c003_vpc_0bbb2222_ec2messages",
		"aws_vpc_endpoint.c003_vpc_0bbb2222_ssmmessages",
		"aws_iam_role_policy_attachment.c005_pdr_ssm_role_amazonssmmanagedinstancecore",
		"aws_iam_role_policy_attachment.c006_app_role_amazonssmmanagedinstancecore",
		"aws_instance.c007_subnet_0b000001_appliance",
	}
	if diff := cmp.Diff(wantOrder, p.order); diff != "" {
		t.Fatalf("resources (-want +got):\n%s", diff)
	}

	attrs := func(key string) map[string]any {
		b := p.blocks[key]
		m := map[string]any{}
		for name, a := range b.Body.Attributes {
			if name == "provider" {
				continue
			}
			if vars := a.Expr.Variables(); len(vars) > 0 {
				var refs []string
				for _, v := range vars {
					refs = append(refs, string(hclwrite.TokensForTraversal(v).Bytes()))
				}
				m[name] = "ref:" + strings.Join(refs, ",")
				continue
			}
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("%s.%s: %s", key, name, diags.Error())
			}
			m[name] = tfGoValue(v)
		}
		return m
	}
	tests := []struct {
		name string
		key  string
		want map[string]any
	}{
		{"an ingress rule from a CIDR has ports and cidr_ipv4",
			"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_tcp_7777_10_0_0_0_16",
			map[string]any{"security_group_id": "sg-0123abcd", "ip_protocol": "tcp", "from_port": int64(7777), "to_port": int64(7777),
				"cidr_ipv4": "10.0.0.0/16", "description": "pdr-audit c001: Threat Manager agents"}},
		{"an ingress rule from a group uses referenced_security_group_id",
			"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_udp_514_515_sg_0fedcba9",
			map[string]any{"security_group_id": "sg-0123abcd", "ip_protocol": "udp", "from_port": int64(514), "to_port": int64(515),
				"referenced_security_group_id": "sg-0fedcba9", "description": "pdr-audit c001: syslog from the appliance"}},
		{"an icmp rule keeps type and code and omits an empty description",
			"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_icmp_any_10_0_0_0_16",
			map[string]any{"security_group_id": "sg-0123abcd", "ip_protocol": "icmp", "from_port": int64(-1), "to_port": int64(-1),
				"cidr_ipv4": "10.0.0.0/16"}},
		{"an all-protocol rule has no ports",
			"aws_vpc_security_group_egress_rule.c001_sg_0123abcd_egress_all_sg_0fedcba9",
			map[string]any{"security_group_id": "sg-0123abcd", "ip_protocol": "-1",
				"referenced_security_group_id": "sg-0fedcba9", "description": "pdr-audit c001: all to the appliance"}},
		{"a tcp network ACL entry allows its ports",
			"aws_network_acl_rule.c002_acl_0aaa1111_ingress_90",
			map[string]any{"network_acl_id": "acl-0aaa1111", "rule_number": int64(90), "egress": false, "protocol": "6",
				"rule_action": "allow", "cidr_block": "10.0.0.0/16", "from_port": int64(7777), "to_port": int64(7777)}},
		{"an all-protocol network ACL entry has no ports",
			"aws_network_acl_rule.c002_acl_0aaa1111_egress_92",
			map[string]any{"network_acl_id": "acl-0aaa1111", "rule_number": int64(92), "egress": true, "protocol": "-1",
				"rule_action": "allow", "cidr_block": "10.9.0.0/24"}},
		{"the endpoints' security group is created in the VPC",
			"aws_security_group.c003_vpc_0bbb2222_endpoints_sg",
			map[string]any{"name": "pdr-audit-ssm-endpoints", "description": "HTTPS from the VPC to the SSM endpoints (pdr-audit)",
				"vpc_id": "vpc-0bbb2222"}},
		{"the endpoints' ingress rule refers to the new group",
			"aws_vpc_security_group_ingress_rule.c003_vpc_0bbb2222_endpoints_sg_ingress_tcp_443_10_1_0_0_16",
			map[string]any{"security_group_id": "ref:aws_security_group.c003_vpc_0bbb2222_endpoints_sg.id", "ip_protocol": "tcp",
				"from_port": int64(443), "to_port": int64(443), "cidr_ipv4": "10.1.0.0/16", "description": "HTTPS from the VPC"}},
		{"an endpoint is an interface endpoint using the new group",
			"aws_vpc_endpoint.c003_vpc_0bbb2222_ec2messages",
			map[string]any{"vpc_id": "vpc-0bbb2222", "service_name": "com.amazonaws.eu-west-1.ec2messages",
				"vpc_endpoint_type": "Interface", "subnet_ids": []any{"subnet-0b000001", "subnet-0b000002"},
				"security_group_ids": "ref:aws_security_group.c003_vpc_0bbb2222_endpoints_sg.id", "private_dns_enabled": true}},
		{"a policy attachment names the role and the policy",
			"aws_iam_role_policy_attachment.c005_pdr_ssm_role_amazonssmmanagedinstancecore",
			map[string]any{"role": "PDR-SSM-Role", "policy_arn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}},
		{"an appliance is an instance with its image, type, subnet, groups and tags",
			"aws_instance.c007_subnet_0b000001_appliance",
			map[string]any{"ami": "ami-0ddd444444444444", "instance_type": "c5.large", "subnet_id": "subnet-0b000001",
				"vpc_security_group_ids": []any{"sg-0eee5555"},
				"tags":                   map[string]any{"Name": "pdr-threat-manager", "pdr-audit:change": "c007"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, attrs(tt.key)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.key, diff)
			}
		})
	}

	// The endpoint's security_group_ids is a list of that one reference.
	sgIDs := p.blocks["aws_vpc_endpoint.c003_vpc_0bbb2222_ssm"].Body.Attributes["security_group_ids"]
	if tup, ok := sgIDs.Expr.(*hclsyntax.TupleConsExpr); !ok || len(tup.Exprs) != 1 {
		t.Errorf("security_group_ids is %T, want a list of one reference", sgIDs.Expr)
	}
}

// tfGoValue turns a constant cty value into plain Go values for comparing.
func tfGoValue(v cty.Value) any {
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Bool:
		return v.True()
	case ty == cty.Number:
		i, _ := v.AsBigFloat().Int64()
		return i
	case ty.IsTupleType() || ty.IsListType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, tfGoValue(e))
		}
		return out
	case ty.IsObjectType() || ty.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = tfGoValue(e)
		}
		return out
	}
	return v.GoString()
}

func TestTerraformComments(t *testing.T) {
	out, err := Terraform(tfFullPlan())
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	tests := []struct {
		name string
		want string
	}{
		{"the header names the tool version, plan digest and accounts",
			"# Generated by pdr-audit v0.9.0 from plan digest sha256:d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1, for accounts 111111111111, 222222222222, 333333333333.\n"},
		{"a block is preceded by its change id, rules and summary",
			"# c002 add-network-acl-entries (risk low; rules PDR-NET-003)\n# Allow agent traffic through acl-0aaa1111 before its first deny.\n"},
		{"the instance profile association gives the CLI command",
			"#   aws ec2 associate-iam-instance-profile --region eu-west-1 --instance-id i-0ccc333333333333 --iam-instance-profile Name=PDRSSMProfile\n"},
		{"the instance profile association names the Terraform argument",
			`set iam_instance_profile = "PDRSSMProfile"`},
		{"a skipped failure lists rule, resource and place",
			"# PDR-OS-001: i-0aaa000000000001 (account 111111111111, us-east-1)\n"},
		{"a multi-line manual step stays inside the comment",
			"#   Manual step: Upgrade the instance to a supported OS,\n#                then run the audit again.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(text, tt.want) {
				t.Errorf("output lacks %q", tt.want)
			}
		})
	}

	// Every resource block is directly preceded by its change's comment.
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "resource ") {
			continue
		}
		label := strings.Trim(strings.Fields(l)[2], `"`)
		id := strings.SplitN(label, "_", 2)[0]
		j := i - 1
		for j >= 0 && strings.HasPrefix(lines[j], "#") && !strings.HasPrefix(lines[j], "# "+id+" ") {
			j--
		}
		if j < 0 || !strings.HasPrefix(lines[j], "# "+id+" ") || !strings.Contains(lines[j], "rules ") {
			t.Errorf("resource %s is not preceded by a comment naming %s and its rules", label, id)
		}
	}
}

func TestTerraformLabelsStayUnique(t *testing.T) {
	p := tfFullPlan()
	p.Changes = p.Changes[:1]
	rule := p.Changes[0].SecurityGroup.Rules[0]
	p.Changes[0].SecurityGroup.Rules = []SGRule{rule, rule, rule}
	out, err := Terraform(p)
	if err != nil {
		t.Fatal(err)
	}
	got := tfParse(t, out).order
	want := []string{
		"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_tcp_7777_10_0_0_0_16",
		"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_tcp_7777_10_0_0_0_16_2",
		"aws_vpc_security_group_ingress_rule.c001_sg_0123abcd_ingress_tcp_7777_10_0_0_0_16_3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

func TestTerraformKeepsStringsLiteral(t *testing.T) {
	p := tfFullPlan()
	p.Changes = p.Changes[:1]
	desc := `opens ${var.x} and %{ if true }"quoted"\ backslash`
	p.Changes[0].SecurityGroup.Rules = []SGRule{{Direction: "ingress", Protocol: "tcp", FromPort: 1, ToPort: 1,
		CIDR: "10.0.0.0/8", Description: desc}}
	p.Changes[0].Summary = "first line\nsecond line\r\n# not a directive\tend"
	out, err := Terraform(p)
	if err != nil {
		t.Fatal(err)
	}
	parsed := tfParse(t, out)
	b := parsed.blocks[parsed.order[0]]
	if got := tfAttrString(t, b, "description"); got != desc {
		t.Errorf("description = %q, want %q", got, desc)
	}
	if !strings.Contains(string(out), "# first line\n# second line\n# # not a directive end\n") {
		t.Errorf("a multi-line summary is not written as comment lines:\n%s", out)
	}
}

func TestTerraformErrors(t *testing.T) {
	withChange := func(edit func(c *Change)) *Plan {
		p := tfFullPlan()
		edit(&p.Changes[2])
		return p
	}
	tests := []struct {
		name string
		plan *Plan
		want []string
	}{
		{"no plan is an error", nil, []string{"no plan"}},
		{"an unknown action names the change and the action",
			withChange(func(c *Change) { c.Action = "delete-everything" }),
			[]string{"change c003", `unknown action "delete-everything"`}},
		{"a manual action among the changes names the change",
			withChange(func(c *Change) { c.Action = Manual }),
			[]string{"change c003", "manual"}},
		{"an action without its details names the change",
			withChange(func(c *Change) { c.Endpoints = nil }),
			[]string{"change c003", "endpoints details"}},
		{"a security group rule with an unknown protocol names the change",
			withChange(func(c *Change) { c.Endpoints.SecurityGroup.Ingress[0].Protocol = "sctp" }),
			[]string{"change c003", `"sctp"`}},
		{"a security group rule with both a CIDR and a group names the change",
			withChange(func(c *Change) { c.Endpoints.SecurityGroup.Ingress[0].GroupID = "sg-1" }),
			[]string{"change c003", "exactly one of a CIDR and a group id"}},
		{"an egress rule among the new group's ingress rules names the change",
			withChange(func(c *Change) { c.Endpoints.SecurityGroup.Ingress[0].Direction = "egress" }),
			[]string{"change c003", `"egress"`}},
		{"a security group rule with an unknown direction names the change",
			func() *Plan {
				p := tfFullPlan()
				p.Changes[0].SecurityGroup.Rules[1].Direction = "sideways"
				return p
			}(),
			[]string{"change c001", `"sideways"`}},
		{"a network ACL entry with a protocol the plan format does not allow names the change",
			func() *Plan {
				p := tfFullPlan()
				p.Changes[1].NetworkACL.Entries[0].Protocol = "1"
				return p
			}(),
			[]string{"change c002", `protocol "1"`}},
		{"a change without an account names the change",
			withChange(func(c *Change) { c.Account = "" }),
			[]string{"change c003 has no account"}},
		{"a change without an id names its position",
			withChange(func(c *Change) { c.ID = "" }),
			[]string{"change #3 (no id)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Terraform(tt.plan)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// The golden files are checked in; make sure the set on disk is exactly
// the set the tests write, so a renamed case leaves no stale file behind.
func TestTerraformGoldenFilesAreAllUsed(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "terraform"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	if diff := cmp.Diff([]string{"full.tf", "skipped-only.tf"}, got); diff != "" {
		t.Errorf("testdata/terraform (-want +got):\n%s", diff)
	}
}
