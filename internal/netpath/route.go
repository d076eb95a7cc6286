package netpath

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// Route priority classes at equal prefix length: static routes beat
// prefix-list routes, which beat propagated routes.
const (
	classStatic = iota
	classPrefixList
	classPropagated
)

// routeEntry is one destination block of a route; a prefix-list route
// has one per entry of the list.
type routeEntry struct {
	sp         span
	bits       int
	class      int
	dest       string // the route's destination as AWS names it
	targetType string
	targetID   string
	blackhole  bool
	// txt is text(), made once: a path names its route on every walk.
	txt string
}

func (r *routeEntry) text() string {
	if r.txt != "" {
		return r.txt
	}
	return fmt.Sprintf("route %s → %s", r.dest, r.targetID)
}

// routePart is a stretch of addresses and the route that carries it: nil
// when none does, several when AWS would pick one of them at random.
type routePart struct {
	sp   span
	best []*routeEntry
}

// rtInfo is a compiled route table: for each family, the address space
// partitioned by the winning route.
type rtInfo struct {
	id, vpc string
	parts   [2][]routePart
	// unread are the routes to prefix lists whose entries are unknown.
	unread []unreadRoute
	// cidrs are every destination block, for the engine's address classes.
	cidrs []string
}

// unreadRoute is a route to a prefix list whose entries the snapshot does
// not hold: it may carry any block of its family, of any length.
type unreadRoute struct {
	why   string // what could not be read, for Missing
	fams  [2]bool
	class int
	// beatsLocal is set when AWS lets the route's target take addresses
	// from the local route (see mayBeatLocal).
	beatsLocal bool
}

// mayBeatLocal reports whether a route to a target of this type may be
// more specific than the local route. AWS allows that only for a NAT
// gateway, a network interface (an instance's, for a route naming the
// instance) and a Gateway Load Balancer endpoint (VPC User Guide, "Subnet
// route tables"). A route to a gateway endpoint (which also targets a
// vpce-) may not; a target whose type or endpoint the snapshot does not
// show might be one that may.
func mayBeatLocal(r *regionInfo, targetType, targetID string) bool {
	switch targetType {
	case model.TargetNATGateway, model.TargetNetworkInterface, model.TargetInstance, model.TargetUnknown, "":
		return true
	case model.TargetVPCEndpoint:
		for _, ep := range r.rawEndpoints {
			if ep.ID == targetID {
				return !strings.EqualFold(ep.Type, "Gateway")
			}
		}
		return true
	}
	return false
}

// unsure returns what could change the decision best of table t for
// addresses of family f: the unread prefix-list routes that might hold a
// block winning over best, or tying with it. A block of a list beats a
// known route of prefix length L only when it is longer than L, or as long
// and of a better class (static, then prefix list, then propagated): so
// nothing beats a static route of the family's full length, and only a
// route AWS lets be more specific than the local route can beat the local
// route. With no known route, any list might carry the addresses.
func (t *rtInfo) unsure(f family, best []*routeEntry) []string {
	if len(t.unread) == 0 {
		return nil
	}
	full := 32
	if f == v6 {
		full = 128
	}
	var out []string
	for _, u := range t.unread {
		switch {
		case !u.fams[f]:
			continue
		case len(best) == 0:
		case best[0].targetType == model.TargetLocal && !u.beatsLocal:
			continue
		case best[0].bits == full && u.class > best[0].class:
			continue
		}
		out = append(out, u.why)
	}
	return out
}

