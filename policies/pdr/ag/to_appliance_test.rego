package pdr.ag.to_appliance_test

import data.pdr.ag.to_appliance
import data.pdr.fixtures
import rego.v1

snap := fixtures.snapshot({"instances": [
	fixtures.appliance("i-tm1", {}),
	fixtures.appliance("i-tm2", {"availability_zone": "us-east-1b"}),
	fixtures.appliance("i-tm-other", {"vpc_id": "vpc-2"}),
	fixtures.instance("i-web", {}),
	fixtures.instance("i-lonely", {"vpc_id": "vpc-3"}),
]})

# reach_tm2_lacks_7777: the group of i-tm2 has no ingress rule for tcp/7777;
# anything other than the appliances of vpc-1 is blocked.
reach_tm2_lacks_7777(_, "i-tm2", "tcp", 7777) := {
	"verdict": "blocked",
	"blocked_by": {"id": "sg-tm", "kind": "security-group", "direction": "ingress", "reason": "sg-tm has no ingress rule for tcp/7777"},
	"path": [],
}

reach_tm2_lacks_7777(_, to, proto, port) := fixtures.allowed if {
	to in {"i-tm1", "i-tm2"}
	[to, proto, port] != ["i-tm2", "tcp", 7777]
}

test_reaching_every_appliance_of_the_vpc_on_both_ports_passes if {
	r := fixtures.result_for(to_appliance.results, "i-web") with input as snap with pdr.net.reach as fixtures.reach_allowed
		with pdr.net.class as fixtures.class
	r.status == "pass"
	r.message == "tcp/443 and tcp/7777 reach the appliance(s) i-tm1, i-tm2"
}

test_one_port_blocked_at_one_appliance_fails if {
	r := fixtures.result_for(to_appliance.results, "i-web") with input as snap with pdr.net.reach as reach_tm2_lacks_7777
		with pdr.net.class as fixtures.class
	r.status == "fail"
	r.message == "tcp/7777 to appliance i-tm2 is blocked: sg-tm has no ingress rule for tcp/7777"
	r.blocked_by.id == "sg-tm"
}

test_no_running_appliance_in_the_vpc_fails if {
	r := fixtures.result_for(to_appliance.results, "i-lonely") with input as snap with pdr.net.reach as fixtures.reach_allowed
		with pdr.net.class as fixtures.class
	r.status == "fail"
	r.message == "no running Threat Manager appliance in vpc-3 to send to (see PDR-TM-001)"
}

test_an_undecided_path_is_unknown if {
	r := fixtures.result_for(to_appliance.results, "i-web") with input as snap
		with pdr.net.reach as fixtures.undecided("security group sg-tm could not be read")
		with pdr.net.class as fixtures.class
	r.status == "unknown"
	r.message == "tcp/443 to appliance i-tm1 could not be decided: security group sg-tm could not be read (and 3 more undecided)"
}

test_appliances_are_not_checked_as_agents if {
	ids := {r.resource_id | some r in to_appliance.results} with input as snap with pdr.net.reach as fixtures.reach_allowed
		with pdr.net.class as fixtures.class
	ids == {"i-web", "i-lonely"}
}
