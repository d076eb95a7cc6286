package netpath_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// This file generates small random topologies and questions for the
// differential and property tests: one account and region; 1-2 VPCs; 1-4
// subnets; 1-6 running instances with 1-3 groups each (some with a public
// address, some with a second interface); groups whose rules name CIDRs,
// groups (of the snapshot or of another account), prefix lists (some
// unread) and IPv6 ranges; per VPC a default ACL and custom ones whose
// numbered allow/deny entries sit in the slice out of order, with
// ephemeral-port and partial-ephemeral return rules (or none); a main route
// table and custom ones with local, internet gateway, NAT gateway,
// blackhole, transit gateway, peering, prefix-list and propagated routes,
// and subnets left to the main table; NAT gateways available or not;
// sometimes an interface endpoint for ssm (private DNS on or off); now and
// then a gap that hides every ACL or route table.
//
// The address plan is fixed and small so that the naive evaluator's sample
// addresses stay few (see naive_test.go): VPC v is 10.v.0.0/16, its k-th
// subnet 10.v.k.0/24, a NAT gateway 10.v.k.5, instance n's primary
// interface 10.v.k.(10+n) and its second one 10.v.k.(100+n); every CIDR a
// rule, route or prefix list names is drawn from genPublicCIDRs or from the
// plan's own blocks (/8, /16, /24, interface /32s). Ports in rules are drawn
// from genPortRanges.

const (
	genAccount = "111122223333"
	genRegion  = "us-east-1"
	// genForeignAccount owns groups that rules reference but the snapshot
	// does not hold: a reference the engine cannot resolve.
	genForeignAccount = "999988887777"
)

// genPublicCIDRs are the public blocks rules, routes and prefix lists name.
var genPublicCIDRs = []string{
	"8.8.8.8/32", "8.8.4.4/32", "8.8.0.0/16", "8.0.0.0/8",
	"204.110.219.96/27", "204.110.219.0/24", "204.110.218.96/27",
	"185.54.124.0/24", "52.94.0.0/16", "1.1.1.1/32",
}

// genPortRanges are the port ranges of TCP/UDP rules and entries.
var genPortRanges = [][2]int32{
	{22, 22}, {53, 53}, {80, 80}, {123, 123}, {443, 443}, {4138, 4138}, {7777, 7777},
	{0, 65535}, {1024, 65535}, {32768, 65535}, {49152, 65535}, {1, 1023}, {443, 4138},
	{1024, 32767},
}

// genQueryPorts are the destination ports questions ask about.
var genQueryPorts = []int{443, 4138, 7777, 22, 53, 123, 1024, 33000, 65535}

// genQueryDestinations are the public addresses and CIDRs questions name.
var (
	genQueryIPs   = []string{"8.8.8.8", "204.110.219.100", "1.1.1.1", "52.94.0.1", "185.54.124.5", "93.184.216.34"}
	genQueryCIDRs = []string{"204.110.219.96/27", "185.54.124.0/24", "8.8.8.8/32", "8.8.0.0/16", "204.110.218.96/27"}
)

