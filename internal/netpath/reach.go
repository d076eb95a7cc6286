package netpath

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// Errors Validate wraps.
var (
	// ErrQuery marks a query that is malformed: an unknown protocol, a
	// missing port, a To that is no id, address, CIDR or known name.
	ErrQuery = errors.New("invalid query")
	// ErrUnknownID marks a From or To id the snapshot does not hold (and
	// could not have missed: no instance listing failed).
	ErrUnknownID = errors.New("not in the snapshot")
)

// memoKey identifies the answer of an equivalence class of queries.
type memoKey struct {
	src, dst int32 // interface classes; dst is -1 when To is no interface
	to       string
	fromENI  bool
	self     bool // To is From's own interface
	proto    string
	port     int32
	// atPlace says dst is the destination's place (eni.place), not its
	// class: the key of an answer decided before the path met the
	// destination's groups.
	atPlace bool
}

// Validate reports whether q is well formed and names what the snapshot
// holds. A From or To id that is absent while some region's instances
// could not be read is not an error: Reach answers it unknown.
func (e *Engine) Validate(q Query) error {
	_, err := e.parse(q)
	return err
}

// Reach answers q. It never fails: a malformed query or an id the
// snapshot lacks is an unknown verdict whose Missing says so. Answers are
// memoised per equivalence class of source and destination (see doc.go),
// so asking the same question for every instance of an estate costs one
// walk per class.
func (e *Engine) Reach(q Query) Verdict { return e.reach(q, true) }

// ReachVerdict is Reach without the path (Path is nil): the verdict, the
// blocking component and what is missing. It is for callers that ask
// tens of thousands of questions and show no path, such as the policies'
// pdr.net.reach builtin.
func (e *Engine) ReachVerdict(q Query) Verdict { return e.reach(q, false) }

func (e *Engine) reach(q Query, withPath bool) Verdict {
	pq, err := e.parse(q)
	if err != nil {
		v := Verdict{Verdict: Unknown, Missing: []string{err.Error()}}
		if withPath {
			v.Path = []Component{}
		}
		return v
	}
	key := memoKey{src: pq.src.class, dst: -1, fromENI: pq.srcKind == KindNetworkInterface, proto: pq.proto}
	if key.proto == TCP || key.proto == UDP {
		key.port = int32(q.Port)
	}
	if pq.dst.eni != nil {
		key.dst, key.self = pq.dst.eni.class, pq.dst.eni == pq.src
	} else {
		key.to = pq.canonicalTo
	}
	if pq.early == nil && pq.dst.eni == nil && pq.src.has[pq.fam] && overlaps(pq.dst.addrs, pq.srcAddr()) {
		// The destination holds the source's own address: the answer
		// names the other interfaces in it, which differ between
		// members of the source's class.
		return pq.render(pq.verdict(), q, withPath)
	}
	var region string
	if pq.src.region != nil {
		region = pq.src.region.name
	}
	memos := e.memoOf(region)
	memo := &memos.full
	if !withPath {
		// Without the path, sources of one brief class get one answer
		// (see classify).
		key.src, memo = pq.src.brief, &memos.brief
	}
	v, ok := memo.Load(key)
	var place memoKey
	if !ok && !withPath && pq.dst.eni != nil {
		// An answer decided before the path met a destination's groups
		// holds for every destination of its place.
		place = key
		place.dst, place.atPlace = pq.dst.eni.place, true
		v, ok = memo.Load(place)
	}
	if !ok {
		if pq.service != "" {
			pq.serviceTarget(pq.service)
		}
		w := pq.verdict()
		if !withPath {
			w.Path = nil
			if place.atPlace && !pq.metDst {
				memo.LoadOrStore(place, w)
			}
		}
		v, _ = memo.LoadOrStore(key, w)
	}
	return pq.render(v.(Verdict), q, withPath)
}

// parsed is a query resolved against the snapshot.
type parsed struct {
	query
	canonicalTo string
	proto       string
	// service is the service a "service:" query names; its endpoint is
	// resolved only when the answer is not memoised yet.
	service string
}

