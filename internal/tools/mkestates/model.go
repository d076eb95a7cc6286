package main

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// estate is one account's worth of resources, rendered into one estate
// directory. Every identifier is derived from key and a stable label, so
// adding a resource never renames the others.
type estate struct {
	key       string
	accountID string
	callerID  string // UserId printed by sts get-caller-identity
	callerARN string
	profiles  []*instanceProfile
	roles     []*iamRole // roles with attached-policy files but no profile
	regions   []*region
}

// hexID returns a 17-hex-digit identifier, the length of modern EC2 ids,
// which start with a zero.
func (e *estate) hexID(label string) string {
	sum := sha256.Sum256([]byte(e.key + "/" + label))
	return "0" + hex.EncodeToString(sum[:])[:16]
}

// rawHex returns 32 deterministic hex digits for label.
func (e *estate) rawHex(label string) string {
	sum := sha256.Sum256([]byte(e.key + "/raw/" + label))
	return hex.EncodeToString(sum[:16])
}

// upperID returns an IAM-style unique id: prefix plus 17 characters of [A-Z2-7].
func (e *estate) upperID(prefix, label string) string {
	sum := sha256.Sum256([]byte(e.key + "/iam/" + label))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// num returns a deterministic number in [0, n) for label.
func (e *estate) num(label string, n int) int {
	sum := sha256.Sum256([]byte(e.key + "/n/" + label))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}

// uuid returns a deterministic version-4-shaped UUID.
func (e *estate) uuid(label string) string {
	sum := sha256.Sum256([]byte(e.key + "/uuid/" + label))
	h := hex.EncodeToString(sum[:16])
	variant := string("89ab"[sum[16]%4])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + variant + h[17:20] + "-" + h[20:32]
}

// mac returns a deterministic locally administered MAC address as EC2 prints it.
func (e *estate) mac(label string) string {
	h := e.rawHex("mac/" + label)
	return "0e:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10]
}

// instanceProfile is an IAM instance profile holding at most one role.
type instanceProfile struct {
	name, id, arn, created string
	role                   *iamRole
}

// iamRole is an IAM role and its attached managed policies.
type iamRole struct {
	name, path, id, arn, created string
	policies                     []attachedPolicy
}

type attachedPolicy struct{ name, arn string }

// Managed policies that matter to PDR-SSM-003.
var (
	policySSMCore      = attachedPolicy{"AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}
	policyEC2RoleSSM   = attachedPolicy{"AmazonEC2RoleforSSM", "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"}
	policyCWAgent      = attachedPolicy{"CloudWatchAgentServerPolicy", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"}
	policyS3ReadOnly   = attachedPolicy{"AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	policyDHMCInstance = attachedPolicy{"AmazonSSMManagedEC2InstanceDefaultPolicy", "arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy"}
)

func (e *estate) addRole(name, path, created string, policies ...attachedPolicy) *iamRole {
	r := &iamRole{
		name:     name,
		path:     path,
		id:       e.upperID("AROA", "role/"+name),
		arn:      "arn:aws:iam::" + e.accountID + ":role" + path + name,
		created:  created,
		policies: policies,
	}
	return r
}

func (e *estate) addProfile(name, created string, role *iamRole) *instanceProfile {
	p := &instanceProfile{
		name:    name,
		id:      e.upperID("AIPA", "profile/"+name),
		arn:     "arn:aws:iam::" + e.accountID + ":instance-profile/" + name,
		created: created,
		role:    role,
	}
	e.profiles = append(e.profiles, p)
	return p
}

// region is one region directory of an estate.
type region struct {
	e           *estate
	name        string
	azIDs       map[string]string // AvailabilityZone → AvailabilityZoneId
	dhmcRole    string            // Default Host Management role; "" means off ($None)
	dhmcUser    string
	dhmcDate    string
	vpcs        []*vpc
	prefixLists []*prefixList
	instances   []*instance
	onPrem      []*onPremNode
	commandID   string // the send-command whose invocations hold uname -r
}

func (e *estate) addRegion(name string, azIDs map[string]string) *region {
	r := &region{e: e, name: name, azIDs: azIDs}
	r.commandID = e.uuid(name + "/command/uname")
	e.regions = append(e.regions, r)
	return r
}

func (r *region) id(prefix, label string) string {
	return prefix + "-" + r.e.hexID(r.name+"/"+prefix+"/"+label)
}

// privateDNS returns the ip-name hostname EC2 gives a private address.
func (r *region) privateDNS(ip string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if r.name == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + r.name + ".compute.internal"
}

// publicDNS returns the public hostname EC2 gives a public address.
func (r *region) publicDNS(ip string) string {
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if r.name == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + r.name + ".compute.amazonaws.com"
}

// publicIP returns a deterministic address from a block Amazon uses in the region.
func (r *region) publicIP(label string) string {
	blocks := map[string][]string{
		"us-east-1": {"54.210", "3.85", "34.224", "52.23"},
		"us-west-2": {"54.184", "35.160", "52.38"},
		"eu-west-1": {"52.212", "34.240", "54.170", "63.33"},
	}[r.name]
	if blocks == nil {
		blocks = []string{"52.95"}
	}
	b := blocks[r.e.num(r.name+"/pipb/"+label, len(blocks))]
	return fmt.Sprintf("%s.%d.%d", b, 1+r.e.num(r.name+"/pip3/"+label, 254), 1+r.e.num(r.name+"/pip4/"+label, 254))
}

// vpc is a VPC with everything that lives inside it.
type vpc struct {
	r          *region
	id, name   string
	cidr       string
	isDefault  bool
	dhcpID     string
	assocID    string
	tags       []tag
	subnets    []*subnet
	sgs        []*secGroup
	nacls      []*nacl
	rtbs       []*routeTable
	igw        *internetGateway
	nats       []*natGateway
	endpoints  []*vpcEndpoint
	defaultSG  *secGroup
	defaultACL *nacl
	mainRTB    *routeTable
}

type tag struct{ k, v string }

func tags(kv ...string) []tag {
	t := make([]tag, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		t = append(t, tag{kv[i], kv[i+1]})
	}
	return t
}

// addVPC creates a VPC with its default security group, default network
// ACL and main route table, as CreateVpc does.
func (r *region) addVPC(name, cidr string, isDefault bool, extra ...tag) *vpc {
	v := &vpc{r: r, name: name, cidr: cidr, isDefault: isDefault}
	v.id = r.id("vpc", name)
	v.dhcpID = r.id("dopt", "shared")
	v.assocID = r.id("vpc-cidr-assoc", name)
	if !isDefault {
		v.tags = append([]tag{{"Name", name}}, extra...)
	}
	v.defaultSG = v.addSG("default", "default VPC security group", nil)
	v.defaultSG.ingress = []perm{allTraffic().group(v.defaultSG, "")}
	v.defaultSG.egress = []perm{allTraffic().cidr("0.0.0.0/0", "")}
	v.defaultACL = &nacl{v: v, id: r.id("acl", name+"/default"), isDefault: true, entries: defaultACLEntries()}
	v.nacls = append(v.nacls, v.defaultACL)
	v.mainRTB = &routeTable{v: v, id: r.id("rtb", name+"/main"), main: true}
	v.mainRTB.mainAssoc = r.id("rtbassoc", name+"/main")
	v.mainRTB.routes = []route{{dest: cidr, gateway: "local", origin: "CreateRouteTable", state: "active"}}
	v.rtbs = append(v.rtbs, v.mainRTB)
	r.vpcs = append(r.vpcs, v)
	return v
}

// subnet is a subnet; its NACL and route table are found through the VPC.
type subnet struct {
	v            *vpc
	id, name     string
	az, cidr     string
	mapPublic    bool
	defaultForAz bool
	prefix       netip.Prefix
	used         map[int]bool
}

func (v *vpc) addSubnet(name, az, cidr string, mapPublic bool) *subnet {
	s := &subnet{v: v, name: name, az: az, cidr: cidr, mapPublic: mapPublic, used: map[int]bool{}}
	s.id = v.r.id("subnet", v.name+"/"+name)
	s.prefix = netip.MustParsePrefix(cidr)
	vp := netip.MustParsePrefix(v.cidr)
	if !vp.Contains(s.prefix.Addr()) || s.prefix.Bits() < vp.Bits() {
		panic(fmt.Sprintf("subnet %s %s outside VPC %s %s", name, cidr, v.name, v.cidr))
	}
	v.subnets = append(v.subnets, s)
	v.defaultACL.subnets = append(v.defaultACL.subnets, s)
	return s
}

// size is the number of addresses in the subnet.
func (s *subnet) size() int { return 1 << (32 - s.prefix.Bits()) }

// allocIP hands out a free private address, the first four and the last
// being reserved by AWS.
func (s *subnet) allocIP(label string) string {
	n := s.size()
	host := 4 + s.v.r.e.num(s.v.r.name+"/ip/"+s.id+"/"+label, n-5)
	for s.used[host] {
		host = 4 + (host-4+1)%(n-5)
	}
	s.used[host] = true
	a := s.prefix.Addr().As4()
	base := binary.BigEndian.Uint32(a[:]) + uint32(host)
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], base)
	return netip.AddrFrom4(out).String()
}

// secGroup is a security group.
type secGroup struct {
	v               *vpc
	id, name, desc  string
	ingress, egress []perm
	tags            []tag
}

func (v *vpc) addSG(name, desc string, t []tag) *secGroup {
	g := &secGroup{v: v, name: name, desc: desc, tags: t}
	g.id = v.r.id("sg", v.name+"/"+name)
	v.sgs = append(v.sgs, g)
	return g
}

// perm is one IpPermission.
type perm struct {
	proto    string // "tcp", "udp", "-1"
	from, to int
	ranges   []descRef
	pls      []descRef
	groups   []groupRef
}

type descRef struct{ id, desc string }

type groupRef struct {
	g    *secGroup
	desc string
}

func tcp(from, to int) perm { return perm{proto: "tcp", from: from, to: to} }
func udp(from, to int) perm { return perm{proto: "udp", from: from, to: to} }
func allTraffic() perm      { return perm{proto: "-1"} }

func (p perm) cidr(c, desc string) perm {
	p.ranges = append(append([]descRef(nil), p.ranges...), descRef{c, desc})
	return p
}

func (p perm) cidrs(desc string, cs ...string) perm {
	for _, c := range cs {
		p = p.cidr(c, desc)
	}
	return p
}

func (p perm) prefixList(pl *prefixList, desc string) perm {
	p.pls = append(append([]descRef(nil), p.pls...), descRef{pl.id, desc})
	return p
}

func (p perm) group(g *secGroup, desc string) perm {
	p.groups = append(append([]groupRef(nil), p.groups...), groupRef{g, desc})
	return p
}

// nacl is a network ACL and the subnets associated with it.
type nacl struct {
	v         *vpc
	id        string
	name      string
	isDefault bool
	entries   []naclEntry
	subnets   []*subnet
}

type naclEntry struct {
	num      int
	egress   bool
	proto    string // "-1", "6", "17"
	cidr     string
	from, to int
	action   string
}

func defaultACLEntries() []naclEntry {
	return []naclEntry{
		{num: 100, egress: true, proto: "-1", cidr: "0.0.0.0/0", action: "allow"},
		{num: 32767, egress: true, proto: "-1", cidr: "0.0.0.0/0", action: "deny"},
		{num: 100, egress: false, proto: "-1", cidr: "0.0.0.0/0", action: "allow"},
		{num: 32767, egress: false, proto: "-1", cidr: "0.0.0.0/0", action: "deny"},
	}
}

// addNACL creates a custom network ACL and moves the given subnets to it.
// Its entries are the caller's rules plus the two final "*" deny rules.
func (v *vpc) addNACL(name string, entries []naclEntry, subnets ...*subnet) *nacl {
	a := &nacl{v: v, id: v.r.id("acl", v.name+"/"+name), name: name}
	a.entries = append(a.entries, entries...)
	a.entries = append(a.entries,
		naclEntry{num: 32767, egress: true, proto: "-1", cidr: "0.0.0.0/0", action: "deny"},
		naclEntry{num: 32767, egress: false, proto: "-1", cidr: "0.0.0.0/0", action: "deny"})
	for _, s := range subnets {
		for _, other := range v.nacls {
			other.subnets = removeSubnet(other.subnets, s)
		}
		a.subnets = append(a.subnets, s)
	}
	v.nacls = append(v.nacls, a)
	return a
}

func removeSubnet(list []*subnet, s *subnet) []*subnet {
	out := list[:0:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// routeTable is a route table with its explicit subnet associations.
type routeTable struct {
	v         *vpc
	id, name  string
	main      bool
	mainAssoc string
	subnets   []*subnet
	routes    []route
}

type route struct {
	dest    string // DestinationCidrBlock
	destPL  string // DestinationPrefixListId
	gateway string // GatewayId: "local", igw-…, vpce-…
	nat     string // NatGatewayId
	origin  string
	state   string
}

func (v *vpc) addRouteTable(name string, routes []route, subnets ...*subnet) *routeTable {
	t := &routeTable{v: v, id: v.r.id("rtb", v.name+"/"+name), name: name, subnets: subnets}
	t.routes = append([]route{{dest: v.cidr, gateway: "local", origin: "CreateRouteTable", state: "active"}}, routes...)
	v.rtbs = append(v.rtbs, t)
	return t
}

func toIGW(g *internetGateway) route {
	return route{dest: "0.0.0.0/0", gateway: g.id, origin: "CreateRoute", state: "active"}
}

func toNAT(n *natGateway) route {
	st := "active"
	if n.state != "available" {
		st = "blackhole"
	}
	return route{dest: "0.0.0.0/0", nat: n.id, origin: "CreateRoute", state: st}
}

// internetGateway is an internet gateway attached to one VPC.
type internetGateway struct {
	id, name string
}

func (v *vpc) addIGW(name string) *internetGateway {
	v.igw = &internetGateway{id: v.r.id("igw", v.name+"/"+name), name: name}
	return v.igw
}

// natGateway is a public NAT gateway.
type natGateway struct {
	v                   *vpc
	id, name            string
	s                   *subnet
	state               string
	privateIP, publicIP string
	allocID, eniID      string
	created, deleted    string
}

func (v *vpc) addNAT(name string, s *subnet, state, created, deleted string) *natGateway {
	label := v.name + "/" + name
	n := &natGateway{v: v, name: name, s: s, state: state, created: created, deleted: deleted}
	n.id = v.r.id("nat", label)
	n.allocID = v.r.id("eipalloc", label)
	n.eniID = v.r.id("eni", label)
	n.privateIP = s.allocIP("nat/" + name)
	n.publicIP = v.r.publicIP("nat/" + label)
	v.nats = append(v.nats, n)
	return n
}

// vpcEndpoint is an interface or gateway VPC endpoint.
type vpcEndpoint struct {
	v         *vpc
	id        string
	service   string
	kind      string // "Interface" or "Gateway"
	subnets   []*subnet
	groups    []*secGroup
	rtbs      []*routeTable
	enis      []string
	created   string
	privDNS   bool
	dnsSuffix string
}

func (v *vpc) addInterfaceEndpoint(service string, groups []*secGroup, created string, subnets ...*subnet) *vpcEndpoint {
	ep := &vpcEndpoint{v: v, service: service, kind: "Interface", subnets: subnets, groups: groups, created: created, privDNS: true}
	ep.id = v.r.id("vpce", v.name+"/"+service)
	ep.dnsSuffix = v.r.e.rawHex("vpce-dns/" + ep.id)[:8]
	for _, s := range subnets {
		ep.enis = append(ep.enis, v.r.id("eni", "vpce/"+service+"/"+s.name))
		s.allocIP("vpce/" + service)
	}
	v.endpoints = append(v.endpoints, ep)
	return ep
}

func (v *vpc) addGatewayEndpoint(service string, created string, rtbs ...*routeTable) *vpcEndpoint {
	ep := &vpcEndpoint{v: v, service: service, kind: "Gateway", rtbs: rtbs, created: created}
	ep.id = v.r.id("vpce", v.name+"/"+service)
	v.endpoints = append(v.endpoints, ep)
	return ep
}

// prefixList is a managed prefix list and its entries.
type prefixList struct {
	id, name   string
	awsManaged bool
	maxEntries int
	version    int
	entries    []descRef
	tags       []tag
}

func (r *region) addPrefixList(name string, maxEntries int, t []tag, entries ...descRef) *prefixList {
	pl := &prefixList{id: r.id("pl", name), name: name, maxEntries: maxEntries, version: 1, entries: entries, tags: t}
	r.prefixLists = append(r.prefixLists, pl)
	return pl
}

func (r *region) addAWSPrefixList(id, name string, cidrs ...string) *prefixList {
	pl := &prefixList{id: id, name: name, awsManaged: true}
	for _, c := range cidrs {
		pl.entries = append(pl.entries, descRef{c, ""})
	}
	r.prefixLists = append(r.prefixLists, pl)
	return pl
}

// ssmState says how Systems Manager sees an instance.
type ssmState int

const (
	ssmAbsent ssmState = iota
	ssmOnline
	ssmConnectionLost
)

// instance is an EC2 instance and what SSM knows about it.
type instance struct {
	r           *region
	id, name    string
	os          *osSpec
	itype       string
	s           *subnet
	sgs         []*secGroup
	profile     *instanceProfile
	public      bool
	stopped     bool
	tags        []tag
	ip          string
	publicIP    string
	keyName     string
	launch      time.Time
	reservation string

	ssm          ssmState
	lastPing     string
	kernels      []string // installed kernel releases as uname -r prints them
	inventory    bool     // write list-inventory-entries AWS:Application
	uname        string   // uname -r evidence ("" none)
	unameTimeout bool     // the uname command was sent but timed out
	computerName string
}

// instanceSpec describes an instance to add; the builder fills in the rest.
type instanceSpec struct {
	name        string
	os          *osSpec
	itype       string
	s           *subnet
	sgs         []*secGroup
	profile     *instanceProfile
	public      bool
	stopped     bool
	tags        []tag
	reservation string
	ssm         ssmState
	kernels     []string
	inventory   bool
	uname       string
	unameTO     bool
	launch      time.Time
}

func (r *region) addInstance(sp instanceSpec) *instance {
	in := &instance{
		r: r, name: sp.name, os: sp.os, itype: sp.itype, s: sp.s, sgs: sp.sgs, profile: sp.profile,
		public: sp.public, stopped: sp.stopped, reservation: sp.reservation, ssm: sp.ssm,
		kernels: sp.kernels, inventory: sp.inventory, uname: sp.uname, unameTimeout: sp.unameTO, launch: sp.launch,
	}
	in.id = r.id("i", "instance/"+sp.name)
	in.tags = append([]tag{{"Name", sp.name}}, sp.tags...)
	in.ip = sp.s.allocIP("instance/" + sp.name)
	if sp.public {
		in.publicIP = r.publicIP("instance/" + sp.name)
	}
	if in.reservation == "" {
		in.reservation = sp.name
	}
	in.keyName = "ops-" + r.name
	if in.launch.IsZero() {
		in.launch = time.Date(2023, 9, 4, 8, 0, 0, 0, time.UTC).Add(time.Duration(r.e.num(r.name+"/launch/"+sp.name, 150*24*3600)) * time.Second)
	}
	if sp.os.platform == "windows" {
		in.computerName = "EC2AMAZ-" + strings.ToUpper(r.e.rawHex("cn/" + sp.name)[:7])
	} else {
		in.computerName = r.privateDNS(in.ip)
	}
	r.instances = append(r.instances, in)
	return in
}

// onPremNode is a hybrid managed node that SSM knows and EC2 does not.
type onPremNode struct {
	id, name, ip, computerName string
	os                         *osSpec
	activationID               string
	registered                 string
}

// osSpec is an operating system image: how EC2, SSM and the AMI describe it.
type osSpec struct {
	key             string
	platform        string // "windows" or ""
	platformDetails string
	usageOperation  string
	ssmType         string
	ssmName         string
	ssmVersion      string
	rootDevice      string
	arch            string // EC2 architecture: x86_64, arm64
	pkgFormat       string // rpm, deb, win
	rpmPublisher    string
	distTag         string // rpm release suffix of base packages
	agentVersion    string
	amiName         string
	amiOwner        string
	amiAlias        string
	amiDesc         string
	amiCreated      string
	productCode     string
	rootVolumeGiB   int
}
