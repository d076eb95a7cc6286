package main

import (
	"slices"
	"strings"
	"testing"
)

// TestTheDemoFilesTellTheREADMEStory checks, in the rendered files, the
// facts the demo README's verdicts rest on.
func TestTheDemoFilesTellTheREADMEStory(t *testing.T) {
	d := buildDemo()
	all := render(d.e)
	doc := func(p string) *node {
		b, ok := all[p]
		if !ok {
			return nil
		}
		n, err := parseNode(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return n
	}
	ssmStatus := func(in *instance) string {
		for _, ii := range doc(in.r.name + "/ssm/describe-instance-information.json").list("InstanceInformationList") {
			if ii.s("InstanceId") == in.id {
				return ii.s("PingStatus")
			}
		}
		return "absent"
	}
	kernelPackages := func(in *instance) []string {
		var out []string
		inv := doc(in.r.name + "/ssm/list-inventory-entries/" + in.id + "/AWS_Application.json")
		for _, e := range inv.list("Entries") {
			name := e.s("Name")
			switch {
			case name == "kernel":
				out = append(out, e.s("Version")+"-"+e.s("Release")+"."+e.s("Architecture"))
			case strings.HasPrefix(name, "linux-image-"):
				out = append(out, strings.TrimPrefix(name, "linux-image-"))
			}
		}
		return out
	}
	uname := func(in *instance) string {
		n := doc(in.r.name + "/ssm/get-command-invocation/" + in.id + ".json")
		if n == nil {
			return ""
		}
		return strings.TrimSpace(n.s("StandardOutputContent"))
	}
	group := func(region, id string) *node {
		for _, g := range doc(region + "/ec2/describe-security-groups.json").list("SecurityGroups") {
			if g.s("GroupId") == id {
				return g
			}
		}
		return nil
	}
	dhmc := func(region string) string {
		return doc(region + "/ssm/get-service-setting/default-ec2-instance-management-role.json").get("ServiceSetting").s("SettingValue")
	}

	tests := []struct {
		name  string
		check func() bool
	}{
		{"DHMC is off in us-east-1 and on in eu-west-1", func() bool {
			return dhmc("us-east-1") == "$None" && strings.HasSuffix(dhmc("eu-west-1"), "AWSSystemsManagerDefaultEC2InstanceManagementRole")
		}},
		{"pay-api-2, pay-worker-1 and pay-batch-2 are unknown to SSM and pay-batch-1 has lost its connection", func() bool {
			return ssmStatus(d.appAPI2) == "absent" && ssmStatus(d.appWorker1) == "absent" &&
				ssmStatus(d.appBatch2) == "absent" && ssmStatus(d.appBatch1) == "ConnectionLost"
		}},
		{"pay-batch-1's uname command timed out with no output", func() bool {
			n := doc("us-east-1/ssm/get-command-invocation/" + d.appBatch1.id + ".json")
			return n.s("Status") == "TimedOut" && n.s("StandardOutputContent") == "" && len(kernelPackages(d.appBatch1)) == 1
		}},
		{"etl-1 lists two kernels and uname picks the unlisted one", func() bool {
			k := kernelPackages(d.anETL1)
			return len(k) == 2 && uname(d.anETL1) == "4.14.177-107.254.amzn1.x86_64" && slices.Contains(k, uname(d.anETL1))
		}},
		{"etl-2 lists two kernels and has no uname evidence", func() bool {
			return len(kernelPackages(d.anETL2)) == 2 && uname(d.anETL2) == ""
		}},
		{"etl-3 has exactly one Debian kernel image", func() bool {
			return slices.Equal(kernelPackages(d.anETL3), []string{"4.4.0-1128-aws"})
		}},
		{"etl-4 is an arm64 instance running an aarch64 kernel", func() bool {
			return d.anETL4.os.arch == "arm64" && strings.HasSuffix(uname(d.anETL4), ".aarch64") &&
				slices.Equal(kernelPackages(d.anETL4), []string{uname(d.anETL4)})
		}},
		{"the analytics appliance group admits tcp/443 but not tcp/7777", func() bool {
			g := group("eu-west-1", d.anTMSG.id)
			ports := []string{}
			for _, p := range g.list("IpPermissions") {
				ports = append(ports, p.s("IpProtocol")+"/"+p.get("FromPort").num.String())
			}
			return slices.Equal(ports, []string{"tcp/443"})
		}},
		{"the tm-a network ACL denies tcp/4138 egress to each US data center range first", func() bool {
			for _, acl := range doc("eu-west-1/ec2/describe-network-acls.json").list("NetworkAcls") {
				if acl.s("NetworkAclId") != d.anTMACL.id {
					continue
				}
				var denied []string
				for _, e := range acl.list("Entries") {
					if e.get("Egress").b && e.s("RuleAction") == "deny" && e.s("Protocol") == "6" && e.get("PortRange").get("From").num.String() == "4138" {
						denied = append(denied, e.s("CidrBlock"))
					}
				}
				return slices.Equal(denied, usDataCenter) && len(acl.list("Associations")) == 1
			}
			return false
		}},
		{"prod-app's private-b default route is a blackhole to a deleted NAT gateway", func() bool {
			for _, rt := range doc("us-east-1/ec2/describe-route-tables.json").list("RouteTables") {
				if rt.s("RouteTableId") != d.appPrivB.id {
					continue
				}
				for _, r := range rt.list("Routes") {
					if r.s("DestinationCidrBlock") == "0.0.0.0/0" {
						return r.s("NatGatewayId") == d.appNATb.id && r.s("State") == "blackhole" && d.appNATb.state == "deleted"
					}
				}
			}
			return false
		}},
		{"the vault VPC has no gateway to the internet and the three SSM interface endpoints with private DNS", func() bool {
			for _, g := range doc("eu-west-1/ec2/describe-internet-gateways.json").list("InternetGateways") {
				if g.list("Attachments")[0].s("VpcId") == d.vault.id {
					return false
				}
			}
			for _, n := range doc("eu-west-1/ec2/describe-nat-gateways.json").list("NatGateways") {
				if n.s("VpcId") == d.vault.id {
					return false
				}
			}
			var services []string
			for _, ep := range doc("eu-west-1/ec2/describe-vpc-endpoints.json").list("VpcEndpoints") {
				if ep.s("VpcId") == d.vault.id && ep.s("VpcEndpointType") == "Interface" && ep.get("PrivateDnsEnabled").b {
					services = append(services, strings.TrimPrefix(ep.s("ServiceName"), "com.amazonaws.eu-west-1."))
				}
			}
			return slices.Equal(services, []string{"ssm", "ec2messages", "ssmmessages"})
		}},
		{"prod-web has a running appliance in every AZ that has a monitored instance", func() bool {
			tmAZ, monAZ := map[string]bool{}, map[string]bool{}
			for _, in := range d.use1.instances {
				if in.s.v != d.web || in.stopped {
					continue
				}
				if in.os == osThreatManager {
					tmAZ[in.s.az] = true
				} else {
					monAZ[in.s.az] = true
				}
			}
			for az := range monAZ {
				if !tmAZ[az] {
					return false
				}
			}
			return len(tmAZ) == 2
		}},
		{"pay-worker-1's role has neither SSM policy", func() bool {
			n := doc("iam/list-attached-role-policies/" + d.appWorker1.profile.role.name + ".json")
			for _, p := range n.list("AttachedPolicies") {
				if p.s("PolicyName") == "AmazonSSMManagedInstanceCore" || p.s("PolicyName") == "AmazonEC2RoleforSSM" {
					return false
				}
			}
			return true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.check() {
				t.Error("the demo files do not show this")
			}
		})
	}
}
