# METADATA
# title: At least two running Threat Manager appliances per VPC
# description: |
#   PDR needs two running Threat Manager appliances, for high availability, in every
#   VPC that has monitored instances.
# custom:
#   id: PDR-TM-001
#   severity: high
#   resource_kind: vpc
#   remediation: deploy-appliance
#   help: |
#     Alert Logic's Threat Manager appliances inspect the traffic of a VPC's instances
#     and forward it to the PDR data center. PDR deploys **two** appliances per VPC so
#     that losing one (an instance failure, an AZ outage, an update) does not blind the
#     VPC.
#
#     Only `running` appliances count: a stopped appliance inspects nothing.
#
#     **To fix:** ask your PDR team to deploy the missing appliance(s) into the VPC,
#     ideally one per availability zone that holds monitored instances (see
#     PDR-TM-002). If an appliance exists but is stopped, start it. If an appliance is
#     not recognized, tag it `ProductVendor=AlertLogic` or set `appliances` in the
#     configuration file.
package pdr.tm.ha

import data.pdr.lib
import rego.v1

# minimum is how many running appliances a VPC needs.
minimum := 2

results contains lib.result(resource, status, message) if {
	some vpc, resource in lib.vpc_resources
	ids := sort(object.get(lib.appliances_by_vpc, vpc, []))
	status := _status(count(ids), resource)
	message := _message(vpc, ids, status)
}

_status(n, resource) := "pass" if {
	n >= minimum
} else := "unknown" if {
	lib.gap(resource.account, resource.region, "ec2:DescribeInstances")
} else := "fail"

_message(vpc, ids, status) := concat("", [
	sprintf("%s in %s", [lib.count_of(count(ids), "running Threat Manager appliance"), vpc]),
	_list(ids),
	sprintf(" (need %d)", [minimum]),
	_unread(status),
])

_list([]) := ""

_list(ids) := concat("", [": ", concat(", ", ids)]) if count(ids) > 0

_unread("unknown") := "; the instance list could not be read (ec2:DescribeInstances), so there may be more"

_unread(status) := "" if status != "unknown"
