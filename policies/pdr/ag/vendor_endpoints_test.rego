package pdr.ag.vendor_endpoints_test

import data.pdr.ag.vendor_endpoints
import data.pdr.fixtures
import rego.v1

network := object.union(data.profile.network, {
	"agent_vendor_endpoints": [
		{"vendor": "alertlogic", "name": "vaporator.alertlogic.com", "proto": "tcp", "port": 443, "to": "internet"},
		{"vendor": "crowdstrike", "name": "CrowdStrike endpoint 50.18.198.237", "proto": "tcp", "port": 443, "to": "50.18.198.237/32"},
	],
	"rapid7": {
		"us": [{"name": "Rapid7 34.226.68.35", "to": "34.226.68.35/32"}],
		"eu": [{"name": "Rapid7 3.120.196.152", "to": "3.120.196.152/32"}],
	},
})

snap := fixtures.snapshot({"instances": [
	fixtures.instance("i-web", {}),
	fixtures.instance("i-web2", {}),
	fixtures.instance("i-pub", {"subnet_id": "subnet-pub", "public_ip": "3.3.3.3"}),
	fixtures.appliance("i-tm", {}),
]})

# reach_private_blackhole: the private subnet's default route is a blackhole.
reach_private_blackhole(from, _, "tcp", 443) := fixtures.allowed if {
	from == "i-pub"
} else := {
	"verdict": "blocked",
	"blocked_by": {"id": "rtb-a", "kind": "route-table", "reason": "rtb-a routes 0.0.0.0/0 to nat-gone, a blackhole"},
	"path": [],
}

# reach_rapid7_eu_only allows only the EU Rapid7 endpoint among the Rapid7 ones.
reach_rapid7_eu_only(_, to, _, _) := fixtures.blocked("sg-agent", "sg-agent has no egress rule for tcp/443") if {
	to == "34.226.68.35/32"
} else := fixtures.allowed

test_every_endpoint_reachable_passes if {
	r := fixtures.result_for(vendor_endpoints.results, "i-web") with input as snap
		with pdr.net.reach as fixtures.reach_allowed
		with data.profile.network as network
		with pdr.net.position as fixtures.position
	r.status == "pass"
	r.message == "tcp/443 reaches all 3 vendor endpoints"
}

test_a_blackhole_route_fails_every_private_instance if {
	results := vendor_endpoints.results with input as snap
		with pdr.net.reach as reach_private_blackhole
		with data.profile.network as network
		with pdr.net.position as fixtures.position
	r := fixtures.result_for(results, "i-web2")
	r.status == "fail"
	r.message == "tcp/443 to the internet (vaporator.alertlogic.com) is blocked: rtb-a routes 0.0.0.0/0 to nat-gone, a blackhole (and 2 more blocked)"
	fixtures.status_of(results, "i-web") == "fail"
	fixtures.status_of(results, "i-pub") == "pass"
	not fixtures.result_for(results, "i-tm")
}

test_the_configured_rapid7_region_is_checked if {
	us := fixtures.result_for(vendor_endpoints.results, "i-web") with input as snap
		with pdr.net.reach as reach_rapid7_eu_only
		with data.profile.network as network
		with pdr.net.position as fixtures.position
	us.status == "fail"
	us.message == "tcp/443 to 34.226.68.35/32 (Rapid7 34.226.68.35) is blocked: sg-agent has no egress rule for tcp/443"
	eu := fixtures.result_for(vendor_endpoints.results, "i-web") with input as snap
		with pdr.net.reach as reach_rapid7_eu_only
		with data.profile.network as network
		with pdr.net.position as fixtures.position
		with data.config as {"rapid7_region": "eu"}
	eu.status == "pass"
}

test_an_undecided_path_is_unknown if {
	r := fixtures.result_for(vendor_endpoints.results, "i-web") with input as snap
		with pdr.net.reach as fixtures.undecided("network ACL of subnet-a could not be read")
		with data.profile.network as network
		with pdr.net.position as fixtures.position
	r.status == "unknown"
	startswith(r.message, "tcp/443 to the internet (vaporator.alertlogic.com) could not be decided: network ACL of subnet-a could not be read")
}
