package netpath_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// This file is a second, deliberately naive reachability evaluator, written
// from AWS's documentation without looking at the engine's code. It follows
// one packet at a time, re-reads the snapshot's slices for every packet, and
// keeps no memo and no interval arithmetic. The documentation it encodes:
//
//   - Security groups (VPC User Guide, "Security group rules"): allow rules
//     only; the rules of every group of an interface are aggregated; a rule
//     names a CIDR, a prefix list or a group (a group matches the private
//     addresses of the interfaces in it); stateful, so the reply passes.
//     Protocol "-1" is every protocol; for ICMP the ports are type and code,
//     -1 meaning all.
//   - Network ACLs (VPC User Guide, "Network ACL rules"; EC2 API
//     CreateNetworkAclEntry): stateless; entries are processed in ascending
//     rule number, the first match decides, and a packet that matches none is
//     denied (the "*" rule). Protocol "-1" or a number other than 6, 17 and 1
//     covers every port. Ports are the packet's destination port, so the
//     reply is matched on the client's ephemeral port, which may be anywhere
//     in 1024-65535 (NAT gateways use the whole range). An ACL filters
//     traffic entering and leaving its subnet: traffic within one subnet
//     meets no ACL and no route table.
//   - Routing (VPC User Guide, "Subnet route tables", "How route priority
//     works"): a subnet uses its explicitly associated table, else the VPC's
//     main table; the most specific matching destination wins (a prefix-list
//     route matches with each entry), then a static route over a prefix-list
//     route over a propagated one; only a route to a NAT gateway, a network
//     interface or a Gateway Load Balancer endpoint may be more specific than
//     the local route; a route in state blackhole drops the packet.
//   - Internet gateway ("Internet gateways"): carries internet-routable
//     traffic, so the destination must be a public address, and for IPv4 the
//     interface needs a public address. NAT gateway ("NAT gateways"): a
//     public NAT gateway is a network interface in its own subnet; it must be
//     available; that subnet's ACL sees the packet enter from the source and
//     leave for the destination (and the reply enter, then leave for the
//     source), and that subnet's route table must send the destination to an
//     internet gateway.
//   - Interface endpoints (PrivateLink, "Access an AWS service using an
//     interface VPC endpoint"): with private DNS on, the service's default
//     name resolves to the endpoint's network interfaces, so the packet goes
//     to them and their security groups' ingress must admit it. The
//     snapshot does not hold their addresses: any address of the endpoint's
//     subnet that AWS does not reserve and no other interface holds.
//   - A packet to the interface's own address never leaves the instance.
//
// The path is walked in the order the engine documents (doc.go): source
// security groups egress, source ACL outbound, source route table,
// gateway (internet gateway; or NAT gateway: available, its subnet's ACL
// in then out, its subnet's route table), destination ACL inbound,
// destination security groups ingress, the reply leaving the destination's
// (or NAT gateway's) subnet, the reply entering the source's subnet. The
// verdict follows the engine's documented rule for what cannot be seen
// (a gap, an unread prefix list, a group of another account, a route
// leaving the VPC, an address no interface holds): blocked if any packet is
// definitely blocked anywhere, else unknown if any packet meets an unknown,
// else allowed; the walk goes on past an unknown group or ACL and stops at
// an unknown route or gateway.
//
// Destinations that stand for many addresses ("internet", a CIDR) are
// evaluated on sample addresses, and the answer is blocked if any sample is
// blocked. Samples are exhaustive, not lucky: every CIDR in a snapshot (rule,
// entry, route, prefix list, subnet, VPC, instance) is a block, and any two
// blocks are nested or disjoint, so the addresses a set of blocks cannot
// tell apart form cells, and each cell of a destination block D contains D's
// first or last address, or the address just before or after some block
// inside D. Sampling exactly those (plus the representative public
// addresses) visits every cell, so no address the rules treat differently
// is missed. Ports are sampled the same way: each range's bounds and their
// neighbours, clipped to the range asked about; "all" traffic is TCP and
// UDP on those ports, ICMP echo, every protocol the snapshot names and one
// it does not. The generator (gen_test.go) draws its CIDRs from a fixed plan
// of such blocks, which keeps the sample sets small.

// Stages of the path, in the documented order.
const (
	stageSourceSG = iota + 1
	stageSourceACLOut
	stageRoute
	stageGateway
	stageDestACLIn
	stageDestSG
	stageDestACLReply
	stageSourceACLReply
)

var stageNames = map[int]string{
	stageSourceSG: "source SG egress", stageSourceACLOut: "source NACL egress", stageRoute: "route table",
	stageGateway: "gateway", stageDestACLIn: "destination NACL ingress", stageDestSG: "destination SG ingress",
	stageDestACLReply: "reply ACL at the destination's or NAT gateway's subnet", stageSourceACLReply: "source NACL ingress (reply)",
}

// compKey names a component as the engine does: id and kind.
type compKey struct{ ID, Kind string }

