package ec2collect

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

const (
	testAccount = "111122223333"
	testRegion  = "eu-west-1"
)

// writeEstate writes a one-account, one-region estate whose EC2 files are
// files (name below <region>/ec2 without ".json" → AWS CLI output), plus
// faults.json when faults is not empty, and returns its directory.
func writeEstate(t *testing.T, files map[string]string, faults string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("account.json", `{"UserId": "AIDAEXAMPLEUSERID0001", "Account": "`+testAccount+`", "Arn": "arn:aws:iam::`+testAccount+`:user/auditor"}`)
	for name, body := range files {
		write(testRegion+"/ec2/"+name+".json", body)
	}
	if faults != "" {
		write("faults.json", faults)
	}
	return dir
}

// smallEstate is a region that exercises every conversion: a VPC with
// secondary and disassociated CIDRs, security-group rules of every source
// kind, NACL entries with ports, ICMP and IPv6, a route to every kind of
// target, NAT and internet gateways, both endpoint types, prefix lists
// (referenced by a rule, by a route, and by nothing) and instances with
// several interfaces across two reservations.
var smallEstate = map[string]string{
	"describe-vpcs": `{
    "Vpcs": [
        {
            "CidrBlock": "10.0.0.0/16",
            "DhcpOptionsId": "dopt-0aaaaaaaaaaaaaaaa",
            "State": "available",
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333",
            "InstanceTenancy": "default",
            "Ipv6CidrBlockAssociationSet": [
                {"AssociationId": "vpc-cidr-assoc-06a", "Ipv6CidrBlock": "2001:db8:1::/56", "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": "eu-west-1", "Ipv6Pool": "Amazon"},
                {"AssociationId": "vpc-cidr-assoc-06b", "Ipv6CidrBlock": "2001:db8:9::/56", "Ipv6CidrBlockState": {"State": "disassociating"}, "NetworkBorderGroup": "eu-west-1", "Ipv6Pool": "Amazon"}
            ],
            "CidrBlockAssociationSet": [
                {"AssociationId": "vpc-cidr-assoc-0a", "CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
                {"AssociationId": "vpc-cidr-assoc-0b", "CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "associated"}},
                {"AssociationId": "vpc-cidr-assoc-0c", "CidrBlock": "10.2.0.0/16", "CidrBlockState": {"State": "disassociated"}}
            ],
            "IsDefault": false,
            "Tags": [{"Key": "Name", "Value": "main"}, {"Key": "env", "Value": "prod"}]
        },
        {
            "CidrBlock": "172.31.0.0/16",
            "DhcpOptionsId": "dopt-0aaaaaaaaaaaaaaaa",
            "State": "available",
            "VpcId": "vpc-0bbbbbbbbbbbbbbbb",
            "OwnerId": "111122223333",
            "InstanceTenancy": "default",
            "CidrBlockAssociationSet": [
                {"AssociationId": "vpc-cidr-assoc-0d", "CidrBlock": "172.31.0.0/16", "CidrBlockState": {"State": "associated"}}
            ],
            "IsDefault": true
        }
    ]
}`,
	"describe-subnets": `{
    "Subnets": [
        {
            "AvailabilityZone": "eu-west-1a",
            "AvailabilityZoneId": "euw1-az1",
            "AvailableIpAddressCount": 250,
            "CidrBlock": "10.0.0.0/24",
            "DefaultForAz": false,
            "MapPublicIpOnLaunch": true,
            "State": "available",
            "SubnetId": "subnet-0pub0000000000000",
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333",
            "AssignIpv6AddressOnCreation": false,
            "Ipv6CidrBlockAssociationSet": [
                {"AssociationId": "subnet-cidr-assoc-01", "Ipv6CidrBlock": "2001:db8:1:1::/64", "Ipv6CidrBlockState": {"State": "associated"}},
                {"AssociationId": "subnet-cidr-assoc-02", "Ipv6CidrBlock": "2001:db8:1:2::/64", "Ipv6CidrBlockState": {"State": "disassociated"}}
            ],
            "Tags": [{"Key": "Name", "Value": "public-a"}],
            "SubnetArn": "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-0pub0000000000000"
        },
        {
            "AvailabilityZone": "eu-west-1b",
            "AvailabilityZoneId": "euw1-az2",
            "AvailableIpAddressCount": 251,
            "CidrBlock": "10.0.1.0/24",
            "DefaultForAz": false,
            "MapPublicIpOnLaunch": false,
            "State": "available",
            "SubnetId": "subnet-0priv000000000000",
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333",
            "AssignIpv6AddressOnCreation": false,
            "Ipv6CidrBlockAssociationSet": [],
            "SubnetArn": "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-0priv000000000000"
        }
    ]
}`,
	"describe-security-groups": `{
    "SecurityGroups": [
        {
            "Description": "web tier",
            "GroupName": "web",
            "IpPermissions": [
                {
                    "FromPort": 443, "IpProtocol": "tcp",
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "anywhere"}],
                    "PrefixListIds": [], "ToPort": 443, "UserIdGroupPairs": []
                },
                {
                    "FromPort": 8080, "IpProtocol": "tcp", "IpRanges": [], "Ipv6Ranges": [],
                    "PrefixListIds": [{"PrefixListId": "pl-0s3aaaaaaaaaaaaa"}], "ToPort": 8081, "UserIdGroupPairs": []
                },
                {
                    "IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                    "UserIdGroupPairs": [{"GroupId": "sg-0app000000000000", "UserId": "111122223333"}]
                },
                {
                    "FromPort": 5432, "IpProtocol": "tcp", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "ToPort": 5432,
                    "UserIdGroupPairs": [{"GroupId": "sg-0peer00000000000", "UserId": "444455556666", "VpcId": "vpc-0peer0000000000", "VpcPeeringConnectionId": "pcx-0aaaaaaaaaaaaaaaa", "PeeringStatus": "active"}]
                },
                {
                    "FromPort": 8, "IpProtocol": "icmp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16", "Description": "office"}],
                    "Ipv6Ranges": [], "PrefixListIds": [], "ToPort": -1, "UserIdGroupPairs": []
                }
            ],
            "OwnerId": "111122223333",
            "GroupId": "sg-0web000000000000",
            "IpPermissionsEgress": [
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
            ],
            "Tags": [{"Key": "Name", "Value": "web"}],
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa"
        },
        {
            "Description": "app tier",
            "GroupName": "app",
            "IpPermissions": [],
            "OwnerId": "111122223333",
            "GroupId": "sg-0app000000000000",
            "IpPermissionsEgress": [
                {"FromPort": 4138, "IpProtocol": "tcp", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [{"PrefixListId": "pl-0tmaaaaaaaaaaaaa"}], "ToPort": 4138, "UserIdGroupPairs": []}
            ],
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa"
        }
    ]
}`,
	"describe-network-acls": `{
    "NetworkAcls": [
        {
            "Associations": [
                {"NetworkAclAssociationId": "aclassoc-0aaaaaaaaaaaaaaaa", "NetworkAclId": "acl-0aaaaaaaaaaaaaaaa", "SubnetId": "subnet-0pub0000000000000"}
            ],
            "Entries": [
                {"CidrBlock": "10.9.0.0/16", "Egress": true, "PortRange": {"From": 22, "To": 22}, "Protocol": "6", "RuleAction": "deny", "RuleNumber": 90},
                {"CidrBlock": "0.0.0.0/0", "Egress": true, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
                {"CidrBlock": "0.0.0.0/0", "Egress": false, "PortRange": {"From": 443, "To": 443}, "Protocol": "6", "RuleAction": "allow", "RuleNumber": 100},
                {"CidrBlock": "10.0.0.0/8", "Egress": false, "PortRange": {"From": 1024, "To": 65535}, "Protocol": "17", "RuleAction": "allow", "RuleNumber": 110},
                {"CidrBlock": "0.0.0.0/0", "Egress": false, "IcmpTypeCode": {"Code": -1, "Type": 8}, "Protocol": "1", "RuleAction": "allow", "RuleNumber": 120},
                {"Egress": false, "Ipv6CidrBlock": "::/0", "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 130},
                {"CidrBlock": "0.0.0.0/0", "Egress": false, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767}
            ],
            "IsDefault": false,
            "NetworkAclId": "acl-0aaaaaaaaaaaaaaaa",
            "Tags": [{"Key": "Name", "Value": "public"}],
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333"
        },
        {
            "Associations": [],
            "Entries": [],
            "IsDefault": true,
            "NetworkAclId": "acl-0bbbbbbbbbbbbbbbb",
            "Tags": [],
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333"
        }
    ]
}`,
	"describe-route-tables": `{
    "RouteTables": [
        {
            "Associations": [
                {"Main": false, "RouteTableAssociationId": "rtbassoc-0priv", "RouteTableId": "rtb-0main000000000000", "SubnetId": "subnet-0priv000000000000", "AssociationState": {"State": "associated"}},
                {"Main": true, "RouteTableAssociationId": "rtbassoc-0main", "RouteTableId": "rtb-0main000000000000", "AssociationState": {"State": "associated"}}
            ],
            "PropagatingVgws": [],
            "RouteTableId": "rtb-0main000000000000",
            "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0aaaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"},
                {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-0aaaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"},
                {"DestinationPrefixListId": "pl-0s3aaaaaaaaaaaaa", "GatewayId": "vpce-0s30000000000000", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.50.0.0/16", "TransitGatewayId": "tgw-0aaaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.60.0.0/16", "VpcPeeringConnectionId": "pcx-0aaaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.70.0.0/16", "InstanceId": "i-0nat0000000000000", "InstanceOwnerId": "111122223333", "NetworkInterfaceId": "eni-0nat000000000000", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.80.0.0/16", "NetworkInterfaceId": "eni-0fw0000000000000", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.90.0.0/16", "GatewayId": "vgw-0aaaaaaaaaaaaaaaa", "Origin": "EnableVgwRoutePropagation", "State": "active"},
                {"DestinationCidrBlock": "10.91.0.0/16", "NatGatewayId": "nat-0deleted000000000", "Origin": "CreateRoute", "State": "blackhole"},
                {"DestinationCidrBlock": "10.92.0.0/16", "CoreNetworkArn": "arn:aws:networkmanager::111122223333:core-network/core-network-0a", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.93.0.0/16", "LocalGatewayId": "lgw-0aaaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.94.0.0/16", "CarrierGatewayId": "cagw-0aaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.95.0.0/16", "GatewayId": "xgw-0aaaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"}
            ],
            "Tags": [],
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333"
        },
        {
            "Associations": [
                {"Main": false, "RouteTableAssociationId": "rtbassoc-0pub", "RouteTableId": "rtb-0pub0000000000000", "SubnetId": "subnet-0pub0000000000000", "AssociationState": {"State": "associated"}},
                {"Main": false, "RouteTableAssociationId": "rtbassoc-0edge", "RouteTableId": "rtb-0pub0000000000000", "GatewayId": "igw-0aaaaaaaaaaaaaaaa", "AssociationState": {"State": "associated"}}
            ],
            "PropagatingVgws": [],
            "RouteTableId": "rtb-0pub0000000000000",
            "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0aaaaaaaaaaaaaaaa", "Origin": "CreateRoute", "State": "active"}
            ],
            "Tags": [{"Key": "Name", "Value": "public"}],
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333"
        }
    ]
}`,
	"describe-nat-gateways": `{
    "NatGateways": [
        {
            "CreateTime": "2024-01-02T03:04:05+00:00",
            "NatGatewayAddresses": [
                {"AllocationId": "eipalloc-0aaaaaaaaaaaaaaaa", "NetworkInterfaceId": "eni-0natgw00000000000", "PrivateIp": "10.0.0.20", "PublicIp": "203.0.113.20"}
            ],
            "NatGatewayId": "nat-0aaaaaaaaaaaaaaaa",
            "State": "available",
            "SubnetId": "subnet-0pub0000000000000",
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "Tags": [{"Key": "Name", "Value": "nat-a"}],
            "ConnectivityType": "public"
        },
        {
            "CreateTime": "2024-01-02T03:04:05+00:00",
            "NatGatewayAddresses": [
                {"NetworkInterfaceId": "eni-0natgw11111111111", "PrivateIp": "10.0.1.30"},
                {"NetworkInterfaceId": "eni-0natgw11111111111", "PrivateIp": "10.0.1.31"}
            ],
            "NatGatewayId": "nat-0bbbbbbbbbbbbbbbb",
            "State": "pending",
            "SubnetId": "subnet-0priv000000000000",
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "ConnectivityType": "private"
        }
    ]
}`,
	"describe-internet-gateways": `{
    "InternetGateways": [
        {
            "Attachments": [{"State": "available", "VpcId": "vpc-0aaaaaaaaaaaaaaaa"}],
            "InternetGatewayId": "igw-0aaaaaaaaaaaaaaaa",
            "OwnerId": "111122223333",
            "Tags": [{"Key": "Name", "Value": "igw"}]
        },
        {
            "Attachments": [],
            "InternetGatewayId": "igw-0bbbbbbbbbbbbbbbb",
            "OwnerId": "111122223333",
            "Tags": []
        }
    ]
}`,
	"describe-vpc-endpoints": `{
    "VpcEndpoints": [
        {
            "VpcEndpointId": "vpce-0s30000000000000",
            "VpcEndpointType": "Gateway",
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "ServiceName": "com.amazonaws.eu-west-1.s3",
            "State": "available",
            "PolicyDocument": "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
            "RouteTableIds": ["rtb-0main000000000000"],
            "SubnetIds": [],
            "Groups": [],
            "PrivateDnsEnabled": false,
            "RequesterManaged": false,
            "NetworkInterfaceIds": [],
            "DnsEntries": [],
            "CreationTimestamp": "2024-01-02T03:04:05+00:00",
            "Tags": [],
            "OwnerId": "111122223333"
        },
        {
            "VpcEndpointId": "vpce-0ssm000000000000",
            "VpcEndpointType": "Interface",
            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
            "ServiceName": "com.amazonaws.eu-west-1.ssm",
            "State": "available",
            "RouteTableIds": [],
            "SubnetIds": ["subnet-0priv000000000000", "subnet-0pub0000000000000"],
            "Groups": [{"GroupId": "sg-0app000000000000", "GroupName": "app"}],
            "IpAddressType": "ipv4",
            "DnsOptions": {"DnsRecordIpType": "ipv4"},
            "PrivateDnsEnabled": true,
            "RequesterManaged": false,
            "NetworkInterfaceIds": ["eni-0vpce1000000000000", "eni-0vpce2000000000000"],
            "DnsEntries": [],
            "CreationTimestamp": "2024-01-02T03:04:05+00:00",
            "Tags": [{"Key": "Name", "Value": "ssm"}],
            "OwnerId": "111122223333"
        }
    ]
}`,
	"describe-managed-prefix-lists": `{
    "PrefixLists": [
        {"PrefixListId": "pl-0s3aaaaaaaaaaaaa", "AddressFamily": "IPv4", "State": "create-complete", "PrefixListArn": "arn:aws:ec2:eu-west-1:aws:prefix-list/pl-0s3aaaaaaaaaaaaa", "PrefixListName": "com.amazonaws.eu-west-1.s3", "Tags": [], "OwnerId": "AWS"},
        {"PrefixListId": "pl-0tmaaaaaaaaaaaaa", "AddressFamily": "IPv4", "State": "modify-complete", "PrefixListArn": "arn:aws:ec2:eu-west-1:111122223333:prefix-list/pl-0tmaaaaaaaaaaaaa", "PrefixListName": "threat-manager", "MaxEntries": 10, "Version": 3, "Tags": [], "OwnerId": "111122223333"},
        {"PrefixListId": "pl-0unusedaaaaaaaaa", "AddressFamily": "IPv6", "State": "create-complete", "PrefixListArn": "arn:aws:ec2:eu-west-1:111122223333:prefix-list/pl-0unusedaaaaaaaaa", "PrefixListName": "unused", "MaxEntries": 5, "Version": 1, "Tags": [], "OwnerId": "111122223333"}
    ]
}`,
	"get-managed-prefix-list-entries/pl-0s3aaaaaaaaaaaaa": `{"Entries": [{"Cidr": "52.218.0.0/17"}, {"Cidr": "3.5.64.0/21"}]}`,
	"get-managed-prefix-list-entries/pl-0tmaaaaaaaaaaaaa": `{"Entries": [{"Cidr": "204.110.218.96/27", "Description": "tm a"}, {"Cidr": "204.110.219.96/27", "Description": "tm b"}]}`,
	"get-managed-prefix-list-entries/pl-0unusedaaaaaaaaa": `{"Entries": [{"Cidr": "2001:db8::/32"}]}`,
	"describe-instances": `{
    "Reservations": [
        {
            "Groups": [],
            "Instances": [
                {
                    "AmiLaunchIndex": 0,
                    "ImageId": "ami-0web0000000000000",
                    "InstanceId": "i-0web0000000000000",
                    "InstanceType": "t4g.small",
                    "LaunchTime": "2024-02-12T10:48:59+00:00",
                    "Placement": {"AvailabilityZone": "eu-west-1a", "GroupName": "", "Tenancy": "default"},
                    "PrivateIpAddress": "10.0.0.10",
                    "PublicIpAddress": "198.51.100.10",
                    "State": {"Code": 16, "Name": "running"},
                    "SubnetId": "subnet-0pub0000000000000",
                    "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
                    "Architecture": "arm64",
                    "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/web", "Id": "AIPAEXAMPLEPROFILE001"},
                    "NetworkInterfaces": [
                        {
                            "Association": {"IpOwnerId": "amazon", "PublicDnsName": "", "PublicIp": "198.51.100.10"},
                            "Attachment": {"AttachTime": "2024-02-12T10:48:59+00:00", "AttachmentId": "eni-attach-01", "DeleteOnTermination": true, "DeviceIndex": 0, "Status": "attached", "NetworkCardIndex": 0},
                            "Description": "",
                            "Groups": [{"GroupName": "web", "GroupId": "sg-0web000000000000"}, {"GroupName": "app", "GroupId": "sg-0app000000000000"}],
                            "Ipv6Addresses": [{"Ipv6Address": "2001:db8:1:1::10"}],
                            "NetworkInterfaceId": "eni-0web000000000000",
                            "OwnerId": "111122223333",
                            "PrivateIpAddress": "10.0.0.10",
                            "PrivateIpAddresses": [
                                {"Association": {"IpOwnerId": "amazon", "PublicDnsName": "", "PublicIp": "198.51.100.10"}, "Primary": true, "PrivateIpAddress": "10.0.0.10"},
                                {"Primary": false, "PrivateIpAddress": "10.0.0.11"}
                            ],
                            "SourceDestCheck": true,
                            "Status": "in-use",
                            "SubnetId": "subnet-0pub0000000000000",
                            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
                            "InterfaceType": "interface"
                        },
                        {
                            "Attachment": {"AttachTime": "2024-02-12T10:50:00+00:00", "AttachmentId": "eni-attach-02", "DeleteOnTermination": false, "DeviceIndex": 1, "Status": "attached", "NetworkCardIndex": 0},
                            "Description": "backend",
                            "Groups": [{"GroupName": "app", "GroupId": "sg-0app000000000000"}],
                            "Ipv6Addresses": [],
                            "NetworkInterfaceId": "eni-0web111111111111",
                            "OwnerId": "111122223333",
                            "PrivateIpAddress": "10.0.1.10",
                            "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": "10.0.1.10"}],
                            "SourceDestCheck": true,
                            "Status": "in-use",
                            "SubnetId": "subnet-0priv000000000000",
                            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
                            "InterfaceType": "interface"
                        }
                    ],
                    "SecurityGroups": [{"GroupName": "web", "GroupId": "sg-0web000000000000"}, {"GroupName": "app", "GroupId": "sg-0app000000000000"}],
                    "Tags": [{"Key": "Name", "Value": "web-1"}, {"Key": "role", "Value": "web"}],
                    "PlatformDetails": "Linux/UNIX"
                },
                {
                    "AmiLaunchIndex": 1,
                    "ImageId": "ami-0win0000000000000",
                    "InstanceId": "i-0win0000000000000",
                    "InstanceType": "m5.large",
                    "LaunchTime": "2023-11-05T08:00:00+00:00",
                    "Placement": {"AvailabilityZone": "eu-west-1b", "GroupName": "", "Tenancy": "default"},
                    "Platform": "windows",
                    "PrivateIpAddress": "10.0.1.20",
                    "State": {"Code": 80, "Name": "stopped"},
                    "SubnetId": "subnet-0priv000000000000",
                    "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
                    "Architecture": "x86_64",
                    "NetworkInterfaces": [
                        {
                            "Attachment": {"AttachTime": "2023-11-05T08:00:00+00:00", "AttachmentId": "eni-attach-03", "DeleteOnTermination": true, "DeviceIndex": 0, "Status": "attached", "NetworkCardIndex": 0},
                            "Description": "",
                            "Groups": [{"GroupName": "app", "GroupId": "sg-0app000000000000"}],
                            "Ipv6Addresses": [],
                            "NetworkInterfaceId": "eni-0win000000000000",
                            "OwnerId": "111122223333",
                            "PrivateIpAddress": "10.0.1.20",
                            "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": "10.0.1.20"}],
                            "SourceDestCheck": true,
                            "Status": "in-use",
                            "SubnetId": "subnet-0priv000000000000",
                            "VpcId": "vpc-0aaaaaaaaaaaaaaaa",
                            "InterfaceType": "interface"
                        }
                    ],
                    "SecurityGroups": [{"GroupName": "app", "GroupId": "sg-0app000000000000"}],
                    "PlatformDetails": "Windows"
                }
            ],
            "OwnerId": "111122223333",
            "ReservationId": "r-0aaaaaaaaaaaaaaaa"
        },
        {
            "Groups": [],
            "Instances": [
                {
                    "AmiLaunchIndex": 0,
                    "ImageId": "ami-0old0000000000000",
                    "InstanceId": "i-0gone000000000000",
                    "InstanceType": "t3.micro",
                    "LaunchTime": "2022-06-01T00:00:00+00:00",
                    "Placement": {"AvailabilityZone": "eu-west-1a", "GroupName": "", "Tenancy": "default"},
                    "State": {"Code": 48, "Name": "terminated"},
                    "Architecture": "x86_64",
                    "NetworkInterfaces": [],
                    "SecurityGroups": [],
                    "PlatformDetails": "Linux/UNIX"
                }
            ],
            "OwnerId": "111122223333",
            "ReservationId": "r-0bbbbbbbbbbbbbbbb"
        }
    ]
}`,
}

