package ec2collect

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/pdr-audit/pdr-audit/internal/model"
)

// associated is the state of a CIDR block association that is in effect.
const associated = "associated"

func convertTags(in []types.Tag) model.Tags {
	out := make(model.Tags, len(in))
	for _, t := range in {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// copyInt32 copies an optional number, so the model never aliases the
// SDK's output.
func copyInt32(p *int32) *int32 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// appendNew appends s to list unless it is empty or already there.
func appendNew(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}

// convertVPC keeps the CIDR blocks in effect: the primary one (which
// cannot be disassociated) and every association whose state is
// "associated" (not ones being added or removed, nor failed ones).
func convertVPC(v types.Vpc) model.VPC {
	out := model.VPC{
		ID:         aws.ToString(v.VpcId),
		OwnerID:    aws.ToString(v.OwnerId),
		State:      string(v.State),
		IsDefault:  aws.ToBool(v.IsDefault),
		CIDRBlocks: appendNew(nil, aws.ToString(v.CidrBlock)),
		Tags:       convertTags(v.Tags),
	}
	for _, a := range v.CidrBlockAssociationSet {
		if a.CidrBlockState != nil && a.CidrBlockState.State == associated {
			out.CIDRBlocks = appendNew(out.CIDRBlocks, aws.ToString(a.CidrBlock))
		}
	}
	for _, a := range v.Ipv6CidrBlockAssociationSet {
		if a.Ipv6CidrBlockState != nil && a.Ipv6CidrBlockState.State == associated {
			out.IPv6CIDRBlocks = appendNew(out.IPv6CIDRBlocks, aws.ToString(a.Ipv6CidrBlock))
		}
	}
	return out
}

func convertSubnet(s types.Subnet) model.Subnet {
	out := model.Subnet{
		ID:                  aws.ToString(s.SubnetId),
		VPCID:               aws.ToString(s.VpcId),
		AvailabilityZone:    aws.ToString(s.AvailabilityZone),
		AvailabilityZoneID:  aws.ToString(s.AvailabilityZoneId),
		CIDRBlock:           aws.ToString(s.CidrBlock),
		MapPublicIPOnLaunch: aws.ToBool(s.MapPublicIpOnLaunch),
		State:               string(s.State),
		Tags:                convertTags(s.Tags),
	}
	for _, a := range s.Ipv6CidrBlockAssociationSet {
		if a.Ipv6CidrBlockState != nil && a.Ipv6CidrBlockState.State == associated {
			out.IPv6CIDRBlocks = appendNew(out.IPv6CIDRBlocks, aws.ToString(a.Ipv6CidrBlock))
		}
	}
	return out
}

func convertSecurityGroup(g types.SecurityGroup) model.SecurityGroup {
	return model.SecurityGroup{
		ID:          aws.ToString(g.GroupId),
		Name:        aws.ToString(g.GroupName),
		Description: aws.ToString(g.Description),
		VPCID:       aws.ToString(g.VpcId),
		OwnerID:     aws.ToString(g.OwnerId),
		Ingress:     convertAll(g.IpPermissions, convertPermission),
		Egress:      convertAll(g.IpPermissionsEgress, convertPermission),
		Tags:        convertTags(g.Tags),
	}
}

func convertPermission(p types.IpPermission) model.Permission {
	out := model.Permission{
		Protocol: aws.ToString(p.IpProtocol),
		FromPort: copyInt32(p.FromPort),
		ToPort:   copyInt32(p.ToPort),
	}
	for _, r := range p.IpRanges {
		out.IPv4Ranges = append(out.IPv4Ranges, aws.ToString(r.CidrIp))
	}
	for _, r := range p.Ipv6Ranges {
		out.IPv6Ranges = append(out.IPv6Ranges, aws.ToString(r.CidrIpv6))
	}
	for _, pl := range p.PrefixListIds {
		out.PrefixListIDs = append(out.PrefixListIDs, aws.ToString(pl.PrefixListId))
	}
	for _, g := range p.UserIdGroupPairs {
		out.Groups = append(out.Groups, model.GroupRef{
			GroupID:                aws.ToString(g.GroupId),
			UserID:                 aws.ToString(g.UserId),
			VPCID:                  aws.ToString(g.VpcId),
			VPCPeeringConnectionID: aws.ToString(g.VpcPeeringConnectionId),
			PeeringStatus:          aws.ToString(g.PeeringStatus),
		})
	}
	return out
}

func convertNetworkACL(n types.NetworkAcl) model.NetworkACL {
	out := model.NetworkACL{
		ID:        aws.ToString(n.NetworkAclId),
		VPCID:     aws.ToString(n.VpcId),
		IsDefault: aws.ToBool(n.IsDefault),
		Entries:   convertAll(n.Entries, convertNetworkACLEntry),
		Tags:      convertTags(n.Tags),
	}
	for _, a := range n.Associations {
		out.Associations = append(out.Associations, model.NetworkACLAssociation{
			ID:       aws.ToString(a.NetworkAclAssociationId),
			SubnetID: aws.ToString(a.SubnetId),
		})
	}
	return out
}

func convertNetworkACLEntry(e types.NetworkAclEntry) model.NetworkACLEntry {
	out := model.NetworkACLEntry{
		RuleNumber:    aws.ToInt32(e.RuleNumber),
		Egress:        aws.ToBool(e.Egress),
		Protocol:      aws.ToString(e.Protocol),
		RuleAction:    string(e.RuleAction),
		CIDRBlock:     aws.ToString(e.CidrBlock),
		IPv6CIDRBlock: aws.ToString(e.Ipv6CidrBlock),
	}
	if e.PortRange != nil {
		out.PortFrom = copyInt32(e.PortRange.From)
		out.PortTo = copyInt32(e.PortRange.To)
	}
	if e.IcmpTypeCode != nil {
		out.ICMPType = copyInt32(e.IcmpTypeCode.Type)
		out.ICMPCode = copyInt32(e.IcmpTypeCode.Code)
	}
	return out
}

// convertRouteTable marks a table main when any of its associations is
// the VPC's main association, wherever it sits in the list.
func convertRouteTable(t types.RouteTable) model.RouteTable {
	out := model.RouteTable{
		ID:     aws.ToString(t.RouteTableId),
		VPCID:  aws.ToString(t.VpcId),
		Routes: convertAll(t.Routes, convertRoute),
		Tags:   convertTags(t.Tags),
	}
	for _, a := range t.Associations {
		main := aws.ToBool(a.Main)
		out.Main = out.Main || main
		assoc := model.RouteTableAssociation{
			ID:        aws.ToString(a.RouteTableAssociationId),
			SubnetID:  aws.ToString(a.SubnetId),
			GatewayID: aws.ToString(a.GatewayId),
			Main:      main,
		}
		if a.AssociationState != nil {
			assoc.State = string(a.AssociationState.State)
		}
		out.Associations = append(out.Associations, assoc)
	}
	return out
}

func convertRoute(r types.Route) model.Route {
	typ, id := routeTarget(r)
	return model.Route{
		DestinationCIDR:         aws.ToString(r.DestinationCidrBlock),
		DestinationIPv6CIDR:     aws.ToString(r.DestinationIpv6CidrBlock),
		DestinationPrefixListID: aws.ToString(r.DestinationPrefixListId),
		TargetType:              typ,
		TargetID:                id,
		State:                   string(r.State),
		Origin:                  string(r.Origin),
	}
}

// routeTarget derives a route's target from whichever target field AWS
// set. A route to an instance carries both InstanceId and its
// NetworkInterfaceId; the instance is the more telling name, so it is
// checked first.
func routeTarget(r types.Route) (typ, id string) {
	if gw := aws.ToString(r.GatewayId); gw != "" {
		switch {
		case gw == "local":
			return model.TargetLocal, gw
		case strings.HasPrefix(gw, "igw-"):
			return model.TargetInternetGateway, gw
		case strings.HasPrefix(gw, "vgw-"):
			return model.TargetVirtualPrivateGateway, gw
		case strings.HasPrefix(gw, "vpce-"):
			return model.TargetVPCEndpoint, gw
		}
		return model.TargetUnknown, gw
	}
	targets := []struct {
		typ string
		id  *string
	}{
		{model.TargetNATGateway, r.NatGatewayId},
		{model.TargetTransitGateway, r.TransitGatewayId},
		{model.TargetVPCPeering, r.VpcPeeringConnectionId},
		{model.TargetInstance, r.InstanceId},
		{model.TargetNetworkInterface, r.NetworkInterfaceId},
		{model.TargetEgressOnlyIGW, r.EgressOnlyInternetGatewayId},
		{model.TargetCarrierGateway, r.CarrierGatewayId},
		{model.TargetLocalGateway, r.LocalGatewayId},
		{model.TargetCoreNetwork, r.CoreNetworkArn},
		{model.TargetUnknown, r.OdbNetworkArn},
	}
	for _, t := range targets {
		if v := aws.ToString(t.id); v != "" {
			return t.typ, v
		}
	}
	return model.TargetUnknown, ""
}

func convertNATGateway(g types.NatGateway) model.NATGateway {
	out := model.NATGateway{
		ID:               aws.ToString(g.NatGatewayId),
		VPCID:            aws.ToString(g.VpcId),
		SubnetID:         aws.ToString(g.SubnetId),
		State:            string(g.State),
		ConnectivityType: string(g.ConnectivityType),
		Tags:             convertTags(g.Tags),
	}
	for _, a := range g.NatGatewayAddresses {
		out.Addresses = append(out.Addresses, model.NATAddress{
			PublicIP:           aws.ToString(a.PublicIp),
			PrivateIP:          aws.ToString(a.PrivateIp),
			AllocationID:       aws.ToString(a.AllocationId),
			NetworkInterfaceID: aws.ToString(a.NetworkInterfaceId),
		})
	}
	return out
}

func convertInternetGateway(g types.InternetGateway) model.InternetGateway {
	out := model.InternetGateway{
		ID:      aws.ToString(g.InternetGatewayId),
		OwnerID: aws.ToString(g.OwnerId),
		Tags:    convertTags(g.Tags),
	}
	for _, a := range g.Attachments {
		out.Attachments = append(out.Attachments, model.InternetGatewayAttachment{
			VPCID: aws.ToString(a.VpcId),
			State: string(a.State),
		})
	}
	return out
}

func convertVPCEndpoint(e types.VpcEndpoint) model.VPCEndpoint {
	out := model.VPCEndpoint{
		ID:                  aws.ToString(e.VpcEndpointId),
		VPCID:               aws.ToString(e.VpcId),
		Type:                string(e.VpcEndpointType),
		ServiceName:         aws.ToString(e.ServiceName),
		State:               string(e.State),
		PrivateDNSEnabled:   aws.ToBool(e.PrivateDnsEnabled),
		SubnetIDs:           append([]string(nil), e.SubnetIds...),
		NetworkInterfaceIDs: append([]string(nil), e.NetworkInterfaceIds...),
		RouteTableIDs:       append([]string(nil), e.RouteTableIds...),
		Tags:                convertTags(e.Tags),
	}
	for _, g := range e.Groups {
		out.SecurityGroupIDs = append(out.SecurityGroupIDs, aws.ToString(g.GroupId))
	}
	return out
}

// convertPrefixList converts a prefix list without its entries, which a
// separate call reads (EntriesRead says whether it did).
func convertPrefixList(p types.ManagedPrefixList) model.PrefixList {
	return model.PrefixList{
		ID:            aws.ToString(p.PrefixListId),
		Name:          aws.ToString(p.PrefixListName),
		OwnerID:       aws.ToString(p.OwnerId),
		AddressFamily: aws.ToString(p.AddressFamily),
		State:         string(p.State),
		MaxEntries:    copyInt32(p.MaxEntries),
	}
}

func convertInstance(i types.Instance) model.Instance {
	out := model.Instance{
		ID:              aws.ToString(i.InstanceId),
		InstanceType:    string(i.InstanceType),
		ImageID:         aws.ToString(i.ImageId),
		VPCID:           aws.ToString(i.VpcId),
		SubnetID:        aws.ToString(i.SubnetId),
		PrivateIP:       aws.ToString(i.PrivateIpAddress),
		PublicIP:        aws.ToString(i.PublicIpAddress),
		Architecture:    string(i.Architecture),
		Platform:        string(i.Platform),
		PlatformDetails: aws.ToString(i.PlatformDetails),
		LaunchTime:      aws.ToTime(i.LaunchTime),
		Tags:            convertTags(i.Tags),
	}
	if i.State != nil {
		out.State = string(i.State.Name)
	}
	if i.Placement != nil {
		out.AvailabilityZone = aws.ToString(i.Placement.AvailabilityZone)
	}
	if i.IamInstanceProfile != nil {
		out.IAMInstanceProfileARN = aws.ToString(i.IamInstanceProfile.Arn)
	}
	for _, g := range i.SecurityGroups {
		out.SecurityGroupIDs = append(out.SecurityGroupIDs, aws.ToString(g.GroupId))
	}
	out.NetworkInterfaces = convertAll(i.NetworkInterfaces, convertNetworkInterface)
	return out
}

// convertNetworkInterface lists every private address of the interface,
// the primary one included; PublicIP is the public address associated
// with the interface's primary private address.
func convertNetworkInterface(n types.InstanceNetworkInterface) model.NetworkInterface {
	out := model.NetworkInterface{
		ID:       aws.ToString(n.NetworkInterfaceId),
		SubnetID: aws.ToString(n.SubnetId),
	}
	if n.Attachment != nil {
		out.DeviceIndex = aws.ToInt32(n.Attachment.DeviceIndex)
	}
	out.PrivateIPs = appendNew(out.PrivateIPs, aws.ToString(n.PrivateIpAddress))
	for _, a := range n.PrivateIpAddresses {
		out.PrivateIPs = appendNew(out.PrivateIPs, aws.ToString(a.PrivateIpAddress))
	}
	if n.Association != nil {
		out.PublicIP = aws.ToString(n.Association.PublicIp)
	}
	for _, a := range n.Ipv6Addresses {
		out.IPv6Addresses = appendNew(out.IPv6Addresses, aws.ToString(a.Ipv6Address))
	}
	for _, g := range n.Groups {
		out.SecurityGroupIDs = append(out.SecurityGroupIDs, aws.ToString(g.GroupId))
	}
	return out
}