// naiveVerdict is the naive evaluator's answer.
type naiveVerdict struct {
	Verdict string
	// Stage is the blocking stage (Verdict blocked).
	Stage int
	// Blockers are the components at that stage that block some sample:
	// the engine's BlockedBy must be one of them.
	Blockers []compKey
	// traces are the steps of some flows: the first few and those not
	// allowed (for failure reports).
	traces [][]step
	// note explains an answer reached before any flow.
	note string
}

// Trace says, per flow, what happened.
func (v naiveVerdict) Trace() string {
	var b strings.Builder
	if v.note != "" {
		b.WriteString(v.note + "\n")
	}
	for _, steps := range v.traces {
		first := steps[0]
		fmt.Fprintf(&b, "  to %s %s:", first.addr, first.pk)
		for _, st := range steps {
			b.WriteString("\n    " + st.String())
		}
		b.WriteString("\n")
	}
	return b.String()
}

// tri is a three-valued answer.
type tri int

const (
	no tri = iota
	yes
	maybe
)

// packet is one packet of a flow.
type packet struct {
	proto int // IANA number
	port  int // destination port (TCP/UDP), else -1
	// icmpType and icmpCode for ICMP.
	icmpType, icmpCode int
}

// host is a network interface a packet leaves or reaches.
type host struct {
	id   string // instance or endpoint id, for naming
	eni  string
	kind string // netpath.KindInstance, KindNetworkInterface or KindVPCEndpoint
	// primary is true for an instance's primary interface.
	primary bool
	vpc     string
	subnet  string
	addr    netip.Addr
	public  bool
	groups  []string
}

// step is the outcome of one stage for one packet.
type step struct {
	stage  int
	status tri // yes allowed, no blocked, maybe unknown
	comp   compKey
	alt    []compKey // other components that may equally be named
	note   string
	// NACL stages: the deciding rule number (-1 for "*"), the packet and
	// the address matched.
	rule int32
	pk   packet
	addr netip.Addr
}

func (st step) String() string {
	s := fmt.Sprintf("%s:%s %s", stageNames[st.stage], triName(st.status), st.comp.ID)
	if st.comp.Kind == netpath.KindNetworkACL {
		rule := strconv.Itoa(int(st.rule))
		if st.rule < 0 {
			rule = "*"
		}
		s += fmt.Sprintf(" rule %s (%s, %s)", rule, st.pk, st.addr)
	}
	if st.note != "" {
		s += " " + st.note
	}
	return s
}

type naive struct {
	s   *model.Snapshot
	reg *model.Region
}

func newNaive(s *model.Snapshot) *naive {
	return &naive{s: s, reg: &s.Accounts[0].Regions[0]}
}

// ---------------------------------------------------------------------------
// Lookups: linear scans over the snapshot, every time.

func (n *naive) gap(api string) bool {
	return slices.ContainsFunc(n.s.Gaps, func(g model.Gap) bool { return g.API == api && g.Resource == "" })
}

func (n *naive) group(id string) *model.SecurityGroup {
	for i := range n.reg.SecurityGroups {
		if n.reg.SecurityGroups[i].ID == id {
			return &n.reg.SecurityGroups[i]
		}
	}
	return nil
}

func (n *naive) prefixList(id string) *model.PrefixList {
	for i := range n.reg.PrefixLists {
		if n.reg.PrefixLists[i].ID == id {
			return &n.reg.PrefixLists[i]
		}
	}
	return nil
}

func (n *naive) subnet(id string) *model.Subnet {
	for i := range n.reg.Subnets {
		if n.reg.Subnets[i].ID == id {
			return &n.reg.Subnets[i]
		}
	}
	return nil
}

func (n *naive) aclOf(subnet string) *model.NetworkACL {
	for i := range n.reg.NetworkACLs {
		for _, a := range n.reg.NetworkACLs[i].Associations {
			if a.SubnetID == subnet {
				return &n.reg.NetworkACLs[i]
			}
		}
	}
	return nil
}

func (n *naive) tableOf(subnet, vpc string) *model.RouteTable {
	for i := range n.reg.RouteTables {
		for _, a := range n.reg.RouteTables[i].Associations {
			if a.SubnetID == subnet {
				return &n.reg.RouteTables[i]
			}
		}
	}
	for i := range n.reg.RouteTables {
		t := &n.reg.RouteTables[i]
		if t.VPCID != vpc {
			continue
		}
		if t.Main || slices.ContainsFunc(t.Associations, func(a model.RouteTableAssociation) bool { return a.Main }) {
			return t
		}
	}
	return nil
}

func (n *naive) nat(id string) *model.NATGateway {
	for i := range n.reg.NATGateways {
		if n.reg.NATGateways[i].ID == id {
			return &n.reg.NATGateways[i]
		}
	}
	return nil
}

func (n *naive) igwAttached(id, vpc string) bool {
	for _, g := range n.reg.InternetGateways {
		if g.ID != id {
			continue
		}
		for _, a := range g.Attachments {
			if a.VPCID == vpc && (a.State == "available" || a.State == "attached") {
				return true
			}
		}
	}
	return false
}

