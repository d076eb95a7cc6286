# METADATA
# title: Monitored instances reach the Threat Manager appliances of their VPC
# description: |
#   TCP 443 and TCP 7777 from every monitored instance reach every running Threat
#   Manager appliance in its VPC.
# custom:
#   id: PDR-AG-001
#   severity: high
#   resource_kind: monitored-instance
#   remediation: add-security-group-rules
#   help: |
#     The Alert Logic agent on a monitored instance fetches its updates from an appliance
#     (TCP 443) and sends the data it collects to it (TCP 7777). Both must be allowed by
#     the instance's security groups (egress), the network ACLs of both subnets and the
#     appliance's security groups (ingress "from the agents' CIDR").
#
#     An instance in a VPC with no running appliance fails: there is nothing for its
#     agent to send to (PDR-TM-001 reports the missing appliances).
#
#     **To fix:** the result names the first component that blocks; typically add an
#     ingress rule for TCP 443 and TCP 7777 from the VPC CIDR (or from the monitored
#     instances' security group) to the appliance security group.
package pdr.ag.to_appliance

import data.pdr.lib
import rego.v1

ports := data.profile.network.agent_to_appliance

# The checks run once per class of instances (see lib.class_of).
results contains lib.rebase_result(by_class[class], lib.class_representatives[class], id) if {
	some id, class in lib.class_of
}

by_class := {class: _result(rep, lib.instance_resource(i), i.vpc_id) |
	some class, rep in lib.class_representatives
	i := lib.instances[rep]
}

# targets: VPC id → its running appliances, sorted.
targets := {vpc: sort(ids) | some vpc, ids in lib.appliances_by_vpc}

_result(_, resource, vpc) := lib.result(resource, "fail", sprintf(
	"no running Threat Manager appliance in %s to send to (see PDR-TM-001)",
	[vpc],
)) if {
	not targets[vpc]
}

_result(id, resource, vpc) := lib.net_result(resource, checks, _pass_message(appliances)) if {
	appliances := targets[vpc]
	checks := [lib.check(_label(p, target), pdr.net.reach(id, target, p.proto, p.port)) |
		some target in appliances
		some p in ports
	]
}

_pass_message(appliances) := sprintf("%s reach the appliance(s) %s", [
	concat(" and ", [lib.proto_label(p.proto, p.port) | some p in ports]),
	concat(", ", appliances),
])

_label(p, target) := sprintf("%s to appliance %s", [lib.proto_label(p.proto, p.port), target])
