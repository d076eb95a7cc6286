package awssim_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

// readJSON reads an estate file generically.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func items(doc map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, v := range doc[key].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

// The filters the collectors and users rely on select exactly what AWS
// would, computed independently from the estate files.
func TestEC2FiltersSelectWhatAWSWould(t *testing.T) {
	dir := filepath.Join(simtest.EstatesDir(t), "demo")
	run := simtest.Start(t, dir, awssim.Options{})
	ctx := context.Background()
	region := "us-east-1"
	c := ec2.NewFromConfig(simtest.Config(run.URL, region, 1))
	file := func(name string) map[string]any { return readJSON(t, filepath.Join(dir, region, "ec2", name+".json")) }

	for _, vpc := range items(file("describe-vpcs"), "Vpcs") {
		vpcID := vpc["VpcId"].(string)
		t.Run("subnets of "+vpcID, func(t *testing.T) {
			var want []string
			for _, s := range items(file("describe-subnets"), "Subnets") {
				if s["VpcId"] == vpcID {
					want = append(want, s["SubnetId"].(string))
				}
			}
			out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filter("vpc-id", vpcID)}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range out.Subnets {
				got = append(got, *s.SubnetId)
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("vpc-id filter: %v, want %v", got, want)
			}
		})
		t.Run("internet gateways attached to "+vpcID, func(t *testing.T) {
			var want []string
			for _, g := range items(file("describe-internet-gateways"), "InternetGateways") {
				for _, a := range g["Attachments"].([]any) {
					if a.(map[string]any)["VpcId"] == vpcID {
						want = append(want, g["InternetGatewayId"].(string))
					}
				}
			}
			out, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{filter("attachment.vpc-id", vpcID)}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range out.InternetGateways {
				got = append(got, *g.InternetGatewayId)
			}
			if !slices.Equal(got, want) {
				t.Errorf("attachment.vpc-id filter: %v, want %v", got, want)
			}
		})
	}
	for _, s := range items(file("describe-subnets"), "Subnets") {
		subnet := s["SubnetId"].(string)
		t.Run("network ACL and route table of "+subnet, func(t *testing.T) {
			var wantACL, wantRT []string
			for _, n := range items(file("describe-network-acls"), "NetworkAcls") {
				for _, a := range n["Associations"].([]any) {
					if a.(map[string]any)["SubnetId"] == subnet {
						wantACL = append(wantACL, n["NetworkAclId"].(string))
					}
				}
			}
			for _, r := range items(file("describe-route-tables"), "RouteTables") {
				for _, a := range r["Associations"].([]any) {
					if a.(map[string]any)["SubnetId"] == subnet {
						wantRT = append(wantRT, r["RouteTableId"].(string))
					}
				}
			}
			acls, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{filter("association.subnet-id", subnet)}})
			if err != nil {
				t.Fatal(err)
			}
			rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{filter("association.subnet-id", subnet)}})
			if err != nil {
				t.Fatal(err)
			}
			var gotACL, gotRT []string
			for _, n := range acls.NetworkAcls {
				gotACL = append(gotACL, *n.NetworkAclId)
			}
			for _, r := range rts.RouteTables {
				gotRT = append(gotRT, *r.RouteTableId)
			}
			if len(wantACL) != 1 || !slices.Equal(gotACL, wantACL) {
				t.Errorf("NACL association.subnet-id: %v, want %v", gotACL, wantACL)
			}
			if !slices.Equal(gotRT, wantRT) {
				t.Errorf("route table association.subnet-id: %v, want %v", gotRT, wantRT)
			}
		})
	}
	t.Run("tag wildcards, instance state and AND across filters", func(t *testing.T) {
		var want []string
		for _, r := range items(file("describe-instances"), "Reservations") {
			for _, i := range r["Instances"].([]any) {
				inst := i.(map[string]any)
				if inst["State"].(map[string]any)["Name"] != "running" {
					continue
				}
				for _, tag := range inst["Tags"].([]any) {
					kv := tag.(map[string]any)
					if kv["Key"] == "Name" && strings.HasPrefix(kv["Value"].(string), "prod-") {
						want = append(want, inst["InstanceId"].(string))
					}
				}
			}
		}
		out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
			filter("tag:Name", "prod-*"), filter("instance-state-name", "running", "pending"),
		}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				got = append(got, *i.InstanceId)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("instances %v, want %v", got, want)
		}
	})
	t.Run("an unknown filter is AWS's error", func(t *testing.T) {
		_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{filter("public-ip", "1.2.3.4")}})
		assertAPIError(t, err, "InvalidParameterValue", 400)
	})
}

