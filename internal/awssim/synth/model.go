package synth

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"time"
)

// Tiers of a VPC: where instances live and which groups admit them.
const (
	tierWeb = iota
	tierApp
	tierData
	numTiers
)

var tierNames = [numTiers]string{"web", "app", "data"}

// SSM registration states.
const (
	ssmNone = iota
	ssmOnline
	ssmLost
)

// rng is a deterministic random source with the helpers the generator
// uses. Every account-region has its own, derived from the seed and the
// account-region's position, so the regions never depend on each other.
type rng struct{ r *rand.Rand }

func newRNG(seed int64, label string) *rng {
	h := fnv.New64a()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(label))
	return &rng{rand.New(rand.NewPCG(uint64(seed), h.Sum64()))}
}

func (g *rng) intn(n int) int        { return g.r.IntN(n) }
func (g *rng) chance(p float64) bool { return g.r.Float64() < p }

// hex17 is a 17-hex-digit resource id suffix, the length of modern EC2
// ids, which begin with a zero.
func (g *rng) hex17() string { return fmt.Sprintf("0%016x", g.r.Uint64()) }

// hex8 is an 8-hex-digit id suffix (AWS-managed prefix lists).
func (g *rng) hex8() string { return fmt.Sprintf("%08x", g.r.Uint32()) }

func (g *rng) upper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *rng) lowerAlnum(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *rng) uuid() string {
	h := fmt.Sprintf("%016x%016x", g.r.Uint64(), g.r.Uint64())
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[g.r.IntN(4)]) + h[17:20] + "-" + h[20:32]
}

// account is one account of the estate.
type account struct {
	id, name, email string
	joined          time.Time
	management      bool
	profiles        []*profile
	dhmcRole        bool // some region turned on Default Host Management
}

// profile is an instance profile and its one role.
type profile struct {
	name, id, arn string
	role          role
	share         float64 // of instances (appliances excepted)
}

type role struct {
	name, id, arn string
	policies      [][2]string // name, ARN
}

// region is one account-region being generated.
type region struct {
	o        *Options
	acct     *account
	name     string
	g        *rng
	azs      [3]string
	azIDs    [3]string
	vpcs     []*vpc
	groups   int
	s3PL     string
	s3CIDRs  []string
	dhmc     bool
	insts    []*instance
	resCount int
}

// vpc is a VPC with everything in it.
type vpc struct {
	n          int
	id, name   string
	cidr       netip.Prefix
	dhcp       string
	assoc      string
	subnets    [numTiers][3]*subnet
	igw        string
	nats       [3]*nat
	rtbMain    string
	rtbMainAsc string
	rtbPublic  string
	rtbPrivate [3]string
	endpoint   string
	aclDefault string
	aclData    string // "" when the data subnets keep the default NACL
	sgs        []*group
	sgDefault  *group
	sgMgmt     *group
	sgMon      *group
	sgTier     [numTiers]*group
	sgTM       *group
	services   [numTiers][]*group
}

type subnet struct {
	v      *vpc
	id     string
	tier   int
	az     int
	prefix netip.Prefix
	used   int // hosts handed out
}

type nat struct {
	id, alloc, eni, privateIP, publicIP string
	s                                   *subnet
}

// group is a security group.
type group struct {
	v               *vpc
	id, name, desc  string
	ingress, egress []perm
}

// perm is one IpPermission.
type perm struct {
	proto    string // tcp, udp or -1
	from, to int
	cidrs    []cidr
	groups   []*group
	pls      []string
	groupDsc string
}

type cidr struct{ block, desc string }

// instance is one EC2 instance.
type instance struct {
	id, name   string
	s          *subnet
	tier       int
	appliance  bool
	groups     []*group
	windows    bool
	winName    string
	winVersion string
	platform   *Platform
	kernels    []string // installed kernel packages (inventory)
	listed     bool
	stopped    bool
	ssm        int
	inventory  bool
	profile    *profile
	ip         string
	publicIP   string
	launch     time.Time
	itype      string
	res        string
	mac        string
	eni        string
	eniAttach  string
	vol        string
	token      string
	agent      string
}

// allocIP hands out the subnet's next address after the four AWS reserves.
func (s *subnet) allocIP() (string, error) {
	size := 1 << (32 - s.prefix.Bits())
	if s.used >= size-5 {
		return "", fmt.Errorf("subnet %s (%s) is full", s.id, s.prefix)
	}
	a := s.prefix.Addr().As4()
	base := binary.BigEndian.Uint32(a[:]) + uint32(4+s.used)
	s.used++
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], base)
	return netip.AddrFrom4(out).String(), nil
}

func (s *subnet) size() int { return 1 << (32 - s.prefix.Bits()) }

// Subnet layout of a VPC's /16: the application tier gets three /18s, the
// data tier three /20s, the public (web) tier three /22s.
var subnetLayout = [numTiers][3]struct {
	third, bits int
}{
	tierWeb:  {{240, 22}, {244, 22}, {248, 22}},
	tierApp:  {{0, 18}, {64, 18}, {128, 18}},
	tierData: {{192, 20}, {208, 20}, {224, 20}},
}

var windowsReleases = []struct{ name, version string }{
	{"Microsoft Windows Server 2016 Datacenter", "10.0.14393"},
	{"Microsoft Windows Server 2019 Datacenter", "10.0.17763"},
	{"Microsoft Windows Server 2022 Datacenter", "10.0.20348"},
}

var instanceTypes = []string{"t3.medium", "m5.large", "m5.xlarge", "c5.large", "r5.large", "m6i.large"}

var agentVersions = []string{"3.2.1705.0", "3.2.2016.0", "3.3.40.0", "3.1.1732.0"}

// familyWeight makes common distributions common.
var familyWeight = map[string]int{"amazon": 4, "rhel": 2, "centos": 2, "ubuntu": 3, "oracle": 1, "suse": 1}

// epoch anchors every generated date.
var epoch = time.Date(2024, 3, 18, 9, 0, 0, 0, time.UTC)
