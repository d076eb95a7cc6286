package awssim_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// analytics-tm-appliance (eu-west-1, not the default VPC): one ingress
// permission, tcp/443 from 10.40.0.0/16, and no tcp/7777.
const applianceGroup = "sg-0888167be8956aee0"

var sgrID = regexp.MustCompile(`^sgr-[0-9a-f]{17}$`)

func TestWriteSecurityGroupRules(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"authorize then describe shows the rule in a permission of its own", func(t *testing.T, w writeSim) {
			out, err := w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(applianceGroup), IpPermissions: []ec2types.IpPermission{tcpPerm(7777, "10.40.0.0/16")},
			})
			if err != nil {
				t.Fatal(err)
			}
			if !aws.ToBool(out.Return) || len(out.SecurityGroupRules) != 1 {
				t.Fatalf("answer = %+v; want Return and one rule", out)
			}
			r := out.SecurityGroupRules[0]
			if !sgrID.MatchString(aws.ToString(r.SecurityGroupRuleId)) || aws.ToString(r.GroupId) != applianceGroup ||
				aws.ToBool(r.IsEgress) || aws.ToString(r.CidrIpv4) != "10.40.0.0/16" || aws.ToInt32(r.FromPort) != 7777 {
				t.Errorf("rule = %+v", r)
			}
			perms := w.group(t, applianceGroup).IpPermissions
			if len(perms) != 2 || aws.ToInt32(perms[1].FromPort) != 7777 || aws.ToString(perms[1].IpRanges[0].CidrIp) != "10.40.0.0/16" {
				t.Errorf("IpPermissions = %+v; want tcp/443 then tcp/7777", perms)
			}
		}},
		{"a source for an existing port range is merged into its permission", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(applianceGroup),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("6"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
					IpRanges:         []ec2types.IpRange{{CidrIp: aws.String("192.0.2.0/24"), Description: aws.String("office")}},
					UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-0ddb5efedf67d59a4")}}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			perms := w.group(t, applianceGroup).IpPermissions
			if len(perms) != 1 {
				t.Fatalf("IpPermissions = %+v; want the one tcp/443 permission", perms)
			}
			p := perms[0]
			if aws.ToString(p.IpProtocol) != "tcp" || len(p.IpRanges) != 2 || aws.ToString(p.IpRanges[1].Description) != "office" ||
				len(p.UserIdGroupPairs) != 1 || aws.ToString(p.UserIdGroupPairs[0].UserId) != "111122223333" {
				t.Errorf("permission = %+v", p)
			}
		}},
		{"a rule the group already has is InvalidPermission.Duplicate and adds nothing", func(t *testing.T, w writeSim) {
			before := w.group(t, applianceGroup)
			_, err := w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId:       aws.String(applianceGroup),
				IpPermissions: []ec2types.IpPermission{tcpPerm(7777, "10.40.0.0/16"), tcpPerm(443, "10.40.0.0/16")},
			})
			assertAPIError(t, err, "InvalidPermission.Duplicate", http.StatusBadRequest)
			if !strings.Contains(err.Error(), `the specified rule "peer: 10.40.0.0/16, TCP, from port: 443, to port: 443, ALLOW" already exists`) {
				t.Errorf("message: %v", err)
			}
			sameJSON(t, "group", before, w.group(t, applianceGroup))
		}},
		{"authorizing into an unknown group is InvalidGroup.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{
				GroupId: aws.String("sg-00000000000000000"), IpPermissions: []ec2types.IpPermission{tcpPerm(443, "0.0.0.0/0")},
			})
			assertAPIError(t, err, "InvalidGroup.NotFound", http.StatusBadRequest)
		}},
		{"a source group that does not exist is InvalidGroup.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(applianceGroup),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"),
					UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-0123456789abcdef0")}}}},
			})
			assertAPIError(t, err, "InvalidGroup.NotFound", http.StatusBadRequest)
		}},
		{"revoke restores the exact original group", func(t *testing.T, w writeSim) {
			before := w.group(t, applianceGroup)
			perms := []ec2types.IpPermission{tcpPerm(7777, "10.40.0.0/16"), tcpPerm(443, "198.51.100.0/24")}
			if _, err := w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(applianceGroup), IpPermissions: perms}); err != nil {
				t.Fatal(err)
			}
			out, err := w.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(applianceGroup), IpPermissions: perms})
			if err != nil {
				t.Fatal(err)
			}
			if !aws.ToBool(out.Return) || len(out.UnknownIpPermissions) != 0 {
				t.Errorf("answer = %+v", out)
			}
			sameJSON(t, "group", before, w.group(t, applianceGroup))
		}},
		{"revoking a rule the group lacks is InvalidPermission.NotFound outside the default VPC", func(t *testing.T, w writeSim) {
			_, err := w.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
				GroupId: aws.String(applianceGroup), IpPermissions: []ec2types.IpPermission{tcpPerm(443, "10.40.0.0/16"), tcpPerm(22, "0.0.0.0/0")},
			})
			assertAPIError(t, err, "InvalidPermission.NotFound", http.StatusBadRequest)
			if len(w.group(t, applianceGroup).IpPermissions) != 1 {
				t.Error("the rule that exists was revoked anyway")
			}
		}},
		{"revoking a rule the group lacks in the default VPC answers it as unknown and revokes the rest", func(t *testing.T, w writeSim) {
			const wizard = "sg-08f6d9c9462880fd1" // launch-wizard-1: tcp/21 and tcp/22 from anywhere
			out, err := w.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
				GroupId: aws.String(wizard), IpPermissions: []ec2types.IpPermission{tcpPerm(21, "0.0.0.0/0"), tcpPerm(3389, "0.0.0.0/0")},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.UnknownIpPermissions) != 1 || aws.ToInt32(out.UnknownIpPermissions[0].FromPort) != 3389 {
				t.Errorf("UnknownIpPermissions = %+v; want tcp/3389", out.UnknownIpPermissions)
			}
			perms := w.group(t, wizard).IpPermissions
			if len(perms) != 1 || aws.ToInt32(perms[0].FromPort) != 22 {
				t.Errorf("IpPermissions = %+v; want only tcp/22 left", perms)
			}
		}},
		{"revoke by the rule id authorize answered removes the egress rule", func(t *testing.T, w writeSim) {
			before := w.group(t, applianceGroup)
			out, err := w.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{
				GroupId: aws.String(applianceGroup),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("udp"), FromPort: aws.Int32(514), ToPort: aws.Int32(514),
					PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String("pl-6da54004")}}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			r := out.SecurityGroupRules[0]
			if !aws.ToBool(r.IsEgress) || aws.ToString(r.PrefixListId) != "pl-6da54004" {
				t.Errorf("rule = %+v", r)
			}
			if _, err := w.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{
				GroupId: aws.String(applianceGroup), SecurityGroupRuleIds: []string{aws.ToString(r.SecurityGroupRuleId)},
			}); err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "group", before, w.group(t, applianceGroup))
		}},
		{"an unknown rule id is InvalidSecurityGroupRuleId.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{
				GroupId: aws.String(applianceGroup), SecurityGroupRuleIds: []string{"sgr-00000000000000000"},
			})
			assertAPIError(t, err, "InvalidSecurityGroupRuleId.NotFound", http.StatusBadRequest)
		}},
		{"a malformed CIDR is InvalidParameterValue", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(applianceGroup), IpPermissions: []ec2types.IpPermission{tcpPerm(22, "10.0.0.0/33")},
			})
			assertAPIError(t, err, "InvalidParameterValue", http.StatusBadRequest)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "eu-west-1", "")) })
	}
}

