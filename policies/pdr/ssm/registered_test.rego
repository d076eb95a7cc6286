package pdr.ssm.registered_test

import data.pdr.fixtures
import data.pdr.ssm.registered
import rego.v1

snap := fixtures.snapshot({
	"instances": [
		fixtures.instance("i-online", {}),
		fixtures.instance("i-lost", {}),
		fixtures.instance("i-absent", {}),
		fixtures.appliance("i-tm", {}),
	],
	"ssm_instances": [
		fixtures.ssm("i-online", {}),
		fixtures.ssm("i-lost", {"ping_status": "ConnectionLost", "last_ping_at": "2024-03-18T08:44:21Z"}),
		fixtures.ssm("mi-0123456789abcdef0", {"resource_type": "ManagedInstance"}),
	],
})

test_online_passes if {
	r := fixtures.result_for(registered.results, "i-online") with input as snap
	r.status == "pass"
	r.message == "registered with SSM and Online (agent 3.3.40.0)"
}

test_connection_lost_fails if {
	r := fixtures.result_for(registered.results, "i-lost") with input as snap
	r.status == "fail"
	r.message == "registered with SSM but PingStatus is ConnectionLost (last ping 2024-03-18T08:44:21Z)"
}

test_absent_fails if {
	r := fixtures.result_for(registered.results, "i-absent") with input as snap
	r.status == "fail"
	r.message == "not registered with SSM: absent from DescribeInstanceInformation"
}

test_appliances_and_on_premises_nodes_have_no_result if {
	ids := {r.resource_id | some r in registered.results} with input as snap
	ids == {"i-online", "i-lost", "i-absent"}
}

test_an_unread_instance_list_is_unknown_for_every_instance if {
	s := fixtures.snapshot_with({"instances": [fixtures.instance("i-online", {})]}, [], [fixtures.gap("ssm:DescribeInstanceInformation")])
	r := fixtures.result_for(registered.results, "i-online") with input as s
	r.status == "unknown"
	r.message == "SSM's instance list of 111122223333/us-east-1 could not be read (ssm:DescribeInstanceInformation)"
}

test_a_gap_in_another_region_does_not_matter if {
	s := fixtures.snapshot_with(
		{"instances": [fixtures.instance("i-online", {})], "ssm_instances": [fixtures.ssm("i-online", {})]},
		[], [fixtures.gap_in("eu-west-1", "ssm:DescribeInstanceInformation", "")],
	)
	fixtures.status_of(registered.results, "i-online") == "pass" with input as s
}