// hosts lists every interface the snapshot shows with an address.
func (n *naive) hosts() []host {
	var out []host
	for _, in := range n.reg.Instances {
		for _, e := range in.NetworkInterfaces {
			for _, ip := range e.PrivateIPs {
				// The instance's public address belongs to its primary
				// interface; another interface needs its own.
				public := e.PublicIP != "" || e.DeviceIndex == 0 && in.PublicIP != ""
				out = append(out, host{id: in.ID, eni: e.ID, kind: netpath.KindInstance, primary: e.DeviceIndex == 0,
					vpc: in.VPCID, subnet: e.SubnetID, addr: netip.MustParseAddr(ip), public: public, groups: e.SecurityGroupIDs})
			}
		}
	}
	return out
}

// resolve finds the interface an id or address names: an instance id
// names its primary interface (device index 0).
func (n *naive) resolve(ref string) (host, bool) {
	for _, h := range n.hosts() {
		switch {
		case h.id == ref && h.primary, h.addr.IsValid() && h.addr.String() == ref:
			return h, true
		case h.eni == ref:
			h.kind, h.id = netpath.KindNetworkInterface, ref
			return h, true
		}
	}
	return host{}, false
}

// ---------------------------------------------------------------------------
// Rule matching.

func protoNumber(p string) int {
	switch strings.ToLower(p) {
	case "-1", "all":
		return -1
	case "tcp":
		return 6
	case "udp":
		return 17
	case "icmp":
		return 1
	case "icmpv6":
		return 58
	}
	v, err := strconv.Atoi(p)
	if err != nil {
		return -2
	}
	return v
}

func inRange(v int, from, to *int32) bool {
	if from == nil || to == nil {
		return true
	}
	return int(*from) <= v && v <= int(*to)
}

// icmpMatch: -1 (or absent) matches any type or code.
func icmpMatch(v int, want *int32) bool { return want == nil || *want == -1 || int(*want) == v }

// permMatchesPacket is the protocol/port part of a security-group rule.
func permMatchesPacket(p model.Permission, pk packet) bool {
	proto := protoNumber(p.Protocol)
	switch {
	case proto == -1:
		return true
	case proto != pk.proto:
		return false
	case proto == 6 || proto == 17:
		return inRange(pk.port, p.FromPort, p.ToPort)
	case proto == 1:
		return icmpMatch(pk.icmpType, p.FromPort) && icmpMatch(pk.icmpCode, p.ToPort)
	}
	return true
}

func contains(cidr string, a netip.Addr) bool {
	p, err := netip.ParsePrefix(cidr)
	return err == nil && p.Masked().Contains(a)
}

// peer is the other end a security-group rule is matched against: an
// address, and the interface behind it when it is one in the snapshot.
type peer struct {
	addr netip.Addr
	host *host
}

// groupRefMatches says whether a referenced group contains the peer.
func (n *naive) groupRefMatches(ref model.GroupRef, p peer) tri {
	if n.group(ref.GroupID) == nil {
		// A group the snapshot does not hold (another account, or not
		// read): its members are unknown.
		return maybe
	}
	if p.host == nil {
		return no
	}
	if slices.Contains(p.host.groups, ref.GroupID) {
		return yes
	}
	return no
}

// sgAllows evaluates the aggregated rules of groups for one packet to or
// from p.
func (n *naive) sgAllows(groups []string, ingress bool, pk packet, p peer) (tri, string) {
	result, why := no, ""
	for _, id := range groups {
		g := n.group(id)
		if g == nil {
			result, why = maybe, "group "+id+" not in snapshot"
			continue
		}
		perms := g.Egress
		if ingress {
			perms = g.Ingress
		}
		for _, perm := range perms {
			if !permMatchesPacket(perm, pk) {
				continue
			}
			for _, c := range perm.IPv4Ranges {
				if contains(c, p.addr) {
					return yes, id + " allows " + c
				}
			}
			for _, pl := range perm.PrefixListIDs {
				l := n.prefixList(pl)
				if l == nil || !l.EntriesRead {
					result, why = maybe, "prefix list "+pl+" entries unknown"
					continue
				}
				for _, c := range l.CIDRs {
					if contains(c, p.addr) {
						return yes, id + " allows " + pl
					}
				}
			}
			for _, ref := range perm.Groups {
				switch n.groupRefMatches(ref, p) {
				case yes:
					return yes, id + " allows group " + ref.GroupID
				case maybe:
					result, why = maybe, "group "+ref.GroupID+" members unknown"
				}
			}
		}
	}
	return result, why
}