func (e *Engine) parse(q Query) (*parsed, error) {
	proto := strings.ToLower(strings.TrimSpace(q.Proto))
	pq := &parsed{query: query{e: e}, proto: proto}
	switch proto {
	case TCP, UDP:
		if q.Port < 1 || q.Port > 65535 {
			return nil, fmt.Errorf("%w: port %d: a %s port is 1-65535", ErrQuery, q.Port, proto)
		}
	case ICMP, All:
	default:
		return nil, fmt.Errorf("%w: protocol %q: want tcp, udp, icmp or all", ErrQuery, q.Proto)
	}
	src, err := e.endpointOf(q.From, "from")
	if err != nil {
		return nil, err
	}
	if src == nil {
		return e.unseen(pq, q.From)
	}
	pq.src = src
	pq.srcKind = KindInstance
	if !strings.HasPrefix(q.From, "i-") {
		pq.srcKind = KindNetworkInterface
	}
	to := strings.TrimSpace(q.To)
	switch {
	case to == "":
		return nil, fmt.Errorf("%w: no destination", ErrQuery)
	case to == "internet":
		pq.fam, pq.canonicalTo = v4, to
		pq.dst = target{addrs: publicV4, name: "the internet", internet: true}
	case strings.HasPrefix(to, "service:"):
		name := strings.TrimPrefix(to, "service:")
		if name == "" || strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.')
		}) >= 0 {
			return nil, fmt.Errorf("%w: service name %q: want lowercase letters, digits, dots and dashes, e.g. service:ssm", ErrQuery, name)
		}
		pq.fam, pq.canonicalTo, pq.service = v4, to, name
	case strings.HasPrefix(to, "i-") || strings.HasPrefix(to, "eni-"):
		dst, err := e.endpointOf(to, "to")
		if err != nil {
			return nil, err
		}
		if dst == nil {
			return e.unseen(pq, to)
		}
		pq.fam = v4
		if !dst.has[v4] {
			pq.early = &branch{missing: []string{tokTo + " has no private IPv4 address in the snapshot"}}
			pq.dst.eni = dst
			break
		}
		addrs := aset{{dst.addr[v4], dst.addr[v4]}}
		pq.dst = target{addrs: addrs, name: tokDst, eni: dst, fixed: []arrival{{subnet: dst.subnet, vpc: dst.vpc,
			region: dst.region, addrs: addrs, name: tokDst, sgs: dst.sgs, who: tokTo, self: dst == src}}}
	default:
		p, ok := parsePrefix(to)
		if !ok {
			return nil, fmt.Errorf("%w: destination %q: want an instance or interface id, an IP address, a CIDR, internet or service:NAME", ErrQuery, to)
		}
		pq.fam = p.fam
		pq.canonicalTo = spanCIDRs(p.fam, p.sp)[0]
		pq.dst = target{addrs: aset{p.sp}, name: pq.canonicalTo}
	}
	pq.flows = e.flows(proto, q.Port, pq.fam)
	return pq, nil
}

// endpointOf finds an instance's primary interface or an interface. A
// nil result with no error means the id is absent but might be hidden by
// a gap.
func (e *Engine) endpointOf(id, flag string) (*eni, error) {
	id = strings.TrimSpace(id)
	var x *eni
	switch {
	case strings.HasPrefix(id, "i-"):
		x = e.insts[id]
	case strings.HasPrefix(id, "eni-"):
		x = e.enis[id]
	default:
		return nil, fmt.Errorf("%w: %s %q: want an instance id (i-…) or a network interface id (eni-…)", ErrQuery, flag, id)
	}
	if x != nil {
		return x, nil
	}
	if !e.instancesGap {
		return nil, fmt.Errorf("%s %w", id, ErrUnknownID)
	}
	return nil, nil
}

// unseen answers a query about an id the snapshot may have missed.
func (e *Engine) unseen(pq *parsed, id string) (*parsed, error) {
	var why []string
	for _, r := range e.regions {
		if g := r.gap(apiInstances, ""); g != nil {
			why = append(why, r.gapText(g))
		}
	}
	pq.src = &eni{class: -1, brief: -1}
	pq.early = &branch{missing: append([]string{id + " is not in the snapshot, which could not read every region's instances"}, why...)}
	pq.canonicalTo = "unseen:" + id
	return pq, nil
}

