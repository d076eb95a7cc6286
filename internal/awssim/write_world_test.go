package awssim

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// These tests look inside the world (the overlay of documents) while the
// real SDK clients write through the in-process transport.

// worldServer serves the demo estate; edit, when set, changes the loaded
// estate before the server is built.
func worldServer(t *testing.T, edit func(*Estate)) *Server {
	t.Helper()
	est, err := LoadEstate(filepath.Join("..", "..", "testdata", "estates", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(est)
	}
	s, err := NewServer(est, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type worldClients struct {
	ec2 *ec2.Client
	iam *iam.Client
}

func clientsFor(s *Server, region string) worldClients {
	cfg := SDKConfig(InProcessEndpoint, region)
	cfg.HTTPClient = InProcessClient(s)
	cfg.RetryMaxAttempts = 1
	return worldClients{ec2: ec2.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg)}
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// inverse is a write and the write that undoes it; undo gets what do
// returned.
type inverse struct {
	name   string
	region string
	do     func(ctx context.Context, c worldClients) (string, error)
	undo   func(ctx context.Context, c worldClients, got string) error
}

var inverses = []inverse{
	{
		name: "authorizing a new ingress port then revoking it", region: "eu-west-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			_, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String("sg-0888167be8956aee0"), IpPermissions: []ec2types.IpPermission{tcp(7777, "10.40.0.0/16")},
			})
			return "", err
		},
		undo: func(ctx context.Context, c worldClients, _ string) error {
			_, err := c.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
				GroupId: aws.String("sg-0888167be8956aee0"), IpPermissions: []ec2types.IpPermission{tcp(7777, "10.40.0.0/16")},
			})
			return err
		},
	},
	{
		name: "authorizing a source merged into an existing permission then revoking it", region: "eu-west-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			_, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String("sg-0888167be8956aee0"), IpPermissions: []ec2types.IpPermission{tcp(443, "192.0.2.0/24")},
			})
			return "", err
		},
		undo: func(ctx context.Context, c worldClients, _ string) error {
			_, err := c.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
				GroupId: aws.String("sg-0888167be8956aee0"), IpPermissions: []ec2types.IpPermission{tcp(443, "192.0.2.0/24")},
			})
			return err
		},
	},
	{
		name: "authorizing egress to a group then revoking it by the rule id", region: "eu-west-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			out, err := c.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{
				GroupId: aws.String("sg-0dee56ac8108890e6"),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(7777), ToPort: aws.Int32(7777),
					UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-0888167be8956aee0")}}}},
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId), nil
		},
		undo: func(ctx context.Context, c worldClients, id string) error {
			_, err := c.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{
				GroupId: aws.String("sg-0dee56ac8108890e6"), SecurityGroupRuleIds: []string{id},
			})
			return err
		},
	},
	{
		name: "creating a security group then deleting it", region: "us-east-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			out, err := c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
				GroupName: aws.String("pdr-remediation"), Description: aws.String("added by apply"), VpcId: aws.String("vpc-0bf81f5e18895f522"),
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.GroupId), nil
		},
		undo: func(ctx context.Context, c worldClients, id string) error {
			_, err := c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
			return err
		},
	},
	{
		name: "creating a network ACL entry then deleting it", region: "eu-west-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			_, err := c.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{
				NetworkAclId: aws.String("acl-0c9a789bd61d2105f"), Egress: aws.Bool(true), RuleNumber: aws.Int32(80),
				Protocol: aws.String("6"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("204.110.218.96/27"),
				PortRange: &ec2types.PortRange{From: aws.Int32(4138), To: aws.Int32(4138)},
			})
			return "", err
		},
		undo: func(ctx context.Context, c worldClients, _ string) error {
			_, err := c.ec2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{
				NetworkAclId: aws.String("acl-0c9a789bd61d2105f"), Egress: aws.Bool(true), RuleNumber: aws.Int32(80),
			})
			return err
		},
	},
	{
		name: "creating an interface endpoint then deleting it", region: "eu-west-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			out, err := c.ec2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
				VpcId: aws.String("vpc-0b00ac00b93843520"), ServiceName: aws.String("com.amazonaws.eu-west-1.ssm"),
				VpcEndpointType: ec2types.VpcEndpointTypeInterface,
				SubnetIds:       []string{"subnet-0e17c7ead45d88279", "subnet-094067f6385219fd9"},
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.VpcEndpoint.VpcEndpointId), nil
		},
		undo: func(ctx context.Context, c worldClients, id string) error {
			_, err := c.ec2.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
			return err
		},
	},
	{
		name: "associating an instance profile then disassociating it", region: "eu-west-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			out, err := c.ec2.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{
				InstanceId: aws.String("i-0494fb215d364e133"), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("pdr-ssm-core")},
			})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.IamInstanceProfileAssociation.AssociationId), nil
		},
		undo: func(ctx context.Context, c worldClients, id string) error {
			_, err := c.ec2.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(id)})
			return err
		},
	},
	{
		name: "changing an instance's security groups then changing them back", region: "us-east-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			_, err := c.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
				InstanceId: aws.String("i-0f56482480a0419fa"), Groups: []string{"sg-042c7a1fff4901656", "sg-0dade55c233ae133a"},
			})
			return "", err
		},
		undo: func(ctx context.Context, c worldClients, _ string) error {
			_, err := c.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
				InstanceId: aws.String("i-0f56482480a0419fa"), Groups: []string{"sg-042c7a1fff4901656"},
			})
			return err
		},
	},
	{
		name: "attaching a policy to a role then detaching it", region: "us-east-1",
		do: func(ctx context.Context, c worldClients) (string, error) {
			_, err := c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{
				RoleName: aws.String("app-s3-reader-role"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
			})
			return "", err
		},
		undo: func(ctx context.Context, c worldClients, _ string) error {
			_, err := c.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{
				RoleName: aws.String("app-s3-reader-role"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
			})
			return err
		},
	},
}

