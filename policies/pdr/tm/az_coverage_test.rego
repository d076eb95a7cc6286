package pdr.tm.az_coverage_test

import data.pdr.fixtures
import data.pdr.tm.az_coverage
import rego.v1

snap := fixtures.snapshot({"instances": [
	fixtures.instance("i-a", {}),
	fixtures.instance("i-b", {"availability_zone": "us-east-1b"}),
	fixtures.instance("i-c", {"availability_zone": "us-east-1c", "state": "stopped"}),
	fixtures.appliance("i-tm-a", {}),
	fixtures.appliance("i-tm-b", {"availability_zone": "us-east-1b", "state": "stopped"}),
]})

test_a_zone_with_a_running_appliance_passes if {
	r := fixtures.result_for(az_coverage.results, "vpc-1/us-east-1a") with input as snap
	r.status == "pass"
	r.resource_type == "vpc-az"
	r.message == "1 running Threat Manager appliance in vpc-1/us-east-1a: i-tm-a"
}

test_a_zone_with_only_a_stopped_appliance_fails if {
	r := fixtures.result_for(az_coverage.results, "vpc-1/us-east-1b") with input as snap
	r.status == "fail"
	r.message == "no running Threat Manager appliance in vpc-1/us-east-1b"
}

test_a_zone_without_monitored_instances_has_no_result if {
	ids := {r.resource_id | some r in az_coverage.results} with input as snap
	ids == {"vpc-1/us-east-1a", "vpc-1/us-east-1b"}
}

test_an_uncovered_zone_with_an_unread_instance_list_is_unknown if {
	s := fixtures.snapshot_with({"instances": [fixtures.instance("i-a", {})]}, [], [fixtures.gap("ec2:DescribeInstances")])
	fixtures.status_of(az_coverage.results, "vpc-1/us-east-1a") == "unknown" with input as s
}
