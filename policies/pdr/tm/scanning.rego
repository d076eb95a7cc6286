# METADATA
# title: Threat Manager appliances reach every monitored instance of their VPC
# description: |
#   All traffic from a Threat Manager appliance reaches every monitored instance in its
#   VPC, so that the appliance can actively scan them.
# custom:
#   id: PDR-TM-005
#   severity: low
#   resource_kind: appliance
#   remediation: add-security-group-rules
#   help: |
#     Besides inspecting traffic, the appliance scans the monitored instances of its VPC
#     for vulnerabilities ("active scanning"). The monitored instances must admit **all
#     traffic** from the appliances: their security groups need an ingress rule for all
#     protocols from the appliance (typically a rule naming the appliances' security
#     group), and the network ACLs on the way must allow it.
#
#     **To fix:** add an ingress rule `All traffic` from the appliance security group to
#     the security group of the instance the result names (or to a group all monitored
#     instances share).
package pdr.tm.scanning

import data.pdr.lib
import rego.v1

scan := data.profile.network.appliance_scan

results contains lib.net_result(resource, checks, message) if {
	some id, resource in lib.appliance_resources
	targets := sort(object.get(lib.monitored_by_vpc, lib.appliances[id].vpc_id, []))
	checks := [lib.check(_label(target), pdr.net.reach(id, target, scan.proto, scan.port)) | some target in targets]
	message := _pass_message(count(targets), lib.appliances[id].vpc_id)
}

_label(target) := sprintf("%s to monitored instance %s", [lib.proto_label(scan.proto, scan.port), target])

_pass_message(0, vpc) := sprintf("no monitored instance in %s to scan", [vpc])

_pass_message(n, vpc) := sprintf("%s reaches all %d monitored instance(s) in %s", [
	lib.proto_label(scan.proto, scan.port), n, vpc,
]) if n > 0
