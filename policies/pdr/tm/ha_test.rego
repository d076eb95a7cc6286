package pdr.tm.ha_test

import data.pdr.fixtures
import data.pdr.tm.ha
import rego.v1

test_two_running_appliances_pass if {
	s := fixtures.snapshot({"instances": [
		fixtures.instance("i-web", {}),
		fixtures.appliance("i-tm1", {}),
		fixtures.appliance("i-tm2", {"availability_zone": "us-east-1b"}),
	]})
	r := fixtures.result_for(ha.results, "vpc-1") with input as s
	r.status == "pass"
	r.resource_type == "vpc"
	r.message == "2 running Threat Manager appliances in vpc-1: i-tm1, i-tm2 (need 2)"
}

test_one_running_appliance_fails_a_stopped_one_does_not_count if {
	s := fixtures.snapshot({"instances": [
		fixtures.instance("i-web", {}),
		fixtures.appliance("i-tm1", {}),
		fixtures.appliance("i-tm2", {"state": "stopped"}),
	]})
	r := fixtures.result_for(ha.results, "vpc-1") with input as s
	r.status == "fail"
	r.message == "1 running Threat Manager appliance in vpc-1: i-tm1 (need 2)"
}

test_appliances_of_another_vpc_do_not_count if {
	s := fixtures.snapshot({"instances": [
		fixtures.instance("i-web", {}),
		fixtures.appliance("i-tm1", {"vpc_id": "vpc-2"}),
		fixtures.appliance("i-tm2", {"vpc_id": "vpc-2"}),
	]})
	fixtures.status_of(ha.results, "vpc-1") == "fail" with input as s
}

test_a_vpc_without_monitored_instances_has_no_result if {
	s := fixtures.snapshot({"instances": [fixtures.appliance("i-tm1", {}), fixtures.instance("i-off", {"state": "stopped"})]})
	count(ha.results) == 0 with input as s
}

test_too_few_appliances_with_an_unread_instance_list_is_unknown if {
	s := fixtures.snapshot_with(
		{"instances": [fixtures.instance("i-web", {}), fixtures.appliance("i-tm1", {})]},
		[], [fixtures.gap("ec2:DescribeInstances")],
	)
	r := fixtures.result_for(ha.results, "vpc-1") with input as s
	r.status == "unknown"
	contains(r.message, "ec2:DescribeInstances")
}