// flows turns a protocol and port into the flows that must all pass.
func (e *Engine) flows(proto string, port int, f family) []flow {
	switch proto {
	case TCP:
		return []flow{{protoTCP, pspan{int32(port), int32(port)}}}
	case UDP:
		return []flow{{protoUDP, pspan{int32(port), int32(port)}}}
	case ICMP:
		return []flow{echo(f)}
	}
	var out []flow
	for _, p := range e.protos[f] {
		switch {
		case p == protoICMP && f == v4, p == protoICMPv6 && f == v6:
			out = append(out, echo(f))
		case hasPorts(p):
			out = append(out, flow{p, allPorts})
		default:
			out = append(out, flow{p, pspan{0, 0}})
		}
	}
	return out
}

// endpointAddrs are the addresses an interface endpoint's interface may
// have in a subnet (its address is not in the snapshot): any the subnet
// does not reserve (AWS keeps the first four and the last) and no
// interface of the snapshot holds.
func (e *Engine) endpointAddrs(r *regionInfo, vpc string, cidr aset) aset {
	var out aset
	for _, sp := range cidr {
		lo, hi := sp.lo, sp.hi
		if hi.cmp(lo) > 0 && hi.lo-lo.lo >= 5 {
			lo, hi = u128{lo.hi, lo.lo + 4}, hi.prev()
		}
		out = union(out, aset{{lo, hi}})
	}
	var taken []span
	for _, h := range e.hostsIn(r, vpc, v4, cidr) {
		taken = append(taken, span{h.a, h.a})
	}
	if rest := subtract(out, normalizeSet(taken)); !rest.empty() {
		return rest
	}
	return out
}

// echo is an ICMP (or ICMPv6) echo request: what "icmp" asks about.
func echo(f family) flow {
	if f == v6 {
		return flow{protoICMPv6, echoRequestV6}
	}
	return flow{protoICMP, echoRequest}
}

// serviceTarget resolves service:NAME for the source: the interface
// endpoint of its VPC with private DNS, else the internet.
func (pq *parsed) serviceTarget(name string) {
	r := pq.src.region
	svc := "com.amazonaws." + r.name + "." + name
	if g := r.gap(apiVPCEndpoints, ""); g != nil {
		pq.early = &branch{missing: []string{fmt.Sprintf("whether %s has an interface endpoint for %s is unknown: %s", pq.src.vpc, svc, r.gapText(g))}}
		return
	}
	for _, ep := range r.endpoints {
		if ep.vpc != pq.src.vpc || ep.service != svc {
			continue
		}
		if ep.missing != "" {
			pq.early = &branch{missing: []string{ep.missing}}
			return
		}
		pq.dst = ep.target
		pq.preface = []Component{ep.preface}
		return
	}
	pq.dst = target{addrs: publicV4, name: "the internet (no interface endpoint of " + pq.src.vpc + " serves " + svc + " with private DNS)", internet: true}
}

// endpointInfo is an available interface endpoint with private DNS, as a
// destination.
type endpointInfo struct {
	id, vpc, service string
	target           target
	preface          Component
	// missing says why the endpoint cannot be used as a destination.
	missing string
}

