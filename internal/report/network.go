package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// Resource kinds of the catalog that name who is who: the results of a
// rule of kind appliance are about the running Threat Manager appliances,
// those of the monitored kinds about the monitored instances.
const (
	kindAppliance      = "appliance"
	kindMonitored      = "monitored-instance"
	kindMonitoredLinux = "monitored-linux-instance"
	kindVPC            = "vpc"
	kindVPCAZ          = "vpc-az"
)

// NetworkView is what the HTML report draws of the network: the
// appliances' availability-zone coverage per VPC, and the path matrices
// agent → appliance and appliance → data center. It is optional
// (Report.Network, nil when the report was built without a snapshot) and
// never part of the JSON report.
//
// It is built by NewNetworkView, a pure function of the snapshot, the
// report's results and rules, and the profile's network requirements:
// who is monitored and who is an appliance is read from the results (the
// resources of the rules of those kinds), never decided again; where they
// are comes from the snapshot; the path verdicts are netpath's answers to
// the very questions the rules ask (PDR-AG-001, PDR-TM-003), one per
// pair, where a result only names the first blocking component.
type NetworkView struct {
	// Coverage has one entry per account and region with a VPC that holds
	// monitored instances or appliances, sorted.
	Coverage []RegionCoverage
	// AgentPaths has one entry per VPC with monitored instances, in the
	// order of Coverage.
	AgentPaths []AgentPathTable
	// Egress is appliance → data center; nil when the profile's
	// requirements could not be read (Note says why).
	Egress *EgressTable
	// Note says what is missing from the view, "" when nothing is.
	Note string
}

// RegionCoverage is the coverage grid of one account and region: rows
// are VPCs, columns availability zones.
type RegionCoverage struct {
	Account string
	Region  string
	// AZs are the columns: every zone with a subnet, instance or
	// appliance of one of the VPCs, sorted.
	AZs  []string
	VPCs []VPCCoverage
}

// VPCCoverage is one VPC's row of the coverage grid.
type VPCCoverage struct {
	Account string
	Region  string
	VPCID   string
	Name    string
	// Appliances and Monitored count the VPC's running appliances and
	// monitored instances.
	Appliances int
	Monitored  int
	// HA is the PDR-TM-001 result (two running appliances), nil when the
	// VPC holds no monitored instance (and so has no such result).
	HA *Verdict
	// Cells are aligned with RegionCoverage.AZs.
	Cells []AZCell
}

// AZCell is one VPC and availability zone of the coverage grid.
type AZCell struct {
	AZ string
	// HasSubnet is whether the VPC has a subnet in the zone.
	HasSubnet bool
	// Appliances are the running appliances in the zone, sorted.
	Appliances []string
	// Monitored counts the monitored instances in the zone.
	Monitored int
	// Coverage is the PDR-TM-002 result (an appliance in every zone with
	// monitored instances), nil when the zone holds none.
	Coverage *Verdict
}

// Verdict is a result's status and message, as a cell shows it.
type Verdict struct {
	Status  finding.Status
	Message string
}

// Port is a protocol and port a path needs.
type Port struct {
	Proto   string
	Port    int
	Purpose string
}

// Label is "tcp/443" ("all traffic" for every protocol).
func (p Port) Label() string { return protoLabel(p.Proto, p.Port) }

// Egress is one path an appliance must open to the data center.
type Egress struct {
	Proto string
	Port  int
	// To is a CIDR, an address or "internet".
	To      string
	Purpose string
}

// Label is "tcp/443" ("all traffic" for every protocol).
func (e Egress) Label() string { return protoLabel(e.Proto, e.Port) }

func protoLabel(proto string, port int) string {
	if proto == netpath.All {
		return "all traffic"
	}
	return fmt.Sprintf("%s/%d", proto, port)
}

// PathCell is netpath's verdict on one path.
type PathCell struct {
	// Verdict is allowed, blocked or unknown.
	Verdict string
	// BlockedBy is the first blocking component (Verdict blocked).
	BlockedBy *finding.Component
	// Missing says what could not be observed (Verdict unknown).
	Missing []string
	// For is the instance whose path the cell's details describe, when
	// the cell stands for a group of instances (their verdicts and
	// blocking components are the same, the reasons name each one's
	// address).
	For string
}

