package test.fake_test

import data.test.fake
import rego.v1

test_a_tagged_vpc_gets_its_status if {
	vpc := {"id": "vpc-1", "tags": {"test:status": "fail"}}
	snap := {"accounts": [{"id": "111122223333", "regions": [{"name": "us-east-1", "vpcs": [vpc]}]}]}
	some r in fake.results with input as snap
	r.status == "fail"
	r.severity == "high"
}

test_an_untagged_vpc_gets_nothing if {
	snap := {"accounts": [{"id": "111122223333", "regions": [{"name": "us-east-1", "vpcs": [{"id": "vpc-1", "tags": {}}]}]}]}
	count(fake.results) == 0 with input as snap
}