func TestSSMFiltersAndTheOtherOperations(t *testing.T) {
	dir := filepath.Join(simtest.EstatesDir(t), "demo")
	run := simtest.Start(t, dir, awssim.Options{})
	ctx := context.Background()
	region := "us-east-1"
	cfg := simtest.Config(run.URL, region, 1)
	s := ssm.NewFromConfig(cfg)
	infos := items(readJSON(t, filepath.Join(dir, region, "ssm", "describe-instance-information.json")), "InstanceInformationList")

	t.Run("InstanceInformationFilterList keys", func(t *testing.T) {
		var want []string
		for _, i := range infos {
			if i["PingStatus"] == "Online" && i["PlatformType"] == "Linux" {
				want = append(want, i["InstanceId"].(string))
			}
		}
		var got []string
		p := ssm.NewDescribeInstanceInformationPaginator(s, &ssm.DescribeInstanceInformationInput{
			MaxResults: aws.Int32(5),
			InstanceInformationFilterList: []ssmtypes.InstanceInformationFilter{
				{Key: ssmtypes.InstanceInformationFilterKeyPingStatus, ValueSet: []string{"Online"}},
				{Key: ssmtypes.InstanceInformationFilterKeyPlatformTypes, ValueSet: []string{"Linux"}},
			},
		})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range out.InstanceInformationList {
				got = append(got, *i.InstanceId)
			}
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("ListInventoryEntries, GetInventory, GetServiceSetting, run command", func(t *testing.T) {
		entries, err := os.ReadDir(filepath.Join(dir, region, "ssm", "list-inventory-entries"))
		if err != nil || len(entries) == 0 {
			t.Fatalf("demo has no inventory: %v", err)
		}
		id := entries[0].Name()
		inv, err := s.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: aws.String(id), TypeName: aws.String("AWS:Application"),
			Filters: []ssmtypes.InventoryFilter{{Key: aws.String("AWS:Application.Name"), Values: []string{"kernel", "linux-image-"}, Type: ssmtypes.InventoryQueryOperatorTypeBeginWith}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range inv.Entries {
			if n := e["Name"]; !strings.HasPrefix(n, "kernel") && !strings.HasPrefix(n, "linux-image-") {
				t.Errorf("filtered entry %q does not begin with kernel or linux-image-", n)
			}
		}
		if len(inv.Entries) == 0 {
			t.Errorf("%s: no kernel package", id)
		}
		gi, err := s.GetInventory(ctx, &ssm.GetInventoryInput{Filters: []ssmtypes.InventoryFilter{
			{Key: aws.String("AWS:Application.Name"), Values: []string{"kernel"}, Type: ssmtypes.InventoryQueryOperatorTypeEqual}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range gi.Entities {
			if _, ok := e.Data["AWS:InstanceInformation"]; !ok {
				t.Errorf("entity %s has no AWS:InstanceInformation item", *e.Id)
			}
		}
		_, err = s.GetInventory(ctx, &ssm.GetInventoryInput{ResultAttributes: []ssmtypes.ResultAttribute{{TypeName: aws.String("AWS:Application")}}})
		assertAPIError(t, err, "InvalidResultAttributeException", 400)
		st, err := s.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String("/ssm/managed-instance/default-ec2-instance-management-role")})
		if err != nil || st.ServiceSetting == nil || st.ServiceSetting.SettingValue == nil {
			t.Fatalf("GetServiceSetting: %v", err)
		}
		invocations, err := os.ReadDir(filepath.Join(dir, region, "ssm", "get-command-invocation"))
		if err != nil || len(invocations) == 0 {
			t.Fatalf("demo has no uname evidence: %v", err)
		}
		target := strings.TrimSuffix(invocations[0].Name(), ".json")
		sent, err := s.SendCommand(ctx, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{target},
			Parameters: map[string][]string{"commands": {"uname -r"}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: sent.Command.CommandId, InstanceId: aws.String(target)})
		if err != nil {
			t.Fatal(err)
		}
		want := readJSON(t, filepath.Join(dir, region, "ssm", "get-command-invocation", target+".json"))
		if aws.ToString(got.StandardOutputContent) != want["StandardOutputContent"] || aws.ToString(got.CommandId) != *sent.Command.CommandId {
			t.Errorf("invocation %q (command %s), want the estate's %q", aws.ToString(got.StandardOutputContent), aws.ToString(got.CommandId), want["StandardOutputContent"])
		}
	})
	t.Run("IAM instance profiles and role policies", func(t *testing.T) {
		c := iam.NewFromConfig(cfg)
		profiles, err := os.ReadDir(filepath.Join(dir, "iam", "get-instance-profile"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range profiles {
			name := strings.TrimSuffix(p.Name(), ".json")
			out, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.InstanceProfile.Roles {
				want := items(readJSON(t, filepath.Join(dir, "iam", "list-attached-role-policies", *r.RoleName+".json")), "AttachedPolicies")
				var got int
				pg := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: r.RoleName, MaxItems: aws.Int32(1)})
				for pg.HasMorePages() {
					page, err := pg.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					got += len(page.AttachedPolicies)
				}
				if got != len(want) {
					t.Errorf("role %s: %d policies through pages of 1, want %d", *r.RoleName, got, len(want))
				}
			}
		}
		_, err = c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("no-such-profile")})
		assertAPIError(t, err, "NoSuchEntity", 404)
	})
}
