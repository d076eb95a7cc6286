package awssim_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// dryRuns calls every EC2 write that has a DryRun member with DryRun set,
// on resources that exist, so each would succeed.
var dryRuns = []struct {
	name string
	call func(ctx context.Context, c *ec2.Client) error
}{
	{"AuthorizeSecurityGroupIngress", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{DryRun: aws.Bool(true),
			GroupId: aws.String(applianceGroup), IpPermissions: []ec2types.IpPermission{tcpPerm(7777, "10.40.0.0/16")}})
		return err
	}},
	{"AuthorizeSecurityGroupEgress", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{DryRun: aws.Bool(true),
			GroupId: aws.String(applianceGroup), IpPermissions: []ec2types.IpPermission{tcpPerm(7777, "10.40.0.0/16")}})
		return err
	}},
	{"RevokeSecurityGroupIngress", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{DryRun: aws.Bool(true),
			GroupId: aws.String(applianceGroup), IpPermissions: []ec2types.IpPermission{tcpPerm(443, "10.40.0.0/16")}})
		return err
	}},
	{"RevokeSecurityGroupEgress", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{DryRun: aws.Bool(true),
			GroupId:       aws.String("sg-0f01a3ede22af4254"),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
		return err
	}},
	{"CreateSecurityGroup", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{DryRun: aws.Bool(true),
			GroupName: aws.String("pdr"), Description: aws.String("pdr"), VpcId: aws.String("vpc-0b00ac00b93843520")})
		return err
	}},
	{"DeleteSecurityGroup", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{DryRun: aws.Bool(true), GroupId: aws.String("sg-007cc59346c6dc213")})
		return err
	}},
	{"CreateNetworkAclEntry", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{DryRun: aws.Bool(true),
			NetworkAclId: aws.String(tmACL), Egress: aws.Bool(true), RuleNumber: aws.Int32(80), Protocol: aws.String("-1"),
			RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0")})
		return err
	}},
	{"DeleteNetworkAclEntry", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{DryRun: aws.Bool(true),
			NetworkAclId: aws.String(tmACL), Egress: aws.Bool(true), RuleNumber: aws.Int32(90)})
		return err
	}},
	{"CreateVpcEndpoint", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{DryRun: aws.Bool(true),
			VpcId: aws.String(vaultVpc), ServiceName: aws.String("com.amazonaws.eu-west-1.kms"),
			VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: []string{vaultPrivateA}})
		return err
	}},
	{"DeleteVpcEndpoints", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{DryRun: aws.Bool(true), VpcEndpointIds: []string{"vpce-0bf2701b5d2e99815"}})
		return err
	}},
	{"ModifyInstanceAttribute", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{DryRun: aws.Bool(true),
			InstanceId: aws.String(etl6), Groups: []string{etl6Group}})
		return err
	}},
	{"RunInstances", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{DryRun: aws.Bool(true),
			ImageId: aws.String(anyAMI), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(vaultPrivateA)})
		return err
	}},
	{"TerminateInstances", func(ctx context.Context, c *ec2.Client) error {
		_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{DryRun: aws.Bool(true), InstanceIds: []string{etl6}})
		return err
	}},
}

// estateSnapshot reads every describe the writes could change.
func estateSnapshot(t *testing.T, w writeSim) []any {
	t.Helper()
	ctx := context.Background()
	var out []any
	sgs, err1 := w.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	acls, err2 := w.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{})
	eps, err3 := w.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	inst, err4 := w.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	subnets, err5 := w.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return append(out, sgs.SecurityGroups, acls.NetworkAcls, eps.VpcEndpoints, inst.Reservations, subnets.Subnets)
}

func TestWriteDryRunAnswersDryRunOperationAndChangesNothing(t *testing.T) {
	w := startWriteSim(t, "eu-west-1", "")
	before := estateSnapshot(t, w)
	for _, tt := range dryRuns {
		t.Run(tt.name+" with DryRun answers DryRunOperation", func(t *testing.T) {
			err := tt.call(context.Background(), w.ec2)
			assertAPIError(t, err, "DryRunOperation", http.StatusPreconditionFailed)
			if err != nil && !strings.Contains(err.Error(), "Request would have succeeded, but DryRun flag is set.") {
				t.Errorf("message: %v", err)
			}
		})
	}
	sameJSON(t, "describes after the dry runs", before, estateSnapshot(t, w))
}