// Instance names an instance.
type Instance struct {
	ID   string
	Name string
}

// AgentPathTable is agent → appliance for one VPC: a row per group of
// monitored instances with the same verdicts, a column per appliance and
// port.
type AgentPathTable struct {
	Account string
	Region  string
	VPCID   string
	Name    string
	// Appliances are the VPC's running appliances, sorted; none when the
	// VPC has none (the agents have nothing to send to).
	Appliances []Instance
	Ports      []Port
	Rows       []AgentPathRow
}

// Monitored counts the table's monitored instances.
func (t AgentPathTable) Monitored() int {
	n := 0
	for _, r := range t.Rows {
		n += len(r.Instances)
	}
	return n
}

// AgentPathRow is a group of monitored instances with the same verdicts.
type AgentPathRow struct {
	Instances []Instance
	// Cells are appliance-major: Cells[a*len(Ports)+p].
	Cells []PathCell
	// Blocked and Unknown count the row's blocked and unknown cells.
	Blocked, Unknown int
}

// EgressTable is appliance → data center: a row per appliance, a column
// per required path of PDR-TM-003, grouped by destination.
type EgressTable struct {
	Datacenter string
	// Paths are the profile's paths, grouped by destination (in the order
	// each destination first appears), in the profile's order within.
	Paths []Egress
	// Destinations head the groups of Paths.
	Destinations []Destination
	Rows         []EgressRow
}

// Destination is a group of consecutive EgressTable.Paths to one place.
type Destination struct {
	To    string
	Paths int
}

// groupByDestination orders paths by destination, each destination where
// it first appears, and keeps the order of the paths to one destination.
func groupByDestination(paths []Egress) ([]Egress, []Destination) {
	var dests []Destination
	byTo := map[string][]Egress{}
	for _, p := range paths {
		if _, seen := byTo[p.To]; !seen {
			dests = append(dests, Destination{To: p.To})
		}
		byTo[p.To] = append(byTo[p.To], p)
	}
	out := make([]Egress, 0, len(paths))
	for i := range dests {
		dests[i].Paths = len(byTo[dests[i].To])
		out = append(out, byTo[dests[i].To]...)
	}
	return out, dests
}

// EgressRow is one appliance's required egress.
type EgressRow struct {
	Appliance Instance
	Account   string
	Region    string
	VPCID     string
	AZ        string
	// Result is the PDR-TM-003 result, nil when there is none.
	Result *Verdict
	// Cells are aligned with EgressTable.Paths.
	Cells []PathCell
}

// Requirements are the paths PDR needs: from the agents to the
// appliances, and from the appliances to the data center.
type Requirements struct {
	AgentPorts      []Port
	ApplianceEgress []Egress
}

// profileNetwork is the part of a profile's network.json the view reads.
type profileNetwork struct {
	AgentToAppliance []struct {
		Proto   string `json:"proto"`
		Port    int    `json:"port"`
		Purpose string `json:"purpose"`
	} `json:"agent_to_appliance"`
	ApplianceEgress map[string][]struct {
		Proto   string `json:"proto"`
		Port    int    `json:"port"`
		To      string `json:"to"`
		Purpose string `json:"purpose"`
	} `json:"appliance_egress"`
}

// ParseRequirements reads the network requirements of a data center from a
// profile's network data (network.json, which policy.Engine hands out with
// NetworkRequirements): the same data the rules read as
// data.profile.network, so the matrices ask the rules' questions. name
// names the profile in errors.
func ParseRequirements(name string, network []byte, datacenter string) (Requirements, error) {
	var n profileNetwork
	if err := json.Unmarshal(network, &n); err != nil {
		return Requirements{}, fmt.Errorf("network requirements of profile %q: %w", name, err)
	}
	var req Requirements
	for _, p := range n.AgentToAppliance {
		req.AgentPorts = append(req.AgentPorts, Port{Proto: p.Proto, Port: p.Port, Purpose: p.Purpose})
	}
	egress, ok := n.ApplianceEgress[datacenter]
	if !ok {
		return Requirements{}, fmt.Errorf("profile %q has no appliance egress for data center %q", name, datacenter)
	}
	for _, e := range egress {
		req.ApplianceEgress = append(req.ApplianceEgress, Egress{Proto: e.Proto, Port: e.Port, To: e.To, Purpose: e.Purpose})
	}
	return req, nil
}

