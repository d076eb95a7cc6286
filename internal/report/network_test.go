package report

import (
	"bytes"
	"github.com/pdr-audit/pdr-audit/policies"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

var moreBlocked = regexp.MustCompile(`\(and (\d+) more blocked\)`)

// blockedCount is how many paths a network result says are blocked: the
// first one, and "(and N more blocked)".
func blockedCount(msg string) int {
	if m := moreBlocked.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n + 1
	}
	return 1
}

// tally counts the verdicts of cells.
func tally(cells []PathCell) (allowed, blocked, unknown int, components map[string]bool) {
	components = map[string]bool{}
	for _, c := range cells {
		switch c.Verdict {
		case netpath.Allowed:
			allowed++
		case netpath.Blocked:
			blocked++
			components[c.BlockedBy.ID] = true
		default:
			unknown++
		}
	}
	return allowed, blocked, unknown, components
}

// checkNetResult checks a PDR-AG-001 or PDR-TM-003 result against the
// cells of its resource: pass when every path is allowed; fail naming one
// of the blocking components, with as many blocked paths as it says;
// unknown when nothing is blocked and something is undecided.
func checkNetResult(t *testing.T, res finding.Result, cells []PathCell) {
	t.Helper()
	allowed, blocked, unknown, components := tally(cells)
	switch res.Status {
	case finding.Pass:
		if allowed != len(cells) || len(cells) == 0 {
			t.Errorf("%s %s passes, but its cells are %d allowed of %d", res.RuleID, res.ResourceID, allowed, len(cells))
		}
	case finding.Fail:
		if res.BlockedBy == nil {
			if len(cells) != 0 {
				t.Errorf("%s %s fails without a blocking component (%q), but has %d cells", res.RuleID, res.ResourceID, res.Message, len(cells))
			}
			return
		}
		if !components[res.BlockedBy.ID] {
			t.Errorf("%s %s is blocked by %s, which blocks none of its cells (%v)", res.RuleID, res.ResourceID, res.BlockedBy.ID, components)
		}
		if want := blockedCount(res.Message); blocked != want {
			t.Errorf("%s %s says %d paths are blocked (%q); its cells have %d", res.RuleID, res.ResourceID, want, res.Message, blocked)
		}
	case finding.Unknown:
		if blocked != 0 || unknown == 0 {
			t.Errorf("%s %s is unknown; its cells are %d blocked, %d unknown", res.RuleID, res.ResourceID, blocked, unknown)
		}
	}
}

// The network view of the demo estate agrees with the rules' results:
// the path matrices hold every path the rules ask about, with the same
// verdicts and blocking components, and the coverage grid holds every
// PDR-TM-001 and PDR-TM-002 result.
func TestDemoNetworkViewAgreesWithTheResults(t *testing.T) {
	r, _ := demo(t)
	v := r.Network
	if v == nil || v.Note != "" {
		t.Fatalf("network view %+v, want one without a note", v)
	}
	agentCells := map[string][]PathCell{}
	agentHasAppliances := map[string]bool{}
	for _, tbl := range v.AgentPaths {
		if len(tbl.Ports) != 2 {
			t.Errorf("%s: ports %v, want the profile's tcp/443 and tcp/7777", tbl.VPCID, tbl.Ports)
		}
		for _, row := range tbl.Rows {
			if len(row.Cells) != len(tbl.Appliances)*len(tbl.Ports) {
				t.Errorf("%s: a row has %d cells for %d appliances and %d ports", tbl.VPCID, len(row.Cells), len(tbl.Appliances), len(tbl.Ports))
			}
			for _, in := range row.Instances {
				if _, dup := agentCells[in.ID]; dup {
					t.Errorf("%s is in two rows", in.ID)
				}
				agentCells[in.ID] = row.Cells
				agentHasAppliances[in.ID] = len(tbl.Appliances) > 0
			}
		}
	}
	egressCells := map[string][]PathCell{}
	for _, row := range v.Egress.Rows {
		if len(row.Cells) != len(v.Egress.Paths) {
			t.Errorf("%s has %d cells for %d paths", row.Appliance.ID, len(row.Cells), len(v.Egress.Paths))
		}
		egressCells[row.Appliance.ID] = row.Cells
	}
	ha := map[string]finding.Status{}
	az := map[string]finding.Status{}
	monitored, appliances := 0, 0
	for _, rc := range v.Coverage {
		for _, vpc := range rc.VPCs {
			if len(vpc.Cells) != len(rc.AZs) {
				t.Errorf("%s has %d cells for %d zones", vpc.VPCID, len(vpc.Cells), len(rc.AZs))
			}
			if vpc.HA != nil {
				ha[vpc.VPCID] = vpc.HA.Status
			}
			n, m := 0, 0
			for _, c := range vpc.Cells {
				if c.Coverage != nil {
					az[vpc.VPCID+"/"+c.AZ] = c.Coverage.Status
				}
				n += len(c.Appliances)
				m += c.Monitored
			}
			if n != vpc.Appliances || m != vpc.Monitored {
				t.Errorf("%s counts %d appliances and %d monitored; its zones %d and %d", vpc.VPCID, vpc.Appliances, vpc.Monitored, n, m)
			}
			monitored += m
			appliances += n
		}
	}

	counts := map[string]int{}
	for _, res := range r.Results {
		counts[res.RuleID]++
		switch res.RuleID {
		case "PDR-AG-001":
			cells, ok := agentCells[res.ResourceID]
			if !ok {
				t.Errorf("%s is in no agent → appliance row", res.ResourceID)
				continue
			}
			if agentHasAppliances[res.ResourceID] != (res.BlockedBy != nil || res.Status != finding.Fail) {
				t.Errorf("%s: %q, but its VPC's table has appliances %v", res.ResourceID, res.Message, agentHasAppliances[res.ResourceID])
			}
			checkNetResult(t, res, cells)
		case "PDR-TM-003":
			cells, ok := egressCells[res.ResourceID]
			if !ok {
				t.Errorf("appliance %s has no egress row", res.ResourceID)
				continue
			}
			checkNetResult(t, res, cells)
		case "PDR-TM-001":
			if got, ok := ha[res.ResourceID]; !ok || got != res.Status {
				t.Errorf("%s: HA badge %q (present %v), want %q", res.ResourceID, got, ok, res.Status)
			}
		case "PDR-TM-002":
			if got, ok := az[res.ResourceID]; !ok || got != res.Status {
				t.Errorf("%s: coverage cell %q (present %v), want %q", res.ResourceID, got, ok, res.Status)
			}
		}
	}
	if monitored != counts["PDR-AG-001"] || len(agentCells) != monitored {
		t.Errorf("the grid counts %d monitored instances, the matrix %d; PDR-AG-001 has %d results", monitored, len(agentCells), counts["PDR-AG-001"])
	}
	if appliances != counts["PDR-TM-003"] || len(egressCells) != appliances {
		t.Errorf("the grid counts %d appliances, the egress matrix %d; PDR-TM-003 has %d results", appliances, len(egressCells), counts["PDR-TM-003"])
	}
	if len(ha) != counts["PDR-TM-001"] || len(az) != counts["PDR-TM-002"] {
		t.Errorf("the grid has %d HA badges and %d zone verdicts; want %d and %d", len(ha), len(az), counts["PDR-TM-001"], counts["PDR-TM-002"])
	}
	// The demo story: the analytics VPC's appliance group admits no
	// tcp/7777, so every agent is blocked on 7777 to both appliances.
	for _, tbl := range v.AgentPaths {
		if tbl.VPCID != "vpc-0b00ac00b93843520" {
			continue
		}
		if len(tbl.Rows) != 1 || len(tbl.Rows[0].Instances) != 10 || tbl.Rows[0].Blocked != 2 {
			t.Errorf("analytics: rows %+v, want one group of 10 instances with 2 blocked cells", tbl.Rows)
		}
	}
}