// gen builds one topology from a seeded source.
type gen struct {
	r   *rand.Rand
	ids int
	s   *model.Snapshot
	reg *model.Region
	// pool holds the CIDRs rules may name: public blocks and the plan's.
	pool []string
}

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func (g *gen) id(prefix string) string {
	g.ids++
	return fmt.Sprintf("%s-%017x", prefix, g.ids)
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func i32(v int32) *int32 { return &v }

// generateTopology returns the snapshot for seed: one account, one region,
// 1–2 VPCs, 1–4 subnets, 1–6 instances.
func generateTopology(seed uint64) *model.Snapshot { return generateTopologyWith(newRand(seed)) }

// generateTopologyWith returns the snapshot r's draws choose (the fuzz
// target draws from its input bytes).
func generateTopologyWith(r *rand.Rand) *model.Snapshot {
	g := &gen{r: r}
	g.s = &model.Snapshot{
		SchemaVersion: model.SchemaVersion,
		Tool:          model.Tool{Name: "pdr-audit", Version: "test"},
		CollectedAt:   time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Scope:         model.Scope{Source: "collect", Accounts: []string{genAccount}, Regions: []string{genRegion}},
		Accounts:      []model.Account{{ID: genAccount, Regions: []model.Region{{Name: genRegion}}}},
	}
	g.reg = &g.s.Accounts[0].Regions[0]
	g.pool = slices.Clone(genPublicCIDRs)
	g.pool = append(g.pool, "0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12")

	nVPC := 1
	if g.chance(0.3) {
		nVPC = 2
	}
	nSubnets := 1 + g.r.IntN(4)
	if nSubnets < nVPC {
		nSubnets = nVPC
	}
	for v := 0; v < nVPC; v++ {
		g.addVPC(v)
	}
	for k := 0; k < nSubnets; k++ {
		v := k % nVPC
		g.addSubnet(v)
	}
	nInst := 1 + g.r.IntN(6)
	for n := 0; n < nInst; n++ {
		g.addInstance(n)
	}
	g.addPrefixLists()
	for i := range g.reg.SecurityGroups {
		g.fillGroup(&g.reg.SecurityGroups[i])
	}
	for v := range g.reg.VPCs {
		g.addNACLs(g.reg.VPCs[v].ID)
		g.addNAT(g.reg.VPCs[v].ID)
	}
	for v := range g.reg.VPCs {
		g.addRouteTables(g.reg.VPCs[v].ID)
		g.addEndpoint(g.reg.VPCs[v].ID)
	}
	g.addGaps()
	return g.s
}

func (g *gen) addVPC(v int) {
	vpc := model.VPC{
		ID: g.id("vpc"), OwnerID: genAccount, State: "available",
		CIDRBlocks: []string{fmt.Sprintf("10.%d.0.0/16", v)},
	}
	g.reg.VPCs = append(g.reg.VPCs, vpc)
	g.pool = append(g.pool, vpc.CIDRBlocks[0])
	if g.chance(0.85) {
		g.reg.InternetGateways = append(g.reg.InternetGateways, model.InternetGateway{
			ID: g.id("igw"), OwnerID: genAccount,
			Attachments: []model.InternetGatewayAttachment{{VPCID: vpc.ID, State: "available"}},
		})
	}
	nGroups := 1 + g.r.IntN(4)
	for i := 0; i < nGroups; i++ {
		id := g.id("sg")
		g.reg.SecurityGroups = append(g.reg.SecurityGroups, model.SecurityGroup{
			ID: id, Name: "group-" + id[len(id)-4:], VPCID: vpc.ID, OwnerID: genAccount,
		})
	}
}

func (g *gen) vpcIndex(vpcID string) int {
	return slices.IndexFunc(g.reg.VPCs, func(v model.VPC) bool { return v.ID == vpcID })
}

func (g *gen) subnetsOf(vpcID string) []model.Subnet {
	var out []model.Subnet
	for _, s := range g.reg.Subnets {
		if s.VPCID == vpcID {
			out = append(out, s)
		}
	}
	return out
}

func (g *gen) groupsOf(vpcID string) []string {
	var out []string
	for _, sg := range g.reg.SecurityGroups {
		if sg.VPCID == vpcID {
			out = append(out, sg.ID)
		}
	}
	return out
}

func (g *gen) addSubnet(v int) {
	vpc := g.reg.VPCs[v]
	k := len(g.subnetsOf(vpc.ID))
	sub := model.Subnet{
		ID: g.id("subnet"), VPCID: vpc.ID, AvailabilityZone: genRegion + string(rune('a'+k%3)),
		CIDRBlock: fmt.Sprintf("10.%d.%d.0/24", v, k), State: "available",
	}
	g.reg.Subnets = append(g.reg.Subnets, sub)
	g.pool = append(g.pool, sub.CIDRBlock)
}

func (g *gen) addInstance(n int) {
	sub := pick(g.r, g.reg.Subnets)
	v := g.vpcIndex(sub.VPCID)
	k := slices.IndexFunc(g.subnetsOf(sub.VPCID), func(s model.Subnet) bool { return s.ID == sub.ID })
	ip := fmt.Sprintf("10.%d.%d.%d", v, k, 10+n)
	groups := g.groupsOf(sub.VPCID)
	g.r.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	groups = groups[:1+g.r.IntN(min(3, len(groups)))]
	public := ""
	if g.chance(0.5) {
		public = fmt.Sprintf("3.%d.%d.%d", 80+v, k, 10+n)
	}
	in := model.Instance{
		ID: g.id("i"), State: "running", InstanceType: "t3.micro", AvailabilityZone: sub.AvailabilityZone,
		VPCID: sub.VPCID, SubnetID: sub.ID, PrivateIP: ip, PublicIP: public,
		SecurityGroupIDs: slices.Clone(groups), Architecture: "x86_64", Platform: "Linux/UNIX",
		NetworkInterfaces: []model.NetworkInterface{{
			ID: g.id("eni"), SubnetID: sub.ID, DeviceIndex: 0, PrivateIPs: []string{ip},
			PublicIP: public, SecurityGroupIDs: slices.Clone(groups),
		}},
	}
	if g.chance(0.15) {
		// A secondary interface, in a subnet of the same VPC and zone.
		var subs []model.Subnet
		for _, s := range g.subnetsOf(sub.VPCID) {
			if s.AvailabilityZone == sub.AvailabilityZone {
				subs = append(subs, s)
			}
		}
		sub2 := pick(g.r, subs)
		k2 := slices.IndexFunc(g.subnetsOf(sub.VPCID), func(s model.Subnet) bool { return s.ID == sub2.ID })
		ip2 := fmt.Sprintf("10.%d.%d.%d", v, k2, 100+n)
		groups2 := g.groupsOf(sub.VPCID)
		g.r.Shuffle(len(groups2), func(i, j int) { groups2[i], groups2[j] = groups2[j], groups2[i] })
		public2 := ""
		if g.chance(0.3) {
			public2 = fmt.Sprintf("3.%d.%d.%d", 90+v, k2, 100+n)
		}
		in.NetworkInterfaces = append(in.NetworkInterfaces, model.NetworkInterface{
			ID: g.id("eni"), SubnetID: sub2.ID, DeviceIndex: 1, PrivateIPs: []string{ip2},
			PublicIP: public2, SecurityGroupIDs: groups2[:1+g.r.IntN(len(groups2))],
		})
		g.pool = append(g.pool, ip2+"/32")
	}
	g.reg.Instances = append(g.reg.Instances, in)
	g.pool = append(g.pool, ip+"/32")
}

func (g *gen) addPrefixLists() {
	n := g.r.IntN(3)
	for i := 0; i < n; i++ {
		pl := model.PrefixList{ID: g.id("pl"), Name: fmt.Sprintf("list-%d", i), OwnerID: genAccount,
			AddressFamily: "IPv4", State: "create-complete", MaxEntries: i32(10), EntriesRead: true}
		for j := 0; j < 1+g.r.IntN(3); j++ {
			pl.CIDRs = append(pl.CIDRs, pick(g.r, g.pool))
		}
		slices.Sort(pl.CIDRs)
		pl.CIDRs = slices.Compact(pl.CIDRs)
		if g.chance(0.1) {
			pl.CIDRs, pl.EntriesRead = nil, false
			g.s.Gaps = append(g.s.Gaps, model.Gap{Account: genAccount, Region: genRegion,
				API: "ec2:GetManagedPrefixListEntries", Resource: pl.ID, Class: model.GapDenied,
				Code: "UnauthorizedOperation", Message: "not authorized"})
		}
		g.reg.PrefixLists = append(g.reg.PrefixLists, pl)
	}
}

// permission returns one random security-group permission.
func (g *gen) permission(vpcID string) model.Permission {
	var p model.Permission
	switch x := g.r.IntN(10); {
	case x < 2:
		p.Protocol = "-1"
	case x < 6:
		p.Protocol = "tcp"
	case x < 8:
		p.Protocol = "udp"
	case x < 9:
		p.Protocol = "icmp"
	default:
		p.Protocol = pick(g.r, []string{"6", "17", "50"})
	}
	switch p.Protocol {
	case "tcp", "udp", "6", "17":
		pr := pick(g.r, genPortRanges)
		p.FromPort, p.ToPort = i32(pr[0]), i32(pr[1])
	case "icmp":
		p.FromPort, p.ToPort = i32(-1), i32(-1)
	}
	nSources := 1 + g.r.IntN(3)
	for i := 0; i < nSources; i++ {
		switch x := g.r.IntN(10); {
		case x < 6:
			p.IPv4Ranges = append(p.IPv4Ranges, pick(g.r, g.pool))
		case x < 8:
			p.Groups = append(p.Groups, model.GroupRef{GroupID: pick(g.r, g.groupsOf(vpcID)), UserID: genAccount})
		case x < 9 && len(g.reg.PrefixLists) > 0:
			p.PrefixListIDs = append(p.PrefixListIDs, pick(g.r, g.reg.PrefixLists).ID)
		case x < 9:
			p.IPv4Ranges = append(p.IPv4Ranges, "0.0.0.0/0")
		default:
			if g.chance(0.3) {
				p.Groups = append(p.Groups, model.GroupRef{GroupID: g.id("sg"), UserID: genForeignAccount})
			} else {
				p.IPv6Ranges = append(p.IPv6Ranges, "::/0")
			}
		}
	}
	return p
}

func (g *gen) fillGroup(sg *model.SecurityGroup) {
	if g.chance(0.4) {
		// The common "from the VPC" or "from this group" rule.
		p := model.Permission{Protocol: "-1"}
		if g.chance(0.5) {
			p.IPv4Ranges = []string{g.reg.VPCs[g.vpcIndex(sg.VPCID)].CIDRBlocks[0]}
		} else {
			p.Groups = []model.GroupRef{{GroupID: sg.ID, UserID: genAccount}}
		}
		sg.Ingress = append(sg.Ingress, p)
	}
	for i := g.r.IntN(4); i > 0; i-- {
		sg.Ingress = append(sg.Ingress, g.permission(sg.VPCID))
	}
	if g.chance(0.7) {
		sg.Egress = append(sg.Egress, model.Permission{Protocol: "-1", IPv4Ranges: []string{"0.0.0.0/0"}})
	}
	for i := g.r.IntN(3); i > 0; i-- {
		sg.Egress = append(sg.Egress, g.permission(sg.VPCID))
	}
}

// nacl entries ---------------------------------------------------------------

func (g *gen) entry(num int32, egress bool) model.NetworkACLEntry {
	e := model.NetworkACLEntry{RuleNumber: num, Egress: egress, RuleAction: "allow", CIDRBlock: pick(g.r, g.pool)}
	if g.chance(0.3) {
		e.RuleAction = "deny"
	}
	if g.chance(0.25) {
		e.CIDRBlock = "0.0.0.0/0"
	}
	switch x := g.r.IntN(10); {
	case x < 3:
		e.Protocol = "-1"
	case x < 7:
		e.Protocol = "6"
	case x < 9:
		e.Protocol = "17"
	default:
		e.Protocol = "1"
	}
	switch e.Protocol {
	case "6", "17":
		pr := pick(g.r, genPortRanges)
		if g.chance(0.4) {
			pr = pick(g.r, [][2]int32{{1024, 65535}, {32768, 65535}, {49152, 65535}, {1024, 32767}})
		}
		e.PortFrom, e.PortTo = i32(pr[0]), i32(pr[1])
	case "1":
		e.ICMPType, e.ICMPCode = i32(-1), i32(-1)
	}
	return e
}

func allowAll(num int32, egress bool) model.NetworkACLEntry {
	return model.NetworkACLEntry{RuleNumber: num, Egress: egress, Protocol: "-1", RuleAction: "allow", CIDRBlock: "0.0.0.0/0"}
}

func denyRest(egress bool) model.NetworkACLEntry {
	return model.NetworkACLEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", RuleAction: "deny", CIDRBlock: "0.0.0.0/0"}
}

func (g *gen) addNACLs(vpcID string) {
	def := model.NetworkACL{ID: g.id("acl"), VPCID: vpcID, IsDefault: true, Entries: []model.NetworkACLEntry{
		allowAll(100, false), denyRest(false), allowAll(100, true), denyRest(true),
	}}
	acls := []model.NetworkACL{def}
	for i := g.r.IntN(3); i > 0; i-- {
		a := model.NetworkACL{ID: g.id("acl"), VPCID: vpcID}
		for _, egress := range []bool{false, true} {
			nums := []int32{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}
			g.r.Shuffle(len(nums), func(i, j int) { nums[i], nums[j] = nums[j], nums[i] })
			for _, n := range nums[:1+g.r.IntN(6)] {
				a.Entries = append(a.Entries, g.entry(n, egress))
			}
			if g.chance(0.5) {
				a.Entries = append(a.Entries, allowAll(200, egress))
			}
			a.Entries = append(a.Entries, denyRest(egress))
		}
		acls = append(acls, a)
	}
	if g.chance(0.4) {
		acls = append(acls, g.templateACL(vpcID))
	}
	for _, sub := range g.subnetsOf(vpcID) {
		i := 0
		if g.chance(0.7) {
			i = g.r.IntN(len(acls))
		}
		acls[i].Associations = append(acls[i].Associations, model.NetworkACLAssociation{ID: g.id("aclassoc"), SubnetID: sub.ID})
	}
	g.reg.NetworkACLs = append(g.reg.NetworkACLs, acls...)
}

// templateACL is the hand-written kind of NACL: a few service ports out,
// the VPC in, and a return rule that may cover only part of the ephemeral
// range, or be missing.
func (g *gen) templateACL(vpcID string) model.NetworkACL {
	vpc := g.reg.VPCs[g.vpcIndex(vpcID)].CIDRBlocks[0]
	tcp := func(num int32, egress bool, cidr string, from, to int32) model.NetworkACLEntry {
		return model.NetworkACLEntry{RuleNumber: num, Egress: egress, Protocol: "6", RuleAction: "allow",
			CIDRBlock: cidr, PortFrom: i32(from), PortTo: i32(to)}
	}
	a := model.NetworkACL{ID: g.id("acl"), VPCID: vpcID, Entries: []model.NetworkACLEntry{
		tcp(100, true, "0.0.0.0/0", 443, 443),
		tcp(110, true, pick(g.r, []string{"0.0.0.0/0", "204.110.219.0/24", vpc}), 4138, 4138),
		tcp(120, true, vpc, 7777, 7777),
		{RuleNumber: 100, Protocol: "-1", RuleAction: "allow", CIDRBlock: vpc},
		denyRest(false), denyRest(true),
	}}
	switch g.r.IntN(4) {
	case 0:
		a.Entries = append(a.Entries, tcp(130, true, vpc, 1024, 65535), tcp(110, false, "0.0.0.0/0", 1024, 65535))
	case 1:
		a.Entries = append(a.Entries, tcp(130, true, vpc, 32768, 65535), tcp(110, false, "0.0.0.0/0", 32768, 65535))
	case 2:
		a.Entries = append(a.Entries, tcp(110, false, "0.0.0.0/0", 1024, 65535))
	}
	return a
}

// gateways and routes --------------------------------------------------------

func (g *gen) addNAT(vpcID string) {
	if !g.chance(0.6) {
		return
	}
	subs := g.subnetsOf(vpcID)
	k := g.r.IntN(len(subs))
	sub := subs[k]
	state := "available"
	if g.chance(0.25) {
		state = pick(g.r, []string{"pending", "failed", "deleted", "deleting"})
	}
	g.reg.NATGateways = append(g.reg.NATGateways, model.NATGateway{
		ID: g.id("nat"), VPCID: vpcID, SubnetID: sub.ID, State: state, ConnectivityType: "public",
		Addresses: []model.NATAddress{{PublicIP: "52.1.2.3", PrivateIP: fmt.Sprintf("10.%d.%d.5", g.vpcIndex(vpcID), k),
			AllocationID: g.id("eipalloc"), NetworkInterfaceID: g.id("eni")}},
	})
}

func (g *gen) igwOf(vpcID string) string {
	for _, igw := range g.reg.InternetGateways {
		for _, a := range igw.Attachments {
			if a.VPCID == vpcID {
				return igw.ID
			}
		}
	}
	return ""
}

func (g *gen) natOf(vpcID string) string {
	for _, n := range g.reg.NATGateways {
		if n.VPCID == vpcID {
			return n.ID
		}
	}
	return ""
}

// route returns a random non-local route to dest.
func (g *gen) route(vpcID, dest string) model.Route {
	rt := model.Route{DestinationCIDR: dest, State: "active", Origin: "CreateRoute"}
	igw, nat := g.igwOf(vpcID), g.natOf(vpcID)
	switch x := g.r.IntN(20); {
	case x < 14 && nat != "" && g.chance(0.5):
		rt.TargetType, rt.TargetID = model.TargetNATGateway, nat
	case x < 14 && igw != "":
		rt.TargetType, rt.TargetID = model.TargetInternetGateway, igw
	case x < 16:
		rt.TargetType, rt.TargetID = model.TargetTransitGateway, g.id("tgw")
	case x < 17:
		rt.TargetType, rt.TargetID = model.TargetVPCPeering, g.id("pcx")
	case x < 18:
		rt.TargetType, rt.TargetID, rt.State = model.TargetInternetGateway, g.id("igw"), "blackhole"
	default:
		rt.TargetType, rt.TargetID, rt.State = model.TargetNATGateway, g.id("nat"), "blackhole"
	}
	return rt
}

func (g *gen) table(vpcID string, main bool) model.RouteTable {
	vpc := g.reg.VPCs[g.vpcIndex(vpcID)]
	t := model.RouteTable{ID: g.id("rtb"), VPCID: vpcID, Main: main, Routes: []model.Route{{
		DestinationCIDR: vpc.CIDRBlocks[0], TargetType: model.TargetLocal, TargetID: "local", State: "active", Origin: "CreateRouteTable",
	}}}
	dests := []string{"0.0.0.0/0", "8.8.0.0/16", "8.8.8.8/32", "204.110.219.0/24", "204.110.219.96/27", "52.94.0.0/16", "185.54.124.0/24"}
	for _, other := range g.reg.VPCs {
		if other.ID != vpcID {
			dests = append(dests, other.CIDRBlocks[0])
		}
	}
	if g.chance(0.8) {
		t.Routes = append(t.Routes, g.route(vpcID, "0.0.0.0/0"))
	}
	g.r.Shuffle(len(dests)-1, func(i, j int) { dests[i+1], dests[j+1] = dests[j+1], dests[i+1] })
	for _, d := range dests[1 : 1+g.r.IntN(3)] {
		t.Routes = append(t.Routes, g.route(vpcID, d))
	}
	if len(g.reg.PrefixLists) > 0 && g.chance(0.15) {
		// A route to a managed prefix list's entries. Not to a NAT
		// gateway: whether a list's entries may then be more specific
		// than the local route is not documented, so the two evaluators
		// are not asked (see the report of the differential test).
		rt := g.route(vpcID, "")
		for rt.TargetType == model.TargetNATGateway {
			rt = g.route(vpcID, "")
		}
		rt.DestinationCIDR, rt.DestinationPrefixListID = "", pick(g.r, g.reg.PrefixLists).ID
		t.Routes = append(t.Routes, rt)
	}
	if g.chance(0.15) {
		// A route propagated from a virtual private gateway, which a
		// static route to the same block outranks.
		t.Routes = append(t.Routes, model.Route{DestinationCIDR: pick(g.r, dests), TargetType: model.TargetVirtualPrivateGateway,
			TargetID: g.id("vgw"), State: "active", Origin: "EnableVgwRoutePropagation"})
	}
	if main {
		t.Associations = append(t.Associations, model.RouteTableAssociation{ID: g.id("rtbassoc"), Main: true, State: "associated"})
	}
	return t
}

func (g *gen) addRouteTables(vpcID string) {
	tables := []model.RouteTable{g.table(vpcID, true)}
	for i := g.r.IntN(3); i > 0; i-- {
		tables = append(tables, g.table(vpcID, false))
	}
	for _, sub := range g.subnetsOf(vpcID) {
		if len(tables) == 1 || g.chance(0.3) {
			continue // main-table fallback
		}
		i := 1 + g.r.IntN(len(tables)-1)
		tables[i].Associations = append(tables[i].Associations, model.RouteTableAssociation{ID: g.id("rtbassoc"), SubnetID: sub.ID, State: "associated"})
	}
	g.reg.RouteTables = append(g.reg.RouteTables, tables...)
}

func (g *gen) addEndpoint(vpcID string) {
	if !g.chance(0.3) {
		return
	}
	sub := pick(g.r, g.subnetsOf(vpcID))
	groups := g.groupsOf(vpcID)
	g.reg.VPCEndpoints = append(g.reg.VPCEndpoints, model.VPCEndpoint{
		ID: g.id("vpce"), VPCID: vpcID, Type: "Interface", ServiceName: "com.amazonaws." + genRegion + ".ssm",
		State: "available", PrivateDNSEnabled: g.chance(0.75), SubnetIDs: []string{sub.ID},
		SecurityGroupIDs: []string{pick(g.r, groups)}, NetworkInterfaceIDs: []string{g.id("eni")},
	})
}

func (g *gen) addGaps() {
	if g.chance(0.03) {
		g.reg.NetworkACLs = nil
		g.s.Gaps = append(g.s.Gaps, model.Gap{Account: genAccount, Region: genRegion, API: "ec2:DescribeNetworkAcls",
			Class: model.GapDenied, Code: "UnauthorizedOperation", Message: "not authorized"})
	}
	if g.chance(0.02) {
		g.reg.RouteTables = nil
		g.s.Gaps = append(g.s.Gaps, model.Gap{Account: genAccount, Region: genRegion, API: "ec2:DescribeRouteTables",
			Class: model.GapThrottled, Code: "RequestLimitExceeded", Message: "rate exceeded"})
	}
}

// questions ------------------------------------------------------------------

// generateQueries returns n random questions about s, from a source seeded
// independently of the topology's.
func generateQueries(seed uint64, s *model.Snapshot, n int) []netpath.Query {
	return generateQueriesWith(newRand(seed^0x5bd1e995), s, n)
}

// generateQueriesWith returns n questions about s that r's draws choose.
func generateQueriesWith(r *rand.Rand, s *model.Snapshot, n int) []netpath.Query {
	reg := s.Accounts[0].Regions[0]
	var qs []netpath.Query
	for len(qs) < n {
		src := pick(r, reg.Instances)
		q := netpath.Query{From: src.ID}
		if r.IntN(6) == 0 {
			q.From = pick(r, src.NetworkInterfaces).ID
		}
		var peers, others []model.Instance
		for _, in := range reg.Instances {
			switch {
			case in.ID != src.ID && in.VPCID == src.VPCID:
				peers = append(peers, in)
			case in.VPCID != src.VPCID:
				others = append(others, in)
			}
		}
		srcSubnet := src.NetworkInterfaces[0].SubnetID
		var subnetCIDR string
		for _, sub := range reg.Subnets {
			if sub.ID == srcSubnet {
				subnetCIDR = sub.CIDRBlock
			}
		}
		switch x := r.IntN(14); {
		case x == 12 && len(others) > 0:
			// An interface of another VPC: reached only if a route
			// leaves the VPC towards it.
			q.To = pick(r, others).ID
			if r.IntN(2) == 0 {
				q.To = pick(r, others).PrivateIP
			}
		case x == 13:
			// Addresses of the VPC no interface may hold, or a block of
			// them.
			q.To = pick(r, []string{strings.TrimSuffix(subnetCIDR, "0/24") + "200", strings.TrimSuffix(subnetCIDR, "/24") + "/28", subnetCIDR})
		case x < 3 && len(peers) > 0:
			q.To = pick(r, peers).ID
			if r.IntN(5) == 0 {
				q.To = pick(r, pick(r, peers).NetworkInterfaces).ID
			}
		case x < 4 && len(peers) > 0:
			q.To = pick(r, pick(r, peers).NetworkInterfaces).PrivateIPs[0]
		case x < 5:
			q.To = pick(r, genQueryIPs)
		case x < 7:
			q.To = pick(r, genQueryCIDRs)
		case x < 9:
			q.To = "internet"
		case x < 11:
			q.To = "service:ssm"
		default:
			continue
		}
		switch x := r.IntN(20); {
		case x < 12:
			q.Proto = netpath.TCP
		case x < 15:
			q.Proto = netpath.UDP
		case x < 17:
			q.Proto = netpath.ICMP
		default:
			q.Proto = netpath.All
		}
		if q.Proto == netpath.TCP || q.Proto == netpath.UDP {
			q.Port = pick(r, genQueryPorts)
		}
		if q.To == "service:ssm" {
			q.Proto, q.Port = netpath.TCP, 443
		}
		qs = append(qs, q)
	}
	return qs
}
