package netpath

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// world builds small snapshots by hand for the semantic tests.
type world struct{ s *model.Snapshot }

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
)

func (w *world) r() *model.Region { return &w.s.Accounts[0].Regions[0] }

// standard is the topology most tests start from:
//
//	vpc-1 10.0.0.0/16 with igw-1 attached
//	subnet-pub 10.0.0.0/24 (a): rtb-pub (0.0.0.0/0 → igw-1), nat-1 lives here
//	subnet-app 10.0.1.0/24 (a), subnet-db 10.0.2.0/24 (b): the main table rtb-main (0.0.0.0/0 → nat-1)
//	acl-open on every subnet: rule 100 allows all, both ways
//	i-pub 10.0.0.10 (public 3.3.3.3), i-app 10.0.1.10, i-app2 10.0.1.11: sg-open (all in, all out)
//	i-db 10.0.2.10: sg-db (tcp/5432 from 10.0.1.0/24; all out)
func standard() *world {
	w := &world{s: &model.Snapshot{
		SchemaVersion: model.SchemaVersion,
		CollectedAt:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Accounts:      []model.Account{{ID: testAccount, Regions: []model.Region{{Name: testRegion}}}},
	}}
	r := w.r()
	r.VPCs = []model.VPC{{ID: "vpc-1", CIDRBlocks: []string{"10.0.0.0/16"}}}
	r.InternetGateways = []model.InternetGateway{{ID: "igw-1", Attachments: []model.InternetGatewayAttachment{{VPCID: "vpc-1", State: "available"}}}}
	w.subnet("subnet-pub", "vpc-1", "us-east-1a", "10.0.0.0/24")
	w.subnet("subnet-app", "vpc-1", "us-east-1a", "10.0.1.0/24")
	w.subnet("subnet-db", "vpc-1", "us-east-1b", "10.0.2.0/24")
	w.acl("acl-open", "vpc-1", []string{"subnet-pub", "subnet-app", "subnet-db"},
		entry(100, false, "-1", "allow", "0.0.0.0/0", ""), entry(100, true, "-1", "allow", "0.0.0.0/0", ""))
	w.table("rtb-main", "vpc-1", true, nil, route("10.0.0.0/16", "local"), route("0.0.0.0/0", "nat-1"))
	w.table("rtb-pub", "vpc-1", false, []string{"subnet-pub"}, route("10.0.0.0/16", "local"), route("0.0.0.0/0", "igw-1"))
	r.NATGateways = []model.NATGateway{{ID: "nat-1", VPCID: "vpc-1", SubnetID: "subnet-pub", State: "available", ConnectivityType: "public"}}
	w.group("sg-open", "vpc-1", []model.Permission{allow("-1", "", "0.0.0.0/0")}, []model.Permission{allow("-1", "", "0.0.0.0/0")})
	w.group("sg-db", "vpc-1", []model.Permission{allow("tcp", "5432", "10.0.1.0/24")}, []model.Permission{allow("-1", "", "0.0.0.0/0")})
	w.instance("i-pub", "subnet-pub", "10.0.0.10", "3.3.3.3", "sg-open")
	w.instance("i-app", "subnet-app", "10.0.1.10", "", "sg-open")
	w.instance("i-app2", "subnet-app", "10.0.1.11", "", "sg-open")
	w.instance("i-db", "subnet-db", "10.0.2.10", "", "sg-db")
	return w
}

func (w *world) subnet(id, vpc, az, cidr string) {
	w.r().Subnets = append(w.r().Subnets, model.Subnet{ID: id, VPCID: vpc, AvailabilityZone: az, CIDRBlock: cidr, State: "available"})
}

// ports reads "" (every port), "443", "1024-65535", or for ICMP "8/0"
// (type/code, -1 for all).
func ports(s string) (from, to *int32) {
	if s == "" {
		return nil, nil
	}
	sep := "-"
	if strings.Contains(s, "/") {
		sep = "/"
	}
	a, b, ok := strings.Cut(s, sep)
	if !ok {
		b = a
	}
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	fx, fy := int32(x), int32(y)
	return &fx, &fy
}

// allow is a security-group permission; a peer "sg-…" is a group
// reference, "pl-…" a prefix list, one with ":" an IPv6 CIDR, any other
// an IPv4 CIDR.
func allow(proto, portRange string, peers ...string) model.Permission {
	p := model.Permission{Protocol: proto}
	p.FromPort, p.ToPort = ports(portRange)
	for _, x := range peers {
		switch {
		case strings.HasPrefix(x, "sg-"):
			p.Groups = append(p.Groups, model.GroupRef{GroupID: x, UserID: testAccount})
		case strings.HasPrefix(x, "pl-"):
			p.PrefixListIDs = append(p.PrefixListIDs, x)
		case strings.Contains(x, ":"):
			p.IPv6Ranges = append(p.IPv6Ranges, x)
		default:
			p.IPv4Ranges = append(p.IPv4Ranges, x)
		}
	}
	return p
}

func (w *world) group(id, vpc string, in, out []model.Permission) {
	w.r().SecurityGroups = append(w.r().SecurityGroups, model.SecurityGroup{ID: id, VPCID: vpc, OwnerID: testAccount, Ingress: in, Egress: out})
}

