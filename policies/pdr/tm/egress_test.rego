package pdr.tm.egress_test

import data.pdr.fixtures
import data.pdr.tm.egress
import rego.v1

snap := fixtures.snapshot({"instances": [fixtures.appliance("i-tm", {}), fixtures.instance("i-web", {})]})

# reach_nacl_denies_4138 answers like a network ACL denying TCP 4138 egress.
reach_nacl_denies_4138(_, to, "tcp", 4138) := fixtures.blocked("acl-1", sprintf("acl-1 egress rule 90 denies tcp 4138 to %s", [to]))

reach_nacl_denies_4138(_, _, proto, port) := fixtures.allowed if {
	[proto, port] != ["tcp", 4138]
}

reach_unknown_dns(_, _, _, port) := fixtures.undecided("ec2:DescribeNetworkAcls could not be read in 111122223333/us-east-1") if {
	port == 53
} else := fixtures.allowed

test_every_required_path_allowed_passes if {
	r := fixtures.result_for(egress.results, "i-tm") with input as snap with pdr.net.reach as fixtures.reach_allowed
	r.status == "pass"
	r.message == sprintf("all %d required egress paths to the us data center are allowed", [count(data.profile.network.appliance_egress.us)])
}

test_only_running_appliances_are_checked if {
	ids := {r.resource_id | some r in egress.results} with input as snap with pdr.net.reach as fixtures.reach_allowed
	ids == {"i-tm"}
}

test_a_blocked_path_fails_naming_the_component if {
	r := fixtures.result_for(egress.results, "i-tm") with input as snap with pdr.net.reach as reach_nacl_denies_4138
	r.status == "fail"
	startswith(r.message, "tcp/4138 to 204.110.218.96/27 is blocked: acl-1 egress rule 90 denies tcp 4138 to 204.110.218.96/27 (and 2 more blocked)")
	r.blocked_by.id == "acl-1"
}

test_an_undecided_path_is_unknown if {
	r := fixtures.result_for(egress.results, "i-tm") with input as snap with pdr.net.reach as reach_unknown_dns
	r.status == "unknown"
	contains(r.message, "tcp/53 to 8.8.8.8/32 could not be decided: ec2:DescribeNetworkAcls could not be read")
}

test_eu_datacenter_checks_the_eu_paths if {
	r := fixtures.result_for(egress.results, "i-tm") with input as snap
		with pdr.net.reach as reach_nacl_denies_4138
		with data.config as {"datacenter": "eu"}
	r.status == "fail"
	r.message == "tcp/4138 to 185.54.124.0/24 is blocked: acl-1 egress rule 90 denies tcp 4138 to 185.54.124.0/24"
}
