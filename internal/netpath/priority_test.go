package netpath

import (
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// unreadList adds prefix list id of family fam ("IPv4", "IPv6") whose
// entries could not be read, and routes it to target in rtb-main.
func unreadList(w *world, id, fam, target string) {
	w.r().PrefixLists = append(w.r().PrefixLists, model.PrefixList{ID: id, OwnerID: testAccount, AddressFamily: fam})
	w.gap("ec2:GetManagedPrefixListEntries", id)
	w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route(id, target))
}

// otherVPC adds vpc-2 (10.1.0.0/16) with subnet-other (10.1.0.0/24) and
// i-other (10.1.0.10) in a group admitting everything.
func otherVPC(w *world) {
	w.r().VPCs = append(w.r().VPCs, model.VPC{ID: "vpc-2", CIDRBlocks: []string{"10.1.0.0/16"}})
	w.subnet("subnet-other", "vpc-2", "us-east-1a", "10.1.0.0/24")
	w.acl("acl-other", "vpc-2", []string{"subnet-other"},
		entry(100, false, "-1", "allow", "0.0.0.0/0", ""), entry(100, true, "-1", "allow", "0.0.0.0/0", ""))
	w.group("sg-other", "vpc-2", []model.Permission{allow("-1", "", "0.0.0.0/0")}, nil)
	w.instance("i-other", "subnet-other", "10.1.0.10", "", "sg-other")
}

// The route a packet takes when a prefix list's entries are unknown: VPC
// User Guide, "How route priority works" (the longest prefix, then static
// over prefix-list over propagated routes) and "Subnet route tables" (only
// a route to a NAT gateway, a network interface or a Gateway Load Balancer
// endpoint may be more specific than the local route).
func TestRoutesBesideUnreadPrefixLists(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "a static /32 route outranks a route to an unread prefix list: no entry can be longer, and a static route wins a tie", doc: docRoutes,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "tgw-1")
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("8.8.8.8/32", "nat-1"))
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Allowed, through: []string{"nat-1", "igw-1"},
		},
		{
			name: "a static /32 blackhole route beside an unread prefix list still blocks", doc: docRoutes,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "tgw-1")
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("8.8.8.8/32", "blackhole:nat-gone"))
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Blocked, by: "rtb-main", reason: "a blackhole",
		},
		{
			name: "a static /24 route beside an unread prefix list is unknown: the list may hold a longer block", doc: docRoutes,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "tgw-1")
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, route("8.8.8.0/24", "nat-1"))
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Unknown, missing: "rtb-main routes prefix list pl-x to tgw-1",
		},
		{
			name: "a propagated /32 route beside an unread prefix list is unknown: a /32 entry of the list would outrank it", doc: docRoutes,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "tgw-1")
				r := route("8.8.8.8/32", "vgw-1")
				r.Origin = "EnableVgwRoutePropagation"
				w.rt("rtb-main").Routes = append(w.rt("rtb-main").Routes, r)
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Unknown, missing: "rtb-main routes prefix list pl-x to tgw-1",
		},
		{
			name: "an unread IPv6 prefix list does not touch IPv4 routing", doc: docRoutes,
			setup: func(w *world) {
				unreadList(w, "pl-6", "IPv6", "tgw-1")
			},
			q: tcp("i-app", "8.8.8.8", 443), want: Allowed, through: []string{"nat-1"},
		},
		{
			name: "an unread prefix-list route to a NAT gateway may be more specific than the local route: a destination in the VPC is unknown", doc: docSubnetRT,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "nat-1")
			},
			q: tcp("i-app", "i-db", 5432), want: Unknown, missing: "rtb-main routes prefix list pl-x to nat-1",
		},
		{
			name: "an unread prefix-list route to a network interface may be more specific than the local route: a destination in the VPC is unknown", doc: docSubnetRT,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "eni-firewall")
			},
			q: tcp("i-app", "10.0.2.10", 5432), want: Unknown, missing: "rtb-main routes prefix list pl-x to eni-firewall",
		},
		{
			name: "an unread prefix-list route to a transit gateway cannot outrank the local route: a destination in the VPC is decided", doc: docSubnetRT,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "tgw-1")
			},
			q: tcp("i-app", "i-db", 5432), want: Allowed, through: []string{"rtb-main", "sg-db"},
		},
		{
			name: "a gateway endpoint's unread prefix list cannot outrank the local route", doc: docSubnetRT,
			setup: func(w *world) {
				w.r().VPCEndpoints = append(w.r().VPCEndpoints, model.VPCEndpoint{ID: "vpce-s3", VPCID: "vpc-1", Type: "Gateway",
					ServiceName: "com.amazonaws." + testRegion + ".s3", State: "available"})
				unreadList(w, "pl-s3", "IPv4", "vpce-s3")
			},
			q: tcp("i-app", "i-db", 5432), want: Allowed,
		},
		{
			name: "traffic within one subnet consults no route table, so an unread prefix-list route to a NAT gateway does not touch it", doc: docSubnetRT,
			setup: func(w *world) {
				unreadList(w, "pl-x", "IPv4", "nat-1")
			},
			q: tcp("i-app", "i-app2", 7777), want: Allowed,
		},
	})
}

