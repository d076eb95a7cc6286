package netpath

import (
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
)

// family is an address family. IPv4 and IPv6 never mix: a query has one
// family, and rules keep their IPv4 and IPv6 parts apart.
type family uint8

const (
	v4 family = iota
	v6
)

// u128 is an address: IPv4 in the low 32 bits, IPv6 in all 128.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a u128) next() u128 {
	lo, carry := bits.Add64(a.lo, 1, 0)
	return u128{a.hi + carry, lo}
}

func (a u128) prev() u128 {
	lo, borrow := bits.Sub64(a.lo, 1, 0)
	return u128{a.hi - borrow, lo}
}

// maxAddr is the highest address of a family.
func maxAddr(f family) u128 {
	if f == v4 {
		return u128{0, 0xffffffff}
	}
	return u128{^uint64(0), ^uint64(0)}
}

// span is an inclusive range of addresses.
type span struct{ lo, hi u128 }

// aset is a set of addresses of one family: sorted, disjoint,
// non-adjacent spans. The zero value is the empty set. Operations never
// modify their arguments.
type aset []span

func fullSet(f family) aset { return aset{{u128{}, maxAddr(f)}} }

func (s aset) empty() bool { return len(s) == 0 }

// normalizeSet sorts and merges spans into an aset.
func normalizeSet(spans []span) aset {
	if len(spans) == 0 {
		return nil
	}
	spans = slices.Clone(spans)
	slices.SortFunc(spans, func(a, b span) int { return a.lo.cmp(b.lo) })
	out := aset{spans[0]}
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		// Merge when overlapping or adjacent (last.hi+1 >= sp.lo).
		if last.hi.cmp(sp.lo) >= 0 || last.hi.next() == sp.lo {
			if sp.hi.cmp(last.hi) > 0 {
				last.hi = sp.hi
			}
			continue
		}
		out = append(out, sp)
	}
	return out
}

func union(a, b aset) aset {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	return normalizeSet(append(slices.Clone(a), b...))
}

// firstOverlap is the index of the first span of s whose hi is >= lo.
func firstOverlap(s aset, lo u128) int {
	i, _ := slices.BinarySearchFunc(s, lo, func(sp span, t u128) int { return sp.hi.cmp(t) })
	return i
}

// intersect returns a ∩ b. It binary-searches the larger set, so a small
// set against a group's thousands of member addresses stays cheap.
func intersect(a, b aset) aset {
	if len(a) > len(b) {
		a, b = b, a
	}
	var out aset
	for _, x := range a {
		for j := firstOverlap(b, x.lo); j < len(b) && b[j].lo.cmp(x.hi) <= 0; j++ {
			lo, hi := x.lo, x.hi
			if b[j].lo.cmp(lo) > 0 {
				lo = b[j].lo
			}
			if b[j].hi.cmp(hi) < 0 {
				hi = b[j].hi
			}
			out = append(out, span{lo, hi})
		}
	}
	return out
}

// subtract returns a \ b.
func subtract(a, b aset) aset {
	if len(a) == 0 || len(b) == 0 {
		return a
	}
	var out aset
	for _, x := range a {
		lo := x.lo
		done := false
		for j := firstOverlap(b, x.lo); j < len(b) && b[j].lo.cmp(x.hi) <= 0; j++ {
			if b[j].lo.cmp(lo) > 0 {
				out = append(out, span{lo, b[j].lo.prev()})
			}
			if b[j].hi.cmp(x.hi) >= 0 {
				done = true
				break
			}
			lo = b[j].hi.next()
		}
		if !done {
			out = append(out, span{lo, x.hi})
		}
	}
	return out
}

func overlaps(a, b aset) bool { return len(intersect(a, b)) > 0 }

func equalSets(a, b aset) bool { return slices.Equal(a, b) }

// prefix is a parsed CIDR.
type prefix struct {
	fam  family
	sp   span
	bits int
}

// parsePrefix parses a CIDR or a bare address (a /32 or /128). A CIDR
// with host bits set is masked, as AWS does.
func parsePrefix(s string) (prefix, bool) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return prefix{}, false
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return prefix{}, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	p = p.Masked()
	a := p.Addr()
	if a.Is4In6() {
		return prefix{}, false
	}
	if a.Is4() {
		b := a.As4()
		lo := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		size := uint64(1) << (32 - p.Bits())
		return prefix{fam: v4, sp: span{u128{0, lo}, u128{0, lo + size - 1}}, bits: p.Bits()}, true
	}
	b := a.As16()
	var lo u128
	for i := 0; i < 8; i++ {
		lo.hi = lo.hi<<8 | uint64(b[i])
		lo.lo = lo.lo<<8 | uint64(b[8+i])
	}
	hostBits := 128 - p.Bits()
	hi := lo
	switch {
	case hostBits >= 64:
		hi.lo = ^uint64(0)
		if hostBits == 128 {
			hi.hi = ^uint64(0)
		} else {
			hi.hi |= (uint64(1) << (hostBits - 64)) - 1
		}
	case hostBits > 0:
		hi.lo |= (uint64(1) << hostBits) - 1
	}
	return prefix{fam: v6, sp: span{lo, hi}, bits: p.Bits()}, true
}

// addrString renders one address of family f.
func addrString(f family, a u128) string {
	if f == v4 {
		v := uint32(a.lo)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
	}
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[7-i] = byte(a.hi >> (8 * i))
		b[15-i] = byte(a.lo >> (8 * i))
	}
	return netip.AddrFrom16(b).String()
}