// embeddedNetwork reads a profile's network data from the embedded bundle,
// as policy.Engine.NetworkRequirements hands it to the CLI.
func embeddedNetwork(t *testing.T, profile string) []byte {
	t.Helper()
	b, err := policies.FS.ReadFile(path.Join("data", "profiles", profile, "network.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRequirements(t *testing.T) {
	tests := []struct {
		name, profile, dc string
		network           []byte
		egress            int
		err               string
	}{
		{"the US data center has thirteen required paths", "pdr-2020-03", "us", nil, 13, ""},
		{"the EU data center has eight", "pdr-2018-10", "eu", nil, 8, ""},
		{"an unknown data center is an error", "pdr-2020-03", "ap", nil, 0, `no appliance egress for data center "ap"`},
		{"malformed network data is an error", "pdr-1999-01", "us", []byte("{"), 0, `network requirements of profile "pdr-1999-01"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			network := tt.network
			if network == nil {
				network = embeddedNetwork(t, tt.profile)
			}
			req, err := ParseRequirements(tt.profile, network, tt.dc)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := []Port{{Proto: "tcp", Port: 443, Purpose: "Alert Logic agent updates"}, {Proto: "tcp", Port: 7777, Purpose: "Alert Logic agent data transport"}}
			if diff := cmp.Diff(want, req.AgentPorts); diff != "" {
				t.Errorf("agent ports (-want +got):\n%s", diff)
			}
			if len(req.ApplianceEgress) != tt.egress {
				t.Errorf("%d egress paths, want %d", len(req.ApplianceEgress), tt.egress)
			}
		})
	}
}

func TestGroupByDestinationKeepsFirstAppearance(t *testing.T) {
	in := []Egress{{Proto: "tcp", Port: 443, To: "a"}, {Proto: "tcp", Port: 443, To: "b"}, {Proto: "tcp", Port: 4138, To: "a"}, {Proto: "tcp", Port: 80, To: "internet"}, {Proto: "udp", Port: 123, To: "b"}}
	paths, dests := groupByDestination(in)
	want := []Egress{in[0], in[2], in[1], in[4], in[3]}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Destination{{"a", 2}, {"b", 2}, {"internet", 1}}, dests); diff != "" {
		t.Errorf("destinations (-want +got):\n%s", diff)
	}
}

func TestNetworkViewWithoutRequirementsKeepsTheGrid(t *testing.T) {
	r, snap := demo(t)
	v := NewNetworkView(snap, r, nil)
	if v == nil || len(v.Coverage) == 0 {
		t.Fatal("no coverage grid without the requirements")
	}
	if v.Egress != nil || len(v.AgentPaths) != 0 || !strings.Contains(v.Note, "the path matrices are left out") {
		t.Errorf("egress %v, %d agent tables, note %q; want no matrices and a note", v.Egress, len(v.AgentPaths), v.Note)
	}
	if NewNetworkView(nil, r, embeddedNetwork(t, "pdr-2020-03")) != nil {
		t.Error("a view without a snapshot is not nil")
	}
}

func TestTheNetworkViewIsNotInTheJSONReport(t *testing.T) {
	results, gaps, meta := sample()
	r := New(results, gaps, meta)
	var without bytes.Buffer
	if err := WriteJSON(&without, r); err != nil {
		t.Fatal(err)
	}
	r.Network = sampleNetwork()
	var with bytes.Buffer
	if err := WriteJSON(&with, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(without.Bytes(), with.Bytes()) {
		t.Error("setting Report.Network changes the JSON report")
	}
}
