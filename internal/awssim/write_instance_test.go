package awssim_test

import (
	"context"
	"net/http"
	"net/netip"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// eu-west-1 instances of the demo estate.
const (
	etl1      = "i-06c916c940f8cb2ae" // profile pdr-ssm-core
	etl6      = "i-0494fb215d364e133" // no profile, analytics private-b
	vaultApp  = "sg-073480d5e6d813697"
	coreArn   = "arn:aws:iam::111122223333:instance-profile/pdr-ssm-core"
	coreID    = "AIPA43KRQPHUSEMLLCU75"
	anyAMI    = "ami-0123456789abcdef0"
	etl6Group = "sg-0dee56ac8108890e6" // analytics-etl
)

var assocID = regexp.MustCompile(`^iip-assoc-[0-9a-f]{17}$`)

// associationOf returns an instance's association, if it has one.
func associationOf(t *testing.T, w writeSim, instance string) (ec2types.IamInstanceProfileAssociation, bool) {
	t.Helper()
	out, err := w.ec2.DescribeIamInstanceProfileAssociations(context.Background(), &ec2.DescribeIamInstanceProfileAssociationsInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{instance}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.IamInstanceProfileAssociations) == 0 {
		return ec2types.IamInstanceProfileAssociation{}, false
	}
	return out.IamInstanceProfileAssociations[0], true
}

func TestWriteInstanceProfileAssociations(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"associate then describe shows the profile on the instance and the association", func(t *testing.T, w writeSim) {
			out, err := w.ec2.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{
				InstanceId: aws.String(etl6), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("pdr-ssm-core")},
			})
			if err != nil {
				t.Fatal(err)
			}
			a := out.IamInstanceProfileAssociation
			if !assocID.MatchString(aws.ToString(a.AssociationId)) || a.State != ec2types.IamInstanceProfileAssociationStateAssociating ||
				aws.ToString(a.IamInstanceProfile.Arn) != coreArn {
				t.Errorf("answer = %+v", a)
			}
			prof := w.instance(t, etl6).IamInstanceProfile
			if prof == nil || aws.ToString(prof.Arn) != coreArn || aws.ToString(prof.Id) != coreID {
				t.Errorf("IamInstanceProfile = %+v", prof)
			}
			got, ok := associationOf(t, w, etl6)
			if !ok || aws.ToString(got.AssociationId) != aws.ToString(a.AssociationId) || got.State != ec2types.IamInstanceProfileAssociationStateAssociated {
				t.Errorf("association = %+v, %v", got, ok)
			}
		}},
		{"associate by ARN finds the profile", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{
				InstanceId: aws.String(etl6), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: aws.String(coreArn)},
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"an instance that has a profile is IncorrectState", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{
				InstanceId: aws.String(etl1), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("pdr-ssm-core")},
			})
			assertAPIError(t, err, "IncorrectState", http.StatusBadRequest)
		}},
		{"a profile IAM does not know is InvalidParameterValue", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{
				InstanceId: aws.String(etl6), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("no-such-profile")},
			})
			assertAPIError(t, err, "InvalidParameterValue", http.StatusBadRequest)
		}},
		{"an unknown instance is InvalidInstanceID.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{
				InstanceId: aws.String("i-00000000000000000"), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("pdr-ssm-core")},
			})
			assertAPIError(t, err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
		}},
		{"disassociate by the association id removes the profile", func(t *testing.T, w writeSim) {
			a, ok := associationOf(t, w, etl1)
			if !ok {
				t.Fatal("the estate's profile has no association")
			}
			out, err := w.ec2.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: a.AssociationId})
			if err != nil {
				t.Fatal(err)
			}
			if out.IamInstanceProfileAssociation.State != ec2types.IamInstanceProfileAssociationStateDisassociating {
				t.Errorf("answer = %+v", out.IamInstanceProfileAssociation)
			}
			if p := w.instance(t, etl1).IamInstanceProfile; p != nil {
				t.Errorf("IamInstanceProfile = %+v after disassociate", p)
			}
			_, err = w.ec2.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{AssociationIds: []string{aws.ToString(a.AssociationId)}})
			assertAPIError(t, err, "InvalidAssociationID.NotFound", http.StatusBadRequest)
		}},
		{"an unknown association id is InvalidAssociationID.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String("iip-assoc-00000000000000000")})
			assertAPIError(t, err, "InvalidAssociationID.NotFound", http.StatusBadRequest)
		}},
		{"describe pages through every running instance's association", func(t *testing.T, w writeSim) {
			inst, err := w.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, r := range inst.Reservations {
				for _, i := range r.Instances {
					if i.IamInstanceProfile != nil {
						want++
					}
				}
			}
			p := ec2.NewDescribeIamInstanceProfileAssociationsPaginator(w.ec2, &ec2.DescribeIamInstanceProfileAssociationsInput{MaxResults: aws.Int32(5)})
			got, pages := 0, 0
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got += len(out.IamInstanceProfileAssociations)
				pages++
			}
			if want < 6 || got != want || pages < 2 {
				t.Errorf("%d associations in %d pages; want %d (more than one page)", got, pages, want)
			}
			_, err = w.ec2.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{MaxResults: aws.Int32(4)})
			assertAPIError(t, err, "InvalidParameterValue", http.StatusBadRequest)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "eu-west-1", "")) })
	}
}