// What an internet gateway carries (VPC User Guide, "Internet gateways":
// the target for internet-routable traffic), also behind a NAT gateway
// ("NAT gateways"), and the order of the checks in the NAT gateway's
// subnet.
func TestInternetGatewaysCarryOnlyInternetAddresses(t *testing.T) {
	runSemantic(t, []semanticCase{
		{
			name: "another VPC's private address behind a default route to the internet gateway is not reached, and its groups are never consulted", doc: docIGW,
			setup: otherVPC,
			q:     tcp("i-pub", "i-other", 443),
			want:  Blocked, by: "igw-1", kind: KindInternetGateway, reason: "igw-1 does not carry traffic to private address 10.1.0.10",
			avoid: []string{"sg-other", "acl-other"},
		},
		{
			name: "a private address asked by address is blocked at the internet gateway too", doc: docIGW,
			setup: otherVPC,
			q:     tcp("i-pub", "10.1.0.13", 443),
			want:  Blocked, by: "igw-1", reason: "igw-1 does not carry traffic to private address 10.1.0.13",
		},
		{
			name: "a special-purpose block is not on the internet either, and is named as non-public", doc: docIGW,
			q:    tcp("i-pub", "100.64.1.0/24", 443),
			want: Blocked, by: "igw-1", reason: "igw-1 does not carry traffic to non-public addresses 100.64.1.0/24",
		},
		{
			name: "a private destination is not reached without a public IP either: the internet gateway is named, not the missing address", doc: docIGW,
			setup: func(w *world) {
				w.rt("rtb-pub").Associations = append(w.rt("rtb-pub").Associations, model.RouteTableAssociation{ID: "x", SubnetID: "subnet-app"})
			},
			q:    tcp("i-app", "192.168.1.1", 443),
			want: Blocked, by: "igw-1", reason: "igw-1 does not carry traffic to private address 192.168.1.1",
		},
		{
			name: "through a NAT gateway, a private destination reaches the NAT gateway's internet gateway, which does not carry it", doc: docNAT,
			q:    tcp("i-app", "172.16.5.5", 443),
			want: Blocked, by: "igw-1", kind: KindInternetGateway, reason: "igw-1 does not carry traffic to private address 172.16.5.5",
			through: []string{"nat-1", "rtb-pub"},
		},
		{
			name: "the NAT gateway's subnet ACL denying the traffic out is named before that subnet's route table", doc: docNAT,
			setup: func(w *world) {
				w.acl("acl-pub", "vpc-1", []string{"subnet-pub"},
					entry(100, false, "-1", "allow", "0.0.0.0/0", ""), entry(50, true, "6", "deny", "8.8.8.8/32", "443"),
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""))
				w.rt("rtb-pub").Routes = w.rt("rtb-pub").Routes[:1] // local only: no internet gateway
			},
			q:    tcp("i-app", "8.8.8.8", 443),
			want: Blocked, by: "acl-pub", kind: KindNetworkACL, dir: Egress, reason: "acl-pub egress rule 50 denies tcp 443 to 8.8.8.8",
		},
		{
			name: "of two blocks in the NAT gateway's subnet, the one at the lower address is named", doc: docNAT,
			setup: func(w *world) {
				w.acl("acl-pub", "vpc-1", []string{"subnet-pub"},
					entry(100, false, "-1", "allow", "0.0.0.0/0", ""), entry(50, true, "6", "deny", "8.8.8.128/25", "443"),
					entry(100, true, "-1", "allow", "0.0.0.0/0", ""))
				w.rt("rtb-pub").Routes = append(w.rt("rtb-pub").Routes, route("8.8.8.0/25", "tgw-1"))
			},
			q:    tcp("i-app", "8.8.8.0/24", 443),
			want: Blocked, by: "rtb-pub", kind: KindRouteTable, reason: "sends 8.8.8.0/25 to tgw-1, not to an internet gateway",
		},
	})
}
