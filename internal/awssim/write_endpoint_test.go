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

// The vault VPC (eu-west-1) has interface endpoints with private DNS for
// ssm, ec2messages and ssmmessages in private-a and private-b, and an S3
// gateway endpoint; the analytics VPC has none.
const (
	vaultVpc        = "vpc-09db142956782acf7"
	vaultPrivateA   = "subnet-04cf085af7b859643"
	vaultPrivateB   = "subnet-0f8a55300fa43ed78"
	vaultIsolatedC  = "subnet-07fdfbae6e7c81e5a"
	vaultEndpointSG = "sg-01b18f5e7088a36aa"
)

func TestWriteVpcEndpoints(t *testing.T) {
	ctx := context.Background()
	iface := func(service string, subnets ...string) *ec2.CreateVpcEndpointInput {
		return &ec2.CreateVpcEndpointInput{
			VpcId: aws.String(vaultVpc), ServiceName: aws.String(service), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
			SubnetIds: subnets, SecurityGroupIds: []string{vaultEndpointSG},
		}
	}
	describe := func(t *testing.T, w writeSim, id string) ec2types.VpcEndpoint {
		t.Helper()
		out, err := w.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
		if err != nil || len(out.VpcEndpoints) != 1 {
			t.Fatalf("describe %s: %v", id, err)
		}
		return out.VpcEndpoints[0]
	}
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"create answers pending and later describes say available", func(t *testing.T, w writeSim) {
			out, err := w.ec2.CreateVpcEndpoint(ctx, iface("com.amazonaws.eu-west-1.kms", vaultPrivateA, vaultIsolatedC))
			if err != nil {
				t.Fatal(err)
			}
			ep := out.VpcEndpoint
			id := aws.ToString(ep.VpcEndpointId)
			if !regexp.MustCompile(`^vpce-[0-9a-f]{17}$`).MatchString(id) || string(ep.State) != "pending" {
				t.Errorf("answer = %+v", ep)
			}
			got := describe(t, w, id)
			if string(got.State) != "available" || !aws.ToBool(got.PrivateDnsEnabled) || len(got.SubnetIds) != 2 ||
				len(got.NetworkInterfaceIds) != 2 || len(got.Groups) != 1 || aws.ToString(got.Groups[0].GroupName) != "vault-ssm-endpoints" {
				t.Errorf("endpoint = %+v", got)
			}
			last := got.DnsEntries[len(got.DnsEntries)-1]
			if aws.ToString(last.DnsName) != "kms.eu-west-1.amazonaws.com" {
				t.Errorf("DnsEntries = %+v; want the private DNS name last", got.DnsEntries)
			}
			byVpc, err := w.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{
				Filters: []ec2types.Filter{{Name: aws.String("service-name"), Values: []string{"com.amazonaws.eu-west-1.kms"}}},
			})
			if err != nil || len(byVpc.VpcEndpoints) != 1 {
				t.Errorf("filter by service = %v, %v", byVpc, err)
			}
		}},
		{"a second endpoint with private DNS for a service of the VPC is refused", func(t *testing.T, w writeSim) {
			_, err := w.ec2.CreateVpcEndpoint(ctx, iface("com.amazonaws.eu-west-1.ssm", vaultIsolatedC))
			assertAPIError(t, err, "InvalidParameter", http.StatusBadRequest)
			if !strings.Contains(err.Error(), "private-dns-enabled cannot be set because there is already a conflicting DNS domain for ssm.eu-west-1.amazonaws.com in the VPC vpc-09db142956782acf7") {
				t.Errorf("message: %v", err)
			}
		}},
		{"a second endpoint for the service without private DNS is created", func(t *testing.T, w writeSim) {
			in := iface("com.amazonaws.eu-west-1.ssm", vaultIsolatedC)
			in.PrivateDnsEnabled = aws.Bool(false)
			if _, err := w.ec2.CreateVpcEndpoint(ctx, in); err != nil {
				t.Fatal(err)
			}
		}},
		{"two subnets of one Availability Zone are DuplicateSubnetsInSameZone", func(t *testing.T, w writeSim) {
			in := iface("com.amazonaws.eu-west-1.kms", "subnet-0fcff4ecc17d8d7f6", "subnet-0e17c7ead45d88279")
			in.VpcId, in.SecurityGroupIds = aws.String("vpc-0b00ac00b93843520"), nil
			_, err := w.ec2.CreateVpcEndpoint(ctx, in)
			assertAPIError(t, err, "DuplicateSubnetsInSameZone", http.StatusBadRequest)
		}},
		{"an unknown subnet is InvalidSubnetID.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.CreateVpcEndpoint(ctx, iface("com.amazonaws.eu-west-1.kms", "subnet-00000000000000000"))
			assertAPIError(t, err, "InvalidSubnetID.NotFound", http.StatusBadRequest)
		}},
		{"an unknown VPC is InvalidVpcID.NotFound", func(t *testing.T, w writeSim) {
			in := iface("com.amazonaws.eu-west-1.kms", vaultPrivateA)
			in.VpcId = aws.String("vpc-00000000000000000")
			_, err := w.ec2.CreateVpcEndpoint(ctx, in)
			assertAPIError(t, err, "InvalidVpcID.NotFound", http.StatusBadRequest)
		}},
		{"a group of another VPC is refused", func(t *testing.T, w writeSim) {
			in := iface("com.amazonaws.eu-west-1.kms", vaultPrivateA)
			in.SecurityGroupIds = []string{applianceGroup}
			_, err := w.ec2.CreateVpcEndpoint(ctx, in)
			assertAPIError(t, err, "InvalidGroup.NotFound", http.StatusBadRequest)
		}},
		{"a gateway endpoint keeps its route tables", func(t *testing.T, w writeSim) {
			out, err := w.ec2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
				VpcId: aws.String("vpc-0b00ac00b93843520"), ServiceName: aws.String("com.amazonaws.eu-west-1.dynamodb"),
				RouteTableIds: []string{"rtb-04efcb88d45f6cd74"},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := describe(t, w, aws.ToString(out.VpcEndpoint.VpcEndpointId))
			if got.VpcEndpointType != ec2types.VpcEndpointTypeGateway || len(got.RouteTableIds) != 1 || aws.ToBool(got.PrivateDnsEnabled) {
				t.Errorf("endpoint = %+v", got)
			}
		}},
		{"delete removes the endpoint and reports unknown ids as unsuccessful", func(t *testing.T, w writeSim) {
			out, err := w.ec2.CreateVpcEndpoint(ctx, iface("com.amazonaws.eu-west-1.kms", vaultPrivateA))
			if err != nil {
				t.Fatal(err)
			}
			id := aws.ToString(out.VpcEndpoint.VpcEndpointId)
			del, err := w.ec2.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id, "vpce-00000000000000000"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(del.Unsuccessful) != 1 || aws.ToString(del.Unsuccessful[0].ResourceId) != "vpce-00000000000000000" ||
				aws.ToString(del.Unsuccessful[0].Error.Code) != "InvalidVpcEndpoint.NotFound" {
				t.Errorf("Unsuccessful = %+v", del.Unsuccessful)
			}
			_, err = w.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
			assertAPIError(t, err, "InvalidVpcEndpointId.NotFound", http.StatusBadRequest)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "eu-west-1", "")) })
	}
}
