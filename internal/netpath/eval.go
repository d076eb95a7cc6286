package netpath

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// Stages of a path, in AWS's order. A blocked verdict names a component
// of the earliest stage that blocks some part of the traffic.
const (
	stageSourceSG    = 1 // the source interface's groups, egress
	stageSourceACL   = 2 // the source subnet's ACL, outbound
	stageRoute       = 3 // the source subnet's route table
	stageGateway     = 4 // internet or NAT gateway (and the NAT gateway's subnet)
	stageDestACL     = 5 // the destination subnet's ACL, inbound
	stageDestSG      = 6 // the destination's groups, ingress
	stageDestReply   = 7 // the reply leaving the destination (or NAT) subnet
	stageSourceReply = 8 // the reply entering the source subnet
)

// branch is a path being walked over part of the destination: the
// components that admitted the traffic so far, the first that blocks it,
// and what could not be evaluated.
//
// A component that cannot be evaluated (a gap, a group of another
// account) does not end the walk: a later component may still block for
// sure, and then the traffic is blocked whatever the unknown one does.
// The walk halts only where what is unknown decides where the packet
// goes next (a route table, a gateway, a path leaving the VPC).
//
// A blocked branch records the stage of its blocker and the lowest
// destination address of the traffic blocked there (at): of two blocked
// branches, the one of the earlier stage, then of the lower address, names
// the blocker.
type branch struct {
	path    []Component
	blocker *Component
	stage   int
	at      u128
	missing []string
	halted  bool
	// dst is the part of the destination the branch is about.
	dst aset
}

func (b *branch) ok() bool { return b.blocker == nil && !b.halted }

func (b *branch) pass(c Component) { b.path = append(b.path, c) }

// block records c as blocking all of the branch's destination.
func (b *branch) block(stage int, c Component) {
	var at u128
	if len(b.dst) > 0 {
		at = b.dst[0].lo
	}
	b.blockAt(stage, at, c)
}

// blockAt records c as blocking traffic to destination addresses the
// lowest of which is at.
func (b *branch) blockAt(stage int, at u128, c Component) { b.blocker, b.stage, b.at = &c, stage, at }

// maybe records a component that cannot be evaluated; the walk goes on.
func (b *branch) maybe(m ...string) { b.missing = append(b.missing, m...) }

// halt records that the rest of the path cannot be known.
func (b *branch) halt(m ...string) {
	b.missing = append(b.missing, m...)
	b.halted = true
}

// fork starts a branch that continues this one over dst, part of the
// destination.
func (b *branch) fork(dst aset) *branch {
	return &branch{path: slices.Clone(b.path), missing: slices.Clone(b.missing), dst: dst}
}

// join folds forks of b (each continuing b over a part of the
// destination) back into b. Every address must be reachable, so a blocked
// fork blocks b whatever the others say: the one blocked at the earliest
// stage, at the lowest destination address among equals (the first fork
// among equals again). Otherwise b is unknown if some fork is, and else
// allowed along all the forks' components.
func (b *branch) join(forks []*branch) {
	base := len(b.path)
	var blocked *branch
	for _, f := range forks {
		if f.blocker != nil && (blocked == nil || f.stage < blocked.stage || f.stage == blocked.stage && f.at.cmp(blocked.at) < 0) {
			blocked = f
		}
	}
	if blocked != nil {
		*b = *blocked
		return
	}
	for _, f := range forks {
		b.missing = append(b.missing, f.missing...)
		b.halted = b.halted || f.halted
		for _, c := range f.path[base:] {
			if !slices.Contains(b.path, c) {
				b.path = append(b.path, c)
			}
		}
	}
}

// Placeholders for what differs between the members of an equivalence
// class; Reach replaces them in the memoised verdict.
const (
	tokFrom = "\x00from\x00" // the query's From
	tokSrc  = "\x00src\x00"  // the source interface's address
	tokTo   = "\x00to\x00"   // the query's To, when it is an interface
	tokDst  = "\x00dst\x00"  // that interface's address
)