func tcp(port int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

// After a write and the write that undoes it, every document the estate
// has reads exactly as the estate's again.
func TestWorldWriteThenInverseRestoresEveryDocument(t *testing.T) {
	for _, tt := range inverses {
		t.Run(tt.name, func(t *testing.T) {
			s := worldServer(t, nil)
			ctx := context.Background()
			c := clientsFor(s, tt.region)
			got, err := tt.do(ctx, c)
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			changed := 0
			for _, k := range s.world.changed() {
				if k.File != fileAssociations && !reflect.DeepEqual(s.world.doc(k), s.world.estateDoc(k)) {
					changed++
				}
			}
			if changed == 0 {
				t.Fatal("the write changed no document")
			}
			if err := tt.undo(ctx, c, got); err != nil {
				t.Fatalf("inverse: %v", err)
			}
			for _, k := range s.world.changed() {
				want := s.world.estateDoc(k)
				have := s.world.doc(k)
				if k.File == fileAssociations {
					// The associations document is the simulator's own; it
					// must again be what the estate's instances imply.
					estateOnly := func(k docKey) map[string]any { return s.world.estateDoc(k) }
					c := &call{Account: k.Account, Region: k.Region}
					if diff := cmp.Diff(associations(estateOnly, c), list(have, "IamInstanceProfileAssociations")); diff != "" {
						t.Errorf("associations differ from the estate's (-estate +now):\n%s", diff)
					}
					continue
				}
				if diff := cmp.Diff(want, have); diff != "" {
					t.Errorf("%s differs from the estate's (-estate +now):\n%s", k.File, diff)
				}
			}
		})
	}
}

// A role the estate knows only from an instance profile has no policy
// document; attaching makes one and detaching leaves none again.
func TestWorldRoleKnownOnlyFromItsProfileHasNoDocumentAfterDetach(t *testing.T) {
	s := worldServer(t, func(e *Estate) {
		delete(e.Accounts[e.Management].IAM, "list-attached-role-policies/app-s3-reader-role")
	})
	ctx := context.Background()
	c := clientsFor(s, "us-east-1")
	arn := aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
	role := aws.String("app-s3-reader-role")
	if _, err := c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	if s.world.iam(s.estate.Management, "list-attached-role-policies/app-s3-reader-role") == nil {
		t.Fatal("attach made no document for the role")
	}
	if _, err := c.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: role, PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	if d := s.world.iam(s.estate.Management, "list-attached-role-policies/app-s3-reader-role"); d != nil {
		t.Errorf("after detach the role has document %v; want none", d)
	}
	out, err := c.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: role})
	if err != nil || len(out.AttachedPolicies) != 0 {
		t.Errorf("ListAttachedRolePolicies = %v, %v; want no policy", out, err)
	}
}

