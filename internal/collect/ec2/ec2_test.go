package ec2collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/transport"
)

// sim is a simulator serving one estate for one test.
type sim struct {
	url  string
	stop func() // waits for requests in flight; safe to call twice
}

func startSim(t *testing.T, dir string, opts awssim.Options) sim {
	t.Helper()
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awssim.NewServer(est, opts)
	if err != nil {
		t.Fatal(err)
	}
	run, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := run.Shutdown(ctx); err != nil {
				t.Errorf("shut down simulator: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return sim{url: run.URL, stop: stop}
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// newClient is an EC2 client of the simulator whose standard retryer makes
// up to five attempts with no delay between them.
func newClient(url string) *ec2.Client {
	cfg := awssim.SDKConfig(url, testRegion)
	cfg.HTTPClient = transport.Client(nil)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = noBackoff{}
		})
	}
	return ec2.NewFromConfig(cfg)
}

// collectRegion runs the collector (with pages of at most pageCap items
// when pageCap > 0) and returns the normalized region and the gaps.
func collectRegion(t *testing.T, api API, pageCap int32) (model.Region, []model.Gap) {
	t.Helper()
	set := &gap.Set{}
	r := model.Region{Name: testRegion}
	scope := gap.Scope{Set: set, Account: testAccount, Region: testRegion}
	if pageCap == 0 {
		Collect(context.Background(), api, &r, scope)
	} else {
		collector{api: api, gaps: scope, pageCap: pageCap}.collect(context.Background(), &r)
	}
	snap := model.Snapshot{Accounts: []model.Account{{ID: testAccount, Regions: []model.Region{r}}}}
	snap.Normalize()
	return snap.Accounts[0].Regions[0], set.List()
}

// cleanRegion collects smallEstate with no faults.
func cleanRegion(t *testing.T) model.Region {
	t.Helper()
	s := startSim(t, writeEstate(t, smallEstate, ""), awssim.Options{})
	r, gaps := collectRegion(t, newClient(s.url), 0)
	if len(gaps) != 0 {
		t.Fatalf("clean estate: gaps %+v", gaps)
	}
	return r
}

func find[T any](t *testing.T, items []T, id func(T) string, want string) T {
	t.Helper()
	for _, it := range items {
		if id(it) == want {
			return it
		}
	}
	t.Fatalf("%s not collected", want)
	var zero T
	return zero
}

func i32(v int32) *int32 { return &v }

