package pdr.cov.gaps_test

import data.pdr.cov.gaps
import data.pdr.fixtures
import rego.v1

snap := fixtures.snapshot_with({}, [], [
	fixtures.gap("ec2:DescribeNetworkAcls"),
	object.union(fixtures.gap_in("global", "iam:GetInstanceProfile", "pdr-core"), {"class": "throttled", "code": "Throttling"}),
	fixtures.gap_in("global", "iam:GetInstanceProfile", "legacy"),
])

test_one_unknown_result_per_account_region_api if {
	rs := gaps.results with input as snap
	{r.resource_id: r.status | some r in rs} == {
		"111122223333/us-east-1/ec2:DescribeNetworkAcls": "unknown",
		"111122223333/global/iam:GetInstanceProfile": "unknown",
	}
	r := fixtures.result_for(rs, "111122223333/global/iam:GetInstanceProfile")
	r.resource_type == "api"
	r.region == "global"
	r.message == "iam:GetInstanceProfile could not be read in 111122223333/global: AccessDenied (denied), Throttling (throttled) for legacy, pdr-core; the results that need it are unknown"
}

test_a_whole_listing_gap_names_no_resource if {
	r := fixtures.result_for(gaps.results, "111122223333/us-east-1/ec2:DescribeNetworkAcls") with input as snap
	r.message == "ec2:DescribeNetworkAcls could not be read in 111122223333/us-east-1: AccessDenied (denied); the results that need it are unknown"
}

test_no_gap_no_result if {
	count(gaps.results) == 0 with input as fixtures.snapshot({})
}

# COV-001 never passes nor fails: it only reports unknowns.
test_never_pass_or_fail if {
	every r in gaps.results {
		r.status == "unknown"
	} with input as snap
}