func (w *world) sg(id string) *model.SecurityGroup {
	for i := range w.r().SecurityGroups {
		if w.r().SecurityGroups[i].ID == id {
			return &w.r().SecurityGroups[i]
		}
	}
	panic("no group " + id)
}

// entry is a network ACL entry; ports as for allow.
func entry(num int32, egress bool, proto, action, cidr, portRange string) model.NetworkACLEntry {
	e := model.NetworkACLEntry{RuleNumber: num, Egress: egress, Protocol: proto, RuleAction: action, CIDRBlock: cidr}
	if proto == "1" {
		e.ICMPType, e.ICMPCode = ports(portRange)
	} else {
		e.PortFrom, e.PortTo = ports(portRange)
	}
	return e
}

// acl adds a network ACL associated with subnets (taking them from any
// other ACL); the "*" entries are added as AWS lists them.
func (w *world) acl(id, vpc string, subnets []string, entries ...model.NetworkACLEntry) {
	for i := range w.r().NetworkACLs {
		a := &w.r().NetworkACLs[i]
		var keep []model.NetworkACLAssociation
		for _, as := range a.Associations {
			if !slices.Contains(subnets, as.SubnetID) {
				keep = append(keep, as)
			}
		}
		a.Associations = keep
	}
	n := model.NetworkACL{ID: id, VPCID: vpc}
	n.Entries = append(entries, entry(32767, false, "-1", "deny", "0.0.0.0/0", ""), entry(32767, true, "-1", "deny", "0.0.0.0/0", ""))
	for _, s := range subnets {
		n.Associations = append(n.Associations, model.NetworkACLAssociation{ID: "aclassoc-" + s, SubnetID: s})
	}
	w.r().NetworkACLs = append(w.r().NetworkACLs, n)
}

// route is a route to dest (a CIDR or a prefix list id) through target
// ("local", "igw-…", "nat-…", "tgw-…", …; "blackhole:nat-…" for a
// blackhole).
func route(dest, target string) model.Route {
	r := model.Route{State: "active", Origin: "CreateRoute"}
	if t, ok := strings.CutPrefix(target, "blackhole:"); ok {
		target, r.State = t, "blackhole"
	}
	r.TargetID, r.TargetType = target, inferTarget(target)
	switch {
	case strings.HasPrefix(dest, "pl-"):
		r.DestinationPrefixListID = dest
	case strings.Contains(dest, ":"):
		r.DestinationIPv6CIDR = dest
	default:
		r.DestinationCIDR = dest
	}
	return r
}

func (w *world) table(id, vpc string, main bool, subnets []string, routes ...model.Route) {
	t := model.RouteTable{ID: id, VPCID: vpc, Main: main, Routes: routes}
	if main {
		t.Associations = append(t.Associations, model.RouteTableAssociation{ID: "rtbassoc-main-" + id, Main: true, State: "associated"})
	}
	for _, s := range subnets {
		t.Associations = append(t.Associations, model.RouteTableAssociation{ID: "rtbassoc-" + s, SubnetID: s, State: "associated"})
	}
	w.r().RouteTables = append(w.r().RouteTables, t)
}

func (w *world) rt(id string) *model.RouteTable {
	for i := range w.r().RouteTables {
		if w.r().RouteTables[i].ID == id {
			return &w.r().RouteTables[i]
		}
	}
	panic("no route table " + id)
}

func (w *world) instance(id, subnet, ip, public string, groups ...string) {
	var vpc, az string
	for _, s := range w.r().Subnets {
		if s.ID == subnet {
			vpc, az = s.VPCID, s.AvailabilityZone
		}
	}
	w.r().Instances = append(w.r().Instances, model.Instance{
		ID: id, State: "running", VPCID: vpc, SubnetID: subnet, AvailabilityZone: az, PrivateIP: ip, PublicIP: public,
		SecurityGroupIDs: groups,
		NetworkInterfaces: []model.NetworkInterface{{ID: "eni-" + strings.TrimPrefix(id, "i-"), SubnetID: subnet,
			PrivateIPs: []string{ip}, PublicIP: public, SecurityGroupIDs: groups}},
	})
}

func (w *world) inst(id string) *model.Instance {
	for i := range w.r().Instances {
		if w.r().Instances[i].ID == id {
			return &w.r().Instances[i]
		}
	}
	panic("no instance " + id)
}

func (w *world) gap(api, resource string) {
	w.s.Gaps = append(w.s.Gaps, model.Gap{Account: testAccount, Region: testRegion, API: api, Resource: resource,
		Class: model.GapDenied, Code: "UnauthorizedOperation"})
}

func (w *world) prefixList(id string, read bool, cidrs ...string) {
	w.r().PrefixLists = append(w.r().PrefixLists, model.PrefixList{ID: id, OwnerID: testAccount, AddressFamily: "IPv4", CIDRs: cidrs, EntriesRead: read})
}

// endpoint adds an interface endpoint for com.amazonaws.us-east-1.<svc>.
func (w *world) endpoint(id, svc string, privateDNS bool, subnets []string, groups ...string) {
	w.r().VPCEndpoints = append(w.r().VPCEndpoints, model.VPCEndpoint{ID: id, VPCID: "vpc-1", Type: "Interface",
		ServiceName: "com.amazonaws." + testRegion + "." + svc, State: "available", PrivateDNSEnabled: privateDNS,
		SubnetIDs: subnets, SecurityGroupIDs: groups})
}
