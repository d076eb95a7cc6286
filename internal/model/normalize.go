package model

import (
	"cmp"
	"slices"
)

// Normalize sorts every slice of the snapshot by its natural key and
// replaces nil slices with empty ones, so that two snapshots of the same
// observations are byte-identical whatever order the API pages came in.
func (s *Snapshot) Normalize() {
	s.Scope.Accounts = sortedStrings(s.Scope.Accounts)
	s.Scope.Regions = sortedStrings(s.Scope.Regions)
	if s.Accounts == nil {
		s.Accounts = []Account{}
	}
	slices.SortFunc(s.Accounts, func(a, b Account) int { return cmp.Compare(a.ID, b.ID) })
	for i := range s.Accounts {
		s.Accounts[i].normalize()
	}
	if s.Gaps == nil {
		s.Gaps = []Gap{}
	}
	slices.SortFunc(s.Gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.API, b.API), cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Code, b.Code))
	})
	s.Gaps = slices.Compact(s.Gaps)
}

func (a *Account) normalize() {
	if a.InstanceProfiles == nil {
		a.InstanceProfiles = []InstanceProfile{}
	}
	byKey(a.InstanceProfiles, func(p InstanceProfile) string { return p.ARN + "\x00" + p.Name })
	for i := range a.InstanceProfiles {
		p := &a.InstanceProfiles[i]
		if p.Roles == nil {
			p.Roles = []Role{}
		}
		byKey(p.Roles, func(r Role) string { return r.Name })
		for j := range p.Roles {
			if p.Roles[j].PoliciesRead {
				p.Roles[j].AttachedPolicies = sortedStrings(p.Roles[j].AttachedPolicies)
			}
		}
	}
	if a.Regions == nil {
		a.Regions = []Region{}
	}
	byKey(a.Regions, func(r Region) string { return r.Name })
	for i := range a.Regions {
		a.Regions[i].normalize()
	}
}