func TestCollectConvertsWhatAWSReturned(t *testing.T) {
	r := cleanRegion(t)
	vpc := func(id string) model.VPC { return find(t, r.VPCs, func(v model.VPC) string { return v.ID }, id) }
	subnet := func(id string) model.Subnet {
		return find(t, r.Subnets, func(v model.Subnet) string { return v.ID }, id)
	}
	sg := func(id string) model.SecurityGroup {
		return find(t, r.SecurityGroups, func(v model.SecurityGroup) string { return v.ID }, id)
	}
	acl := func(id string) model.NetworkACL {
		return find(t, r.NetworkACLs, func(v model.NetworkACL) string { return v.ID }, id)
	}
	rtb := func(id string) model.RouteTable {
		return find(t, r.RouteTables, func(v model.RouteTable) string { return v.ID }, id)
	}
	nat := func(id string) model.NATGateway {
		return find(t, r.NATGateways, func(v model.NATGateway) string { return v.ID }, id)
	}
	igw := func(id string) model.InternetGateway {
		return find(t, r.InternetGateways, func(v model.InternetGateway) string { return v.ID }, id)
	}
	vpce := func(id string) model.VPCEndpoint {
		return find(t, r.VPCEndpoints, func(v model.VPCEndpoint) string { return v.ID }, id)
	}
	pl := func(id string) model.PrefixList {
		return find(t, r.PrefixLists, func(v model.PrefixList) string { return v.ID }, id)
	}
	inst := func(id string) model.Instance {
		return find(t, r.Instances, func(v model.Instance) string { return v.ID }, id)
	}
	routeTo := func(table, dest string) model.Route {
		return find(t, rtb(table).Routes, func(v model.Route) string {
			return v.DestinationCIDR + v.DestinationIPv6CIDR + v.DestinationPrefixListID
		}, dest)
	}

	tests := []struct {
		name string
		got  any
		want any
	}{
		{"every resource of the estate is collected", []int{len(r.VPCs), len(r.Subnets), len(r.SecurityGroups), len(r.NetworkACLs), len(r.RouteTables),
			len(r.NATGateways), len(r.InternetGateways), len(r.VPCEndpoints), len(r.PrefixLists), len(r.Instances)},
			[]int{2, 2, 2, 2, 2, 2, 2, 2, 3, 3}},
		{"a VPC keeps its primary and associated CIDRs but not disassociated ones", vpc("vpc-0aaaaaaaaaaaaaaaa"), model.VPC{
			ID: "vpc-0aaaaaaaaaaaaaaaa", OwnerID: testAccount, State: "available",
			CIDRBlocks: []string{"10.0.0.0/16", "10.1.0.0/16"}, IPv6CIDRBlocks: []string{"2001:db8:1::/56"},
			Tags: model.Tags{"Name": "main", "env": "prod"},
		}},
		{"a default VPC without tags has empty tags", vpc("vpc-0bbbbbbbbbbbbbbbb"), model.VPC{
			ID: "vpc-0bbbbbbbbbbbbbbbb", OwnerID: testAccount, State: "available", IsDefault: true,
			CIDRBlocks: []string{"172.31.0.0/16"}, IPv6CIDRBlocks: []string{}, Tags: model.Tags{},
		}},
		{"a subnet keeps its zone, public-IP default and associated IPv6 block", subnet("subnet-0pub0000000000000"), model.Subnet{
			ID: "subnet-0pub0000000000000", VPCID: "vpc-0aaaaaaaaaaaaaaaa", AvailabilityZone: "eu-west-1a", AvailabilityZoneID: "euw1-az1",
			CIDRBlock: "10.0.0.0/24", IPv6CIDRBlocks: []string{"2001:db8:1:1::/64"}, MapPublicIPOnLaunch: true, State: "available",
			Tags: model.Tags{"Name": "public-a"},
		}},
		{"security-group rules keep every source kind and omitted ports stay nil", sg("sg-0web000000000000"), model.SecurityGroup{
			ID: "sg-0web000000000000", Name: "web", Description: "web tier", VPCID: "vpc-0aaaaaaaaaaaaaaaa", OwnerID: testAccount,
			Ingress: []model.Permission{
				{Protocol: "-1", IPv4Ranges: []string{}, IPv6Ranges: []string{}, PrefixListIDs: []string{},
					Groups: []model.GroupRef{{GroupID: "sg-0app000000000000", UserID: testAccount}}},
				{Protocol: "icmp", FromPort: i32(8), ToPort: i32(-1), IPv4Ranges: []string{"10.0.0.0/8", "192.168.0.0/16"},
					IPv6Ranges: []string{}, PrefixListIDs: []string{}, Groups: []model.GroupRef{}},
				{Protocol: "tcp", FromPort: i32(443), ToPort: i32(443), IPv4Ranges: []string{"0.0.0.0/0"}, IPv6Ranges: []string{"::/0"},
					PrefixListIDs: []string{}, Groups: []model.GroupRef{}},
				{Protocol: "tcp", FromPort: i32(5432), ToPort: i32(5432), IPv4Ranges: []string{}, IPv6Ranges: []string{}, PrefixListIDs: []string{},
					Groups: []model.GroupRef{{GroupID: "sg-0peer00000000000", UserID: "444455556666", VPCID: "vpc-0peer0000000000",
						VPCPeeringConnectionID: "pcx-0aaaaaaaaaaaaaaaa", PeeringStatus: "active"}}},
				{Protocol: "tcp", FromPort: i32(8080), ToPort: i32(8081), IPv4Ranges: []string{}, IPv6Ranges: []string{},
					PrefixListIDs: []string{"pl-0s3aaaaaaaaaaaaa"}, Groups: []model.GroupRef{}},
			},
			Egress: []model.Permission{{Protocol: "-1", IPv4Ranges: []string{"0.0.0.0/0"}, IPv6Ranges: []string{}, PrefixListIDs: []string{}, Groups: []model.GroupRef{}}},
			Tags:   model.Tags{"Name": "web"},
		}},
		{"a group with no ingress rules has none", len(sg("sg-0app000000000000").Ingress), 0},
		{"NACL entries keep AWS's protocol numbers, ports, ICMP and IPv6 blocks", acl("acl-0aaaaaaaaaaaaaaaa").Entries, []model.NetworkACLEntry{
			{RuleNumber: 100, Protocol: "6", RuleAction: "allow", CIDRBlock: "0.0.0.0/0", PortFrom: i32(443), PortTo: i32(443)},
			{RuleNumber: 110, Protocol: "17", RuleAction: "allow", CIDRBlock: "10.0.0.0/8", PortFrom: i32(1024), PortTo: i32(65535)},
			{RuleNumber: 120, Protocol: "1", RuleAction: "allow", CIDRBlock: "0.0.0.0/0", ICMPType: i32(8), ICMPCode: i32(-1)},
			{RuleNumber: 130, Protocol: "-1", RuleAction: "allow", IPv6CIDRBlock: "::/0"},
			{RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", CIDRBlock: "0.0.0.0/0"},
			{RuleNumber: 90, Egress: true, Protocol: "6", RuleAction: "deny", CIDRBlock: "10.9.0.0/16", PortFrom: i32(22), PortTo: i32(22)},
			{RuleNumber: 100, Egress: true, Protocol: "-1", RuleAction: "allow", CIDRBlock: "0.0.0.0/0"},
		}},
		{"a NACL keeps its subnet associations", acl("acl-0aaaaaaaaaaaaaaaa").Associations,
			[]model.NetworkACLAssociation{{ID: "aclassoc-0aaaaaaaaaaaaaaaa", SubnetID: "subnet-0pub0000000000000"}}},
		{"a default NACL is marked default", acl("acl-0bbbbbbbbbbbbbbbb").IsDefault, true},
		{"a table is main when any association is main, not only the first", rtb("rtb-0main000000000000").Main, true},
		{"a table with only subnet and gateway associations is not main", rtb("rtb-0pub0000000000000").Main, false},
		{"route-table associations keep subnet, gateway and state", rtb("rtb-0pub0000000000000").Associations, []model.RouteTableAssociation{
			{ID: "rtbassoc-0edge", GatewayID: "igw-0aaaaaaaaaaaaaaaa", State: "associated"},
			{ID: "rtbassoc-0pub", SubnetID: "subnet-0pub0000000000000", State: "associated"},
		}},
		{"the local route targets local", routeTo("rtb-0main000000000000", "10.0.0.0/16"),
			model.Route{DestinationCIDR: "10.0.0.0/16", TargetType: model.TargetLocal, TargetID: "local", State: "active", Origin: "CreateRouteTable"}},
		{"an igw- gateway is an internet gateway", routeTo("rtb-0pub0000000000000", "0.0.0.0/0"),
			model.Route{DestinationCIDR: "0.0.0.0/0", TargetType: model.TargetInternetGateway, TargetID: "igw-0aaaaaaaaaaaaaaaa", State: "active", Origin: "CreateRoute"}},
		{"a NAT gateway route targets the NAT gateway", routeTo("rtb-0main000000000000", "0.0.0.0/0").TargetType, model.TargetNATGateway},
		{"an IPv6 route to an egress-only gateway keeps its IPv6 destination", routeTo("rtb-0main000000000000", "::/0"),
			model.Route{DestinationIPv6CIDR: "::/0", TargetType: model.TargetEgressOnlyIGW, TargetID: "eigw-0aaaaaaaaaaaaaaaa", State: "active", Origin: "CreateRoute"}},
		{"a prefix-list route to a vpce- gateway targets the endpoint", routeTo("rtb-0main000000000000", "pl-0s3aaaaaaaaaaaaa"),
			model.Route{DestinationPrefixListID: "pl-0s3aaaaaaaaaaaaa", TargetType: model.TargetVPCEndpoint, TargetID: "vpce-0s30000000000000", State: "active", Origin: "CreateRoute"}},
		{"a transit gateway route targets the transit gateway", routeTo("rtb-0main000000000000", "10.50.0.0/16").TargetID, "tgw-0aaaaaaaaaaaaaaaa"},
		{"a peering route targets the peering connection", routeTo("rtb-0main000000000000", "10.60.0.0/16").TargetType, model.TargetVPCPeering},
		{"a route to an instance names the instance, not its interface", routeTo("rtb-0main000000000000", "10.70.0.0/16").TargetType + " " + routeTo("rtb-0main000000000000", "10.70.0.0/16").TargetID,
			model.TargetInstance + " i-0nat0000000000000"},
		{"a route to an interface alone targets the interface", routeTo("rtb-0main000000000000", "10.80.0.0/16").TargetType, model.TargetNetworkInterface},
		{"a vgw- gateway is a virtual private gateway with its propagated origin", routeTo("rtb-0main000000000000", "10.90.0.0/16"),
			model.Route{DestinationCIDR: "10.90.0.0/16", TargetType: model.TargetVirtualPrivateGateway, TargetID: "vgw-0aaaaaaaaaaaaaaaa", State: "active", Origin: "EnableVgwRoutePropagation"}},
		{"a blackhole route keeps its state", routeTo("rtb-0main000000000000", "10.91.0.0/16").State, "blackhole"},
		{"a core network route targets the core network ARN", routeTo("rtb-0main000000000000", "10.92.0.0/16").TargetType + " " + routeTo("rtb-0main000000000000", "10.92.0.0/16").TargetID,
			model.TargetCoreNetwork + " arn:aws:networkmanager::111122223333:core-network/core-network-0a"},
		{"a local gateway route targets the local gateway", routeTo("rtb-0main000000000000", "10.93.0.0/16").TargetType, model.TargetLocalGateway},
		{"a carrier gateway route targets the carrier gateway", routeTo("rtb-0main000000000000", "10.94.0.0/16").TargetType, model.TargetCarrierGateway},
		{"a gateway id of no known kind is unknown but kept", routeTo("rtb-0main000000000000", "10.95.0.0/16").TargetType + " " + routeTo("rtb-0main000000000000", "10.95.0.0/16").TargetID,
			model.TargetUnknown + " xgw-0aaaaaaaaaaaaaaaa"},
		{"a public NAT gateway keeps its addresses", nat("nat-0aaaaaaaaaaaaaaaa"), model.NATGateway{
			ID: "nat-0aaaaaaaaaaaaaaaa", VPCID: "vpc-0aaaaaaaaaaaaaaaa", SubnetID: "subnet-0pub0000000000000", State: "available", ConnectivityType: "public",
			Addresses: []model.NATAddress{{PublicIP: "203.0.113.20", PrivateIP: "10.0.0.20", AllocationID: "eipalloc-0aaaaaaaaaaaaaaaa", NetworkInterfaceID: "eni-0natgw00000000000"}},
			Tags:      model.Tags{"Name": "nat-a"},
		}},
		{"a private NAT gateway keeps every private address", nat("nat-0bbbbbbbbbbbbbbbb").ConnectivityType + " " + nat("nat-0bbbbbbbbbbbbbbbb").Addresses[1].PrivateIP, "private 10.0.1.31"},
		{"an internet gateway keeps its attachments", igw("igw-0aaaaaaaaaaaaaaaa"), model.InternetGateway{
			ID: "igw-0aaaaaaaaaaaaaaaa", OwnerID: testAccount, Attachments: []model.InternetGatewayAttachment{{VPCID: "vpc-0aaaaaaaaaaaaaaaa", State: "available"}},
			Tags: model.Tags{"Name": "igw"},
		}},
		{"a detached internet gateway has no attachments", len(igw("igw-0bbbbbbbbbbbbbbbb").Attachments), 0},
		{"a gateway endpoint keeps its route tables", vpce("vpce-0s30000000000000"), model.VPCEndpoint{
			ID: "vpce-0s30000000000000", VPCID: "vpc-0aaaaaaaaaaaaaaaa", Type: "Gateway", ServiceName: "com.amazonaws.eu-west-1.s3", State: "available",
			SubnetIDs: []string{}, SecurityGroupIDs: []string{}, NetworkInterfaceIDs: []string{}, RouteTableIDs: []string{"rtb-0main000000000000"}, Tags: model.Tags{},
		}},
		{"an interface endpoint keeps its subnets, groups, interfaces and private DNS", vpce("vpce-0ssm000000000000"), model.VPCEndpoint{
			ID: "vpce-0ssm000000000000", VPCID: "vpc-0aaaaaaaaaaaaaaaa", Type: "Interface", ServiceName: "com.amazonaws.eu-west-1.ssm", State: "available",
			PrivateDNSEnabled: true, SubnetIDs: []string{"subnet-0priv000000000000", "subnet-0pub0000000000000"}, SecurityGroupIDs: []string{"sg-0app000000000000"},
			NetworkInterfaceIDs: []string{"eni-0vpce1000000000000", "eni-0vpce2000000000000"}, RouteTableIDs: []string{}, Tags: model.Tags{"Name": "ssm"},
		}},
		{"a prefix list a route names has its entries read", pl("pl-0s3aaaaaaaaaaaaa"), model.PrefixList{
			ID: "pl-0s3aaaaaaaaaaaaa", Name: "com.amazonaws.eu-west-1.s3", OwnerID: "AWS", AddressFamily: "IPv4", State: "create-complete",
			CIDRs: []string{"3.5.64.0/21", "52.218.0.0/17"}, EntriesRead: true,
		}},
		{"a prefix list only an egress rule names has its entries read", pl("pl-0tmaaaaaaaaaaaaa"), model.PrefixList{
			ID: "pl-0tmaaaaaaaaaaaaa", Name: "threat-manager", OwnerID: testAccount, AddressFamily: "IPv4", State: "modify-complete", MaxEntries: i32(10),
			CIDRs: []string{"204.110.218.96/27", "204.110.219.96/27"}, EntriesRead: true,
		}},
		{"a prefix list nothing names is listed without entries", pl("pl-0unusedaaaaaaaaa"), model.PrefixList{
			ID: "pl-0unusedaaaaaaaaa", Name: "unused", OwnerID: testAccount, AddressFamily: "IPv6", State: "create-complete", MaxEntries: i32(5), CIDRs: []string{},
		}},
		{"an instance keeps its placement, addresses, profile, platform and interfaces", inst("i-0web0000000000000"), model.Instance{
			ID: "i-0web0000000000000", State: "running", InstanceType: "t4g.small", ImageID: "ami-0web0000000000000", AvailabilityZone: "eu-west-1a",
			VPCID: "vpc-0aaaaaaaaaaaaaaaa", SubnetID: "subnet-0pub0000000000000", PrivateIP: "10.0.0.10", PublicIP: "198.51.100.10",
			SecurityGroupIDs: []string{"sg-0app000000000000", "sg-0web000000000000"},
			NetworkInterfaces: []model.NetworkInterface{
				{ID: "eni-0web000000000000", SubnetID: "subnet-0pub0000000000000", DeviceIndex: 0, PrivateIPs: []string{"10.0.0.10", "10.0.0.11"},
					PublicIP: "198.51.100.10", IPv6Addresses: []string{"2001:db8:1:1::10"}, SecurityGroupIDs: []string{"sg-0app000000000000", "sg-0web000000000000"}},
				{ID: "eni-0web111111111111", SubnetID: "subnet-0priv000000000000", DeviceIndex: 1, PrivateIPs: []string{"10.0.1.10"},
					IPv6Addresses: []string{}, SecurityGroupIDs: []string{"sg-0app000000000000"}},
			},
			IAMInstanceProfileARN: "arn:aws:iam::111122223333:instance-profile/web", Architecture: "arm64", PlatformDetails: "Linux/UNIX",
			LaunchTime: time.Date(2024, 2, 12, 10, 48, 59, 0, time.UTC), Tags: model.Tags{"Name": "web-1", "role": "web"},
		}},
		{"a Windows instance in the same reservation is collected with its platform", inst("i-0win0000000000000").Platform + " " + inst("i-0win0000000000000").PlatformDetails + " " + inst("i-0win0000000000000").State,
			"windows Windows stopped"},
		{"a terminated instance of another reservation is collected without interfaces", inst("i-0gone000000000000"), model.Instance{
			ID: "i-0gone000000000000", State: "terminated", InstanceType: "t3.micro", ImageID: "ami-0old0000000000000", AvailabilityZone: "eu-west-1a",
			SecurityGroupIDs: []string{}, NetworkInterfaces: []model.NetworkInterface{}, Architecture: "x86_64", PlatformDetails: "Linux/UNIX",
			LaunchTime: time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), Tags: model.Tags{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestCollectRecordsFailedReadsAsGaps(t *testing.T) {
	clean := cleanRegion(t)
	tests := []struct {
		name   string
		faults string
		// want is the clean region with the unread parts removed.
		want     func(r *model.Region)
		wantGaps []model.Gap
	}{
		{
			name:   "a denied NACL listing is one gap and leaves only the NACLs empty",
			faults: `[{"action": "ec2:DescribeNetworkAcls", "error": "UnauthorizedOperation"}]`,
			want:   func(r *model.Region) { r.NetworkACLs = []model.NetworkACL{} },
			wantGaps: []model.Gap{{Account: testAccount, Region: testRegion, API: "ec2:DescribeNetworkAcls",
				Class: model.GapDenied, Code: "UnauthorizedOperation"}},
		},
		{
			name:   "denied prefix-list entries are a gap per list read and leave those lists unread",
			faults: `[{"action": "ec2:GetManagedPrefixListEntries", "error": "UnauthorizedOperation"}]`,
			want: func(r *model.Region) {
				for i := range r.PrefixLists {
					r.PrefixLists[i].CIDRs, r.PrefixLists[i].EntriesRead = []string{}, false
				}
			},
			wantGaps: []model.Gap{
				{Account: testAccount, Region: testRegion, API: "ec2:GetManagedPrefixListEntries", Resource: "pl-0s3aaaaaaaaaaaaa", Class: model.GapDenied, Code: "UnauthorizedOperation"},
				{Account: testAccount, Region: testRegion, API: "ec2:GetManagedPrefixListEntries", Resource: "pl-0tmaaaaaaaaaaaaa", Class: model.GapDenied, Code: "UnauthorizedOperation"},
			},
		},
		{
			name:   "a server error on instances that outlasts the retries is an error gap",
			faults: `[{"action": "ec2:DescribeInstances", "error": "InternalError"}]`,
			want:   func(r *model.Region) { r.Instances = []model.Instance{} },
			wantGaps: []model.Gap{{Account: testAccount, Region: testRegion, API: "ec2:DescribeInstances",
				Class: model.GapError, Code: "InternalError"}},
		},
		{
			name:   "throttling that outlasts the retries is a throttled gap",
			faults: `[{"action": "ec2:DescribeSecurityGroups", "error": "RequestLimitExceeded", "first": 5}]`,
			want: func(r *model.Region) {
				r.SecurityGroups = []model.SecurityGroup{}
				// With no rule naming it, no list's entries are read.
				for i := range r.PrefixLists {
					if r.PrefixLists[i].ID == "pl-0tmaaaaaaaaaaaaa" {
						r.PrefixLists[i].CIDRs, r.PrefixLists[i].EntriesRead = []string{}, false
					}
				}
			},
			wantGaps: []model.Gap{{Account: testAccount, Region: testRegion, API: "ec2:DescribeSecurityGroups",
				Class: model.GapThrottled, Code: "RequestLimitExceeded"}},
		},
		{
			name:     "throttling the retries absorb leaves the result identical to a clean run",
			faults:   `[{"action": "ec2:DescribeInstances", "error": "RequestLimitExceeded", "first": 2}, {"action": "ec2:DescribeRouteTables", "error": "RequestLimitExceeded", "first": 2}]`,
			want:     func(*model.Region) {},
			wantGaps: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSim(t, writeEstate(t, smallEstate, tt.faults), awssim.Options{})
			got, gaps := collectRegion(t, newClient(s.url), 0)
			for i := range gaps {
				if gaps[i].Message == "" {
					t.Errorf("gap %s %s has no message", gaps[i].API, gaps[i].Resource)
				}
				gaps[i].Message = ""
			}
			if diff := cmp.Diff(tt.wantGaps, gaps); diff != "" {
				t.Errorf("gaps (-want +got)\n%s", diff)
			}
			want := cloneRegion(t, clean)
			tt.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("region (-want +got)\n%s", diff)
			}
		})
	}
}

// cloneRegion deep-copies r through its JSON form (which the snapshot is
// defined by).
func cloneRegion(t *testing.T, r model.Region) model.Region {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out model.Region
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// failingPages wraps a client so that DescribeSecurityGroups fails on
// every page after the first, and DescribeVpcs answers every page with the
// same token.
type failingPages struct {
	*ec2.Client
	vpcCalls int
}

func (f *failingPages) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	if in.NextToken != nil {
		return nil, errors.New("connection reset by peer")
	}
	return f.Client.DescribeSecurityGroups(ctx, in, opts...)
}

func (f *failingPages) DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, opts ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	f.vpcCalls++
	out, err := f.Client.DescribeVpcs(ctx, in, opts...)
	if err != nil {
		return nil, err
	}
	out.NextToken = aws.String("same-token")
	return out, nil
}

func TestCollectNeverKeepsHalfAListing(t *testing.T) {
	s := startSim(t, writeEstate(t, pagedEstate(t), ""), awssim.Options{})
	api := &failingPages{Client: newClient(s.url)}
	r, gaps := collectRegion(t, api, 5)

	if len(r.SecurityGroups) != 0 {
		t.Errorf("security groups: got %d from a listing whose second page failed, want none", len(r.SecurityGroups))
	}
	if len(r.VPCs) != 0 {
		t.Errorf("VPCs: got %d from a listing that repeated its token, want none", len(r.VPCs))
	}
	if api.vpcCalls != 2 {
		t.Errorf("DescribeVpcs calls: got %d, want 2 (stop at the repeated token)", api.vpcCalls)
	}
	if len(r.Subnets) != pagedItems {
		t.Errorf("subnets: got %d, want %d (other listings are unaffected)", len(r.Subnets), pagedItems)
	}
	var apis []string
	for _, g := range gaps {
		apis = append(apis, g.API+" "+g.Class)
	}
	if diff := cmp.Diff([]string{"ec2:DescribeSecurityGroups error", "ec2:DescribeVpcs error"}, apis); diff != "" {
		t.Errorf("gaps (-want +got)\n%s", diff)
	}
}

// recorder wraps a client and records the MaxResults of every call.
type recorder struct {
	*ec2.Client
	mu    sync.Mutex
	limit map[string][]*int32
}

func (r *recorder) note(action string, v *int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limit[action] = append(r.limit[action], v)
}

func (r *recorder) DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	r.note("DescribeVpcs", in.MaxResults)
	return r.Client.DescribeVpcs(ctx, in, o...)
}

func (r *recorder) DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, o ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	r.note("DescribeSubnets", in.MaxResults)
	return r.Client.DescribeSubnets(ctx, in, o...)
}