// arrival is where part of the destination is received inside a VPC: an
// interface, or an interface endpoint's interfaces in one subnet.
type arrival struct {
	subnet *subnetInfo
	vpc    string
	region *regionInfo
	addrs  aset
	name   string   // how messages name addrs
	sgs    []string // the receiving interface's groups
	who    string   // how messages name the receiver
	self   bool     // the source interface itself
}

// target is the destination of a query.
type target struct {
	addrs aset
	// name is how messages name all of addrs.
	name     string
	internet bool
	// fixed are the arrivals of an interface or endpoint destination; nil
	// for addresses, whose arrivals are looked up among the VPC's
	// interfaces when the local route delivers them.
	fixed []arrival
	// eni is the destination interface, if one was named.
	eni *eni
	// peer are groups the destination is in whatever its address (an
	// interface endpoint's).
	peer []string
}

// query is a parsed Query.
type query struct {
	e       *Engine
	fam     family
	flows   []flow
	src     *eni
	srcKind string
	dst     target
	// preface are components that precede the path (the endpoint a
	// service name resolves to).
	preface []Component
	// early, when set, decides the query before any path is walked.
	early *branch
	// metDst is set once the walk has checked a destination's groups
	// (or grouped the interfaces holding a destination address): until
	// then, the answer depends on the destination's place only.
	metDst bool
}

func (q *query) srcAddr() aset { return aset{{q.src.addr[q.fam], q.src.addr[q.fam]}} }