func (r *Region) normalize() {
	r.VPCs = orEmpty(r.VPCs)
	byKey(r.VPCs, func(v VPC) string { return v.ID })
	for i := range r.VPCs {
		r.VPCs[i].CIDRBlocks = sortedStrings(r.VPCs[i].CIDRBlocks)
		r.VPCs[i].IPv6CIDRBlocks = sortedStrings(r.VPCs[i].IPv6CIDRBlocks)
	}
	r.Subnets = orEmpty(r.Subnets)
	byKey(r.Subnets, func(v Subnet) string { return v.ID })
	for i := range r.Subnets {
		r.Subnets[i].IPv6CIDRBlocks = sortedStrings(r.Subnets[i].IPv6CIDRBlocks)
	}
	r.SecurityGroups = orEmpty(r.SecurityGroups)
	byKey(r.SecurityGroups, func(v SecurityGroup) string { return v.ID })
	for i := range r.SecurityGroups {
		g := &r.SecurityGroups[i]
		g.Ingress = normalizePermissions(g.Ingress)
		g.Egress = normalizePermissions(g.Egress)
	}
	r.NetworkACLs = orEmpty(r.NetworkACLs)
	byKey(r.NetworkACLs, func(v NetworkACL) string { return v.ID })
	for i := range r.NetworkACLs {
		n := &r.NetworkACLs[i]
		n.Entries = orEmpty(n.Entries)
		slices.SortFunc(n.Entries, func(a, b NetworkACLEntry) int {
			return cmp.Or(compareBool(a.Egress, b.Egress), cmp.Compare(a.RuleNumber, b.RuleNumber))
		})
		n.Associations = orEmpty(n.Associations)
		byKey(n.Associations, func(v NetworkACLAssociation) string { return v.SubnetID + "\x00" + v.ID })
	}
	r.RouteTables = orEmpty(r.RouteTables)
	byKey(r.RouteTables, func(v RouteTable) string { return v.ID })
	for i := range r.RouteTables {
		t := &r.RouteTables[i]
		t.Routes = orEmpty(t.Routes)
		byKey(t.Routes, func(v Route) string {
			return v.DestinationCIDR + "\x00" + v.DestinationIPv6CIDR + "\x00" + v.DestinationPrefixListID + "\x00" + v.TargetID
		})
		t.Associations = orEmpty(t.Associations)
		byKey(t.Associations, func(v RouteTableAssociation) string { return v.ID })
	}
	r.NATGateways = orEmpty(r.NATGateways)
	byKey(r.NATGateways, func(v NATGateway) string { return v.ID })
	for i := range r.NATGateways {
		r.NATGateways[i].Addresses = orEmpty(r.NATGateways[i].Addresses)
		byKey(r.NATGateways[i].Addresses, func(v NATAddress) string { return v.PrivateIP + "\x00" + v.PublicIP })
	}
	r.InternetGateways = orEmpty(r.InternetGateways)
	byKey(r.InternetGateways, func(v InternetGateway) string { return v.ID })
	for i := range r.InternetGateways {
		r.InternetGateways[i].Attachments = orEmpty(r.InternetGateways[i].Attachments)
		byKey(r.InternetGateways[i].Attachments, func(v InternetGatewayAttachment) string { return v.VPCID })
	}
	r.VPCEndpoints = orEmpty(r.VPCEndpoints)
	byKey(r.VPCEndpoints, func(v VPCEndpoint) string { return v.ID })
	for i := range r.VPCEndpoints {
		e := &r.VPCEndpoints[i]
		e.SubnetIDs = sortedStrings(e.SubnetIDs)
		e.SecurityGroupIDs = sortedStrings(e.SecurityGroupIDs)
		e.NetworkInterfaceIDs = sortedStrings(e.NetworkInterfaceIDs)
		e.RouteTableIDs = sortedStrings(e.RouteTableIDs)
	}
	r.PrefixLists = orEmpty(r.PrefixLists)
	byKey(r.PrefixLists, func(v PrefixList) string { return v.ID })
	for i := range r.PrefixLists {
		r.PrefixLists[i].CIDRs = sortedStrings(r.PrefixLists[i].CIDRs)
	}
	r.Instances = orEmpty(r.Instances)
	byKey(r.Instances, func(v Instance) string { return v.ID })
	for i := range r.Instances {
		in := &r.Instances[i]
		in.SecurityGroupIDs = sortedStrings(in.SecurityGroupIDs)
		in.NetworkInterfaces = orEmpty(in.NetworkInterfaces)
		slices.SortFunc(in.NetworkInterfaces, func(a, b NetworkInterface) int {
			return cmp.Or(cmp.Compare(a.DeviceIndex, b.DeviceIndex), cmp.Compare(a.ID, b.ID))
		})
		for j := range in.NetworkInterfaces {
			n := &in.NetworkInterfaces[j]
			n.PrivateIPs = sortedStrings(n.PrivateIPs)
			n.IPv6Addresses = sortedStrings(n.IPv6Addresses)
			n.SecurityGroupIDs = sortedStrings(n.SecurityGroupIDs)
		}
	}
	r.SSMInstances = orEmpty(r.SSMInstances)
	byKey(r.SSMInstances, func(v SSMInstance) string { return v.InstanceID })
	r.Kernels = orEmpty(r.Kernels)
	byKey(r.Kernels, func(v Kernel) string { return v.InstanceID })
}

func normalizePermissions(ps []Permission) []Permission {
	ps = orEmpty(ps)
	for i := range ps {
		p := &ps[i]
		p.IPv4Ranges = sortedStrings(p.IPv4Ranges)
		p.IPv6Ranges = sortedStrings(p.IPv6Ranges)
		p.PrefixListIDs = sortedStrings(p.PrefixListIDs)
		p.Groups = orEmpty(p.Groups)
		byKey(p.Groups, func(g GroupRef) string { return g.GroupID + "\x00" + g.UserID })
	}
	slices.SortStableFunc(ps, func(a, b Permission) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), comparePort(a.FromPort, b.FromPort), comparePort(a.ToPort, b.ToPort))
	})
	return ps
}

func comparePort(a, b *int32) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func byKey[T any](s []T, key func(T) string) {
	slices.SortStableFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func sortedStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	slices.Sort(s)
	return slices.Compact(s)
}