func (r *recorder) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	r.note("DescribeSecurityGroups", in.MaxResults)
	return r.Client.DescribeSecurityGroups(ctx, in, o...)
}

func (r *recorder) DescribeNetworkAcls(ctx context.Context, in *ec2.DescribeNetworkAclsInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	r.note("DescribeNetworkAcls", in.MaxResults)
	return r.Client.DescribeNetworkAcls(ctx, in, o...)
}

func (r *recorder) DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, o ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	r.note("DescribeRouteTables", in.MaxResults)
	return r.Client.DescribeRouteTables(ctx, in, o...)
}

func (r *recorder) DescribeNatGateways(ctx context.Context, in *ec2.DescribeNatGatewaysInput, o ...func(*ec2.Options)) (*ec2.DescribeNatGatewaysOutput, error) {
	r.note("DescribeNatGateways", in.MaxResults)
	return r.Client.DescribeNatGateways(ctx, in, o...)
}

func (r *recorder) DescribeInternetGateways(ctx context.Context, in *ec2.DescribeInternetGatewaysInput, o ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error) {
	r.note("DescribeInternetGateways", in.MaxResults)
	return r.Client.DescribeInternetGateways(ctx, in, o...)
}

func (r *recorder) DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, o ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	r.note("DescribeVpcEndpoints", in.MaxResults)
	return r.Client.DescribeVpcEndpoints(ctx, in, o...)
}