// Until something is written, reads return the estate's own documents:
// no copy is made on read.
func TestWorldReadsTheEstateItselfUntilAWrite(t *testing.T) {
	s := worldServer(t, nil)
	acct := s.estate.Accounts[s.estate.Management]
	want := acct.Regions["eu-west-1"].Files[fileSecurityGroups]
	got := s.world.regionDoc(s.estate.Management, "eu-west-1", fileSecurityGroups)
	if reflect.ValueOf(got).Pointer() != reflect.ValueOf(want).Pointer() {
		t.Error("the world returned a copy of an unwritten document")
	}
	if s.world.overlay.Load() != nil {
		t.Error("the world has an overlay before any write")
	}
}

// A reader holding a document keeps it unchanged while writes land; the
// writes replace the document instead, and the estate is never touched.
func TestWorldReadersKeepTheirDocumentWhileWritesLand(t *testing.T) {
	s := worldServer(t, nil)
	acct := s.estate.Management
	before := s.world.regionDoc(acct, "eu-west-1", fileSecurityGroups)
	snapshot := deepCopy(before)
	c := clientsFor(s, "eu-west-1")
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				doc := s.world.regionDoc(acct, "eu-west-1", fileSecurityGroups)
				_ = len(groupRules(mustGroup(doc, "sg-0888167be8956aee0"), "IpPermissions"))
			}
		}()
		cidr := "192.0.2." + string(rune('0'+i)) + "/32"
		if _, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: aws.String("sg-0888167be8956aee0"), IpPermissions: []ec2types.IpPermission{tcp(22, cidr)},
		}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if diff := cmp.Diff(snapshot, before); diff != "" {
		t.Errorf("a published document changed under its reader:\n%s", diff)
	}
	if !reflect.DeepEqual(s.estate.Accounts[acct].Regions["eu-west-1"].Files[fileSecurityGroups], snapshot) {
		t.Error("the estate changed")
	}
	after := s.world.regionDoc(acct, "eu-west-1", fileSecurityGroups)
	if n := len(groupRules(mustGroup(after, "sg-0888167be8956aee0"), "IpPermissions")); n != 1+8 {
		t.Errorf("the group has %d ingress rules after 8 writes; want 9", n)
	}
}

func mustGroup(doc map[string]any, id string) map[string]any {
	_, g := find(doc, "SecurityGroups", "GroupId", id)
	return g
}

// A DryRun request that would succeed answers DryRunOperation and changes
// nothing at all.
func TestWorldDryRunChangesNothing(t *testing.T) {
	s := worldServer(t, nil)
	ctx := context.Background()
	c := clientsFor(s, "eu-west-1")
	dry := aws.Bool(true)
	calls := map[string]func() error{
		"AuthorizeSecurityGroupIngress": func() error {
			_, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{DryRun: dry,
				GroupId: aws.String("sg-0888167be8956aee0"), IpPermissions: []ec2types.IpPermission{tcp(7777, "10.40.0.0/16")}})
			return err
		},
		"CreateSecurityGroup": func() error {
			_, err := c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{DryRun: dry,
				GroupName: aws.String("x"), Description: aws.String("x"), VpcId: aws.String("vpc-0b00ac00b93843520")})
			return err
		},
		"TerminateInstances": func() error {
			_, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{DryRun: dry, InstanceIds: []string{"i-0494fb215d364e133"}})
			return err
		},
	}
	for name, call := range calls {
		if code := errorCode(call()); code != "DryRunOperation" {
			t.Errorf("%s with DryRun answered %q; want DryRunOperation", name, code)
		}
	}
	if keys := s.world.changed(); len(keys) != 0 {
		t.Errorf("DryRun calls changed %v", keys)
	}
}
