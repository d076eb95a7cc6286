# METADATA
# title: Threat Manager appliances sit in a private subnet behind a NAT gateway
# description: |
#   A Threat Manager appliance has no public IP address (nor Elastic IP) on any
#   interface and, where the profile requires it, its subnet's default route
#   (0.0.0.0/0) targets an available NAT gateway.
# custom:
#   id: PDR-TM-004
#   severity: medium
#   resource_kind: appliance
#   remediation: manual
#   help: |
#     Rackspace's deployment guide (December 2018, profile `pdr-2020-03`) places the
#     appliances in a **private subnet** whose default route goes through a **NAT
#     gateway**: the appliance reaches the data center, and nothing on the internet can
#     reach the appliance. Under `pdr-2018-10` only the public IP part is checked, at
#     low severity.
#
#     The subnet's route table is its explicitly associated one, else the VPC's main
#     route table. A route to a deleted NAT gateway is a blackhole and does not count.
#
#     **To fix:** release or disassociate the public IP / Elastic IP; move the appliance
#     to a private subnet (or change its subnet's route table) so that 0.0.0.0/0
#     targets an available NAT gateway.
package pdr.tm.exposure

import data.pdr.lib
import rego.v1

requires_nat := object.get(data.profile.network, "appliance_requires_nat", false)

severity := object.get(data.profile.network, "appliance_exposure_severity", "medium")

results contains object.union(lib.result(resource, outcome.status, outcome.message), {"severity": severity}) if {
	some id, resource in lib.appliance_resources
	outcome := _outcome(lib.appliances[id])
}

# public_ips are the public addresses on any interface of instance i.
public_ips(i) := sort({ip |
	some ip in array.concat([object.get(i, "public_ip", "")], [object.get(n, "public_ip", "") | some n in object.get(i, "network_interfaces", [])])
	ip != ""
})

_outcome(i) := {"status": "fail", "message": msg} if {
	ips := public_ips(i)
	count(ips) > 0
	msg := sprintf("the appliance has a public IP (%s)%s", [concat(", ", ips), _route_note(i)])
} else := {"status": "pass", "message": "the appliance has no public IP"} if {
	not requires_nat
} else := route if {
	route := _route(i)
}

# _route_note adds the route's finding to a public-IP failure when it fails too.
_route_note(i) := sprintf("; %s", [r.message]) if {
	requires_nat
	r := _route(i)
	r.status != "pass"
} else := ""

# _route judges the default route of the appliance's subnet.
_route(i) := {"status": "unknown", "message": msg} if {
	lib.gap(i.account, i.region, "ec2:DescribeRouteTables")
	msg := sprintf("the route tables of %s/%s could not be read (ec2:DescribeRouteTables), so the default route of %s is unknown", [i.account, i.region, i.subnet_id])
} else := {"status": "unknown", "message": msg} if {
	not _table_id(i)
	msg := sprintf("no route table of %s or main route table of %s was observed", [i.subnet_id, i.vpc_id])
} else := _judge(i, _table_id(i), _default_route(_table_id(i)))

_table_id(i) := lib.subnet_route_table[i.subnet_id]

_table_id(i) := lib.main_route_table[i.vpc_id] if not lib.subnet_route_table[i.subnet_id]

_default_route(table) := route if {
	some route in lib.route_tables[table].routes
	route.destination_cidr == "0.0.0.0/0"
} else := null

_judge(_, table, null) := {
	"status": "fail",
	"message": sprintf("%s has no default route (0.0.0.0/0); an appliance needs one to an available NAT gateway", [table]),
}

_judge(i, table, route) := {"status": "fail", "message": msg} if {
	route != null
	route.state == "blackhole"
	msg := sprintf("the default route of %s to %s is a blackhole", [table, route.target_id])
} else := {"status": "fail", "message": msg} if {
	route != null
	route.target_type != "nat-gateway"
	msg := sprintf("the default route of %s targets %s (%s), not a NAT gateway", [table, route.target_id, route.target_type])
} else := {"status": "unknown", "message": msg} if {
	route != null
	lib.gap(i.account, i.region, "ec2:DescribeNatGateways")
	msg := sprintf("the default route of %s targets %s, but the NAT gateways of %s/%s could not be read (ec2:DescribeNatGateways)", [table, route.target_id, i.account, i.region])
} else := {"status": "unknown", "message": msg} if {
	route != null
	not lib.nat_gateways[route.target_id]
	msg := sprintf("the default route of %s targets %s, which was not observed", [table, route.target_id])
} else := {"status": "pass", "message": msg} if {
	route != null
	lib.nat_gateways[route.target_id].state == "available"
	msg := sprintf("no public IP, and the default route of %s targets the available NAT gateway %s", [table, route.target_id])
} else := {"status": "fail", "message": msg} if {
	route != null
	msg := sprintf("the default route of %s targets %s, which is %s", [table, route.target_id, lib.nat_gateways[route.target_id].state])
}