func TestWriteSecurityGroupCreateAndDelete(t *testing.T) {
	ctx := context.Background()
	const vpc = "vpc-0b00ac00b93843520" // analytics
	create := func(w writeSim, name string) (*ec2.CreateSecurityGroupOutput, error) {
		return w.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName: aws.String(name), Description: aws.String("remediation"), VpcId: aws.String(vpc),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup,
				Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}},
		})
	}
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"create then describe shows the group with AWS's default egress rule", func(t *testing.T, w writeSim) {
			out, err := create(w, "pdr-tm-transport")
			if err != nil {
				t.Fatal(err)
			}
			id := aws.ToString(out.GroupId)
			if !regexp.MustCompile(`^sg-[0-9a-f]{17}$`).MatchString(id) || len(out.Tags) != 1 {
				t.Errorf("answer = %+v", out)
			}
			g := w.group(t, id)
			if aws.ToString(g.GroupName) != "pdr-tm-transport" || aws.ToString(g.VpcId) != vpc || len(g.IpPermissions) != 0 ||
				len(g.IpPermissionsEgress) != 1 || aws.ToString(g.IpPermissionsEgress[0].IpProtocol) != "-1" ||
				aws.ToString(g.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" || len(g.Tags) != 1 {
				t.Errorf("group = %+v", g)
			}
			byName, err := w.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
				Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"pdr-tm-transport"}}},
			})
			if err != nil || len(byName.SecurityGroups) != 1 {
				t.Errorf("filter by name = %v, %v", byName, err)
			}
		}},
		{"a second group of the same name in the VPC is InvalidGroup.Duplicate", func(t *testing.T, w writeSim) {
			if _, err := create(w, "pdr-tm-transport"); err != nil {
				t.Fatal(err)
			}
			_, err := create(w, "pdr-tm-transport")
			assertAPIError(t, err, "InvalidGroup.Duplicate", http.StatusBadRequest)
			if !strings.Contains(err.Error(), "The security group 'pdr-tm-transport' already exists for VPC 'vpc-0b00ac00b93843520'") {
				t.Errorf("message: %v", err)
			}
		}},
		{"a group in an unknown VPC is InvalidVpcID.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
				GroupName: aws.String("x"), Description: aws.String("x"), VpcId: aws.String("vpc-00000000000000000"),
			})
			assertAPIError(t, err, "InvalidVpcID.NotFound", http.StatusBadRequest)
		}},
		{"delete removes an unused group", func(t *testing.T, w writeSim) {
			out, err := create(w, "pdr-tm-transport")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: out.GroupId}); err != nil {
				t.Fatal(err)
			}
			_, err = w.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(out.GroupId)}})
			assertAPIError(t, err, "InvalidGroup.NotFound", http.StatusBadRequest)
		}},
		{"delete of a group an instance uses is DependencyViolation", func(t *testing.T, w writeSim) {
			_, err := w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(applianceGroup)})
			assertAPIError(t, err, "DependencyViolation", http.StatusBadRequest)
		}},
		{"delete of a group a VPC endpoint uses is DependencyViolation", func(t *testing.T, w writeSim) {
			_, err := w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-01b18f5e7088a36aa")})
			assertAPIError(t, err, "DependencyViolation", http.StatusBadRequest)
		}},
		{"delete of a group another group's rule names is DependencyViolation", func(t *testing.T, w writeSim) {
			out, err := create(w, "pdr-tm-transport")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(applianceGroup),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"),
					UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: out.GroupId}}}},
			}); err != nil {
				t.Fatal(err)
			}
			_, err = w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: out.GroupId})
			assertAPIError(t, err, "DependencyViolation", http.StatusBadRequest)
		}},
		{"the default group cannot be deleted", func(t *testing.T, w writeSim) {
			_, err := w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-0f01a3ede22af4254")})
			assertAPIError(t, err, "CannotDelete", http.StatusBadRequest)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "eu-west-1", "")) })
	}
}