func TestWriteRunAndTerminateInstances(t *testing.T) {
	ctx := context.Background()
	run := func(w writeSim, subnet string, groups ...string) (*ec2.RunInstancesOutput, error) {
		return w.ec2.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String(anyAMI), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(2),
			SubnetId: aws.String(subnet), SecurityGroupIds: groups,
			IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("pdr-ssm-core")},
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("pdr-tm-b")}}}},
		})
	}
	subnetFree := func(t *testing.T, w writeSim, id string) int32 {
		out, err := w.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToInt32(out.Subnets[0].AvailableIpAddressCount)
	}
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"run answers pending and later describes say running in the subnet", func(t *testing.T, w writeSim) {
			free := subnetFree(t, w, vaultPrivateA)
			out, err := run(w, vaultPrivateA, vaultApp)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^r-[0-9a-f]{17}$`).MatchString(aws.ToString(out.ReservationId)) || len(out.Instances) != 2 {
				t.Fatalf("answer = %+v", out)
			}
			pfx := netip.MustParsePrefix("10.50.10.0/24")
			ips := map[string]bool{}
			for _, i := range out.Instances {
				if i.State.Name != ec2types.InstanceStateNamePending || aws.ToInt32(i.State.Code) != 0 {
					t.Errorf("answered state %+v; want pending", i.State)
				}
				got := w.instance(t, aws.ToString(i.InstanceId))
				ip, _ := netip.ParseAddr(aws.ToString(got.PrivateIpAddress))
				if got.State.Name != ec2types.InstanceStateNameRunning || aws.ToInt32(got.State.Code) != 16 ||
					aws.ToString(got.VpcId) != vaultVpc || aws.ToString(got.Placement.AvailabilityZone) != "eu-west-1a" ||
					!pfx.Contains(ip) || ips[ip.String()] || len(got.SecurityGroups) != 1 || aws.ToString(got.SecurityGroups[0].GroupId) != vaultApp ||
					aws.ToString(got.IamInstanceProfile.Arn) != coreArn || len(got.Tags) != 1 || got.PublicIpAddress != nil ||
					len(got.NetworkInterfaces) != 1 || aws.ToString(got.NetworkInterfaces[0].PrivateIpAddress) != ip.String() {
					t.Errorf("instance = %+v", got)
				}
				ips[ip.String()] = true
				if _, ok := associationOf(t, w, aws.ToString(i.InstanceId)); !ok {
					t.Errorf("%s has no profile association", aws.ToString(i.InstanceId))
				}
			}
			if now := subnetFree(t, w, vaultPrivateA); now != free-2 {
				t.Errorf("AvailableIpAddressCount = %d; want %d", now, free-2)
			}
		}},
		{"an instance in a subnet that maps public addresses gets one", func(t *testing.T, w writeSim) {
			out, err := run(w, "subnet-0fcff4ecc17d8d7f6")
			if err != nil {
				t.Fatal(err)
			}
			got := w.instance(t, aws.ToString(out.Instances[0].InstanceId))
			if got.PublicIpAddress == nil || aws.ToString(got.PublicDnsName) == "" || aws.ToString(got.SecurityGroups[0].GroupName) != "default" {
				t.Errorf("instance = %+v; want a public address and the VPC's default group", got)
			}
		}},
		{"a primary network interface places the instance in its subnet with its groups", func(t *testing.T, w writeSim) {
			out, err := w.ec2.RunInstances(ctx, &ec2.RunInstancesInput{
				ImageId: aws.String(anyAMI), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
				NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0),
					SubnetId: aws.String(vaultPrivateB), Groups: []string{vaultApp}, AssociatePublicIpAddress: aws.Bool(false)}},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := w.instance(t, aws.ToString(out.Instances[0].InstanceId))
			if aws.ToString(got.SubnetId) != vaultPrivateB || aws.ToString(got.Placement.AvailabilityZone) != "eu-west-1b" ||
				aws.ToString(got.NetworkInterfaces[0].Groups[0].GroupId) != vaultApp || got.InstanceType != ec2types.InstanceTypeM1Small {
				t.Errorf("instance = %+v", got)
			}
		}},
		{"a subnet both on the request and on its network interface is InvalidParameterCombination", func(t *testing.T, w writeSim) {
			_, err := w.ec2.RunInstances(ctx, &ec2.RunInstancesInput{
				ImageId: aws.String(anyAMI), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(vaultPrivateA),
				NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: aws.String(vaultPrivateB)}},
			})
			assertAPIError(t, err, "InvalidParameterCombination", http.StatusBadRequest)
		}},
		{"an unknown subnet is InvalidSubnetID.NotFound", func(t *testing.T, w writeSim) {
			_, err := run(w, "subnet-00000000000000000")
			assertAPIError(t, err, "InvalidSubnetID.NotFound", http.StatusBadRequest)
		}},
		{"a malformed AMI id is InvalidAMIID.Malformed", func(t *testing.T, w writeSim) {
			_, err := w.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-xyz"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(vaultPrivateA)})
			assertAPIError(t, err, "InvalidAMIID.Malformed", http.StatusBadRequest)
		}},
		{"a group of another VPC is refused", func(t *testing.T, w writeSim) {
			_, err := run(w, vaultPrivateA, applianceGroup)
			assertAPIError(t, err, "InvalidParameter", http.StatusBadRequest)
		}},
		{"terminate answers shutting-down and later describes say terminated", func(t *testing.T, w writeSim) {
			subnet := aws.ToString(w.instance(t, etl6).SubnetId)
			free := subnetFree(t, w, subnet)
			out, err := w.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{etl6}})
			if err != nil {
				t.Fatal(err)
			}
			ch := out.TerminatingInstances
			if len(ch) != 1 || aws.ToString(ch[0].InstanceId) != etl6 ||
				ch[0].PreviousState.Name != ec2types.InstanceStateNameRunning || aws.ToInt32(ch[0].PreviousState.Code) != 16 ||
				ch[0].CurrentState.Name != ec2types.InstanceStateNameShuttingDown || aws.ToInt32(ch[0].CurrentState.Code) != 32 {
				t.Errorf("TerminatingInstances = %+v", ch)
			}
			got := w.instance(t, etl6)
			if got.State.Name != ec2types.InstanceStateNameTerminated || aws.ToInt32(got.State.Code) != 48 || len(got.NetworkInterfaces) != 0 {
				t.Errorf("instance = %+v", got)
			}
			if now := subnetFree(t, w, subnet); now != free+1 {
				t.Errorf("AvailableIpAddressCount = %d; want %d", now, free+1)
			}
			again, err := w.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{etl6}})
			if err != nil || again.TerminatingInstances[0].CurrentState.Name != ec2types.InstanceStateNameTerminated {
				t.Errorf("terminating again = %+v, %v", again, err)
			}
		}},
		{"terminating an unknown instance is InvalidInstanceID.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{"i-00000000000000000"}})
			assertAPIError(t, err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
			_, err = w.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{"instance-1"}})
			assertAPIError(t, err, "InvalidInstanceID.Malformed", http.StatusBadRequest)
		}},
		{"a group is deletable once its only instance is terminated", func(t *testing.T, w writeSim) {
			sg, err := w.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
				GroupName: aws.String("pdr-tm"), Description: aws.String("appliance"), VpcId: aws.String(vaultVpc),
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := run(w, vaultPrivateA, aws.ToString(sg.GroupId))
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
			assertAPIError(t, err, "DependencyViolation", http.StatusBadRequest)
			var ids []string
			for _, i := range out.Instances {
				ids = append(ids, aws.ToString(i.InstanceId))
			}
			if _, err := w.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}); err != nil {
				t.Errorf("delete after terminate: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "eu-west-1", "")) })
	}
}

func TestWriteModifyInstanceGroups(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, w writeSim)
	}{
		{"groups replace the instance's and its network interface's groups", func(t *testing.T, w writeSim) {
			_, err := w.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
				InstanceId: aws.String(etl6), Groups: []string{etl6Group, "sg-0ddb5efedf67d59a4"},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := w.instance(t, etl6)
			for _, gs := range [][]ec2types.GroupIdentifier{got.SecurityGroups, got.NetworkInterfaces[0].Groups} {
				if len(gs) != 2 || aws.ToString(gs[1].GroupId) != "sg-0ddb5efedf67d59a4" || aws.ToString(gs[1].GroupName) != "analytics-pdr-agent" {
					t.Errorf("groups = %+v", gs)
				}
			}
			byGroup, err := w.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
				Filters: []ec2types.Filter{{Name: aws.String("instance.group-id"), Values: []string{"sg-0ddb5efedf67d59a4"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range byGroup.Reservations {
				for _, i := range r.Instances {
					found = found || aws.ToString(i.InstanceId) == etl6
				}
			}
			if !found {
				t.Error("a filter on the new group does not find the instance")
			}
		}},
		{"a group of another VPC is InvalidGroup.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(etl6), Groups: []string{vaultApp}})
			assertAPIError(t, err, "InvalidGroup.NotFound", http.StatusBadRequest)
		}},
		{"an unknown instance is InvalidInstanceID.NotFound", func(t *testing.T, w writeSim) {
			_, err := w.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String("i-00000000000000000"), Groups: []string{etl6Group}})
			assertAPIError(t, err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, startWriteSim(t, "eu-west-1", "")) })
	}
}