// pagedItems is how many of each resource pagedEstate holds: more than
// two pages of the smallest page size the listings accept (5).
const pagedItems = 12

// pagedEstate is a region with pagedItems of every resource (reservations
// of two instances each, and one prefix list with pagedItems entries that
// a security group names), so that small pages split every listing.
func pagedEstate(t *testing.T) map[string]string {
	t.Helper()
	var (
		vpcs, subnets, groups, acls, tables, nats, igws, endpoints, lists, reservations []any
		entries                                                                         []any
	)
	for i := range pagedItems {
		vpc := fmt.Sprintf("vpc-%017d", i)
		subnet := fmt.Sprintf("subnet-%017d", i)
		cidr := fmt.Sprintf("10.%d.0.0/16", i)
		vpcs = append(vpcs, map[string]any{"CidrBlock": cidr, "State": "available", "VpcId": vpc, "OwnerId": testAccount, "IsDefault": false,
			"CidrBlockAssociationSet": []any{map[string]any{"AssociationId": fmt.Sprintf("vpc-cidr-assoc-%d", i), "CidrBlock": cidr, "CidrBlockState": map[string]any{"State": "associated"}}}})
		subnets = append(subnets, map[string]any{"AvailabilityZone": "eu-west-1a", "CidrBlock": fmt.Sprintf("10.%d.0.0/24", i), "State": "available",
			"SubnetId": subnet, "VpcId": vpc, "MapPublicIpOnLaunch": i%2 == 0})
		perm := map[string]any{"FromPort": 4138, "ToPort": 4138, "IpProtocol": "tcp", "IpRanges": []any{},
			"PrefixListIds": []any{map[string]any{"PrefixListId": "pl-00000000000000000"}}}
		groups = append(groups, map[string]any{"GroupId": fmt.Sprintf("sg-%017d", i), "GroupName": fmt.Sprintf("g%d", i), "Description": "paged",
			"VpcId": vpc, "OwnerId": testAccount, "IpPermissions": []any{}, "IpPermissionsEgress": []any{perm}})
		acls = append(acls, map[string]any{"NetworkAclId": fmt.Sprintf("acl-%017d", i), "VpcId": vpc, "IsDefault": true, "OwnerId": testAccount,
			"Associations": []any{map[string]any{"NetworkAclAssociationId": fmt.Sprintf("aclassoc-%d", i), "NetworkAclId": fmt.Sprintf("acl-%017d", i), "SubnetId": subnet}},
			"Entries":      []any{map[string]any{"CidrBlock": "0.0.0.0/0", "Egress": true, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100}}})
		tables = append(tables, map[string]any{"RouteTableId": fmt.Sprintf("rtb-%017d", i), "VpcId": vpc, "OwnerId": testAccount,
			"Associations": []any{map[string]any{"Main": true, "RouteTableAssociationId": fmt.Sprintf("rtbassoc-%d", i), "RouteTableId": fmt.Sprintf("rtb-%017d", i), "AssociationState": map[string]any{"State": "associated"}}},
			"Routes":       []any{map[string]any{"DestinationCidrBlock": cidr, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}}})
		nats = append(nats, map[string]any{"NatGatewayId": fmt.Sprintf("nat-%017d", i), "State": "available", "SubnetId": subnet, "VpcId": vpc, "ConnectivityType": "public",
			"NatGatewayAddresses": []any{map[string]any{"PrivateIp": fmt.Sprintf("10.%d.0.5", i), "PublicIp": fmt.Sprintf("203.0.113.%d", i)}}})
		igws = append(igws, map[string]any{"InternetGatewayId": fmt.Sprintf("igw-%017d", i), "OwnerId": testAccount,
			"Attachments": []any{map[string]any{"State": "available", "VpcId": vpc}}})
		endpoints = append(endpoints, map[string]any{"VpcEndpointId": fmt.Sprintf("vpce-%017d", i), "VpcEndpointType": "Interface", "VpcId": vpc,
			"ServiceName": "com.amazonaws.eu-west-1.ssm", "State": "available", "SubnetIds": []any{subnet}, "PrivateDnsEnabled": true})
		lists = append(lists, map[string]any{"PrefixListId": fmt.Sprintf("pl-%017d", i), "PrefixListName": fmt.Sprintf("list-%d", i),
			"AddressFamily": "IPv4", "State": "create-complete", "MaxEntries": 20, "OwnerId": testAccount})
		entries = append(entries, map[string]any{"Cidr": fmt.Sprintf("192.0.2.%d/32", i)})
		var insts []any
		for j := range 2 {
			insts = append(insts, map[string]any{"InstanceId": fmt.Sprintf("i-%015d%02d", i, j), "InstanceType": "t3.micro", "ImageId": "ami-00000000000000000",
				"State": map[string]any{"Code": 16, "Name": "running"}, "SubnetId": subnet, "VpcId": vpc, "PrivateIpAddress": fmt.Sprintf("10.%d.0.%d", i, 10+j),
				"LaunchTime": "2024-02-12T10:48:59+00:00", "Placement": map[string]any{"AvailabilityZone": "eu-west-1a"},
				"SecurityGroups": []any{map[string]any{"GroupId": fmt.Sprintf("sg-%017d", i), "GroupName": fmt.Sprintf("g%d", i)}}})
		}
		reservations = append(reservations, map[string]any{"ReservationId": fmt.Sprintf("r-%017d", i), "OwnerId": testAccount, "Groups": []any{}, "Instances": insts})
	}
	doc := func(key string, items []any) string {
		b, err := json.MarshalIndent(map[string]any{key: items}, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return map[string]string{
		"describe-vpcs":                                        doc("Vpcs", vpcs),
		"describe-subnets":                                     doc("Subnets", subnets),
		"describe-security-groups":                             doc("SecurityGroups", groups),
		"describe-network-acls":                                doc("NetworkAcls", acls),
		"describe-route-tables":                                doc("RouteTables", tables),
		"describe-nat-gateways":                                doc("NatGateways", nats),
		"describe-internet-gateways":                           doc("InternetGateways", igws),
		"describe-vpc-endpoints":                               doc("VpcEndpoints", endpoints),
		"describe-managed-prefix-lists":                        doc("PrefixLists", lists),
		"get-managed-prefix-list-entries/pl-00000000000000000": doc("Entries", entries),
		"describe-instances":                                   doc("Reservations", reservations),
	}
}
