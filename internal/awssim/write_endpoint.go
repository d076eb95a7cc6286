package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// VPC endpoint writes: CreateVpcEndpoint and DeleteVpcEndpoints, on
// ec2/describe-vpc-endpoints.
//
// Simplifications: an endpoint is "available" as soon as it is created
// (the CreateVpcEndpoint answer says "pending" for an interface endpoint,
// as AWS does, but every later describe says "available"), and a deleted
// endpoint is gone at once rather than "deleting" then "deleted". A gateway
// endpoint adds no prefix-list routes to its route tables, and an interface
// endpoint's network interfaces take no address from its subnets.

// defaultEndpointPolicy is the full-access policy AWS gives an endpoint
// created without one.
const defaultEndpointPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// endpointService splits a service name of the call's region:
// com.amazonaws.<region>.<service> (an AWS service) or
// com.amazonaws.vpce.<region>.vpce-svc-… (an endpoint service).
func endpointService(c *call, name string) (svc string, aws bool, ok bool) {
	if svc, ok := strings.CutPrefix(name, "com.amazonaws.vpce."+c.Region+"."); ok && strings.HasPrefix(svc, "vpce-svc-") {
		return svc, false, true
	}
	if svc, ok := strings.CutPrefix(name, "com.amazonaws."+c.Region+"."); ok && svc != "" {
		return svc, true, true
	}
	return "", false, false
}