// compileEndpoint makes an interface endpoint a destination: private DNS
// answers with the addresses of its interfaces in every subnet it has, and
// a client may use any of them, so each must be reachable. Endpoints that
// are not available interface endpoints with private DNS give nil: the
// service's public name resolves to public addresses then.
func (e *Engine) compileEndpoint(r *regionInfo, ep *model.VPCEndpoint) *endpointInfo {
	if !strings.EqualFold(ep.Type, "Interface") || !strings.EqualFold(ep.State, "available") || !ep.PrivateDNSEnabled {
		return nil
	}
	info := &endpointInfo{id: ep.ID, vpc: ep.VPCID, service: ep.ServiceName}
	ids := sortedUnique(ep.SubnetIDs)
	if len(ids) == 0 {
		info.missing = ep.ID + " lists no subnet"
		return info
	}
	sgs := sortedUnique(ep.SecurityGroupIDs)
	var all aset
	var where []string
	for _, id := range ids {
		s := r.lookupSubnet(id, ep.VPCID)
		if !s.known {
			info.missing = fmt.Sprintf("%s is in %s: %s", ep.ID, id, r.missingText(apiSubnets, id, "subnet"))
			return info
		}
		cidr := s.cidr[v4]
		if cidr.empty() {
			info.missing = fmt.Sprintf("%s of %s has no IPv4 CIDR in the snapshot", id, ep.ID)
			return info
		}
		addrs := e.endpointAddrs(r, ep.VPCID, cidr)
		text := describeSet(v4, cidr)
		info.target.fixed = append(info.target.fixed, arrival{subnet: s, vpc: ep.VPCID, region: r, addrs: addrs,
			name: fmt.Sprintf("%s in %s (%s)", ep.ID, id, text), sgs: sgs, who: ep.ID})
		all = union(all, addrs)
		where = append(where, fmt.Sprintf("%s (%s)", id, text))
	}
	info.target.addrs, info.target.peer, info.target.name = all, sgs, ep.ID
	if len(ids) == 1 {
		info.target.name = info.target.fixed[0].name
	}
	info.preface = Component{ID: ep.ID, Kind: KindVPCEndpoint,
		Rule: fmt.Sprintf("private DNS sends %s to its interfaces in %s", ep.ServiceName, strings.Join(where, ", "))}
	return info
}

// verdict walks the query and builds its (placeholder) verdict.
func (pq *parsed) verdict() Verdict {
	b := pq.run()
	v := Verdict{Path: b.path}
	if v.Path == nil {
		v.Path = []Component{}
	}
	switch {
	case b.blocker != nil:
		v.Verdict, v.BlockedBy = Blocked, b.blocker
	case len(b.missing) > 0:
		v.Verdict, v.Missing = Unknown, sortedUnique(b.missing)
	default:
		v.Verdict = Allowed
	}
	return v
}

// render fills a memoised verdict's placeholders with q's names and
// addresses, in a copy; the path only when withPath is set.
func (pq *parsed) render(v Verdict, q Query, withPath bool) Verdict {
	src, dst := "", ""
	if pq.src.has[pq.fam] {
		src = addrString(pq.fam, pq.src.addr[pq.fam])
	}
	if pq.dst.eni != nil {
		dst = addrString(v4, pq.dst.eni.addr[v4])
	}
	from, to := strings.TrimSpace(q.From), strings.TrimSpace(q.To)
	fill := func(s string) string {
		if !strings.Contains(s, "\x00") {
			return s
		}
		var b strings.Builder
		for {
			i := strings.IndexByte(s, 0)
			if i < 0 {
				b.WriteString(s)
				return b.String()
			}
			b.WriteString(s[:i])
			j := strings.IndexByte(s[i+1:], 0)
			if j < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			switch tok := s[i : i+j+2]; tok {
			case tokFrom:
				b.WriteString(from)
			case tokSrc:
				b.WriteString(src)
			case tokTo:
				b.WriteString(to)
			case tokDst:
				b.WriteString(dst)
			default:
				b.WriteString(tok)
			}
			s = s[i+j+2:]
		}
	}
	fix := func(c Component) Component {
		c.ID, c.Rule, c.Reason = fill(c.ID), fill(c.Rule), fill(c.Reason)
		return c
	}
	out := Verdict{Verdict: v.Verdict}
	if withPath {
		out.Path = make([]Component, len(v.Path))
		for i, c := range v.Path {
			out.Path[i] = fix(c)
		}
	}
	if v.BlockedBy != nil {
		c := fix(*v.BlockedBy)
		out.BlockedBy = &c
	}
	if v.Missing != nil {
		out.Missing = make([]string, len(v.Missing))
		for i, m := range v.Missing {
			out.Missing[i] = fill(m)
		}
	}
	return out
}