// spanCIDRs splits a span into the fewest CIDR blocks covering exactly it.
func spanCIDRs(f family, sp span) []string {
	width := 32
	if f == v6 {
		width = 128
	}
	var out []string
	lo := sp.lo
	for {
		// The largest block starting at lo: limited by lo's alignment and
		// by the end of the span.
		size := trailingZeros(lo, width)
		for size > 0 && blockEnd(lo, size).cmp(sp.hi) > 0 {
			size--
		}
		if size == 0 {
			out = append(out, addrString(f, lo))
		} else {
			out = append(out, fmt.Sprintf("%s/%d", addrString(f, lo), width-size))
		}
		end := blockEnd(lo, size)
		if end.cmp(sp.hi) >= 0 {
			return out
		}
		lo = end.next()
	}
}

// trailingZeros counts the trailing zero bits of a, capped at width.
func trailingZeros(a u128, width int) int {
	var n int
	if a.lo != 0 {
		n = bits.TrailingZeros64(a.lo)
	} else if a.hi != 0 {
		n = 64 + bits.TrailingZeros64(a.hi)
	} else {
		n = 128
	}
	return min(n, width)
}

// blockEnd is the last address of the 2^size block starting at lo.
func blockEnd(lo u128, size int) u128 {
	switch {
	case size == 0:
		return lo
	case size >= 128:
		return u128{^uint64(0), ^uint64(0)}
	case size >= 64:
		return u128{lo.hi | (uint64(1)<<(size-64) - 1), ^uint64(0)}
	}
	return u128{lo.hi, lo.lo | (uint64(1)<<size - 1)}
}

// describeSet renders a set for a person: its CIDR blocks, the first few
// only when there are many.
func describeSet(f family, s aset) string {
	const show = 3
	var parts []string
	total := 0
	for _, sp := range s {
		// Only the blocks shown are formatted: "internet" is hundreds of
		// blocks, and names are asked for on every walk.
		n := blockCount(f, sp, 3)
		if n > 2 {
			// A range that is no neat block reads better as a range.
			total++
			if len(parts) < show {
				parts = append(parts, addrString(f, sp.lo)+"-"+addrString(f, sp.hi))
			}
			continue
		}
		total += n
		if len(parts) < show {
			for _, c := range spanCIDRs(f, sp) {
				if len(parts) < show {
					parts = append(parts, c)
				}
			}
		}
	}
	out := strings.Join(parts, ", ")
	if total > show {
		out += fmt.Sprintf(" and %d more", total-show)
	}
	return out
}

// blockCount counts the CIDR blocks spanCIDRs would split sp into,
// stopping at limit.
func blockCount(f family, sp span, limit int) int {
	width := 32
	if f == v6 {
		width = 128
	}
	n := 0
	lo := sp.lo
	for n < limit {
		size := trailingZeros(lo, width)
		for size > 0 && blockEnd(lo, size).cmp(sp.hi) > 0 {
			size--
		}
		n++
		end := blockEnd(lo, size)
		if end.cmp(sp.hi) >= 0 {
			break
		}
		lo = end.next()
	}
	return n
}

// specialV4 are the IPv4 ranges that are not addresses on the internet
// (IANA's special-purpose registry: private, shared, loopback, link-local,
// documentation, benchmarking, multicast, reserved).
var specialV4 = []string{
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
	"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
	"224.0.0.0/4", "240.0.0.0/4",
}

// publicV4 is every public IPv4 address: the "internet" destination.
var publicV4 = func() aset {
	var special []span
	for _, c := range specialV4 {
		p, _ := parsePrefix(c)
		special = append(special, p.sp)
	}
	return subtract(fullSet(v4), normalizeSet(special))
}()

// rfc1918 are IPv4's private ranges (RFC 1918).
var rfc1918 = setOf("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")

// publicV6 is every IPv6 address on the internet: global unicast
// (2000::/3) without the documentation range (2001:db8::/32). Unique local
// (fc00::/7), link-local, multicast and the rest are not on the internet.
var publicV6 = subtract(setOf("2000::/3"), setOf("2001:db8::/32"))

// uniqueLocalV6 is IPv6's private range (RFC 4193).
var uniqueLocalV6 = setOf("fc00::/7")

// setOf is the set of the CIDRs given (which must parse).
func setOf(cidrs ...string) aset {
	var spans []span
	for _, c := range cidrs {
		p, ok := parsePrefix(c)
		if !ok {
			panic("netpath: bad built-in CIDR " + c)
		}
		spans = append(spans, p.sp)
	}
	return normalizeSet(spans)
}

// internetSet is every address of family f on the internet: what an
// internet gateway carries traffic to.
func internetSet(f family) aset {
	if f == v6 {
		return publicV6
	}
	return publicV4
}

// offInternetWord says what kind of addresses off (none of them on the
// internet) are: "private address" when all are private (RFC 1918,
// unique local IPv6), else "non-public address"; plural for more than one.
func offInternetWord(f family, off aset) string {
	private := rfc1918
	if f == v6 {
		private = uniqueLocalV6
	}
	word := "non-public address"
	if subtract(off, private).empty() {
		word = "private address"
	}
	if len(off) > 1 || off[0].lo != off[0].hi {
		word += "es"
	}
	return word
}