// compileRoutes compiles a route table and records which subnets (and
// which VPC, for the main table) it serves.
func (e *Engine) compileRoutes(r *regionInfo, t *model.RouteTable) *rtInfo {
	info := &rtInfo{id: t.ID, vpc: t.VPCID}
	var entries [2][]*routeEntry
	for _, rt := range t.Routes {
		targetType := rt.TargetType
		if targetType == "" {
			targetType = inferTarget(rt.TargetID)
		}
		base := routeEntry{targetType: targetType, targetID: rt.TargetID, blackhole: strings.EqualFold(rt.State, "blackhole")}
		if base.targetID == "" {
			base.targetID = targetType
		}
		if rt.Origin == "EnableVgwRoutePropagation" {
			base.class = classPropagated
		}
		var dests []string
		switch {
		case rt.DestinationPrefixListID != "":
			base.dest = rt.DestinationPrefixListID
			if base.class == classStatic {
				base.class = classPrefixList
			}
			pl := r.pls[rt.DestinationPrefixListID]
			u := unreadRoute{fams: [2]bool{true, true}, class: base.class, beatsLocal: mayBeatLocal(r, targetType, rt.TargetID)}
			switch {
			case pl == nil:
				u.why = fmt.Sprintf("%s routes prefix list %s to %s: %s", t.ID, rt.DestinationPrefixListID, base.targetID,
					r.missingText(apiPrefixLists, rt.DestinationPrefixListID, "prefix list"))
			case !pl.EntriesRead:
				why := fmt.Sprintf("the entries of prefix list %s were not read", pl.ID)
				if g := r.gap(apiPrefixListEntries, pl.ID); g != nil {
					why = r.gapText(g)
				}
				u.why = fmt.Sprintf("%s routes prefix list %s to %s: %s", t.ID, pl.ID, base.targetID, why)
				// A list holds blocks of its own family only.
				switch strings.ToLower(pl.AddressFamily) {
				case "ipv4":
					u.fams[v6] = false
				case "ipv6":
					u.fams[v4] = false
				}
			default:
				dests = pl.CIDRs
			}
			if u.why != "" {
				info.unread = append(info.unread, u)
			}
		case rt.DestinationCIDR != "":
			base.dest, dests = rt.DestinationCIDR, []string{rt.DestinationCIDR}
		case rt.DestinationIPv6CIDR != "":
			base.dest, dests = rt.DestinationIPv6CIDR, []string{rt.DestinationIPv6CIDR}
		}
		for _, d := range dests {
			p, ok := parsePrefix(d)
			if !ok {
				continue
			}
			en := base
			en.sp, en.bits = p.sp, p.bits
			en.txt = en.text()
			entries[p.fam] = append(entries[p.fam], &en)
			info.cidrs = append(info.cidrs, d)
		}
	}
	for f := range entries {
		info.parts[f] = partition(family(f), entries[f])
	}
	for _, a := range t.Associations {
		if a.State != "" && !strings.EqualFold(a.State, "associated") && !strings.EqualFold(a.State, "associating") {
			continue
		}
		if a.SubnetID != "" {
			if prev := r.rtBySubnet[a.SubnetID]; prev == nil || info.id < prev.id {
				r.rtBySubnet[a.SubnetID] = info
			}
		}
		if a.Main {
			r.setMain(info)
		}
	}
	if t.Main {
		r.setMain(info)
	}
	return info
}

func (r *regionInfo) setMain(info *rtInfo) {
	if prev := r.rtMain[info.vpc]; prev == nil || info.id < prev.id {
		r.rtMain[info.vpc] = info
	}
}

// inferTarget derives a target type from a target id, for routes whose
// type was not recorded.
func inferTarget(id string) string {
	for _, p := range []struct{ prefix, typ string }{
		{"local", model.TargetLocal}, {"igw-", model.TargetInternetGateway}, {"eigw-", model.TargetEgressOnlyIGW},
		{"nat-", model.TargetNATGateway}, {"tgw-", model.TargetTransitGateway}, {"pcx-", model.TargetVPCPeering},
		{"vgw-", model.TargetVirtualPrivateGateway}, {"eni-", model.TargetNetworkInterface}, {"i-", model.TargetInstance},
		{"vpce-", model.TargetVPCEndpoint}, {"cagw-", model.TargetCarrierGateway}, {"lgw-", model.TargetLocalGateway},
	} {
		if strings.HasPrefix(id, p.prefix) {
			return p.typ
		}
	}
	return model.TargetUnknown
}

