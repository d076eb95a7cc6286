package pdr.ssm.endpoints_test

import data.pdr.fixtures
import data.pdr.ssm.endpoints
import rego.v1

snap := fixtures.snapshot({"instances": [fixtures.instance("i-vault", {}), fixtures.appliance("i-tm", {})]})

# reach_no_ssmmessages_endpoint: the private VPC has endpoints for ssm and
# ec2messages but not ssmmessages, and no route to the internet.
reach_no_ssmmessages_endpoint(_, "service:ssmmessages", "tcp", 443) := {
	"verdict": "blocked",
	"blocked_by": {"id": "rtb-a", "kind": "route-table", "reason": "rtb-a has no route to the internet and the VPC has no ssmmessages endpoint"},
	"path": [],
}

reach_no_ssmmessages_endpoint(_, to, "tcp", 443) := fixtures.allowed if to in {"service:ssm", "service:ec2messages"}

test_reaching_the_three_services_passes if {
	r := fixtures.result_for(endpoints.results, "i-vault") with input as snap with pdr.net.reach as fixtures.reach_allowed
		with pdr.net.class as fixtures.class
	r.status == "pass"
	r.message == "tcp/443 reaches the ssm, ec2messages, ssmmessages endpoints"
}

test_one_service_unreachable_fails if {
	r := fixtures.result_for(endpoints.results, "i-vault") with input as snap with pdr.net.reach as reach_no_ssmmessages_endpoint
		with pdr.net.class as fixtures.class
	r.status == "fail"
	r.message == "tcp/443 to the ssmmessages service endpoint is blocked: rtb-a has no route to the internet and the VPC has no ssmmessages endpoint"
	r.blocked_by.id == "rtb-a"
}

test_an_undecided_path_is_unknown if {
	r := fixtures.result_for(endpoints.results, "i-vault") with input as snap
		with pdr.net.reach as fixtures.undecided("the VPC endpoints of 111122223333/us-east-1 could not be read")
		with pdr.net.class as fixtures.class
	r.status == "unknown"
}

test_appliances_are_not_checked if {
	ids := {r.resource_id | some r in endpoints.results} with input as snap with pdr.net.reach as fixtures.reach_allowed
		with pdr.net.class as fixtures.class
	ids == {"i-vault"}
}
