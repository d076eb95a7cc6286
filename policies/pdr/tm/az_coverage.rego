# METADATA
# title: A running Threat Manager appliance in every availability zone with monitored instances
# description: |
#   Every availability zone of a VPC that holds monitored instances needs at least one
#   running Threat Manager appliance in that zone.
# custom:
#   id: PDR-TM-002
#   severity: high
#   resource_kind: vpc-az
#   remediation: deploy-appliance
#   help: |
#     PDR places an appliance in each availability zone where monitored instances run,
#     so that an AZ outage takes down only that zone's inspection and no traffic crosses
#     zones to be inspected.
#
#     The resource id is `<vpc-id>/<availability-zone>`. Only `running` appliances count.
#
#     **To fix:** deploy (or start) a Threat Manager appliance in a subnet of that VPC in
#     that availability zone.
package pdr.tm.az_coverage

import data.pdr.lib
import rego.v1

results contains lib.result(resource, status, message) if {
	some key, resource in lib.vpc_az_resources
	ids := sort(object.get(lib.appliances_by_vpc_az, key, []))
	status := _status(ids, resource)
	message := _message(key, ids, status)
}

_status(ids, resource) := "pass" if {
	count(ids) > 0
} else := "unknown" if {
	lib.gap(resource.account, resource.region, "ec2:DescribeInstances")
} else := "fail"

_message(key, [], "fail") := sprintf("no running Threat Manager appliance in %s", [key])

_message(key, [], "unknown") := sprintf("no running Threat Manager appliance observed in %s, but the instance list could not be read (ec2:DescribeInstances)", [key])

_message(key, ids, _) := sprintf("%s in %s: %s", [
	lib.count_of(count(ids), "running Threat Manager appliance"),
	key, concat(", ", ids),
]) if count(ids) > 0