// NewNetworkView builds the network view of report r over snap, with the
// requirements in network (the profile's network data) for r's data
// center. It returns nil when snap is nil. When the requirements are
// missing or cannot be read, the path matrices are left out and Note says
// why; the coverage grid never needs them.
func NewNetworkView(snap *model.Snapshot, r *Report, network []byte) *NetworkView {
	if snap == nil || r == nil {
		return nil
	}
	if network == nil {
		v := BuildNetworkView(snap, r, nil)
		v.Note = "the path matrices are left out: no network requirements were given"
		return v
	}
	req, err := ParseRequirements(r.Profile, network, cmp.Or(r.Datacenter, "us"))
	if err != nil {
		v := BuildNetworkView(snap, r, nil)
		v.Note = fmt.Sprintf("the path matrices are left out: %v", err)
		return v
	}
	return BuildNetworkView(snap, r, &req)
}

// placed is an instance with where it is.
type placed struct {
	inst    *model.Instance
	account string
	region  string
}

// vpcKey identifies a VPC in the view (a shared VPC is one VPC).
type vpcKey struct{ region, vpc string }

// BuildNetworkView is NewNetworkView with the requirements given; nil req
// leaves the path matrices out.
func BuildNetworkView(snap *model.Snapshot, r *Report, req *Requirements) *NetworkView {
	kinds := map[string]string{}
	for _, rule := range r.Rules {
		kinds[rule.ID] = rule.ResourceKind
	}
	// Who is who, from the results.
	appliances := map[[3]string]bool{}
	monitored := map[[3]string]bool{}
	ha := map[string]*Verdict{}              // VPC id → PDR-TM-001-like result
	azCoverage := map[string]*Verdict{}      // "<vpc>/<az>" → PDR-TM-002-like result
	egressResult := map[[3]string]*Verdict{} // appliance → PDR-TM-003 result
	for _, res := range r.Results {
		key := [3]string{res.Account, res.Region, res.ResourceID}
		v := &Verdict{Status: res.Status, Message: res.Message}
		switch kinds[res.RuleID] {
		case kindAppliance:
			appliances[key] = true
			if res.RuleID == "PDR-TM-003" {
				egressResult[key] = v
			}
		case kindMonitored, kindMonitoredLinux:
			monitored[key] = true
		case kindVPC:
			if res.RuleID == "PDR-TM-001" {
				ha[res.ResourceID] = v
			}
		case kindVPCAZ:
			if res.RuleID == "PDR-TM-002" {
				azCoverage[res.ResourceID] = v
			}
		}
	}

	// Where they are, from the snapshot.
	instances := map[[3]string]placed{}
	vpcs := map[vpcKey]*model.VPC{}
	vpcAccount := map[vpcKey]string{}
	subnetAZs := map[vpcKey]map[string]bool{}
	for ai := range snap.Accounts {
		a := &snap.Accounts[ai]
		for ri := range a.Regions {
			reg := &a.Regions[ri]
			for ii := range reg.Instances {
				in := &reg.Instances[ii]
				instances[[3]string{a.ID, reg.Name, in.ID}] = placed{inst: in, account: a.ID, region: reg.Name}
			}
			for vi := range reg.VPCs {
				k := vpcKey{reg.Name, reg.VPCs[vi].ID}
				if _, seen := vpcs[k]; !seen {
					// A shared VPC is listed by its owner and its
					// participants; it belongs to its owner.
					vpcs[k], vpcAccount[k] = &reg.VPCs[vi], cmp.Or(reg.VPCs[vi].OwnerID, a.ID)
				}
			}
			for _, s := range reg.Subnets {
				k := vpcKey{reg.Name, s.VPCID}
				if subnetAZs[k] == nil {
					subnetAZs[k] = map[string]bool{}
				}
				if s.AvailabilityZone != "" {
					subnetAZs[k][s.AvailabilityZone] = true
				}
			}
		}
	}

	type vpcFacts struct {
		key        vpcKey
		account    string
		appliances []placed
		monitored  []placed
	}
	facts := map[vpcKey]*vpcFacts{}
	add := func(keys map[[3]string]bool, isAppliance bool) {
		for _, k := range sortedKeys(keys) {
			p, ok := instances[k]
			if !ok || p.inst.VPCID == "" {
				continue
			}
			vk := vpcKey{p.region, p.inst.VPCID}
			f := facts[vk]
			if f == nil {
				f = &vpcFacts{key: vk, account: cmp.Or(vpcAccount[vk], p.account)}
				facts[vk] = f
			}
			if isAppliance {
				f.appliances = append(f.appliances, p)
			} else {
				f.monitored = append(f.monitored, p)
			}
		}
	}
	add(appliances, true)
	add(monitored, false)

	order := make([]*vpcFacts, 0, len(facts))
	for _, f := range facts {
		order = append(order, f)
	}
	slices.SortFunc(order, func(a, b *vpcFacts) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.key.region, b.key.region), cmp.Compare(a.key.vpc, b.key.vpc))
	})

	view := &NetworkView{}
	var engine *netpath.Engine
	if req != nil {
		engine = netpath.New(snap)
		view.Egress = &EgressTable{Datacenter: cmp.Or(r.Datacenter, "us")}
		view.Egress.Paths, view.Egress.Destinations = groupByDestination(req.ApplianceEgress)
	}
	for _, f := range order {
		name := ""
		if v := vpcs[f.key]; v != nil {
			name = v.Tags["Name"]
		}
		// The coverage grid.
		if n := len(view.Coverage); n == 0 || view.Coverage[n-1].Account != f.account || view.Coverage[n-1].Region != f.key.region {
			view.Coverage = append(view.Coverage, RegionCoverage{Account: f.account, Region: f.key.region})
		}
		rc := &view.Coverage[len(view.Coverage)-1]
		row := VPCCoverage{Account: f.account, Region: f.key.region, VPCID: f.key.vpc, Name: name,
			Appliances: len(f.appliances), Monitored: len(f.monitored), HA: ha[f.key.vpc]}
		cells := map[string]*AZCell{}
		cell := func(az string) *AZCell {
			if cells[az] == nil {
				cells[az] = &AZCell{AZ: az}
			}
			return cells[az]
		}
		for az := range subnetAZs[f.key] {
			cell(az).HasSubnet = true
		}
		for _, p := range f.appliances {
			c := cell(p.inst.AvailabilityZone)
			c.Appliances = append(c.Appliances, p.inst.ID)
		}
		for _, p := range f.monitored {
			cell(p.inst.AvailabilityZone).Monitored++
		}
		for az, c := range cells {
			c.Coverage = azCoverage[f.key.vpc+"/"+az]
			if !slices.Contains(rc.AZs, az) {
				rc.AZs = append(rc.AZs, az)
			}
		}
		slices.Sort(rc.AZs)
		// Cells are aligned once every row of the region is known (below).
		row.Cells = make([]AZCell, 0, len(cells))
		for _, c := range cells {
			row.Cells = append(row.Cells, *c)
		}
		rc.VPCs = append(rc.VPCs, row)

		if engine == nil {
			continue
		}
		// Agent → appliance.
		if len(f.monitored) > 0 {
			t := AgentPathTable{Account: f.account, Region: f.key.region, VPCID: f.key.vpc, Name: name, Ports: slices.Clone(req.AgentPorts)}
			for _, a := range f.appliances {
				t.Appliances = append(t.Appliances, Instance{ID: a.inst.ID, Name: a.inst.Tags["Name"]})
			}
			t.Rows = agentRows(engine, f.monitored, t.Appliances, req.AgentPorts)
			view.AgentPaths = append(view.AgentPaths, t)
		}
		// Appliance → data center.
		for _, a := range f.appliances {
			er := EgressRow{Appliance: Instance{ID: a.inst.ID, Name: a.inst.Tags["Name"]}, Account: a.account, Region: a.region,
				VPCID: f.key.vpc, AZ: a.inst.AvailabilityZone, Result: egressResult[[3]string{a.account, a.region, a.inst.ID}]}
			for _, e := range view.Egress.Paths {
				er.Cells = append(er.Cells, pathCell(engine.Reach(netpath.Query{From: a.inst.ID, To: e.To, Proto: e.Proto, Port: e.Port})))
			}
			view.Egress.Rows = append(view.Egress.Rows, er)
		}
	}
	// Align every row's cells with its region's columns.
	for ri := range view.Coverage {
		rc := &view.Coverage[ri]
		for vi := range rc.VPCs {
			byAZ := map[string]AZCell{}
			for _, c := range rc.VPCs[vi].Cells {
				byAZ[c.AZ] = c
			}
			aligned := make([]AZCell, len(rc.AZs))
			for i, az := range rc.AZs {
				aligned[i] = byAZ[az]
				aligned[i].AZ = az
			}
			rc.VPCs[vi].Cells = aligned
		}
	}
	return view
}

