package netpath

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// IANA protocol numbers the engine names.
const (
	protoAny    = -1
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// pspan is an inclusive range in a protocol's "port" dimension: the
// destination port for TCP and UDP, type<<8|code for ICMP and ICMPv6, and
// the single value 0 for protocols without ports.
type pspan struct{ lo, hi int32 }

var (
	allPorts  = pspan{0, 65535}
	ephemeral = pspan{1024, 65535}
)

func (p pspan) intersect(q pspan) (pspan, bool) {
	r := pspan{max(p.lo, q.lo), min(p.hi, q.hi)}
	return r, r.lo <= r.hi
}

// hasPorts reports whether protocol p has a port (or type/code) dimension.
func hasPorts(p int) bool {
	return p == protoTCP || p == protoUDP || p == protoICMP || p == protoICMPv6
}

// flow is one protocol of the traffic a query asks about, with the ports
// that must all be admitted.
type flow struct {
	proto int
	ports pspan
}

// traffic exports the flow for a blocking component.
func (f flow) traffic(reply bool) *Traffic {
	return &Traffic{Proto: f.proto, FromPort: f.ports.lo, ToPort: f.ports.hi, Reply: reply}
}

// ICMP echo request and reply in the port dimension (type<<8|code).
var (
	echoRequest   = pspan{8 << 8, 8 << 8}
	echoReply     = pspan{0, 0}
	echoRequestV6 = pspan{128 << 8, 128 << 8}
	echoReplyV6   = pspan{129 << 8, 129 << 8}
)

// reply is the flow that carries the answers back: network ACLs are
// stateless, so it needs rules of its own. TCP and UDP answer to the
// client's ephemeral port (anywhere in 1024-65535, by the client's OS);
// an ICMP echo request is answered by an echo reply; other protocols by
// the same protocol.
func (f flow) reply() flow {
	switch {
	case f.proto == protoTCP || f.proto == protoUDP:
		return flow{f.proto, ephemeral}
	case f.proto == protoICMP && f.ports == echoRequest:
		return flow{f.proto, echoReply}
	case f.proto == protoICMPv6 && f.ports == echoRequestV6:
		return flow{f.proto, echoReplyV6}
	}
	return f
}

// protoName names a protocol number for a person.
func protoName(p int) string {
	switch p {
	case protoAny:
		return "all"
	case protoTCP:
		return "tcp"
	case protoUDP:
		return "udp"
	case protoICMP:
		return "icmp"
	case protoICMPv6:
		return "icmpv6"
	}
	return "protocol " + strconv.Itoa(p)
}

// portsText renders the port dimension of protocol p ("4138",
// "1024-65535", "type 8 code 0"); "" when it is the whole dimension of a
// protocol without ports.
func portsText(p int, ps pspan) string {
	switch p {
	case protoTCP, protoUDP:
		if ps.lo == ps.hi {
			return strconv.Itoa(int(ps.lo))
		}
		return fmt.Sprintf("%d-%d", ps.lo, ps.hi)
	case protoICMP, protoICMPv6:
		if ps == allPorts {
			return ""
		}
		t1, c1, t2, c2 := ps.lo>>8, ps.lo&255, ps.hi>>8, ps.hi&255
		switch {
		case t1 == t2 && c1 == 0 && c2 == 255:
			return fmt.Sprintf("type %d", t1)
		case t1 == t2 && c1 == c2:
			return fmt.Sprintf("type %d code %d", t1, c1)
		}
		return fmt.Sprintf("types %d/%d-%d/%d", t1, c1, t2, c2)
	}
	return ""
}

// trafficText renders traffic the NACL way ("tcp 4138") or the security
// group way ("tcp/4138") when slash is set.
func trafficText(p int, ps pspan, slash bool) string {
	name, ports := protoName(p), portsText(p, ps)
	switch {
	case ports == "":
		return name
	case slash && (p == protoTCP || p == protoUDP):
		return name + "/" + ports
	}
	return name + " " + ports
}

// parseProtocol reads a protocol as AWS gives it: "-1" for all, a name
// (security groups) or a number (network ACLs).
func parseProtocol(s string) (int, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "-1", "all":
		return protoAny, true
	case "tcp":
		return protoTCP, true
	case "udp":
		return protoUDP, true
	case "icmp":
		return protoICMP, true
	case "icmpv6":
		return protoICMPv6, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < -1 || n > 255 {
		return 0, false
	}
	return n, true
}

// portRange reads a TCP/UDP port range; nil or -1 means every port.
func portRange(from, to *int32) pspan {
	if from == nil || *from < 0 {
		return allPorts
	}
	hi := *from
	if to != nil && *to >= 0 {
		hi = *to
	}
	return pspan{max(*from, 0), min(hi, 65535)}
}

// icmpRange reads an ICMP type and code; nil or -1 means every one.
func icmpRange(typ, code *int32) pspan {
	if typ == nil || *typ < 0 {
		return allPorts
	}
	t := *typ & 255
	if code == nil || *code < 0 {
		return pspan{t << 8, t<<8 | 255}
	}
	return pspan{t<<8 | *code&255, t<<8 | *code&255}
}

// ruleSpan is the part of the port dimension a rule of protocol p covers.
func ruleSpan(p int, from, to, icmpType, icmpCode *int32) pspan {
	switch p {
	case protoTCP, protoUDP:
		return portRange(from, to)
	case protoICMP, protoICMPv6:
		return icmpRange(icmpType, icmpCode)
	}
	// AWS: for all protocols and protocols without ports, every port.
	return allPorts
}

// box is traffic of one protocol: ports × addresses.
type box struct {
	ports pspan
	addrs aset
}

// boxes is a union of boxes, the part of a flow still undecided (network
// ACLs) or not yet admitted (security groups).
type boxes []box

// cut splits bs by the rule box ports × addrs into the part inside it and
// the rest.
func (bs boxes) cut(ports pspan, addrs aset) (hit, rest boxes) {
	for _, b := range bs {
		pi, ok := b.ports.intersect(ports)
		if !ok {
			rest = append(rest, b)
			continue
		}
		ai := intersect(b.addrs, addrs)
		if ai.empty() {
			rest = append(rest, b)
			continue
		}
		hit = append(hit, box{pi, ai})
		if b.ports.lo < pi.lo {
			rest = append(rest, box{pspan{b.ports.lo, pi.lo - 1}, b.addrs})
		}
		if pi.hi < b.ports.hi {
			rest = append(rest, box{pspan{pi.hi + 1, b.ports.hi}, b.addrs})
		}
		if other := subtract(b.addrs, ai); !other.empty() {
			rest = append(rest, box{pi, other})
		}
	}
	return hit, rest
}

// cutPorts splits bs by a port range alone (any address).
func (bs boxes) cutPorts(ports pspan) (hit, rest boxes) {
	for _, b := range bs {
		pi, ok := b.ports.intersect(ports)
		if !ok {
			rest = append(rest, b)
			continue
		}
		hit = append(hit, box{pi, b.addrs})
		if b.ports.lo < pi.lo {
			rest = append(rest, box{pspan{b.ports.lo, pi.lo - 1}, b.addrs})
		}
		if pi.hi < b.ports.hi {
			rest = append(rest, box{pspan{pi.hi + 1, b.ports.hi}, b.addrs})
		}
	}
	return hit, rest
}

// first is the box with the lowest port, then the lowest address: the
// part a message names.
func (bs boxes) first() box {
	best := bs[0]
	for _, b := range bs[1:] {
		if b.ports.lo < best.ports.lo || (b.ports.lo == best.ports.lo && b.addrs[0].lo.cmp(best.addrs[0].lo) < 0) {
			best = b
		}
	}
	return best
}

// sgRule is one compiled security-group permission.
type sgRule struct {
	proto int
	ports pspan
	// addrs are the addresses the rule names and that the snapshot
	// shows, by family: CIDRs, prefix list entries, the private addresses
	// of the referenced groups' interfaces.
	addrs [2]aset
	// refs are the referenced group ids (an interface endpoint in one of
	// them matches whatever its address).
	refs []string
	// unknown says why the rule may name addresses the snapshot does not
	// show (an unread prefix list, a group of another account); empty when
	// it names none.
	unknown []string
	desc    string
}

func (r *sgRule) matches(p int) bool { return r.proto == protoAny || r.proto == p }

// portsFor is the part of protocol p's port dimension the rule covers.
func (r *sgRule) portsFor(p int) pspan {
	if r.proto == protoAny || !hasPorts(p) {
		return allPorts
	}
	return r.ports
}

// sgInfo is a compiled security group.
type sgInfo struct {
	id      string
	vpc     string
	region  *regionInfo
	in, out []*sgRule
}

// naclEntry is one compiled network ACL entry.
type naclEntry struct {
	num   int32
	allow bool
	proto int
	ports pspan
	addrs [2]aset
	cidr  string
}

func (e *naclEntry) matches(p int) bool { return e.proto == protoAny || e.proto == p }

func (e *naclEntry) portsFor(p int) pspan {
	if e.proto == protoAny || !hasPorts(p) {
		return allPorts
	}
	return e.ports
}

// name is the rule number as AWS shows it: 32767 is the "*" rule.
func (e *naclEntry) name() string {
	if e.num == 32767 {
		return "*"
	}
	return strconv.Itoa(int(e.num))
}

func (e *naclEntry) desc(egress bool) string {
	act := "denies"
	if e.allow {
		act = "allows"
	}
	dir := "from"
	if egress {
		dir = "to"
	}
	traffic := protoName(e.proto)
	if e.proto != protoAny && hasPorts(e.proto) {
		traffic = trafficText(e.proto, e.ports, false)
	}
	return fmt.Sprintf("rule %s %s %s %s %s", e.name(), act, traffic, dir, e.cidr)
}

// naclInfo is a compiled network ACL: entries in rule-number order.
type naclInfo struct {
	id      string
	in, out []*naclEntry
}

func compileNACL(n *model.NetworkACL) *naclInfo {
	c := &naclInfo{id: n.ID}
	for i := range n.Entries {
		en := &n.Entries[i]
		p, ok := parseProtocol(en.Protocol)
		if !ok {
			continue
		}
		cidr := en.CIDRBlock
		if cidr == "" {
			cidr = en.IPv6CIDRBlock
		}
		pf, ok := parsePrefix(cidr)
		if !ok {
			continue
		}
		ce := &naclEntry{num: en.RuleNumber, allow: strings.EqualFold(en.RuleAction, "allow"), proto: p, cidr: cidr}
		ce.ports = ruleSpan(p, en.PortFrom, en.PortTo, en.ICMPType, en.ICMPCode)
		ce.addrs[pf.fam] = aset{pf.sp}
		if en.Egress {
			c.out = append(c.out, ce)
		} else {
			c.in = append(c.in, ce)
		}
	}
	// Rule numbers decide, never the order entries were listed in. AWS
	// keeps numbers unique per direction; should a snapshot repeat one,
	// the order among the duplicates is still fixed (deny first).
	byNum := func(a, b *naclEntry) int {
		return cmp.Or(cmp.Compare(a.num, b.num), cmp.Compare(boolInt(a.allow), boolInt(b.allow)),
			cmp.Compare(a.proto, b.proto), cmp.Compare(a.cidr, b.cidr), cmp.Compare(a.ports.lo, b.ports.lo), cmp.Compare(a.ports.hi, b.ports.hi))
	}
	slices.SortFunc(c.in, byNum)
	slices.SortFunc(c.out, byNum)
	return c
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