// A DryRun request that would fail answers the failure, not DryRunOperation.
func TestWriteDryRunOfAnInvalidRequestAnswersItsError(t *testing.T) {
	w := startWriteSim(t, "eu-west-1", "")
	_, err := w.ec2.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{DryRun: aws.Bool(true),
		GroupId: aws.String("sg-00000000000000000"), IpPermissions: []ec2types.IpPermission{tcpPerm(22, "0.0.0.0/0")}})
	assertAPIError(t, err, "InvalidGroup.NotFound", http.StatusBadRequest)
}

// An injected UnauthorizedOperation answers before the operation does, so
// a DryRun call gets the denial, as AWS checks permissions first.
func TestWriteInjectedUnauthorizedOperationAnswersADryRunCall(t *testing.T) {
	w := startWriteSim(t, "eu-west-1", `[{"action": "ec2:AuthorizeSecurityGroupIngress", "error": "UnauthorizedOperation"},
		{"action": "iam:AttachRolePolicy", "error": "AccessDenied"}]`)
	err := dryRuns[0].call(context.Background(), w.ec2)
	assertAPIError(t, err, "UnauthorizedOperation", http.StatusForbidden)
	// The other writes are not denied.
	assertAPIError(t, dryRuns[1].call(context.Background(), w.ec2), "DryRunOperation", http.StatusPreconditionFailed)
}

// Every write the simulator serves can be the action of a faults.json rule.
func TestWriteOperationsAreFaultableActions(t *testing.T) {
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	actions := []string{"ec2:CreateVpcEndpoint", "ec2:RunInstances", "ec2:DescribeIamInstanceProfileAssociations", "iam:DetachRolePolicy"}
	var rules []string
	for _, a := range actions {
		rules = append(rules, `{"action": "`+a+`", "error": "InternalError", "first": 1}`)
	}
	writeFaults(t, dir, "["+strings.Join(rules, ",")+"]")
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := awssim.NewServer(est, awssim.Options{}); err != nil {
		t.Errorf("faults on write operations refused: %v", err)
	}
}

// The writes draw from AWS's EC2 buckets: Authorize/Revoke ingress are
// resource-intensive actions, egress ones ordinary mutating actions, the
// uncategorized ones have their published buckets, and the association
// listing is a non-mutating action; every action has a bucket of its own.
func TestWriteThrottlingBuckets(t *testing.T) {
	l, err := throttle.NewLimiter(throttle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		action string
		want   throttle.Limit
	}{
		{"AuthorizeSecurityGroupIngress", throttle.Limit{Capacity: 50, Refill: 5}},
		{"RevokeSecurityGroupIngress", throttle.Limit{Capacity: 50, Refill: 5}},
		{"AuthorizeSecurityGroupEgress", throttle.Limit{Capacity: 50, Refill: 5}},
		{"RevokeSecurityGroupEgress", throttle.Limit{Capacity: 50, Refill: 5}},
		{"CreateSecurityGroup", throttle.Limit{Capacity: 50, Refill: 5}},
		{"CreateNetworkAclEntry", throttle.Limit{Capacity: 50, Refill: 5}},
		{"ModifyInstanceAttribute", throttle.Limit{Capacity: 50, Refill: 5}},
		{"CreateVpcEndpoint", throttle.Limit{Capacity: 4, Refill: 0.3}},
		{"DeleteVpcEndpoints", throttle.Limit{Capacity: 4, Refill: 0.3}},
		{"AssociateIamInstanceProfile", throttle.Limit{Capacity: 100, Refill: 5}},
		{"DisassociateIamInstanceProfile", throttle.Limit{Capacity: 100, Refill: 5}},
		{"RunInstances", throttle.Limit{Capacity: 5, Refill: 2}},
		{"TerminateInstances", throttle.Limit{Capacity: 100, Refill: 5}},
		{"DescribeIamInstanceProfileAssociations", throttle.Limit{Capacity: 100, Refill: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.action+" has its own bucket of AWS's size", func(t *testing.T) {
			bucket, lim, ok := l.Classify("ec2", tt.action, false)
			if !ok || bucket != tt.action || lim != tt.want {
				t.Errorf("Classify = %q %v %v; want %q %v", bucket, lim, ok, tt.action, tt.want)
			}
		})
	}
}