// partition splits a family's address space by the winning route: the
// longest prefix, then the route class (static, prefix list, propagated).
// Input order never matters: ties are resolved by those rules alone, and
// a tie they leave between different targets is kept as such.
func partition(f family, entries []*routeEntry) []routePart {
	bounds := []u128{{}}
	for _, en := range entries {
		bounds = append(bounds, en.sp.lo)
		if en.sp.hi != maxAddr(f) {
			bounds = append(bounds, en.sp.hi.next())
		}
	}
	slices.SortFunc(bounds, u128.cmp)
	bounds = slices.Compact(bounds)
	var parts []routePart
	for i, lo := range bounds {
		hi := maxAddr(f)
		if i+1 < len(bounds) {
			hi = bounds[i+1].prev()
		}
		var best []*routeEntry
		for _, en := range entries {
			if en.sp.lo.cmp(lo) > 0 || en.sp.hi.cmp(lo) < 0 {
				continue
			}
			switch {
			case len(best) == 0 || en.bits > best[0].bits || (en.bits == best[0].bits && en.class < best[0].class):
				best = []*routeEntry{en}
			case en.bits == best[0].bits && en.class == best[0].class:
				best = append(best, en)
			}
		}
		best = settle(best)
		if n := len(parts); n > 0 && slices.Equal(parts[n-1].best, best) {
			parts[n-1].sp.hi = hi
			continue
		}
		parts = append(parts, routePart{span{lo, hi}, best})
	}
	return parts
}

// settle orders equally good routes and keeps one when they agree on the
// target (the same prefix listed twice, or two prefix lists to one
// target).
func settle(best []*routeEntry) []*routeEntry {
	if len(best) < 2 {
		return best
	}
	slices.SortFunc(best, func(a, b *routeEntry) int {
		return cmp.Or(cmp.Compare(a.targetID, b.targetID), cmp.Compare(a.dest, b.dest), compareBool(a.blackhole, b.blackhole))
	})
	same := true
	for _, en := range best[1:] {
		if en.targetID != best[0].targetID || en.blackhole != best[0].blackhole {
			same = false
		}
	}
	if same {
		return best[:1]
	}
	return best
}

func compareBool(a, b bool) int { return cmp.Compare(boolInt(a), boolInt(b)) }

// routeHit is the part of a destination one route decision carries.
type routeHit struct {
	addrs aset
	best  []*routeEntry
}

// lookup splits addrs by the route that carries each address, in address
// order of each decision's first address.
func (t *rtInfo) lookup(f family, addrs aset) []routeHit {
	var hits []routeHit
	index := map[*routeEntry]int{}
	noRoute, ambiguous := -1, map[string]int{}
	parts := t.parts[f]
	if len(parts) == 0 {
		parts = []routePart{{span{u128{}, maxAddr(f)}, nil}}
	}
	for _, sp := range addrs {
		for j := firstPart(parts, sp.lo); j < len(parts) && parts[j].sp.lo.cmp(sp.hi) <= 0; j++ {
			p := parts[j]
			piece := intersect(aset{sp}, aset{p.sp})
			var at int
			var ok bool
			switch len(p.best) {
			case 0:
				at, ok = noRoute, noRoute >= 0
				if !ok {
					noRoute = len(hits)
				}
			case 1:
				at, ok = index[p.best[0]]
				if !ok {
					index[p.best[0]] = len(hits)
				}
			default:
				key := fmt.Sprint(p.best)
				at, ok = ambiguous[key]
				if !ok {
					ambiguous[key] = len(hits)
				}
			}
			if ok {
				// Merged once at the end: a destination such as the
				// internet meets hundreds of parts of one route.
				hits[at].addrs = append(hits[at].addrs, piece...)
				continue
			}
			hits = append(hits, routeHit{addrs: piece, best: p.best})
		}
	}
	for i := range hits {
		hits[i].addrs = normalizeSet(hits[i].addrs)
	}
	return hits
}

func firstPart(parts []routePart, lo u128) int {
	i, _ := slices.BinarySearchFunc(parts, lo, func(p routePart, t u128) int { return p.sp.hi.cmp(t) })
	return i
}
