package netpath

import (
	"strconv"
	"strings"
)

// Position returns the network position of an instance or interface as
// traffic it sends out of its VPC sees it: two sources of one position
// get the same answer from ReachVerdict, up to their own names and
// addresses (From and its private address), to every IPv4 query whose
// destination lies outside the source's VPC (no address of it is
// delivered by the local route).
//
// Such traffic meets the source's security groups (egress), its subnet's
// network ACL and route table, and then gateways and ACLs that look only
// at its private address: so a position is the account, region, VPC and
// subnet, whether the source has a public address, the stretch of address
// space its private IPv4 address lies in (see doc.go, "How it computes"),
// and its security groups, unless some group admits every IPv4 packet to
// every address, in which case the egress check passes whatever the
// destination and the groups no longer tell sources apart. Reach's paths
// may still differ: they credit the rule that admitted the traffic.
//
// An id the snapshot lacks is an error as for Validate, unless a gap may
// hide it: then it is a position of its own.
func (e *Engine) Position(from string) (string, error) {
	x, err := e.endpointOf(from, "from")
	if err != nil {
		return "", err
	}
	if x == nil {
		return "unseen|" + strings.TrimSpace(from), nil
	}
	var b strings.Builder
	kind := "i"
	if !strings.HasPrefix(strings.TrimSpace(from), "i-") {
		kind = "eni"
	}
	b.WriteString(kind)
	for _, s := range []string{x.region.account, x.region.name, x.vpc, x.subnet.id, strconv.FormatBool(x.public)} {
		b.WriteByte('|')
		b.WriteString(s)
	}
	if x.has[v4] {
		b.WriteString("|" + strconv.Itoa(e.atom(x, v4)))
	} else {
		b.WriteString("|-")
	}
	if e.admitsAll(x.sgs, v4) {
		b.WriteString("|*")
	} else {
		b.WriteString("|" + strings.Join(x.sgs, ","))
	}
	return b.String(), nil
}

// admitsAll reports whether one of the groups has an egress rule for
// every protocol to every address of family f (0.0.0.0/0 or ::/0), which
// admits every packet of that family whatever the other rules say.
func (e *Engine) admitsAll(ids []string, f family) bool {
	all := fullSet(f)
	for _, id := range ids {
		g := e.sgs[id]
		if g == nil {
			continue
		}
		for _, r := range g.out {
			if r.proto == protoAny && equalSets(r.addrs[f], all) {
				return true
			}
		}
	}
	return false
}

// Class returns the class of an instance or interface as a source: two
// sources of one class get the same answer from ReachVerdict, up to their
// own names and addresses (From and its private address), to every query.
// Unlike Position, it holds for destinations inside the VPC too, so it is
// finer: it tells apart sources by the groups that destinations' rules
// reference and that hold their address, and by their groups unless those
// admit every packet out.
//
// An id the snapshot lacks is an error as for Validate, unless a gap may
// hide it: then it is a class of its own.
func (e *Engine) Class(from string) (string, error) {
	x, err := e.endpointOf(from, "from")
	if err != nil {
		return "", err
	}
	if x == nil {
		return "unseen|" + strings.TrimSpace(from), nil
	}
	kind := "i|"
	if !strings.HasPrefix(strings.TrimSpace(from), "i-") {
		kind = "eni|"
	}
	return kind + strconv.Itoa(int(x.brief)), nil
}
