package pdr.lib_test

import data.pdr.fixtures
import data.pdr.lib
import rego.v1

test_appliance_by_vendor_tag if {
	lib.appliance({"tags": {"ProductVendor": "AlertLogic"}})
}

test_appliance_by_name_case_insensitive if {
	lib.appliance({"tags": {"Name": "prod-app THREAT Manager"}})
}

test_not_appliance_without_tag_or_name if {
	not lib.appliance({"tags": {"Name": "web-1", "ProductVendor": "Acme"}})
	not lib.appliance({"tags": null})
}

test_appliance_rules_from_config_replace_the_defaults if {
	cfg := {"appliances": {"tags": {"role": "ids"}, "name_contains": ["sensor"]}}
	lib.appliance({"tags": {"role": "ids"}}) with data.config as cfg
	lib.appliance({"tags": {"Name": "IDS Sensor b"}}) with data.config as cfg
	not lib.appliance({"tags": {"ProductVendor": "AlertLogic"}}) with data.config as cfg
	not lib.appliance({"tags": {"Name": "threat manager"}}) with data.config as cfg
}

test_appliance_tag_wildcard if {
	lib.appliance({"tags": {"role": "anything"}}) with data.config as {"appliances": {"tags": {"role": "*"}}}
}

snap := fixtures.snapshot({"instances": [
	fixtures.instance("i-web", {}),
	fixtures.instance("i-stopped", {"state": "stopped"}),
	fixtures.instance("i-win", {"platform": "windows", "availability_zone": "us-east-1b"}),
	fixtures.instance("i-other", {"vpc_id": "vpc-2"}),
	fixtures.instance("i-tagged", {"tags": {"pdr:monitored": "true", "env": "prod"}}),
	fixtures.appliance("i-tm1", {}),
	fixtures.appliance("i-tm-stopped", {"state": "stopped"}),
]})

test_monitored_by_default_are_running_non_appliances if {
	ids := {id | some id, _ in lib.monitored_instances} with input as snap
	ids == {"i-web", "i-win", "i-other", "i-tagged"}
}

test_appliances_are_running_only if {
	ids := {id | some id, _ in lib.appliances} with input as snap
	ids == {"i-tm1"}
}

test_instances_carry_account_and_region if {
	i := lib.instances["i-web"] with input as snap
	i.account == fixtures.account
	i.region == fixtures.region
}

test_include_tags_must_all_match if {
	cfg := {"monitored": {"include_tags": {"pdr:monitored": "true", "env": "*"}}}
	ids := {id | some id, _ in lib.monitored_instances} with input as snap with data.config as cfg
	ids == {"i-tagged"}
}

test_exclude_tags_any_match_excludes if {
	cfg := {"monitored": {"exclude_tags": {"env": "*", "Name": "i-web"}}}
	ids := {id | some id, _ in lib.monitored_instances} with input as snap with data.config as cfg
	ids == {"i-win", "i-other"}
}

test_excluded_vpcs_and_accounts if {
	ids := {id | some id, _ in lib.monitored_instances} with input as snap with data.config as {"exclude_vpcs": ["vpc-1"]}
	ids == {"i-other"}
	none := {id | some id, _ in lib.monitored_instances} with input as snap with data.config as {"exclude_accounts": [fixtures.account]}
	none == set()
}

test_windows_by_ec2_platform_or_ssm if {
	s := fixtures.snapshot({
		"instances": [fixtures.instance("i-a", {"platform": "windows"}), fixtures.instance("i-b", {}), fixtures.instance("i-c", {})],
		"ssm_instances": [fixtures.ssm("i-b", {"platform_type": "Windows"})],
	})
	ids := {id | some id, _ in lib.monitored_linux_instances} with input as s
	ids == {"i-c"}
}

test_resources_by_kind if {
	r := lib.resources with input as snap
	[x.resource_id | some x in r.vpc] == ["vpc-1", "vpc-2"]
	[x.resource_id | some x in r["vpc-az"]] == ["vpc-1/us-east-1a", "vpc-1/us-east-1b", "vpc-2/us-east-1a"]
	[x.resource_id | some x in r.appliance] == ["i-tm1"]
	[x.resource_id | some x in r["monitored-instance"]] == ["i-other", "i-tagged", "i-web", "i-win"]
	[x.resource_id | some x in r["monitored-linux-instance"]] == ["i-other", "i-tagged", "i-web"]
	r.api == []
	r.vpc[0] == {"resource_id": "vpc-1", "resource_type": "vpc", "account": fixtures.account, "region": fixtures.region}
}

