package pdr.tm.scanning_test

import data.pdr.fixtures
import data.pdr.tm.scanning
import rego.v1

snap := fixtures.snapshot({"instances": [
	fixtures.appliance("i-tm", {}),
	fixtures.instance("i-web", {}),
	fixtures.instance("i-pay", {"security_group_ids": ["sg-pay"]}),
	fixtures.instance("i-elsewhere", {"vpc_id": "vpc-2"}),
]})

# reach_sg_pay_admits_443_only: the group of i-pay admits only tcp/443.
reach_sg_pay_admits_443_only(_, "i-pay", "all", _) := {
	"verdict": "blocked",
	"blocked_by": {
		"id": "sg-pay", "kind": "security-group", "direction": "ingress",
		"reason": "sg-pay has no ingress rule for all traffic from 10.0.1.10",
	},
	"path": [],
}

reach_sg_pay_admits_443_only(_, to, _, _) := fixtures.allowed if to != "i-pay"

# reach_only_vpc_1 blocks any target outside vpc-1, proving only the VPC is scanned.
reach_only_vpc_1(_, to, _, _) := fixtures.allowed if {
	to in {"i-web", "i-pay"}
} else := fixtures.blocked("elsewhere", "a target outside the VPC was checked")

test_all_traffic_reaching_every_monitored_instance_of_the_vpc_passes if {
	r := fixtures.result_for(scanning.results, "i-tm") with input as snap with pdr.net.reach as reach_only_vpc_1
	r.status == "pass"
	r.message == "all traffic reaches all 2 monitored instance(s) in vpc-1"
}

test_an_instance_refusing_the_scan_fails if {
	r := fixtures.result_for(scanning.results, "i-tm") with input as snap with pdr.net.reach as reach_sg_pay_admits_443_only
	r.status == "fail"
	r.message == "all traffic to monitored instance i-pay is blocked: sg-pay has no ingress rule for all traffic from 10.0.1.10"
	r.blocked_by.kind == "security-group"
}

test_an_undecided_path_is_unknown if {
	r := fixtures.result_for(scanning.results, "i-tm") with input as snap
		with pdr.net.reach as fixtures.undecided("security group sg-tm could not be read")
	r.status == "unknown"
}

test_an_appliance_with_nothing_to_scan_passes if {
	s := fixtures.snapshot({"instances": [fixtures.appliance("i-tm", {})]})
	r := fixtures.result_for(scanning.results, "i-tm") with input as s with pdr.net.reach as fixtures.reach_allowed
	r.status == "pass"
	r.message == "no monitored instance in vpc-1 to scan"
}