// aclAllows evaluates a network ACL: of the entries of one direction that
// match the packet, the one with the lowest rule number decides (the same
// as walking them in ascending order and stopping at the first match); none
// matching denies. addr is the packet's destination (egress) or source
// (ingress).
func aclAllows(acl *model.NetworkACL, egress bool, pk packet, addr netip.Addr) (bool, int32) {
	var decider *model.NetworkACLEntry
	for i := range acl.Entries {
		e := &acl.Entries[i]
		if e.Egress != egress || e.CIDRBlock == "" || !contains(e.CIDRBlock, addr) {
			continue
		}
		proto := protoNumber(e.Protocol)
		switch {
		case proto == -1:
		case proto != pk.proto:
			continue
		case proto == 6 || proto == 17:
			if !inRange(pk.port, e.PortFrom, e.PortTo) {
				continue
			}
		case proto == 1:
			if !icmpMatch(pk.icmpType, e.ICMPType) || !icmpMatch(pk.icmpCode, e.ICMPCode) {
				continue
			}
		}
		if decider == nil || e.RuleNumber < decider.RuleNumber {
			decider = e
		}
	}
	if decider == nil {
		return false, -1 // the "*" rule
	}
	return decider.RuleAction == "allow", decider.RuleNumber
}

// aclStep evaluates the ACL of subnet as one stage.
func (n *naive) aclStep(stage int, subnet string, egress bool, pk packet, addr netip.Addr) step {
	acl := n.aclOf(subnet)
	if acl == nil {
		return step{stage: stage, status: maybe, note: "no network ACL known for " + subnet}
	}
	ok, rule := aclAllows(acl, egress, pk, addr)
	st := step{stage: stage, status: no, comp: compKey{acl.ID, netpath.KindNetworkACL}, rule: rule, pk: pk, addr: addr}
	if ok {
		st.status = yes
	}
	return st
}

// routeClass ranks routes of equal prefix length (VPC User Guide, "How
// route priority works"): static routes, then prefix-list routes, then
// propagated ones.
func routeClass(r *model.Route) int {
	switch {
	case r.DestinationPrefixListID != "":
		return 1
	case r.Origin == "EnableVgwRoutePropagation":
		return 2
	}
	return 0
}

// mayBeatLocal says whether a route to target may be more specific than
// the local route (VPC User Guide, "Subnet route tables": such a route must
// target a NAT gateway, a network interface or a Gateway Load Balancer
// endpoint).
func mayBeatLocal(target string) bool {
	switch target {
	case model.TargetNATGateway, model.TargetNetworkInterface, model.TargetInstance, model.TargetVPCEndpoint:
		return true
	}
	return false
}

// longestMatch returns the route of t that carries a: the most specific
// matching destination (a prefix-list route matches with each of its
// entries), ties going to the better class. It answers maybe when a
// prefix list whose entries are unknown might hold a better match; none
// can when the winner is a static /32, or when the winner is the local
// route and the list's route may not be more specific than it.
func (n *naive) longestMatch(t *model.RouteTable, a netip.Addr) (*model.Route, tri) {
	var best *model.Route
	bestBits, bestClass := -1, 0
	var unseen []*model.Route
	consider := func(r *model.Route, cidr string) {
		p, err := netip.ParsePrefix(cidr)
		if err != nil || !p.Addr().Is4() || !p.Masked().Contains(a) {
			return
		}
		if c := routeClass(r); p.Bits() > bestBits || p.Bits() == bestBits && c < bestClass {
			best, bestBits, bestClass = r, p.Bits(), c
		}
	}
	for i := range t.Routes {
		r := &t.Routes[i]
		if r.DestinationPrefixListID == "" {
			consider(r, r.DestinationCIDR)
			continue
		}
		l := n.prefixList(r.DestinationPrefixListID)
		if l == nil || !l.EntriesRead {
			unseen = append(unseen, r)
			continue
		}
		for _, c := range l.CIDRs {
			consider(r, c)
		}
	}
	for _, r := range unseen {
		switch {
		case bestBits == 32 && bestClass == 0:
		case best != nil && best.TargetType == model.TargetLocal && !mayBeatLocal(r.TargetType):
		default:
			return best, maybe
		}
	}
	return best, yes
}

// ---------------------------------------------------------------------------
// One flow: one packet from src to an address (and the host behind it).

