package pdr.tm.exposure_test

import data.pdr.fixtures
import data.pdr.tm.exposure
import rego.v1

nat_profile := object.union(data.profile.network, {"appliance_requires_nat": true, "appliance_exposure_severity": "medium"})

ip_only_profile := object.union(data.profile.network, {"appliance_requires_nat": false, "appliance_exposure_severity": "low"})

route_table(id, subnet, target_type, target, state) := {
	"id": id,
	"vpc_id": "vpc-1",
	"main": subnet == "",
	"routes": [
		{"destination_cidr": "10.0.0.0/16", "target_type": "local", "target_id": "local", "state": "active", "origin": "CreateRouteTable"},
		{"destination_cidr": "0.0.0.0/0", "target_type": target_type, "target_id": target, "state": state, "origin": "CreateRoute"},
	],
	"associations": [{"id": concat("", ["rtbassoc-", id]), "subnet_id": subnet, "gateway_id": "", "main": subnet == "", "state": "associated"}],
}

nat(id, state) := {"id": id, "vpc_id": "vpc-1", "subnet_id": "subnet-pub", "state": state, "connectivity_type": "public", "addresses": []}

private_snap := fixtures.snapshot({
	"instances": [fixtures.appliance("i-tm", {})],
	"route_tables": [route_table("rtb-a", "subnet-a", "nat-gateway", "nat-1", "active")],
	"nat_gateways": [nat("nat-1", "available")],
})

test_private_appliance_behind_a_nat_gateway_passes if {
	r := fixtures.result_for(exposure.results, "i-tm") with input as private_snap with data.profile.network as nat_profile
	r.status == "pass"
	r.severity == "medium"
	r.message == "no public IP, and the default route of rtb-a targets the available NAT gateway nat-1"
}

test_the_main_route_table_applies_without_an_explicit_association if {
	s := fixtures.snapshot({
		"instances": [fixtures.appliance("i-tm", {})],
		"route_tables": [
			route_table("rtb-main", "", "nat-gateway", "nat-1", "active"),
			route_table("rtb-other", "subnet-b", "internet-gateway", "igw-1", "active"),
		],
		"nat_gateways": [nat("nat-1", "available")],
	})
	r := fixtures.result_for(exposure.results, "i-tm") with input as s with data.profile.network as nat_profile
	r.status == "pass"
	contains(r.message, "rtb-main")
}

test_a_public_ip_on_any_interface_fails if {
	s := fixtures.snapshot({
		"instances": [fixtures.appliance("i-tm", {"network_interfaces": [{"id": "eni-2", "subnet_id": "subnet-a", "public_ip": "54.1.2.3", "security_group_ids": []}]})],
		"route_tables": [route_table("rtb-a", "subnet-a", "nat-gateway", "nat-1", "active")],
		"nat_gateways": [nat("nat-1", "available")],
	})
	r := fixtures.result_for(exposure.results, "i-tm") with input as s with data.profile.network as nat_profile
	r.status == "fail"
	r.message == "the appliance has a public IP (54.1.2.3)"
}

test_a_public_appliance_fails_naming_the_route_too if {
	s := fixtures.snapshot({
		"instances": [fixtures.appliance("i-tm", {"public_ip": "54.1.2.3"})],
		"route_tables": [route_table("rtb-a", "subnet-a", "internet-gateway", "igw-1", "active")],
	})
	r := fixtures.result_for(exposure.results, "i-tm") with input as s with data.profile.network as nat_profile
	r.status == "fail"
	r.message == "the appliance has a public IP (54.1.2.3); the default route of rtb-a targets igw-1 (internet-gateway), not a NAT gateway"
}

test_a_blackhole_route_to_a_deleted_nat_gateway_fails if {
	s := fixtures.snapshot({
		"instances": [fixtures.appliance("i-tm", {})],
		"route_tables": [route_table("rtb-a", "subnet-a", "nat-gateway", "nat-gone", "blackhole")],
		"nat_gateways": [nat("nat-gone", "deleted")],
	})
	r := fixtures.result_for(exposure.results, "i-tm") with input as s with data.profile.network as nat_profile
	r.status == "fail"
	r.message == "the default route of rtb-a to nat-gone is a blackhole"
}

test_no_default_route_fails if {
	s := fixtures.snapshot({
		"instances": [fixtures.appliance("i-tm", {})],
		"route_tables": [object.union(route_table("rtb-a", "subnet-a", "nat-gateway", "nat-1", "active"), {"routes": []})],
	})
	fixtures.status_of(exposure.results, "i-tm") == "fail" with input as s with data.profile.network as nat_profile
}

test_unread_route_tables_are_unknown if {
	s := fixtures.snapshot_with({"instances": [fixtures.appliance("i-tm", {})]}, [], [fixtures.gap("ec2:DescribeRouteTables")])
	r := fixtures.result_for(exposure.results, "i-tm") with input as s with data.profile.network as nat_profile
	r.status == "unknown"
	contains(r.message, "ec2:DescribeRouteTables")
}

test_unread_nat_gateways_are_unknown if {
	s := fixtures.snapshot_with(
		{
			"instances": [fixtures.appliance("i-tm", {})],
			"route_tables": [route_table("rtb-a", "subnet-a", "nat-gateway", "nat-1", "active")],
		},
		[], [fixtures.gap("ec2:DescribeNatGateways")],
	)
	r := fixtures.result_for(exposure.results, "i-tm") with input as s with data.profile.network as nat_profile
	r.status == "unknown"
	contains(r.message, "ec2:DescribeNatGateways")
}

test_without_the_nat_requirement_only_the_public_ip_counts_at_the_profile_severity if {
	s := fixtures.snapshot_with({"instances": [fixtures.appliance("i-tm", {})]}, [], [fixtures.gap("ec2:DescribeRouteTables")])
	r := fixtures.result_for(exposure.results, "i-tm") with input as s with data.profile.network as ip_only_profile
	r.status == "pass"
	r.severity == "low"
	public := fixtures.snapshot({"instances": [fixtures.appliance("i-tm", {"public_ip": "54.1.2.3"})]})
	f := fixtures.result_for(exposure.results, "i-tm") with input as public with data.profile.network as ip_only_profile
	f.status == "fail"
	f.severity == "low"
	f.message == "the appliance has a public IP (54.1.2.3)"
}

test_profiles_set_the_requirement if {
	expected := {"pdr-2018-10": [false, "low"], "pdr-2020-03": [true, "medium"]}
	expected[data.profile.name] == [exposure.requires_nat, exposure.severity]
}