test_api_resources_one_per_account_region_api if {
	s := fixtures.snapshot_with({}, [], [
		fixtures.gap_in("global", "iam:GetInstanceProfile", "a"),
		fixtures.gap_in("global", "iam:GetInstanceProfile", "b"),
		fixtures.gap("ec2:DescribeNetworkAcls"),
	])
	r := lib.resources.api with input as s
	[x.resource_id | some x in r] == [
		"111122223333/global/iam:GetInstanceProfile",
		"111122223333/us-east-1/ec2:DescribeNetworkAcls",
	]
}

test_gap_and_gap_for if {
	s := fixtures.snapshot_with({}, [], [fixtures.gap_in("global", "iam:GetInstanceProfile", "a"), fixtures.gap("ec2:DescribeVpcs")])
	lib.gap(fixtures.account, "global", "iam:GetInstanceProfile") with input as s
	lib.gap_for(fixtures.account, "global", "iam:GetInstanceProfile", "a") with input as s
	not lib.gap_for(fixtures.account, "global", "iam:GetInstanceProfile", "b") with input as s
	lib.gap_for(fixtures.account, fixtures.region, "ec2:DescribeVpcs", "anything") with input as s
	not lib.gap(fixtures.account, "eu-west-1", "ec2:DescribeVpcs") with input as s
}

test_groupings if {
	s := fixtures.snapshot({"instances": [
		fixtures.instance("i-1", {}),
		fixtures.instance("i-2", {"availability_zone": "us-east-1b"}),
		fixtures.appliance("i-tm", {"availability_zone": "us-east-1b"}),
	]})
	lib.monitored_by_vpc["vpc-1"] == {"i-1", "i-2"} with input as s
	lib.monitored_by_vpc_az["vpc-1/us-east-1b"] == {"i-2"} with input as s
	lib.appliances_by_vpc["vpc-1"] == {"i-tm"} with input as s
	lib.appliances_by_vpc_az["vpc-1/us-east-1b"] == {"i-tm"} with input as s
	not lib.appliances_by_vpc_az["vpc-1/us-east-1a"] with input as s
}

test_route_table_of_subnet_explicit_and_main if {
	s := fixtures.snapshot({"route_tables": [
		{"id": "rtb-main", "vpc_id": "vpc-1", "main": true, "routes": [], "associations": [{"id": "a-1", "subnet_id": "", "gateway_id": "", "main": true, "state": "associated"}]},
		{"id": "rtb-a", "vpc_id": "vpc-1", "main": false, "routes": [], "associations": [{"id": "a-2", "subnet_id": "subnet-a", "gateway_id": "", "main": false, "state": "associated"}]},
	]})
	lib.subnet_route_table == {"subnet-a": "rtb-a"} with input as s
	lib.main_route_table == {"vpc-1": "rtb-main"} with input as s
}

test_instance_profile_name if {
	lib.instance_profile_name("arn:aws:iam::111122223333:instance-profile/path/to/pdr-core") == "pdr-core"
	lib.instance_profile_name("arn:aws:iam::111122223333:instance-profile/pdr-core") == "pdr-core"
}

res := {"resource_id": "i-1", "resource_type": "instance", "account": "a", "region": "r"}

test_net_result_pass_when_every_check_is_allowed if {
	r := lib.net_result(res, [lib.check("tcp/443 to x", fixtures.allowed)], "fine")
	r == object.union(res, {"status": "pass", "message": "fine"})
}

test_net_result_pass_without_checks if {
	lib.net_result(res, [], "nothing to check").status == "pass"
}

test_net_result_blocked_beats_unknown_and_names_the_first_blocker if {
	r := lib.net_result(
		res, [
			lib.check("tcp/443 to a", fixtures.undecided("sg-9 not read")),
			lib.check("tcp/4138 to b", fixtures.blocked("acl-1", "acl-1 egress rule 90 denies tcp 4138 to b")),
			lib.check("tcp/4138 to c", fixtures.blocked("acl-2", "acl-2 denies")),
		],
		"fine",
	)
	r.status == "fail"
	r.message == "tcp/4138 to b is blocked: acl-1 egress rule 90 denies tcp 4138 to b (and 1 more blocked)"
	r.blocked_by.id == "acl-1"
}