// agentRows asks, for every monitored instance, every appliance on every
// port, and groups the instances whose cells agree (same verdicts, same
// blocking components). Rows with blocked cells come first, then rows
// with unknown ones, then the rest, each by first instance id.
func agentRows(engine *netpath.Engine, monitored []placed, appliances []Instance, ports []Port) []AgentPathRow {
	var rows []AgentPathRow
	index := map[string]int{}
	for _, m := range monitored {
		cells := make([]PathCell, 0, len(appliances)*len(ports))
		var sig strings.Builder
		for _, a := range appliances {
			for _, p := range ports {
				c := pathCell(engine.Reach(netpath.Query{From: m.inst.ID, To: a.ID, Proto: p.Proto, Port: p.Port}))
				c.For = m.inst.ID
				cells = append(cells, c)
				sig.WriteString(c.Verdict)
				if b := c.BlockedBy; b != nil {
					fmt.Fprintf(&sig, ":%s:%s:%s:%s", b.ID, b.Kind, b.Direction, b.Rule)
				}
				fmt.Fprintf(&sig, ":%q;", c.Missing)
			}
		}
		inst := Instance{ID: m.inst.ID, Name: m.inst.Tags["Name"]}
		if i, ok := index[sig.String()]; ok {
			rows[i].Instances = append(rows[i].Instances, inst)
			continue
		}
		index[sig.String()] = len(rows)
		row := AgentPathRow{Instances: []Instance{inst}, Cells: cells}
		for _, c := range cells {
			switch c.Verdict {
			case netpath.Blocked:
				row.Blocked++
			case netpath.Unknown:
				row.Unknown++
			}
		}
		rows = append(rows, row)
	}
	for i := range rows {
		slices.SortFunc(rows[i].Instances, func(a, b Instance) int { return cmp.Compare(a.ID, b.ID) })
	}
	rank := func(r AgentPathRow) int {
		switch {
		case r.Blocked > 0:
			return 0
		case r.Unknown > 0:
			return 1
		}
		return 2
	}
	slices.SortFunc(rows, func(a, b AgentPathRow) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Instances[0].ID, b.Instances[0].ID))
	})
	return rows
}

// pathCell converts a netpath verdict.
func pathCell(v netpath.Verdict) PathCell {
	c := PathCell{Verdict: v.Verdict, Missing: slices.Clone(v.Missing)}
	if b := v.BlockedBy; b != nil {
		c.BlockedBy = &finding.Component{ID: b.ID, Kind: b.Kind, Direction: b.Direction, Rule: b.Rule, Reason: b.Reason}
	}
	return c
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[[3]string]bool) [][3]string {
	keys := make([][3]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [3]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]), cmp.Compare(a[2], b[2]))
	})
	return keys
}
