// Package netpath answers "can A reach B on this protocol and port?" over
// a model.Snapshot, the way AWS would route and filter the packet, and
// says what blocks it.
//
// Its place in the pipeline: collect writes the snapshot; netpath reads it
// (never AWS: no SDK, no network, no OPA) for the policies and for
// `pdr-audit reach`. New indexes a snapshot once; Reach answers a Query
// with a Verdict: allowed (with the path and the rule each component
// admitted the traffic by), blocked (with the first blocking component),
// or unknown (with what could not be observed).
//
// # The path
//
// Components are walked in AWS's order, each numbered as a stage:
//
//  1. the source interface's security groups, egress (all groups OR-ed);
//  2. the source subnet's network ACL, outbound;
//  3. the source subnet's route table: its explicit association, else the
//     VPC's main table; the longest prefix wins, then a static route over
//     a prefix-list route over a propagated one;
//  4. the gateway: an internet gateway (attached to the VPC; carrying
//     only traffic to internet addresses; for IPv4 the source needs a
//     public address), or a NAT gateway (available, public; its own
//     subnet's ACL letting the traffic in from the source, then out to the
//     destination; its own subnet's route table sending the destination to
//     an internet gateway, checked as above);
//  5. the destination subnet's network ACL, inbound;
//  6. the destination's security groups, ingress;
//  7. the reply leaving the destination's subnet, or entering and leaving
//     the NAT gateway's;
//  8. the reply entering the source's subnet.
//
// Security groups are stateful: replies need no rule. Network ACLs are
// stateless: a TCP or UDP reply goes to the client's ephemeral port,
// which may be anywhere in 1024-65535, so every such port must be allowed
// (an ACL allowing only 32768-65535 blocks: Windows and NAT gateways use
// the whole range); an ICMP echo is answered by an echo reply; other
// protocols by the same protocol. Traffic between two interfaces of one
// subnet consults neither the subnet's ACL nor its route table.
//
// An internet gateway is the target for internet-routable traffic: a
// packet it is handed for a private or special-purpose address (another
// VPC's 10.1.0.13, 100.64.0.0/10; for IPv6 anything outside 2000::/3, or
// in 2001:db8::/32) reaches nothing, so the path is blocked at the internet
// gateway, whether the source's own route or the NAT gateway's subnet's
// route led there, and the destination's groups are never consulted.
//
// Routes to a transit gateway, a peering connection, a virtual private
// gateway, a gateway endpoint and other targets leave the VPC; routes to
// an instance or interface go through a middlebox. What lies beyond is not
// in the snapshot, so such a path is unknown, never guessed.
//
// A route to a prefix list whose entries were not read may carry any
// block of the list's family. It changes the route of an address only if
// one of its blocks could beat or tie the best known route: a block beats
// a route of prefix length L when it is longer, or as long and of a better
// class (static, then prefix list, then propagated), and ties it when as
// long and of the same class. So a static /32 (/128) route is decided
// whatever the list holds, a shorter one or a /32 prefix-list or
// propagated route is not; and the local route can be beaten only by a
// list routed to a target AWS lets be more specific than the local route
// (a NAT gateway, a network interface or instance, a Gateway Load
// Balancer endpoint, or a target the snapshot cannot tell is none of
// these), which makes a destination in the VPC unknown. Where the list
// could change the route, the path is unknown, with the list named in
// Missing. The list's family, when known, limits it to that family.
//
// # Queries
//
// From is an instance (its primary interface) or an interface. To is:
//
//   - an instance or interface: its private IPv4 address, its subnet, its
//     groups;
//   - an address or a CIDR: every address in it must be reachable. Parts
//     take their own routes (longest prefix per address). An address the
//     local route keeps in the VPC is received by the interface of the
//     snapshot that holds it, whose groups then apply; an address no
//     interface of the snapshot holds is unknown (it may be a load
//     balancer's or a database's, which the snapshot does not list);
//   - "internet": every public IPv4 address (0.0.0.0/0 without IANA's
//     special-purpose ranges: private, shared, loopback, link-local,
//     documentation, benchmarking, multicast, reserved), so a rule for
//     0.0.0.0/0 covers it and a deny for 10.0.0.0/8 does not touch it;
//   - "service:NAME": com.amazonaws.<region>.NAME. If the source's VPC has
//     an available interface endpoint for it with private DNS, private DNS
//     answers with the endpoint's interfaces in every subnet of the
//     endpoint and a client may use any of them, so each must be
//     reachable; an interface's address is not in the snapshot, so rules
//     must cover every address it may have (its subnet without the five
//     addresses AWS reserves and those other interfaces hold), and the
//     endpoint's groups apply. Otherwise the service is on the internet.
//
// Proto "tcp" and "udp" ask about one destination port; "icmp" about an
// echo request (ping); "all" about every protocol on every port: TCP and
// UDP on 0-65535, ICMP echo, every protocol a rule names, and one no rule
// names (which all unnamed protocols behave like). Every part of the
// traffic must pass, as every address must.
//
// Rules name IPv4 and IPv6 CIDRs, managed prefix lists (their entries
// from the snapshot) and security groups. A group reference matches the
// private addresses of the snapshot's interfaces in that group (and an
// interface endpoint in it whatever its address).
//
// # Unknown, never allowed
//
// A component whose data the snapshot lacks cannot be evaluated: a gap of
// the listing it comes from in that account and region (see the api*
// constants), an unread prefix list, a group of another account or
// absent from the snapshot, a subnet no ACL is associated with. Such a
// component never admits traffic; the verdict is decided thus:
//
//   - blocked if some component on the path definitely blocks some part of
//     the traffic, whether it comes before or after the unknown one (the
//     traffic is dropped there whatever the unknown one does); the
//     blocking component named is the one of the earliest stage that
//     blocks traffic to the lowest destination address blocked there;
//   - else unknown, with Missing saying what could not be seen;
//   - else allowed.
//
// The walk goes on past a component that cannot be evaluated when the
// rest of the path is still known (a security group, an ACL), and stops
// where the unknown decides where the packet goes (a route table, a
// gateway, a path leaving the VPC, an address no interface holds).
// Within one security-group check, what no known rule admits is unknown
// where a rule the snapshot cannot fully see covers those ports, and
// blocked elsewhere.
//
// # How it computes
//
// Addresses are interval sets, so a CIDR or "internet" is evaluated for
// every address at once: an ACL's entries are walked in rule-number order,
// each deciding the part of the still-undecided traffic (ports ×
// addresses) it matches, and any denied part blocks, naming the entry;
// groups admit the union of their rules, which must cover the traffic;
// each route table is precomputed as a partition of the address space by
// the winning route.
//
// Answers are memoised per equivalence class: two interfaces are alike
// when they share account, region, VPC, subnet, availability zone, public
// address presence, groups, the groups that hold their address and that
// some rule of their region references, and the stretch of address space
// between the edges of every CIDR their region names (so no rule, entry or
// route a packet from them meets tells them apart: a path never crosses
// regions). A memoised verdict carries placeholders for the query's own
// names and addresses, which Reach fills in; so a 50,000-instance estate
// is answered in about a second (BenchmarkReachEstate50k).
//
// ReachVerdict answers without the path, for callers that ask for every
// instance of an estate and show no path (the policies' builtin). Its memo
// is per brief class: the class without the source's groups when these
// admit every packet out (an egress rule for all traffic to 0.0.0.0/0, and
// ::/0 if the source has an IPv6 address), since the groups then pass every
// packet at the first stage and name nothing but in the path. An answer
// decided before the path met the destination interface's groups (blocked
// at the source, by an ACL or a route) holds for every destination of its
// place, its class without its groups, and is memoised so too. Class
// returns the brief class, so that a caller can ask once per class;
// Position a coarser one, without the referenced groups that hold the
// address, which holds only for destinations outside the source's VPC (they
// meet no rule that references a group). position_test.go checks both
// against Reach. Memos are kept per region of the source, and Forget drops
// a region's when a caller is done with it.
//
// # Invariants
//
//   - Never allowed without evidence: missing data is unknown or blocked.
//   - The order of anything in the snapshot other than ACL rule numbers
//     (groups, rules, sources, routes, tables, entries, instances…) never
//     changes a verdict, its path or its words.
//   - Reach is safe for concurrent use; the engine keeps nothing of the
//     snapshot that a caller may change after New.
//   - Only AWS's documented behaviour is modelled; where the snapshot
//     cannot tell (paths leaving the VPC), the verdict says so.
package netpath