// flow follows one packet and its reply through every stage and returns
// the steps taken. It stops at the first stage that blocks, and at an
// unknown stage only when the unknown decides where the packet goes (a
// route table, a gateway): past an unknown security group or ACL the rest
// of the path is still known, and a later block still blocks.
// The steps are appended to buf.
func (n *naive) flow(buf []step, src host, dst netip.Addr, dstHost *host, pk packet, reply []packet) []step {
	steps := buf[:0]
	add := func(st step) bool {
		if !st.addr.IsValid() {
			st.addr, st.pk = dst, pk
		}
		steps = append(steps, st)
		return st.status != no
	}
	// A packet to the interface's own address is looped back by the
	// operating system and never reaches the network.
	if dst == src.addr {
		add(step{stage: stageSourceSG, status: yes, comp: compKey{src.eni, netpath.KindNetworkInterface}, note: "own address"})
		return steps
	}
	// 1. Source security groups, egress.
	ok, why := n.sgAllows(src.groups, false, pk, peer{addr: dst, host: dstHost})
	if !add(n.sgStep(stageSourceSG, src.groups, ok, why)) {
		return steps
	}
	// Within one subnet the VPC router is not involved: no ACL, no route
	// table (VPC User Guide: a network ACL controls traffic entering and
	// leaving a subnet; route tables route between subnets and out of the
	// VPC).
	if sub := n.subnet(src.subnet); sub != nil && contains(sub.CIDRBlock, dst) {
		if dstHost == nil {
			add(step{stage: stageGateway, status: maybe, note: "no interface at " + dst.String()})
			return steps
		}
		ok, why := n.sgAllows(dstHost.groups, true, pk, peer{addr: src.addr, host: &src})
		add(n.sgStep(stageDestSG, dstHost.groups, ok, why))
		return steps
	}
	// 2. Source NACL, outbound.
	if !add(n.aclStep(stageSourceACLOut, src.subnet, true, pk, dst)) {
		return steps
	}
	// 3. Route table of the source subnet.
	t := n.tableOf(src.subnet, src.vpc)
	if t == nil {
		add(step{stage: stageRoute, status: maybe, note: "no route table known"})
		return steps // the rest of the path is unknown
	}
	rtKey := compKey{t.ID, netpath.KindRouteTable}
	r, known := n.longestMatch(t, dst)
	if known == maybe {
		add(step{stage: stageRoute, status: maybe, comp: rtKey, note: "a prefix list of a route is unread"})
		return steps
	}
	if r == nil {
		add(step{stage: stageRoute, status: no, comp: rtKey, note: "no route to " + dst.String()})
		return steps
	}
	if r.State == "blackhole" {
		add(step{stage: stageRoute, status: no, comp: rtKey, note: "blackhole " + r.DestinationCIDR})
		return steps
	}
	add(step{stage: stageRoute, status: yes, comp: rtKey, note: r.DestinationCIDR + " → " + r.TargetID})
	// natSubnet is the NAT gateway's subnet when the path goes through
	// one: the NAT gateway is a network interface in that subnet, so that
	// subnet's ACL sees the packet come in from the source and leave for
	// the destination, and the reply come in and leave for the source.
	natSubnet := ""
	switch r.TargetType {
	case model.TargetLocal:
		if dstHost == nil {
			add(step{stage: stageGateway, status: maybe, note: "no interface at " + dst.String()})
			return steps
		}
		// 5–7. Destination side inside the VPC.
		if !add(n.aclStep(stageDestACLIn, dstHost.subnet, false, pk, src.addr)) {
			return steps
		}
		ok, why := n.sgAllows(dstHost.groups, true, pk, peer{addr: src.addr, host: &src})
		if !add(n.sgStep(stageDestSG, dstHost.groups, ok, why)) {
			return steps
		}
		for _, rp := range reply {
			if !add(n.aclStep(stageDestACLReply, dstHost.subnet, true, rp, src.addr)) {
				return steps
			}
		}
	case model.TargetInternetGateway:
		igw := compKey{r.TargetID, netpath.KindInternetGateway}
		if !n.igwAttached(r.TargetID, src.vpc) {
			add(step{stage: stageGateway, status: no, comp: igw, note: "internet gateway not attached"})
			return steps
		}
		if !src.public {
			add(step{stage: stageGateway, status: no, comp: igw, alt: []compKey{{src.id, src.kind}, {src.eni, netpath.KindNetworkInterface}},
				note: "no public IP"})
			return steps
		}
		if !isPublic(dst) {
			// An internet gateway carries internet-routable traffic; a
			// private or special-purpose address is not on the internet.
			add(step{stage: stageGateway, status: no, comp: igw, alt: []compKey{rtKey}, note: "destination not on the internet"})
			return steps
		}
		add(step{stage: stageGateway, status: yes, comp: igw})
	case model.TargetNATGateway:
		natKey := compKey{r.TargetID, netpath.KindNATGateway}
		g := n.nat(r.TargetID)
		if g == nil || g.State != "available" || g.ConnectivityType == "private" {
			add(step{stage: stageGateway, status: no, comp: natKey, note: "NAT gateway not available"})
			return steps
		}
		natSubnet = g.SubnetID
		if natSubnet != src.subnet && !add(n.aclStep(stageGateway, natSubnet, false, pk, src.addr)) {
			return steps
		}
		if !add(n.aclStep(stageGateway, natSubnet, true, pk, dst)) {
			return steps
		}
		natSub := n.subnet(natSubnet)
		nt := (*model.RouteTable)(nil)
		if natSub != nil {
			nt = n.tableOf(natSub.ID, natSub.VPCID)
		}
		if nt == nil {
			add(step{stage: stageGateway, status: maybe, comp: natKey, note: "NAT subnet route table unknown"})
			return steps
		}
		nr, known := n.longestMatch(nt, dst)
		ntKey := compKey{nt.ID, netpath.KindRouteTable}
		if known == maybe {
			add(step{stage: stageGateway, status: maybe, comp: ntKey, note: "a prefix list of a route is unread"})
			return steps
		}
		if nr == nil || nr.State == "blackhole" || nr.TargetType != model.TargetInternetGateway || !n.igwAttached(nr.TargetID, g.VPCID) {
			add(step{stage: stageGateway, status: no, comp: natKey, alt: []compKey{ntKey}, note: "NAT subnet has no route to an internet gateway"})
			return steps
		}
		if !isPublic(dst) {
			add(step{stage: stageGateway, status: no, comp: natKey, alt: []compKey{ntKey, {nr.TargetID, netpath.KindInternetGateway}, rtKey},
				note: "destination not on the internet"})
			return steps
		}
		add(step{stage: stageGateway, status: yes, comp: natKey})
		// 7. The reply enters the NAT gateway's subnet from the
		// destination (to the NAT gateway's own ephemeral port) and leaves
		// it for the source.
		for _, rp := range reply {
			if !add(n.aclStep(stageDestACLReply, natSubnet, false, rp, dst)) {
				return steps
			}
		}
		if natSubnet != src.subnet {
			for _, rp := range reply {
				if !add(n.aclStep(stageDestACLReply, natSubnet, true, rp, src.addr)) {
					return steps
				}
			}
		}
	default:
		// Transit gateway, peering, virtual private gateway, middlebox:
		// the packet leaves the VPC (or the snapshot's view) and what
		// happens next is not observed.
		add(step{stage: stageGateway, status: maybe, comp: compKey{r.TargetID, netpath.KindGateway}, note: "leaves the VPC"})
		return steps
	}
	// 8. The reply enters the source subnet (from the NAT gateway's subnet
	// itself needs no ACL).
	if natSubnet == src.subnet {
		return steps
	}
	for _, rp := range reply {
		if !add(n.aclStep(stageSourceACLReply, src.subnet, false, rp, dst)) {
			return steps
		}
	}
	return steps
}