func (r *recorder) DescribeManagedPrefixLists(ctx context.Context, in *ec2.DescribeManagedPrefixListsInput, o ...func(*ec2.Options)) (*ec2.DescribeManagedPrefixListsOutput, error) {
	r.note("DescribeManagedPrefixLists", in.MaxResults)
	return r.Client.DescribeManagedPrefixLists(ctx, in, o...)
}

func (r *recorder) GetManagedPrefixListEntries(ctx context.Context, in *ec2.GetManagedPrefixListEntriesInput, o ...func(*ec2.Options)) (*ec2.GetManagedPrefixListEntriesOutput, error) {
	r.note("GetManagedPrefixListEntries", in.MaxResults)
	return r.Client.GetManagedPrefixListEntries(ctx, in, o...)
}

func (r *recorder) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	r.note("DescribeInstances", in.MaxResults)
	return r.Client.DescribeInstances(ctx, in, o...)
}

func TestCollectAsksForFullPages(t *testing.T) {
	s := startSim(t, writeEstate(t, smallEstate, ""), awssim.Options{})
	rec := &recorder{Client: newClient(s.url), limit: map[string][]*int32{}}
	collectRegion(t, rec, 0)
	want := map[string][]*int32{
		"DescribeVpcs": {i32(1000)}, "DescribeSubnets": {i32(1000)}, "DescribeSecurityGroups": {i32(1000)},
		"DescribeNetworkAcls": {i32(1000)}, "DescribeRouteTables": {i32(100)}, "DescribeNatGateways": {i32(1000)},
		"DescribeInternetGateways": {i32(1000)}, "DescribeVpcEndpoints": {i32(1000)}, "DescribeManagedPrefixLists": {i32(100)},
		// One read per referenced prefix list; the unreferenced one is not read.
		"GetManagedPrefixListEntries": {i32(100), i32(100)},
		"DescribeInstances":           {i32(1000)},
	}
	if diff := cmp.Diff(want, rec.limit); diff != "" {
		t.Errorf("MaxResults per call (-want +got)\n%s", diff)
	}
}

