# METADATA
# title: Fixtures of the catalog's Rego tests
# description: Small snapshots, instances and pdr.net.reach verdicts the tests build on.
package pdr.fixtures

import data.pdr.lib
import rego.v1

account := "111122223333"

region := "us-east-1"

# instance is a running x86_64 Linux instance in vpc-1/subnet-a (us-east-1a),
# merged (object.union) with extra.
instance(id, extra) := object.union(
	{
		"id": id,
		"state": "running",
		"instance_type": "t3.micro",
		"image_id": "ami-00000001",
		"availability_zone": "us-east-1a",
		"vpc_id": "vpc-1",
		"subnet_id": "subnet-a",
		"private_ip": "10.0.1.10",
		"public_ip": "",
		"security_group_ids": ["sg-agent"],
		"network_interfaces": [{
			"id": concat("", ["eni-", id]),
			"subnet_id": "subnet-a",
			"device_index": 0,
			"private_ips": ["10.0.1.10"],
			"public_ip": "",
			"ipv6_addresses": [],
			"security_group_ids": ["sg-agent"],
		}],
		"iam_instance_profile_arn": "",
		"architecture": "x86_64",
		"platform": "",
		"platform_details": "Linux/UNIX",
		"launch_time": "2024-01-01T00:00:00Z",
		"tags": {"Name": id},
	},
	extra,
)

# appliance is a running Threat Manager appliance (tag ProductVendor=AlertLogic).
appliance(id, extra) := instance(id, object.union(
	{"tags": {"ProductVendor": "AlertLogic"}, "security_group_ids": ["sg-tm"], "network_interfaces": []},
	extra,
))

# ssm is an Online Linux node as DescribeInstanceInformation lists it.
ssm(id, extra) := object.union(
	{
		"instance_id": id,
		"ping_status": "Online",
		"last_ping_at": "2024-01-01T00:00:00Z",
		"agent_version": "3.3.40.0",
		"platform_type": "Linux",
		"platform_name": "Amazon Linux AMI",
		"platform_version": "2018.03",
		"resource_type": "EC2Instance",
		"iam_role": "",
		"computer_name": id,
		"ip_address": "10.0.1.10",
	},
	extra,
)

# dhmc_off is the Default Host Management Configuration setting when off.
dhmc_off := {
	"setting_id": "/ssm/managed-instance/default-ec2-instance-management-role",
	"value": "$None",
	"status": "Default",
}

dhmc_on := object.union(dhmc_off, {"value": "service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole", "status": "Customized"})

# region_data is an empty region merged with extra.
region_data(extra) := object.union(
	{
		"name": region,
		"vpcs": [],
		"subnets": [],
		"security_groups": [],
		"network_acls": [],
		"route_tables": [],
		"nat_gateways": [],
		"internet_gateways": [],
		"vpc_endpoints": [],
		"prefix_lists": [],
		"instances": [],
		"ssm_instances": [],
		"kernels": [],
		"default_host_management": dhmc_off,
	},
	extra,
)

# snapshot holds one account with one region (region_data(extra)).
snapshot(extra) := snapshot_with(extra, [], [])

# snapshot_with also sets the account's instance profiles and the gaps.
snapshot_with(extra, profiles, gaps) := {
	"schema_version": "1",
	"accounts": [{"id": account, "instance_profiles": profiles, "regions": [region_data(extra)]}],
	"gaps": gaps,
}

# gap is a failed read of api in the fixture account and region.
gap(api) := gap_in(region, api, "")

gap_in(where, api, resource) := {
	"account": account,
	"region": where,
	"api": api,
	"resource": resource,
	"class": "denied",
	"code": "AccessDenied",
	"message": "not authorized",
}

# Verdicts of pdr.net.reach.
allowed := {"verdict": "allowed", "path": []}

blocked(id, reason) := {
	"verdict": "blocked",
	"blocked_by": {"id": id, "kind": "network-acl", "direction": "egress", "rule": "rule 90", "reason": reason},
	"path": [],
}

undecided(missing) := {"verdict": "unknown", "path": [], "missing": [missing]}

# position mocks pdr.net.position: instances of one subnet with the same
# groups and the same kind of address (public or private) share a position.
position(id) := concat("|", [i.subnet_id, concat(",", i.security_group_ids), _public[i.public_ip != ""]]) if {
	i := lib.instances[id]
}

_public := {true: "public", false: "private"}

# class mocks pdr.net.class: every instance is a class of its own.
class(id) := id

# reach_allowed mocks pdr.net.reach: every path is allowed.
reach_allowed(_, _, _, _) := allowed

# result_for returns the result of resource id in results.
result_for(results, id) := r if {
	some r in results
	r.resource_id == id
}

# status_of returns the status of resource id in results.
status_of(results, id) := result_for(results, id).status