// createVpcEndpoint creates an Interface or Gateway endpoint. The VPC, the
// subnets (one per Availability Zone), the security groups and the route
// tables must exist in the VPC; an interface endpoint with private DNS for
// a service that already has one in the VPC is refused, as AWS refuses the
// conflicting private hosted zone.
func createVpcEndpoint(s *Server, c *call) (map[string]any, *APIError) {
	in := c.Input
	vpcID, service := strParam(in, "VpcId"), strParam(in, "ServiceName")
	if vpcID == "" {
		return nil, missingParam("VpcId")
	}
	if service == "" {
		return nil, missingParam("ServiceName")
	}
	typ := nonEmpty(strParam(in, "VpcEndpointType"), "Gateway")
	if typ != "Interface" && typ != "Gateway" {
		return nil, apiErr("UnsupportedOperation", "The simulator does not create %s endpoints.", typ)
	}
	svc, awsService, ok := endpointService(c, service)
	if !ok {
		return nil, apiErr("InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist", service)
	}
	subnetIDs, groupIDs, rtIDs := strList(in, "SubnetIds"), strList(in, "SecurityGroupIds"), strList(in, "RouteTableIds")
	privateDNS := false
	if typ == "Interface" {
		// AWS's default for an interface endpoint to an AWS service is true;
		// an endpoint service has no private DNS name here.
		privateDNS = awsService
		if b, set := in["PrivateDnsEnabled"].(bool); set {
			if b && !awsService {
				return nil, apiErr("InvalidParameter", "Private DNS can't be enabled because the service %s does not provide a private DNS name.", service)
			}
			privateDNS = b
		}
		if len(rtIDs) > 0 {
			return nil, apiErr("InvalidParameter", "Route table IDs are only supported for Gateway type VPC Endpoint.")
		}
	} else {
		if len(subnetIDs) > 0 || len(groupIDs) > 0 {
			return nil, apiErr("InvalidParameter", "Subnet IDs and security group IDs are only supported for Interface type VPC Endpoint.")
		}
		if b, _ := in["PrivateDnsEnabled"].(bool); b {
			return nil, apiErr("InvalidParameter", "Private DNS can only be enabled for Interface type VPC Endpoint.")
		}
	}
	var out map[string]any
	err := s.world.write(func(t *tx) *APIError {
		if _, v := find(t.get(regionKey(c, fileVpcs)), "Vpcs", "VpcId", vpcID); v == nil {
			return apiErr("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpcID)
		}
		var azs []string
		seenAZ := map[string]bool{}
		subnets := t.get(regionKey(c, fileSubnets))
		for _, id := range subnetIDs {
			_, sn := find(subnets, "Subnets", "SubnetId", id)
			if sn == nil {
				return apiErr("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
			}
			if strParam(sn, "VpcId") != vpcID {
				return apiErr("InvalidParameter", "The subnet ID '%s' does not belong to the VPC '%s'", id, vpcID)
			}
			az := strParam(sn, "AvailabilityZone")
			if seenAZ[az] {
				return apiErr("DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone of %s. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", id)
			}
			seenAZ[az] = true
			azs = append(azs, az)
		}
		groups, err := endpointGroups(t, c, vpcID, groupIDs, typ == "Interface")
		if err != nil {
			return err
		}
		for _, id := range rtIDs {
			_, rt := find(t.get(regionKey(c, fileRouteTables)), "RouteTables", "RouteTableId", id)
			if rt == nil || strParam(rt, "VpcId") != vpcID {
				return apiErr("InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", id)
			}
		}
		if err := checkDryRun(c); err != nil {
			return err
		}
		domain := svc + "." + c.Region + ".amazonaws.com"
		key := regionKey(c, fileVpcEndpoints)
		if privateDNS {
			for _, e := range list(t.get(key), "VpcEndpoints") {
				ep, _ := e.(map[string]any)
				if dns, _ := ep["PrivateDnsEnabled"].(bool); dns && strParam(ep, "VpcId") == vpcID && strParam(ep, "ServiceName") == service {
					return apiErr("InvalidParameter", "private-dns-enabled cannot be set because there is already a conflicting DNS domain for %s in the VPC %s", domain, vpcID)
				}
			}
		}
		id := t.w.newID("vpce-")
		ep := map[string]any{
			"VpcEndpointId":     id,
			"VpcEndpointType":   typ,
			"VpcId":             vpcID,
			"ServiceName":       service,
			"State":             "available",
			"PolicyDocument":    nonEmpty(strParam(in, "PolicyDocument"), defaultEndpointPolicy),
			"RouteTableIds":     anyList(rtIDs),
			"SubnetIds":         anyList(subnetIDs),
			"Groups":            groups,
			"PrivateDnsEnabled": privateDNS,
			"RequesterManaged":  false,
			"CreationTimestamp": awsTimeMillis(s.opts.Now()),
			"Tags":              anyList(nil),
			"OwnerId":           c.Account,
		}
		enis, entries := []any{}, []any{}
		if typ == "Interface" {
			ep["IpAddressType"] = "ipv4"
			ep["DnsOptions"] = map[string]any{"DnsRecordIpType": "ipv4"}
			for range subnetIDs {
				enis = append(enis, t.w.newID("eni-"))
			}
			entries = endpointDNS(c, id, svc, azs, privateDNS, domain)
		}
		ep["NetworkInterfaceIds"] = enis
		ep["DnsEntries"] = entries
		if tags := requestTags(in, "vpc-endpoint"); len(tags) > 0 {
			ep["Tags"] = tags
		}
		doc := t.edit(key)
		doc["VpcEndpoints"] = append(list(doc, "VpcEndpoints"), ep)
		answer, _ := deepCopy(ep).(map[string]any)
		if typ == "Interface" {
			answer["State"] = "pending"
		}
		out = map[string]any{"VpcEndpoint": answer}
		if tok := strParam(in, "ClientToken"); tok != "" {
			out["ClientToken"] = tok
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// endpointGroups resolves an interface endpoint's security groups (the
// VPC's default group when none is named) as the endpoint's Groups.
func endpointGroups(t *tx, c *call, vpcID string, ids []string, iface bool) ([]any, *APIError) {
	groups := []any{}
	if !iface {
		return groups, nil
	}
	doc := t.get(regionKey(c, fileSecurityGroups))
	if len(ids) == 0 {
		for _, it := range list(doc, "SecurityGroups") {
			g, _ := it.(map[string]any)
			if strParam(g, "VpcId") == vpcID && strParam(g, "GroupName") == "default" {
				return append(groups, map[string]any{"GroupId": strParam(g, "GroupId"), "GroupName": "default"}), nil
			}
		}
		return groups, nil
	}
	for _, id := range ids {
		_, g := find(doc, "SecurityGroups", "GroupId", id)
		if g == nil {
			return nil, apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
		if strParam(g, "VpcId") != vpcID {
			return nil, apiErr("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, vpcID)
		}
		groups = append(groups, map[string]any{"GroupId": id, "GroupName": strParam(g, "GroupName")})
	}
	return groups, nil
}

// endpointDNS builds an interface endpoint's DNS entries: the regional
// name, one per Availability Zone, and the service's own name when private
// DNS is on.
func endpointDNS(c *call, id, svc string, azs []string, private bool, domain string) []any {
	sum := sha256.Sum256([]byte(id))
	suffix := hex.EncodeToString(sum[:4])
	zone := "Z" + strings.ToUpper(hex.EncodeToString(sum[4:11]))
	base := "." + svc + "." + c.Region + ".vpce.amazonaws.com"
	entries := []any{map[string]any{"DnsName": id + "-" + suffix + base, "HostedZoneId": zone}}
	for _, az := range azs {
		entries = append(entries, map[string]any{"DnsName": id + "-" + suffix + "-" + az + base, "HostedZoneId": zone})
	}
	if private {
		pz := "Z" + strings.ToUpper(hex.EncodeToString(sum[11:20]))
		entries = append(entries, map[string]any{"DnsName": domain, "HostedZoneId": pz})
	}
	return entries
}

// deleteVpcEndpoints deletes endpoints; an unknown id is reported in
// Unsuccessful, as AWS reports the items of a bulk request it could not do.
func deleteVpcEndpoints(s *Server, c *call) (map[string]any, *APIError) {
	ids := strList(c.Input, "VpcEndpointIds")
	if len(ids) == 0 {
		return nil, missingParam("VpcEndpointId")
	}
	unsuccessful := []any{}
	err := s.world.write(func(t *tx) *APIError {
		if err := checkDryRun(c); err != nil {
			return err
		}
		key := regionKey(c, fileVpcEndpoints)
		for _, id := range ids {
			i, _ := find(t.get(key), "VpcEndpoints", "VpcEndpointId", id)
			if i < 0 {
				unsuccessful = append(unsuccessful, map[string]any{
					"Error":      map[string]any{"Code": "InvalidVpcEndpoint.NotFound", "Message": "The VpcEndpoint Id '" + id + "' does not exist"},
					"ResourceId": id,
				})
				continue
			}
			doc := t.edit(key)
			doc["VpcEndpoints"] = removeAt(list(doc, "VpcEndpoints"), i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Unsuccessful": unsuccessful}, nil
}

// anyList is a string list as a document list (never nil).
func anyList(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}