// callRecord is the part of a simulator calls-log line the tests read.
type callRecord struct {
	Action    string `json:"action"`
	Outcome   string `json:"outcome"`
	Paginated bool   `json:"paginated"`
	Items     int    `json:"items"`
}

// collectLogged collects the estate at dir and returns the region and the
// simulator's log of the calls made.
func collectLogged(t *testing.T, dir string, pageCap int32) (model.Region, []callRecord) {
	t.Helper()
	var log bytes.Buffer
	s := startSim(t, dir, awssim.Options{CallsLog: &log})
	r, gaps := collectRegion(t, newClient(s.url), pageCap)
	if len(gaps) != 0 {
		t.Fatalf("gaps %+v", gaps)
	}
	s.stop() // the log is complete once no request is in flight
	var calls []callRecord
	dec := json.NewDecoder(&log)
	for dec.More() {
		var c callRecord
		if err := dec.Decode(&c); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	return r, calls
}

func TestCollectReadsEveryPageOnce(t *testing.T) {
	dir := writeEstate(t, pagedEstate(t), "")
	whole, wholeCalls := collectLogged(t, dir, 0)
	paged, pagedCalls := collectLogged(t, dir, 5)

	if diff := cmp.Diff(whole, paged); diff != "" {
		t.Errorf("pages of 5 collect a different region (-full pages +pages of 5)\n%s", diff)
	}
	if len(paged.Instances) != 2*pagedItems {
		t.Errorf("instances: got %d, want %d", len(paged.Instances), 2*pagedItems)
	}
	actions := []string{"DescribeVpcs", "DescribeSubnets", "DescribeSecurityGroups", "DescribeNetworkAcls", "DescribeRouteTables",
		"DescribeNatGateways", "DescribeInternetGateways", "DescribeVpcEndpoints", "DescribeManagedPrefixLists",
		"GetManagedPrefixListEntries", "DescribeInstances"}
	tests := []struct {
		name      string
		calls     []callRecord
		wantPages int
	}{
		{"full pages read each listing in one paginated call", wholeCalls, 1},
		{"pages of 5 read each listing's three pages once each", pagedCalls, (pagedItems + 4) / 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]int{}
			items := map[string]int{}
			for _, c := range tt.calls {
				if !c.Paginated || c.Outcome != "ok" {
					t.Errorf("call %+v: want a paginated call that succeeded", c)
				}
				got[c.Action]++
				items[c.Action] += c.Items
			}
			want := map[string]int{}
			for _, a := range actions {
				want[a] = tt.wantPages
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("calls per action (-want +got)\n%s", diff)
			}
			// Every item was served once: no page was requested twice.
			for _, a := range actions {
				wantItems := pagedItems
				if a == "DescribeInstances" {
					wantItems = 2 * pagedItems
				}
				if items[a] != wantItems {
					t.Errorf("%s served %d items, want %d", a, items[a], wantItems)
				}
			}
		})
	}
}

func TestCollectWithAnExpiredDeadlineRecordsEveryListingAsATimeout(t *testing.T) {
	s := startSim(t, writeEstate(t, smallEstate, ""), awssim.Options{})
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	set := &gap.Set{}
	r := model.Region{Name: testRegion}
	Collect(ctx, newClient(s.url), &r, gap.Scope{Set: set, Account: testAccount, Region: testRegion})

	var got []string
	for _, g := range set.List() {
		got = append(got, g.API+" "+g.Class)
	}
	want := []string{
		"ec2:DescribeInstances timeout", "ec2:DescribeInternetGateways timeout", "ec2:DescribeManagedPrefixLists timeout",
		"ec2:DescribeNatGateways timeout", "ec2:DescribeNetworkAcls timeout", "ec2:DescribeRouteTables timeout",
		"ec2:DescribeSecurityGroups timeout", "ec2:DescribeSubnets timeout", "ec2:DescribeVpcEndpoints timeout",
		"ec2:DescribeVpcs timeout",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gaps (-want +got)\n%s", diff)
	}
	if n := len(r.VPCs) + len(r.SecurityGroups) + len(r.Instances) + len(r.PrefixLists); n != 0 {
		t.Errorf("collected %d resources past the deadline, want none", n)
	}
}