// sgStep turns a security-group answer into a stage; the blocking
// component of a group set is one of its groups.
func (n *naive) sgStep(stage int, groups []string, ok tri, why string) step {
	st := step{stage: stage, status: ok, note: why}
	for i, g := range groups {
		k := compKey{g, netpath.KindSecurityGroup}
		if i == 0 {
			st.comp = k
		} else {
			st.alt = append(st.alt, k)
		}
	}
	return st
}

// ---------------------------------------------------------------------------
// Samples.

// snapshotPrefixes lists every CIDR the snapshot names.
func (n *naive) snapshotPrefixes() []netip.Prefix {
	var out []netip.Prefix
	add := func(c string) {
		if p, err := netip.ParsePrefix(c); err == nil && p.Addr().Is4() {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(c); err == nil && a.Is4() {
			out = append(out, netip.PrefixFrom(a, 32))
		}
	}
	for _, v := range n.reg.VPCs {
		for _, c := range v.CIDRBlocks {
			add(c)
		}
	}
	for _, s := range n.reg.Subnets {
		add(s.CIDRBlock)
	}
	for _, g := range n.reg.SecurityGroups {
		for _, p := range append(slices.Clone(g.Ingress), g.Egress...) {
			for _, c := range p.IPv4Ranges {
				add(c)
			}
		}
	}
	for _, a := range n.reg.NetworkACLs {
		for _, e := range a.Entries {
			add(e.CIDRBlock)
		}
	}
	for _, t := range n.reg.RouteTables {
		for _, r := range t.Routes {
			add(r.DestinationCIDR)
		}
	}
	for _, in := range n.reg.Instances {
		for _, e := range in.NetworkInterfaces {
			for _, ip := range e.PrivateIPs {
				add(ip)
			}
			add(e.PublicIP)
		}
	}
	for _, l := range n.reg.PrefixLists {
		for _, c := range l.CIDRs {
			add(c)
		}
	}
	for _, in := range n.reg.Instances {
		add(in.PrivateIP)
		add(in.PublicIP)
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= (1<<(32-p.Bits()) - 1)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// addressSamples returns the addresses of d to try: its first and last
// address, a few derived from it, and the bounds of every snapshot block
// inside it with their outside neighbours (see the file comment).
func (n *naive) addressSamples(d netip.Prefix) []netip.Addr {
	d = d.Masked()
	first, last := d.Addr(), lastAddr(d)
	set := []netip.Addr{first, last}
	if d.Bits() < 32 {
		set = append(set, first.Next(), last.Prev())
		mid := netip.PrefixFrom(first, d.Bits()+1)
		set = append(set, lastAddr(mid), lastAddr(mid).Next())
	}
	for _, p := range n.snapshotPrefixes() {
		if p.Bits() < d.Bits() || !d.Contains(p.Addr()) {
			continue
		}
		for _, a := range []netip.Addr{p.Addr(), lastAddr(p), p.Addr().Prev(), lastAddr(p).Next()} {
			if a.IsValid() && d.Contains(a) {
				set = append(set, a)
			}
		}
	}
	slices.SortFunc(set, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(set)
}

// representativePublic are public addresses for "internet": the data center
// and DNS addresses PDR needs, and one that no generated rule names.
var representativePublic = []string{"8.8.8.8", "204.110.219.100", "1.1.1.1", "52.94.0.1", "185.54.124.5", "93.184.216.34"}

// isPublic says whether a is a public IPv4 address.
func isPublic(a netip.Addr) bool {
	if !a.Is4() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, c := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4"} {
		if contains(c, a) {
			return false
		}
	}
	return true
}

// internetSamples returns the public addresses to try for "internet".
func (n *naive) internetSamples() []netip.Addr {
	var set []netip.Addr
	for _, s := range representativePublic {
		set = append(set, netip.MustParseAddr(s))
	}
	for _, a := range n.addressSamples(netip.MustParsePrefix("0.0.0.0/0")) {
		if isPublic(a) {
			set = append(set, a)
		}
	}
	slices.SortFunc(set, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(set)
}

// portSamples returns the ports of [lo,hi] to try: the bounds, and every
// rule's and entry's bounds with their neighbours inside [lo,hi].
func (n *naive) portSamples(lo, hi int) []int {
	set := []int{lo, hi}
	addRange := func(from, to *int32) {
		if from == nil || to == nil {
			return
		}
		for _, v := range []int{int(*from) - 1, int(*from), int(*to), int(*to) + 1} {
			if lo <= v && v <= hi {
				set = append(set, v)
			}
		}
	}
	for _, g := range n.reg.SecurityGroups {
		for _, p := range append(slices.Clone(g.Ingress), g.Egress...) {
			if pn := protoNumber(p.Protocol); pn == 6 || pn == 17 {
				addRange(p.FromPort, p.ToPort)
			}
		}
	}
	for _, a := range n.reg.NetworkACLs {
		for _, e := range a.Entries {
			addRange(e.PortFrom, e.PortTo)
		}
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// packetsFor returns the packets a query's protocol stands for.
func (n *naive) packetsFor(q netpath.Query) []packet {
	switch q.Proto {
	case netpath.TCP:
		return []packet{{proto: 6, port: q.Port}}
	case netpath.UDP:
		return []packet{{proto: 17, port: q.Port}}
	case netpath.ICMP:
		return []packet{{proto: 1, port: -1, icmpType: 8}}
	}
	// All traffic: every protocol on every port. TCP and UDP on each sampled
	// port, ICMP, and every other protocol the snapshot names plus one it
	// does not (GRE).
	var out []packet
	for _, p := range n.portSamples(0, 65535) {
		out = append(out, packet{proto: 6, port: p}, packet{proto: 17, port: p})
	}
	out = append(out, packet{proto: 1, port: -1, icmpType: 8})
	others := []int{47}
	for _, g := range n.reg.SecurityGroups {
		for _, p := range append(slices.Clone(g.Ingress), g.Egress...) {
			others = append(others, protoNumber(p.Protocol))
		}
	}
	for _, a := range n.reg.NetworkACLs {
		for _, e := range a.Entries {
			others = append(others, protoNumber(e.Protocol))
		}
	}
	slices.Sort(others)
	for _, p := range slices.Compact(others) {
		if p > 0 && p != 6 && p != 17 && p != 1 {
			out = append(out, packet{proto: p, port: -1})
		}
	}
	return out
}

// replies returns the reply packets of pk: TCP/UDP replies go to the
// client's ephemeral port, anywhere in 1024–65535; ICMP echo is answered by
// an echo reply; other protocols by the same protocol.
func (n *naive) replies(pk packet) []packet {
	switch pk.proto {
	case 6, 17:
		var out []packet
		for _, p := range n.portSamples(1024, 65535) {
			out = append(out, packet{proto: pk.proto, port: p})
		}
		return out
	case 1:
		return []packet{{proto: 1, port: -1, icmpType: 0}}
	}
	return []packet{{proto: pk.proto, port: -1}}
}

// ---------------------------------------------------------------------------
// The question.

// target is one destination to try: an address and, if it is an interface
// in the snapshot, that interface.
type target struct {
	addr netip.Addr
	host *host
}

// naiveReach answers q the slow way.
func naiveReach(s *model.Snapshot, q netpath.Query) naiveVerdict {
	n := newNaive(s)
	src, ok := n.resolve(q.From)
	if !ok {
		return naiveVerdict{Verdict: netpath.Unknown, note: "source not found"}
	}
	var targets []target
	switch {
	case q.To == "internet":
		for _, a := range n.internetSamples() {
			targets = append(targets, target{addr: a})
		}
	case strings.HasPrefix(q.To, "service:"):
		targets = n.serviceTargets(src, strings.TrimPrefix(q.To, "service:"))
	case strings.Contains(q.To, "/"):
		p, err := netip.ParsePrefix(q.To)
		if err != nil {
			return naiveVerdict{Verdict: netpath.Unknown, note: "bad CIDR"}
		}
		for _, a := range n.addressSamples(p) {
			targets = append(targets, n.targetAt(a))
		}
	default:
		if a, err := netip.ParseAddr(q.To); err == nil {
			targets = append(targets, n.targetAt(a))
			break
		}
		h, ok := n.resolve(q.To)
		if !ok {
			return naiveVerdict{Verdict: netpath.Unknown, note: "destination not found"}
		}
		targets = append(targets, target{addr: h.addr, host: &h})
	}
	if len(targets) == 0 {
		return naiveVerdict{Verdict: netpath.Unknown, note: "no destination address"}
	}
	return n.combine(src, targets, n.packetsFor(q))
}

func (n *naive) targetAt(a netip.Addr) target {
	for _, h := range n.hosts() {
		if h.addr == a {
			return target{addr: a, host: &h}
		}
	}
	return target{addr: a}
}

// serviceTargets returns where "service:name" goes from src: the
// interfaces of an available interface endpoint for the service in src's
// VPC with private DNS on, else the service's public addresses.
func (n *naive) serviceTargets(src host, name string) []target {
	want := "com.amazonaws." + n.reg.Name + "." + name
	for _, e := range n.reg.VPCEndpoints {
		if e.VPCID != src.vpc || e.Type != "Interface" || e.ServiceName != want || !e.PrivateDNSEnabled || e.State != "available" {
			continue
		}
		var out []target
		for i, sub := range e.SubnetIDs {
			s := n.subnet(sub)
			if s == nil {
				continue
			}
			eni := ""
			if i < len(e.NetworkInterfaceIDs) {
				eni = e.NetworkInterfaceIDs[i]
			}
			h := host{id: e.ID, eni: eni, kind: netpath.KindVPCEndpoint, vpc: e.VPCID, subnet: sub, groups: e.SecurityGroupIDs}
			for _, a := range n.endpointAddresses(netip.MustParsePrefix(s.CIDRBlock)) {
				hh := h
				hh.addr = a
				out = append(out, target{addr: a, host: &hh})
			}
		}
		return out
	}
	var out []target
	for _, a := range n.internetSamples() {
		out = append(out, target{addr: a})
	}
	return out
}

// endpointAddresses are the addresses an endpoint interface may have in its
// subnet (its address is not in the snapshot): any address of the subnet
// that AWS does not reserve (first four, last) and no instance holds.
func (n *naive) endpointAddresses(sub netip.Prefix) []netip.Addr {
	taken := map[netip.Addr]bool{}
	for _, h := range n.hosts() {
		taken[h.addr] = true
	}
	for _, g := range n.reg.NATGateways {
		for _, a := range g.Addresses {
			if ip, err := netip.ParseAddr(a.PrivateIP); err == nil {
				taken[ip] = true
			}
		}
	}
	var out []netip.Addr
	first, last := sub.Masked().Addr(), lastAddr(sub)
	reserved := []netip.Addr{first, first.Next(), first.Next().Next(), first.Next().Next().Next(), last}
	for _, a := range n.addressSamples(sub) {
		if !taken[a] && !slices.Contains(reserved, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = append(out, first.Next().Next().Next().Next())
	}
	return out
}

// combine runs every (target, packet) flow and folds them: blocked if some
// flow is blocked, else unknown if some flow is unknown, else allowed. The
// blocker is at the earliest blocking stage, for the lowest address blocked
// there (the engine's documented tie-break); any component that blocks
// some packet of that address at that stage is accepted.
func (n *naive) combine(src host, targets []target, packets []packet) naiveVerdict {
	v := naiveVerdict{Verdict: netpath.Allowed}
	// The blocker is named by the earliest blocking stage and, among
	// flows blocked there, the lowest destination address.
	blockStage, blockAddr := 0, netip.Addr{}
	unknown := false
	replies := make([][]packet, len(packets))
	for i, pk := range packets {
		replies[i] = n.replies(pk)
	}
	var traces [][]step
	kept := map[tri]int{}
	var buf []step
	for _, t := range targets {
		for i, pk := range packets {
			steps := n.flow(buf, src, t.addr, t.host, pk, replies[i])
			buf = steps
			last := steps[len(steps)-1]
			for _, st := range steps {
				if st.status == maybe {
					unknown = true
				}
			}
			if last.status == no {
				switch {
				case blockStage == 0 || last.stage < blockStage || last.stage == blockStage && t.addr.Less(blockAddr):
					blockStage, blockAddr = last.stage, t.addr
					v.Blockers = append([]compKey{last.comp}, last.alt...)
				case last.stage == blockStage && t.addr == blockAddr:
					for _, k := range append([]compKey{last.comp}, last.alt...) {
						if !slices.Contains(v.Blockers, k) {
							v.Blockers = append(v.Blockers, k)
						}
					}
				}
			}
			switch b := last.status; {
			case b == no && kept[no] < 6, b == maybe && kept[maybe] < 3, b == yes && kept[yes] < 2:
				kept[b]++
				traces = append(traces, slices.Clone(steps))
			}
		}
	}
	v.traces = traces
	switch {
	case blockStage > 0:
		v.Verdict, v.Stage = netpath.Blocked, blockStage
	case unknown:
		v.Verdict = netpath.Unknown
	}
	return v
}

func triName(t tri) string {
	switch t {
	case yes:
		return "allow"
	case no:
		return "BLOCK"
	}
	return "unknown"
}

func (p packet) String() string {
	if p.port >= 0 {
		return fmt.Sprintf("proto %d port %d", p.proto, p.port)
	}
	return fmt.Sprintf("proto %d", p.proto)
}