test_net_result_unknown_names_what_is_missing if {
	r := lib.net_result(
		res, [
			lib.check("tcp/443 to a", fixtures.allowed),
			lib.check("tcp/443 to b", fixtures.undecided("ec2:DescribeNetworkAcls could not be read")),
		],
		"fine",
	)
	r.status == "unknown"
	r.message == "tcp/443 to b could not be decided: ec2:DescribeNetworkAcls could not be read"
	not r.blocked_by
}

test_path_labels if {
	lib.path_label("tcp", 4138, "204.110.219.96/27") == "tcp/4138 to 204.110.219.96/27"
	lib.path_label("tcp", 80, "internet") == "tcp/80 to the internet"
	lib.path_label("tcp", 443, "service:ssm") == "tcp/443 to the ssm service endpoint"
	lib.path_label("all", 0, "i-1") == "all traffic to i-1"
}

test_positions_group_instances_by_their_network_position if {
	s := fixtures.snapshot({"instances": [
		fixtures.instance("i-1", {}),
		fixtures.instance("i-2", {"private_ip": "10.0.1.11"}),
		fixtures.instance("i-3", {"security_group_ids": ["sg-other"]}),
		fixtures.instance("i-4", {"public_ip": "3.3.3.3"}),
		fixtures.instance("i-5", {"subnet_id": "subnet-b"}),
	]})
	reps := {id: lib.position_representatives[p] | some id, p in lib.position_of} with input as s
		with pdr.net.position as fixtures.position
	reps == {"i-1": "i-1", "i-2": "i-1", "i-3": "i-3", "i-4": "i-4", "i-5": "i-5"}
}

test_rebase_result_renames_the_representative if {
	s := fixtures.snapshot({"instances": [fixtures.instance("i-1", {}), fixtures.instance("i-2", {"private_ip": "10.0.1.11"})]})
	failed := {
		"resource_id": "i-1", "resource_type": "instance", "account": fixtures.account, "region": fixtures.region,
		"status": "fail", "message": "tcp/443 to the internet is blocked: i-1 (10.0.1.10) has no public IP",
		"blocked_by": {"id": "i-1", "kind": "instance", "reason": "i-1 (10.0.1.10) has no public IP"},
	}
	r := lib.rebase_result(failed, "i-1", "i-2") with input as s
	r.resource_id == "i-2"
	r.message == "tcp/443 to the internet is blocked: i-2 (10.0.1.11) has no public IP"
	r.blocked_by == {"id": "i-2", "kind": "instance", "reason": "i-2 (10.0.1.11) has no public IP"}
	passed := object.union(failed, {"status": "pass", "message": "fine"})
	object.remove(lib.rebase_result(passed, "i-1", "i-2"), ["blocked_by"]) == {
		"resource_id": "i-2", "resource_type": "instance", "account": fixtures.account, "region": fixtures.region,
		"status": "pass", "message": "fine",
	} with input as s
}

# The sets computed in bulk agree with the per-instance definitions.
test_sets_agree_with_the_functions if {
	cfgs := [
		{},
		{"monitored": {"include_tags": {"pdr:monitored": "true"}}},
		{"monitored": {"exclude_tags": {"env": "*"}}, "exclude_vpcs": ["vpc-2"]},
		{"appliances": {"tags": {"Name": "*"}, "name_contains": []}},
	]
	every cfg in cfgs {
		agree(cfg)
	}
}

agree(cfg) if {
	s := fixtures.snapshot({
		"instances": [
			fixtures.instance("i-web", {}),
			fixtures.instance("i-stopped", {"state": "stopped"}),
			fixtures.instance("i-win", {"platform": "Windows"}),
			fixtures.instance("i-other", {"vpc_id": "vpc-2"}),
			fixtures.instance("i-tagged", {"tags": {"pdr:monitored": "true", "env": "prod"}}),
			fixtures.instance("i-untagged", {"tags": null}),
			fixtures.appliance("i-tm1", {}),
			fixtures.instance("i-tm2", {"tags": {"Name": "The Threat Manager"}}),
		],
		"ssm_instances": [fixtures.ssm("i-web", {"platform_type": "Windows"})],
	})
	apps := {id | some id, i in lib.instances; lib.appliance(i)} with input as s with data.config as cfg
	apps == lib.appliance_ids with input as s with data.config as cfg
	mons := {id | some id, i in lib.instances; lib.monitored(i)} with input as s with data.config as cfg
	mons == lib.monitored_ids with input as s with data.config as cfg
	wins := {id | some id, i in lib.instances; lib.windows(i)} with input as s with data.config as cfg
	wins == lib.windows_ids with input as s with data.config as cfg
}
