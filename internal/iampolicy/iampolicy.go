package iampolicy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Options select the policy.
type Options struct {
	// For is "audit" or "apply".
	For string
	// Org adds what an organization-wide audit calls (ListAccounts, and
	// AssumeRole into RoleName in each account).
	Org bool
	// RoleName is the role assumed in other accounts (default pdr-audit).
	RoleName string
	// RunCommand adds what --kernel-source run-command calls.
	RunCommand bool
	// SecurityHub adds what --security-hub calls.
	SecurityHub bool
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Action    []string       `json:"Action"`
	Resource  any            `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// Policy is an IAM policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Implied maps an action the policy grants without a call of its own to
// the calls that need it.
var Implied = map[string][]string{
	"ec2:CreateTags":                     {"ec2:RunInstances", "ec2:CreateSecurityGroup", "ec2:CreateVpcEndpoint"},
	"iam:PassRole":                       {"ec2:AssociateIamInstanceProfile"},
	"route53:AssociateVPCWithHostedZone": {"ec2:CreateVpcEndpoint"},
}

// Recovery are actions apply and rollback call only to find what a
// change created when AWS's answer naming it was lost (a timeout, a cut
// connection): granted, but absent from the call log of a run where every
// answer arrives.
var Recovery = []string{"ec2:DescribeIamInstanceProfileAssociations"}

// The read actions of an audit, by collector.
var (
	auditEC2 = []string{
		"ec2:DescribeRegions", "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
		"ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeNatGateways",
		"ec2:DescribeInternetGateways", "ec2:DescribeVpcEndpoints", "ec2:DescribeManagedPrefixLists",
		"ec2:GetManagedPrefixListEntries", "ec2:DescribeInstances",
	}
	auditSSM = []string{"ssm:DescribeInstanceInformation", "ssm:ListInventoryEntries", "ssm:GetServiceSetting"}
	auditIAM = []string{"iam:GetInstanceProfile", "iam:ListAttachedRolePolicies"}

	// apply's reads: the stale check and the verification of each change.
	applyReads = []string{"ec2:DescribeSecurityGroups", "ec2:DescribeNetworkAcls", "ec2:DescribeVpcEndpoints",
		"ec2:DescribeInstances", "ec2:DescribeSubnets", "iam:ListAttachedRolePolicies"}
	applyEC2 = []string{
		"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
		"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
		"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
		"ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry",
		"ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints",
		"ec2:AssociateIamInstanceProfile", "ec2:DisassociateIamInstanceProfile",
		"ec2:ModifyInstanceAttribute", "ec2:RunInstances", "ec2:TerminateInstances",
	}
)

// CorePolicyARN is the only policy apply attaches.
const CorePolicyARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

// Build returns the policy.
func Build(o Options) (*Policy, error) {
	role := o.RoleName
	if role == "" {
		role = "pdr-audit"
	}
	p := &Policy{Version: "2012-10-17"}
	add := func(sid string, actions []string, resource any, cond map[string]any) {
		a := slices.Clone(actions)
		slices.Sort(a)
		p.Statement = append(p.Statement, Statement{Sid: sid, Effect: "Allow", Action: slices.Compact(a), Resource: resource, Condition: cond})
	}
	add("Identity", []string{"sts:GetCallerIdentity"}, "*", nil)
	if o.Org {
		add("Organization", []string{"organizations:ListAccounts"}, "*", nil)
		add("AssumeRoleInMemberAccounts", []string{"sts:AssumeRole"}, "arn:aws:iam::*:role/"+role, nil)
	}
	switch o.For {
	case "audit":
		// Describe* and the SSM and IAM reads support no resource-level
		// permissions: "*" is the narrowest resource AWS accepts.
		add("ReadNetworkAndInstances", auditEC2, "*", nil)
		add("ReadSSM", auditSSM, "*", nil)
		add("ReadInstanceProfiles", auditIAM, "*", nil)
		if o.RunCommand {
			add("RunUnameThroughSSM", []string{"ssm:SendCommand"}, []string{
				"arn:aws:ssm:*::document/AWS-RunShellScript", "arn:aws:ec2:*:*:instance/*"}, nil)
			add("ReadCommandOutput", []string{"ssm:GetCommandInvocation"}, "*", nil)
		}
		if o.SecurityHub {
			add("ImportFindings", []string{"securityhub:BatchImportFindings"}, "arn:aws:securityhub:*:*:product/*/default", nil)
		}
	case "apply":
		if o.RunCommand || o.SecurityHub {
			return nil, fmt.Errorf("--run-command and --security-hub belong to the audit policy")
		}
		add("ReadTargets", append(slices.Clone(applyReads), Recovery...), "*", nil)
		add("ChangeNetworkAndInstances", applyEC2, "*", nil)
		add("TagWhatApplyCreates", []string{"ec2:CreateTags"}, "*", map[string]any{
			"StringEquals": map[string]any{"ec2:CreateAction": []string{"CreateSecurityGroup", "CreateVpcEndpoint", "RunInstances"}}})
		add("PassInstanceProfileRoles", []string{"iam:PassRole"}, "*", map[string]any{
			"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}})
		add("AttachOnlyTheSSMCorePolicy", []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"}, "arn:aws:iam::*:role/*", map[string]any{
			"ArnEquals": map[string]any{"iam:PolicyARN": CorePolicyARN}})
		add("EndpointPrivateDNS", []string{"route53:AssociateVPCWithHostedZone"}, "*", nil)
	default:
		return nil, fmt.Errorf("--for %q: want audit or apply", o.For)
	}
	return p, nil
}

// Actions lists every action a policy grants, sorted.
func (p *Policy) Actions() []string {
	var out []string
	for _, s := range p.Statement {
		out = append(out, s.Action...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// JSON renders the policy as IAM expects it, indented.
func (p *Policy) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Service is the service prefix of an action ("ec2" of "ec2:DescribeVpcs").
func Service(action string) string {
	s, _, _ := strings.Cut(action, ":")
	return s
}
