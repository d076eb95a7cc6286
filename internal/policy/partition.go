package policy

import (
	"slices"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// The catalog is evaluated part by part: every rule of the catalog relates
// an instance only to resources of its own VPC (its appliances, its route
// tables and NAT gateways, the VPC and its zones), of its own account and
// region (Default Host Management, the region's coverage gaps) or of its
// own account (instance profiles, IAM gaps). So a part holds whole VPCs of
// one region, across accounts (a shared VPC's instances may belong to
// several), with what those rules read of their accounts and region, and
// every gap that is not of another region. Parts are evaluated one after
// the other (or a few at once) and released, so memory follows the
// largest part rather than the estate, and evaluation time grows with the
// estate, not its square.
//
// Gaps of no region of the snapshot (IAM's "global", an account that could
// not be entered) go to every part; the results they yield in several
// parts are equal and merge into one.
//
// partition_test.go checks that the parts give what one evaluation of the
// whole snapshot gives: a rule that comes to read more of the snapshot
// (another list, another region) fails it until catalogInput carries it.

// partSize is the number of instances a part is filled up to with whole
// VPCs; a VPC larger than that is a part of its own.
var partSize = 1000

// catalogInput is what the catalog reads of the snapshot for one part:
// the snapshot's layout, with only the lists the rules read.
type catalogInput struct {
	Accounts []catalogAccount `json:"accounts"`
	Gaps     []*model.Gap     `json:"gaps"`
}

type catalogAccount struct {
	ID               string                   `json:"id"`
	InstanceProfiles []*model.InstanceProfile `json:"instance_profiles"`
	Regions          []catalogRegion          `json:"regions"`
}

type catalogRegion struct {
	Name                  string                `json:"name"`
	RouteTables           []*model.RouteTable   `json:"route_tables"`
	NATGateways           []*model.NATGateway   `json:"nat_gateways"`
	Instances             []*model.Instance     `json:"instances"`
	SSMInstances          []*model.SSMInstance  `json:"ssm_instances"`
	Kernels               []*model.Kernel       `json:"kernels"`
	DefaultHostManagement *model.ServiceSetting `json:"default_host_management"`
}

// partPlan is one part: a region (by name, every account's) and the VPCs
// of it the part holds.
type partPlan struct {
	region string
	vpcs   map[string]bool
	// instances is how many instances the part holds.
	instances int
}

// planParts splits a normalized snapshot into parts: per region name (in
// sorted order), its VPCs in sorted order, grouped up to partSize
// instances. A region without instances is a part of its own (its gaps
// must still be reported), and so is a snapshot without regions.
func planParts(s *model.Snapshot) []partPlan {
	var regions []string
	count := map[string]map[string]int{} // region → VPC → instances
	for _, a := range s.Accounts {
		for _, r := range a.Regions {
			if count[r.Name] == nil {
				count[r.Name] = map[string]int{}
				regions = append(regions, r.Name)
			}
			for _, i := range r.Instances {
				count[r.Name][i.VPCID]++
			}
		}
	}
	slices.Sort(regions)
	var plans []partPlan
	for _, name := range regions {
		vpcs := make([]string, 0, len(count[name]))
		for v := range count[name] {
			vpcs = append(vpcs, v)
		}
		slices.Sort(vpcs)
		cur := partPlan{region: name, vpcs: map[string]bool{}}
		for _, v := range vpcs {
			n := count[name][v]
			if cur.instances > 0 && cur.instances+n > partSize {
				plans = append(plans, cur)
				cur = partPlan{region: name, vpcs: map[string]bool{}}
			}
			cur.vpcs[v] = true
			cur.instances += n
		}
		plans = append(plans, cur)
	}
	if len(plans) == 0 {
		plans = append(plans, partPlan{vpcs: map[string]bool{}})
	}
	return plans
}

// input builds the catalog's input for part p of s.
func (p partPlan) input(s *model.Snapshot) catalogInput {
	regions := map[string]bool{}
	for _, a := range s.Accounts {
		for _, r := range a.Regions {
			regions[r.Name] = true
		}
	}
	in := catalogInput{Accounts: []catalogAccount{}, Gaps: []*model.Gap{}}
	for i := range s.Gaps {
		g := &s.Gaps[i]
		if g.Region == p.region || !regions[g.Region] {
			in.Gaps = append(in.Gaps, g)
		}
	}
	for ai := range s.Accounts {
		a := &s.Accounts[ai]
		for ri := range a.Regions {
			r := &a.Regions[ri]
			if r.Name != p.region {
				continue
			}
			cr := catalogRegion{Name: r.Name, DefaultHostManagement: r.DefaultHostManagement}
			ids := map[string]bool{}
			profiles := map[string]bool{}
			for k := range r.Instances {
				i := &r.Instances[k]
				if p.vpcs[i.VPCID] {
					cr.Instances = append(cr.Instances, i)
					ids[i.ID] = true
					profiles[i.IAMInstanceProfileARN] = true
				}
			}
			if len(cr.Instances) == 0 {
				continue
			}
			for k := range r.SSMInstances {
				if ids[r.SSMInstances[k].InstanceID] {
					cr.SSMInstances = append(cr.SSMInstances, &r.SSMInstances[k])
				}
			}
			for k := range r.Kernels {
				if ids[r.Kernels[k].InstanceID] {
					cr.Kernels = append(cr.Kernels, &r.Kernels[k])
				}
			}
			for k := range r.RouteTables {
				cr.RouteTables = append(cr.RouteTables, &r.RouteTables[k])
			}
			for k := range r.NATGateways {
				cr.NATGateways = append(cr.NATGateways, &r.NATGateways[k])
			}
			ca := catalogAccount{ID: a.ID, Regions: []catalogRegion{orEmpty(cr)}}
			for k := range a.InstanceProfiles {
				if profiles[a.InstanceProfiles[k].ARN] {
					ca.InstanceProfiles = append(ca.InstanceProfiles, &a.InstanceProfiles[k])
				}
			}
			if ca.InstanceProfiles == nil {
				ca.InstanceProfiles = []*model.InstanceProfile{}
			}
			in.Accounts = append(in.Accounts, ca)
		}
	}
	return in
}

// orEmpty gives a region's lists the empty value a normalized snapshot
// has.
func orEmpty(r catalogRegion) catalogRegion {
	if r.RouteTables == nil {
		r.RouteTables = []*model.RouteTable{}
	}
	if r.NATGateways == nil {
		r.NATGateways = []*model.NATGateway{}
	}
	if r.SSMInstances == nil {
		r.SSMInstances = []*model.SSMInstance{}
	}
	if r.Kernels == nil {
		r.Kernels = []*model.Kernel{}
	}
	return r
}