// replyFlows are the flows of the answers.
func (q *query) replyFlows() []flow {
	var out []flow
	for _, f := range q.flows {
		if r := f.reply(); !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// part names part of the destination: its name when it is all of it.
func (q *query) part(addrs aset) string {
	if q.dst.internet && !equalSets(addrs, q.dst.addrs) {
		return "internet addresses " + describeSet(q.fam, addrs)
	}
	return partName(q.fam, addrs, q.dst.addrs, q.dst.name)
}

// namer names parts of a set of addresses in messages.
type namer func(part aset) string

// dstNamer names parts of addrs, a part of the destination.
func (q *query) dstNamer(addrs aset) namer {
	return func(p aset) string {
		if equalSets(p, addrs) {
			return q.part(addrs)
		}
		return q.part(p)
	}
}

// fixedName names every part of a set by one name (the source's address).
func fixedName(name string) namer { return func(aset) string { return name } }

// setNamer names parts of whole, all of it by name.
func setNamer(f family, whole aset, name string) namer {
	return func(p aset) string { return partName(f, p, whole, name) }
}

// partName names part of a set: the set's name when it is all of it.
func partName(f family, part, whole aset, name string) string {
	if equalSets(part, whole) {
		return name
	}
	return describeSet(f, part)
}

// run walks the path of the query in AWS's order: the source's groups,
// the source subnet's ACL out, its route table, the gateway (and the NAT
// gateway's own subnet), the destination subnet's ACL in, the
// destination's groups, then the replies through the ACLs.
func (q *query) run() *branch {
	if q.early != nil {
		return q.early
	}
	b := &branch{path: slices.Clone(q.preface), dst: q.dst.addrs}
	if !q.src.has[q.fam] {
		b.block(stageSourceSG, Component{ID: tokFrom, Kind: q.srcKind, Reason: fmt.Sprintf("%s has no %s address", tokFrom, famName(q.fam))})
		return b
	}
	if q.dst.eni == q.src {
		b.pass(Component{ID: tokFrom, Kind: q.srcKind, Rule: "traffic to the interface's own address never leaves it"})
		return b
	}
	q.sg(b, stageSourceSG, q.src.region, q.src.sgs, true, q.dst.addrs, q.dst.peer, q.dstNamer(q.dst.addrs), tokFrom)
	if !b.ok() {
		return b
	}
	srcSub := q.src.subnet
	var forks []*branch
	if q.dst.fixed != nil {
		// Within one subnet no ACL and no route table is consulted.
		var out aset
		var away []arrival
		for _, a := range q.dst.fixed {
			if a.subnet.id == srcSub.id {
				f := b.fork(a.addrs)
				q.arrive(f, a, true)
				forks = append(forks, f)
				continue
			}
			out = union(out, a.addrs)
			away = append(away, a)
		}
		if !out.empty() {
			f := b.fork(out)
			q.leave(f, out, away)
			forks = append(forks, f)
		}
		b.join(forks)
		return b
	}
	if !srcSub.known {
		b.halt(q.src.region.missingText(apiSubnets, srcSub.id, "subnet"))
		return b
	}
	in := intersect(q.dst.addrs, srcSub.cidr[q.fam])
	if !in.empty() {
		f := b.fork(in)
		q.deliver(f, q.src.region, srcSub.vpc, "", in, true)
		forks = append(forks, f)
	}
	if out := subtract(q.dst.addrs, in); !out.empty() {
		f := b.fork(out)
		q.leave(f, out, nil)
		forks = append(forks, f)
	}
	b.join(forks)
	return b
}

func famName(f family) string {
	if f == v4 {
		return "IPv4"
	}
	return "IPv6"
}

// leave follows traffic to out out of the source's subnet: its ACL, its
// route table, and whatever each route leads to. away are the fixed
// arrivals of out (nil for addresses).
func (q *query) leave(b *branch, out aset, away []arrival) {
	srcSub := q.src.subnet
	q.nacl(b, stageSourceACL, srcSub, true, q.flows, out, q.dstNamer(out), false, true)
	if !b.ok() {
		return
	}
	t := q.routeTable(b, srcSub)
	if t == nil {
		return
	}
	q.route(b, stageRoute, t, out, "", func(f *branch, addrs aset, en *routeEntry) {
		switch en.targetType {
		case model.TargetLocal:
			q.deliver(f, q.src.region, t.vpc, t.id, addrs, false, away...)
		case model.TargetInternetGateway, model.TargetEgressOnlyIGW:
			if q.gateway(f, en, q.src.vpc, true, addrs) {
				q.nacl(f, stageSourceReply, srcSub, false, q.replyFlows(), addrs, q.dstNamer(addrs), true, true)
			}
		case model.TargetNATGateway:
			q.nat(f, en, addrs)
		default:
			q.leaves(f, en, addrs)
		}
	})
}

// deliver hands addrs, which the local route (of table rt, "" within the
// source's subnet) keeps inside vpc, to who receives them: the fixed
// arrivals given, or else the interfaces of the VPC holding those
// addresses. An address no interface of the snapshot holds is unknown:
// it may be a load balancer's or a database's, which the snapshot does
// not list.
func (q *query) deliver(b *branch, r *regionInfo, vpc, rt string, addrs aset, sameSubnet bool, fixed ...arrival) {
	var arrivals []arrival
	if fixed != nil {
		for _, a := range fixed {
			p := intersect(a.addrs, addrs)
			if p.empty() {
				continue
			}
			if a.vpc != vpc {
				b.blockAt(stageRoute, p[0].lo, Component{ID: rt, Kind: KindRouteTable, Rule: "route " + vpc + " → local",
					Reason: fmt.Sprintf("%s keeps %s inside %s (local route), but %s is in %s", rt, partName(q.fam, p, a.addrs, a.name), vpc, a.who, a.vpc)})
				return
			}
			a.name = partName(q.fam, p, a.addrs, a.name)
			a.addrs = p
			arrivals = append(arrivals, a)
		}
	} else {
		arrivals = q.hostArrivals(r, vpc, addrs)
	}
	var held aset
	forks := make([]*branch, 0, len(arrivals)+1)
	for _, a := range arrivals {
		held = union(held, a.addrs)
		f := b.fork(a.addrs)
		if a.self {
			f.pass(Component{ID: a.who, Kind: KindNetworkInterface, Rule: "traffic to the interface's own address never leaves it"})
		} else {
			q.arrive(f, a, sameSubnet || a.subnet.id == q.src.subnet.id)
		}
		forks = append(forks, f)
	}
	if rest := subtract(addrs, held); !rest.empty() {
		f := b.fork(rest)
		f.halt(fmt.Sprintf("no interface of the snapshot holds %s in %s", q.part(rest), vpc))
		forks = append(forks, f)
	}
	b.join(forks)
}

// hostArrivals groups the interfaces of vpc holding addresses in addrs by
// equivalence class: one arrival per class, with all its addresses.
func (q *query) hostArrivals(r *regionInfo, vpc string, addrs aset) []arrival {
	q.metDst = true
	type group struct {
		x     *eni
		addrs []span
		enis  map[*eni]bool
	}
	var groups []*group
	byClass := map[int32]*group{}
	for _, h := range q.e.hostsIn(r, vpc, q.fam, addrs) {
		class := h.x.class
		if h.x == q.src {
			class = -1 // the source itself
		}
		g := byClass[class]
		if g == nil {
			g = &group{x: h.x, enis: map[*eni]bool{}}
			byClass[class] = g
			groups = append(groups, g)
		}
		g.addrs = append(g.addrs, span{h.a, h.a})
		g.enis[h.x] = true
	}
	out := make([]arrival, 0, len(groups))
	for _, g := range groups {
		set := normalizeSet(g.addrs)
		who := g.x.instance
		if n := len(g.enis); n > 1 {
			who = fmt.Sprintf("%s and %d more interfaces alike", g.x.instance, n-1)
		}
		out = append(out, arrival{subnet: g.x.subnet, vpc: g.x.vpc, region: g.x.region, addrs: set,
			name: describeSet(q.fam, set), sgs: g.x.sgs, who: who, self: g.x == q.src})
	}
	return out
}

// arrive checks the receiving end inside the VPC: the subnet's ACL
// inbound (unless the source is in that subnet), the receiver's groups,
// and the replies through both subnets' ACLs.
func (q *query) arrive(b *branch, a arrival, sameSubnet bool) {
	if !sameSubnet {
		q.nacl(b, stageDestACL, a.subnet, false, q.flows, q.srcAddr(), fixedName(tokSrc), false, false)
		if !b.ok() {
			return
		}
	}
	q.metDst = true
	q.sg(b, stageDestSG, a.region, a.sgs, false, q.srcAddr(), nil, fixedName(tokSrc), a.who)
	if !b.ok() || sameSubnet {
		return
	}
	rf := q.replyFlows()
	q.nacl(b, stageDestReply, a.subnet, true, rf, q.srcAddr(), fixedName(tokSrc), true, false)
	if !b.ok() {
		return
	}
	q.nacl(b, stageSourceReply, q.src.subnet, false, rf, a.addrs, setNamer(q.fam, a.addrs, a.name), true, true)
}

// routeTable finds the table of a subnet: its explicit association, else
// its VPC's main table. Without it the path cannot be followed.
func (q *query) routeTable(b *branch, s *subnetInfo) *rtInfo {
	r := s.region
	if g := r.gap(apiRouteTables, ""); g != nil {
		b.halt(r.gapText(g))
		return nil
	}
	if t := r.rtBySubnet[s.id]; t != nil {
		return t
	}
	if t := r.rtMain[s.vpc]; t != nil {
		return t
	}
	b.halt(fmt.Sprintf("no route table of the snapshot serves %s: it has no explicit association and %s has no main table", s.id, s.vpc))
	return nil
}

// route looks addrs up in table t and continues the path with cont for
// each route decision, in address order. A part with no route or with a
// blackhole route blocks at the table; a part whose route an unread prefix
// list could change (see rtInfo.unsure), or decided by a tie AWS breaks at
// random, cannot be followed. where qualifies the table in messages (""
// for the source's own table).
func (q *query) route(b *branch, stage int, t *rtInfo, addrs aset, where string, cont func(*branch, aset, *routeEntry)) {
	hits := t.lookup(q.fam, addrs)
	forks := make([]*branch, 0, len(hits))
	for _, h := range hits {
		f := b.fork(h.addrs)
		forks = append(forks, f)
		// Named only where a message needs it: naming costs more than the
		// lookup.
		name := func() string { return q.part(h.addrs) }
		if unsure := t.unsure(q.fam, h.best); len(unsure) > 0 {
			f.halt(unsure...)
			continue
		}
		switch {
		case len(h.best) == 0:
			f.block(stage, Component{ID: t.id, Kind: KindRouteTable, Reason: fmt.Sprintf("%s%s has no route to %s", t.id, where, name())})
			continue
		case len(h.best) > 1:
			var alts []string
			for _, en := range h.best {
				alts = append(alts, en.text())
			}
			f.halt(fmt.Sprintf("%s has equally specific routes to %s (%s): AWS picks one of them", t.id, name(), strings.Join(alts, "; ")))
			continue
		case h.best[0].blackhole:
			en := h.best[0]
			f.block(stage, Component{ID: t.id, Kind: KindRouteTable, Rule: en.text(),
				Reason: fmt.Sprintf("%s%s sends %s by %s, a blackhole (%s is gone)", t.id, where, name(), en.text(), en.targetID)})
			continue
		}
		f.pass(Component{ID: t.id, Kind: KindRouteTable, Rule: h.best[0].text()})
		cont(f, h.addrs, h.best[0])
	}
	b.join(forks)
}

// gateway checks the hop through an internet gateway (or an egress-only
// one) of vpc for addrs: it must be attached; it carries only traffic to
// internet addresses (VPC User Guide, "Internet gateways": the target for
// internet-routable traffic), so a private or special-purpose destination
// sent to it reaches nothing; and for IPv4 traffic sent by the source
// itself (needPublic) the source needs a public address (a NAT gateway has
// its own Elastic IP). It reports whether the path goes on.
func (q *query) gateway(b *branch, en *routeEntry, vpc string, needPublic bool, addrs aset) bool {
	r := q.src.region
	if en.targetType == model.TargetEgressOnlyIGW {
		if q.fam == v4 {
			b.block(stageGateway, Component{ID: en.targetID, Kind: KindInternetGateway,
				Reason: fmt.Sprintf("%s is an egress-only internet gateway, which carries only IPv6", en.targetID)})
			return false
		}
		if !q.internetOnly(b, en, en.targetID, addrs) {
			return false
		}
		b.pass(Component{ID: en.targetID, Kind: KindInternetGateway, Rule: "egress-only internet gateway (IPv6)"})
		return true
	}
	g := r.igws[en.targetID]
	if g == nil {
		b.halt(r.missingText(apiInternetGateways, en.targetID, "internet gateway"))
		return false
	}
	attached := false
	for _, a := range g.Attachments {
		if a.VPCID == vpc && (a.State == "" || strings.EqualFold(a.State, "available") || strings.EqualFold(a.State, "attached")) {
			attached = true
		}
	}
	if !attached {
		b.block(stageGateway, Component{ID: g.ID, Kind: KindInternetGateway, Reason: fmt.Sprintf("%s is not attached to %s", g.ID, vpc)})
		return false
	}
	if !q.internetOnly(b, en, g.ID, addrs) {
		return false
	}
	rule := "IPv6 traffic needs no public address"
	if q.fam == v4 {
		rule = "the NAT gateway's Elastic IP"
		if needPublic {
			if !q.src.public {
				b.block(stageGateway, Component{ID: tokFrom, Kind: q.srcKind, Reason: fmt.Sprintf("%s has no public IP for %s", tokFrom, g.ID)})
				return false
			}
			rule = tokFrom + "'s public IP"
		}
	}
	b.pass(Component{ID: g.ID, Kind: KindInternetGateway, Rule: rule})
	return true
}

// internetOnly blocks at the internet gateway id (reached by route en) the
// part of addrs that is no internet address, and reports whether none is.
func (q *query) internetOnly(b *branch, en *routeEntry, id string, addrs aset) bool {
	off := subtract(addrs, internetSet(q.fam))
	if off.empty() {
		return true
	}
	b.blockAt(stageGateway, off[0].lo, Component{ID: id, Kind: KindInternetGateway, Rule: en.text(),
		Reason: fmt.Sprintf("%s does not carry traffic to %s %s: an internet gateway carries only traffic to public (internet) addresses",
			id, offInternetWord(q.fam, off), q.part(off))})
	return false
}

// nat follows a route to a NAT gateway: it must be available; its own
// subnet's ACL must let the traffic in from the source and out to the
// destination; its own subnet's route table must send the destination to
// an internet gateway, which must carry it; and the replies must pass
// that subnet's ACL back the other way.
func (q *query) nat(b *branch, en *routeEntry, addrs aset) {
	r := q.src.region
	n := r.nats[en.targetID]
	if n == nil {
		b.halt(r.missingText(apiNATGateways, en.targetID, "NAT gateway"))
		return
	}
	if !strings.EqualFold(n.State, "available") {
		b.block(stageGateway, Component{ID: n.ID, Kind: KindNATGateway, Reason: fmt.Sprintf("%s is %s, not available", n.ID, n.State)})
		return
	}
	if strings.EqualFold(n.ConnectivityType, "private") {
		b.block(stageGateway, Component{ID: n.ID, Kind: KindNATGateway,
			Reason: fmt.Sprintf("%s is a private NAT gateway, which cannot reach the internet", n.ID)})
		return
	}
	natSub := r.lookupSubnet(n.SubnetID, n.VPCID)
	b.pass(Component{ID: n.ID, Kind: KindNATGateway, Rule: "available in " + natSub.id})
	// In the source's own subnet the NAT gateway is reached without
	// crossing the ACL, and the ACL's outbound entries were already
	// checked for every destination at the source.
	if natSub.id == q.src.subnet.id {
		q.natRoute(b, n, natSub, addrs)
		return
	}
	q.nacl(b, stageGateway, natSub, false, q.flows, q.srcAddr(), fixedName(tokSrc), false, false)
	if !b.ok() {
		return
	}
	// The packet leaves the NAT gateway's subnet through its ACL before
	// the subnet's route table sends it on, as at the source. What the
	// ACL denies is blocked there and the rest goes on, so that of two
	// blocks at this stage the one at the lower address is named.
	f := b.fork(addrs)
	denied := q.nacl(f, stageGateway, natSub, true, q.flows, addrs, q.dstNamer(addrs), false, true)
	if denied.empty() {
		q.natRoute(f, n, natSub, addrs)
		b.join([]*branch{f})
		return
	}
	forks := []*branch{f}
	if rest := subtract(addrs, denied); !rest.empty() {
		g := b.fork(rest)
		q.nacl(g, stageGateway, natSub, true, q.flows, rest, q.dstNamer(rest), false, true)
		q.natRoute(g, n, natSub, rest)
		forks = append(forks, g)
	}
	b.join(forks)
}

// natRoute follows addrs from NAT gateway n, in subnet natSub, through
// that subnet's route table to its internet gateway, and the replies
// back.
func (q *query) natRoute(b *branch, n *model.NATGateway, natSub *subnetInfo, addrs aset) {
	srcSub := q.src.subnet
	same := natSub.id == srcSub.id
	t := q.routeTable(b, natSub)
	if t == nil {
		return
	}
	where := fmt.Sprintf(" (the table of %s's subnet %s)", n.ID, natSub.id)
	q.route(b, stageGateway, t, addrs, where, func(f *branch, part aset, en2 *routeEntry) {
		if en2.targetType != model.TargetInternetGateway {
			f.block(stageGateway, Component{ID: t.id, Kind: KindRouteTable, Rule: en2.text(),
				Reason: fmt.Sprintf("%s%s sends %s to %s, not to an internet gateway: a NAT gateway reaches the internet only through its subnet's internet gateway",
					t.id, where, q.part(part), en2.targetID)})
			return
		}
		if !q.gateway(f, en2, n.VPCID, false, part) {
			return
		}
		// The reply enters the NAT gateway's subnet from the destination,
		// then leaves it for the source and enters the source's subnet.
		rf := q.replyFlows()
		q.nacl(f, stageDestReply, natSub, false, rf, part, q.dstNamer(part), true, true)
		if !f.ok() || same {
			return
		}
		q.nacl(f, stageDestReply, natSub, true, rf, q.srcAddr(), fixedName(tokSrc), true, false)
		if !f.ok() {
			return
		}
		q.nacl(f, stageSourceReply, srcSub, false, rf, part, q.dstNamer(part), true, true)
	})
}

// leaves reports a path that leaves the VPC (transit gateway, peering,
// VPN, gateway endpoint) or goes through a middlebox interface: what lies
// beyond is not in the snapshot.
func (q *query) leaves(b *branch, en *routeEntry, addrs aset) {
	name := q.part(addrs)
	switch en.targetType {
	case model.TargetNetworkInterface, model.TargetInstance:
		b.halt(fmt.Sprintf("path to %s is routed through %s (%s), which is not evaluated", name, en.targetID, en.targetType))
	default:
		b.halt(fmt.Sprintf("path to %s leaves the VPC through %s (%s)", name, en.targetID, en.targetType))
	}
}

// nacl checks that the ACL of subnet s admits every flow in one direction
// for addrs (the destinations of egress traffic, the sources of ingress
// traffic). Entries are taken in rule-number order; the part of the
// traffic an entry matches is decided by it; what none matches is denied
// by the "*" rule. The entry named is the first that denies some part (in
// flow order, then rule order).
//
// ofDst says addrs are part of the query's destination (and not the
// source's address): then nacl returns every destination address the ACL
// denies some traffic to or from, and the block is placed at the lowest
// of them (see branch.at).
func (q *query) nacl(b *branch, stage int, s *subnetInfo, egress bool, flows []flow, addrs aset, name namer, reply, ofDst bool) aset {
	r := s.region
	dir, prep := Ingress, "from"
	if egress {
		dir, prep = Egress, "to"
	}
	if g := r.gap(apiNetworkACLs, ""); g != nil {
		b.maybe(r.gapText(g))
		return nil
	}
	if ids := r.naclConflict[s.id]; len(ids) > 0 {
		b.maybe(fmt.Sprintf("several network ACLs name %s: %s", s.id, strings.Join(sortedUnique(ids), ", ")))
		return nil
	}
	n := r.naclBySubnet[s.id]
	if n == nil {
		b.maybe(fmt.Sprintf("no network ACL of the snapshot is associated with %s", s.id))
		return nil
	}
	entries := n.in
	if egress {
		entries = n.out
	}
	what := ""
	if reply {
		what = "the reply "
	}
	var used []string
	var first *Component // the first entry that denies
	var denied []span    // the addresses denied, when ofDst
	for _, f := range flows {
		rest := boxes{{f.ports, addrs}}
		for _, en := range entries {
			if len(rest) == 0 || first != nil && !ofDst {
				break
			}
			if !en.matches(f.proto) {
				continue
			}
			hit, left := rest.cut(en.portsFor(f.proto), en.addrs[q.fam])
			if len(hit) == 0 {
				continue
			}
			rest = left
			switch {
			case en.allow && first == nil:
				if d := en.desc(egress); !slices.Contains(used, d) {
					used = append(used, d)
				}
			case !en.allow && first == nil:
				h := hit.first()
				first = &Component{ID: n.id, Kind: KindNetworkACL, Direction: dir, Rule: en.desc(egress),
					Traffic: f.traffic(reply),
					Reason: fmt.Sprintf("%s %s rule %s denies %s%s %s %s", n.id, dir, en.name(), what, trafficText(f.proto, h.ports, false), prep,
						name(h.addrs))}
			}
			if !en.allow {
				denied = appendAddrs(denied, hit)
			}
		}
		if len(rest) > 0 && (first == nil || ofDst) {
			if first == nil {
				h := rest.first()
				first = &Component{ID: n.id, Kind: KindNetworkACL, Direction: dir, Rule: "rule * denies all",
					Traffic: f.traffic(reply),
					Reason: fmt.Sprintf("%s %s rule * denies %s%s %s %s: no rule allows it", n.id, dir, what, trafficText(f.proto, h.ports, false), prep,
						name(h.addrs))}
			}
			denied = appendAddrs(denied, rest)
		}
		if first != nil && !ofDst {
			break
		}
	}
	if first != nil {
		if !ofDst {
			b.block(stage, *first)
			return nil
		}
		set := normalizeSet(denied)
		b.blockAt(stage, set[0].lo, *first)
		return set
	}
	rule := strings.Join(used, "; ")
	if reply {
		rule = "reply: " + rule
	}
	b.pass(Component{ID: n.id, Kind: KindNetworkACL, Direction: dir, Rule: rule})
	return nil
}

// appendAddrs appends the addresses of bs to spans.
func appendAddrs(spans []span, bs boxes) []span {
	for _, x := range bs {
		spans = append(spans, x.addrs...)
	}
	return spans
}

// sg checks that the groups ids (of one interface, OR-ed) admit every flow
// in one direction for addrs (destinations of egress, sources of ingress).
// peer are groups the other end is in whatever its address (an interface
// endpoint's); who names the interface in messages.
//
// What no rule admits blocks, unless a rule the snapshot cannot fully see
// (an unread prefix list, a group of another account, a group not in the
// snapshot) might admit it: then the component cannot be evaluated.
func (q *query) sg(b *branch, stage int, reg *regionInfo, ids []string, egress bool, addrs aset, peer []string, name namer, who string) {
	dir, prep, article := Ingress, "from", "an ingress"
	if egress {
		dir, prep, article = Egress, "to", "an egress"
	}
	used := map[string][]string{}
	var missing []string
	for _, f := range q.flows {
		rest := boxes{{f.ports, addrs}}
		type maybe struct {
			ports pspan
			why   []string
		}
		var maybes []maybe
		for _, id := range ids {
			g := q.e.sgs[id]
			if g == nil {
				maybes = append(maybes, maybe{allPorts, []string{reg.missingText(apiSecurityGroups, id, "security group")}})
				continue
			}
			rules := g.in
			if egress {
				rules = g.out
			}
			for _, r := range rules {
				if !r.matches(f.proto) {
					continue
				}
				ports := r.portsFor(f.proto)
				if len(r.unknown) > 0 {
					maybes = append(maybes, maybe{ports, r.unknown})
				}
				ra := r.addrs[q.fam]
				for _, ref := range r.refs {
					if slices.Contains(peer, ref) {
						ra = union(ra, addrs)
						break
					}
				}
				hit, left := rest.cut(ports, ra)
				if len(hit) == 0 {
					continue
				}
				if !slices.Contains(used[id], r.desc) {
					used[id] = append(used[id], r.desc)
				}
				rest = left
				if len(rest) == 0 {
					break
				}
			}
			if len(rest) == 0 {
				break
			}
		}
		if len(rest) == 0 {
			continue
		}
		// What is left is unknown where a rule the snapshot cannot fully
		// see covers its ports, and definitely not admitted elsewhere.
		definite := rest
		for _, m := range maybes {
			_, definite = definite.cutPorts(m.ports)
			if overlap, _ := rest.cutPorts(m.ports); len(overlap) > 0 {
				missing = append(missing, m.why...)
			}
		}
		if len(definite) == 0 {
			continue
		}
		h := definite.first()
		traffic := trafficText(f.proto, h.ports, true)
		part := name(h.addrs)
		c := Component{Kind: KindSecurityGroup, Direction: dir, Traffic: f.traffic(false)}
		switch len(ids) {
		case 0:
			c.ID, c.Kind = who, KindNetworkInterface
			c.Reason = fmt.Sprintf("%s has no security group, so nothing admits %s %s %s", who, traffic, prep, part)
		case 1:
			c.ID = ids[0]
			c.Reason = fmt.Sprintf("%s has no %s rule for %s %s %s", ids[0], dir, traffic, prep, part)
		default:
			c.ID = ids[0]
			c.Reason = fmt.Sprintf("none of %s has %s rule for %s %s %s", strings.Join(ids, ", "), article, traffic, prep, part)
		}
		b.block(stage, c)
		return
	}
	if len(missing) > 0 {
		b.maybe(sortedUnique(missing)...)
		return
	}
	for _, id := range ids {
		if rules := used[id]; len(rules) > 0 {
			b.pass(Component{ID: id, Kind: KindSecurityGroup, Direction: dir, Rule: strings.Join(rules, "; ")})
		}
	}
}
