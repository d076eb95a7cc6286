# METADATA
# title: Shared definitions of the PDR rules
# description: |
#   Who is monitored, who is a Threat Manager appliance, indexed views of the snapshot
#   (objects keyed by id, built once per evaluation, so a rule never scans every
#   instance per instance), the coverage gaps, the resources each rule kind reports
#   on, and the helpers that turn pdr.net.reach verdicts into results.
package pdr.lib

import rego.v1

# ---------------------------------------------------------------------------
# Configuration (data.config), with the defaults of PDR-REQUIREMENTS.md.

# config returns data.config[key], or fallback when the run's configuration
# does not set it (or sets it to null).
config(key, fallback) := value if {
	value := data.config[key]
	value != null
} else := fallback

# datacenter is Alert Logic's data center the appliances send to: us or eu.
datacenter := config("datacenter", "us")

# rapid7_region selects the Rapid7 endpoints of the profile (us by default).
rapid7_region := config("rapid7_region", "us")

_appliance_config := config("appliances", {})

_monitored_config := config("monitored", {})

# appliance_tags identify appliances by tag (any one tag matches; "*" is any value).
default_appliance_tags := {"ProductVendor": "AlertLogic"}

appliance_tags := _or(object.get(_appliance_config, "tags", null), default_appliance_tags)

# appliance_name_contains identify appliances by a substring of their Name tag,
# case-insensitive.
default_appliance_name_contains := ["threat manager"]

appliance_name_contains := _or(object.get(_appliance_config, "name_contains", null), default_appliance_name_contains)

# include_tags: when non-empty, a monitored instance must carry every one.
include_tags := _or(object.get(_monitored_config, "include_tags", null), {})

# exclude_tags: an instance carrying any one of them is not monitored.
exclude_tags := _or(object.get(_monitored_config, "exclude_tags", null), {})

excluded_vpcs := {v | some v in _or(config("exclude_vpcs", []), [])}

excluded_accounts := {a | some a in _or(config("exclude_accounts", []), [])}

_or(value, fallback) := fallback if value == null

_or(value, _) := value if value != null

# ---------------------------------------------------------------------------
# Who is who. The functions state the definitions for one instance; the sets
# below apply them to every instance in a few passes without a function call
# per instance (lib_test checks that both agree).

# tags_of returns a resource's tags, {} when it has none.
tags_of(x) := t if {
	t := x.tags
	is_object(t)
} else := {}

# tag_matches holds when tags carry key with value ("*": any value).
tag_matches(tags, key, "*") if _ = tags[key]

tag_matches(tags, key, value) if tags[key] == value

# appliance holds for an instance that is a Threat Manager appliance, running or
# not: one of appliance_tags, or a Name containing one of appliance_name_contains.
appliance(i) if {
	some key, value in appliance_tags
	tag_matches(tags_of(i), key, value)
}

appliance(i) if {
	name := lower(tags_of(i).Name)
	some part in _appliance_name_parts
	contains(name, part)
}

# in_scope holds for an instance (an element of instances) whose VPC and
# account are not excluded.
in_scope(i) if {
	not i.vpc_id in excluded_vpcs
	not i.account in excluded_accounts
}

# monitored holds for an instance (an element of instances) that PDR watches:
# running, not an appliance, in scope, and selected by the tag selectors.
monitored(i) if {
	i.state == "running"
	not appliance(i)
	in_scope(i)
	tags := tags_of(i)
	every key, value in include_tags {
		tag_matches(tags, key, value)
	}
	not _excluded_by_tags(tags)
}

_excluded_by_tags(tags) if {
	some key, value in exclude_tags
	tag_matches(tags, key, value)
}

# windows holds for an instance that EC2 (Platform) or SSM (PlatformType) says
# runs Windows.
windows(i) if lower(i.platform) == "windows"

windows(i) if ssm_instances[i.id].platform_type == "Windows"

# instances: instance id → the instance with its account and region.
instances := {i.id: object.union(i, {"account": a.id, "region": r.name}) |
	some a in input.accounts
	some r in a.regions
	some i in r.instances
}

_appliance_name_parts := {lower(p) | some p in appliance_name_contains}

# appliance_ids: the ids of the Threat Manager appliances, running or not.
appliance_ids := ({id |
	some key, value in appliance_tags
	value != "*"
	some id, i in instances
	i.tags[key] == value
} | {id |
	some key, "*" in appliance_tags
	some id, i in instances
	_ = i.tags[key]
}) | {id |
	count(_appliance_name_parts) > 0
	some id, i in instances
	name := lower(i.tags.Name)
	some part in _appliance_name_parts
	contains(name, part)
}

# deselected_ids: instances the tag selectors leave out (computed only when
# there are selectors).
deselected_ids := {id |
	some id, i in instances
	some key, value in include_tags
	not tag_matches(tags_of(i), key, value)
} | {id |
	some key, value in exclude_tags
	some id, i in instances
	tag_matches(tags_of(i), key, value)
} if {
	count(include_tags) + count(exclude_tags) > 0
} else := set()

# appliances: the running, in-scope Threat Manager appliances by id.
appliances := {id: i |
	some id in appliance_ids
	i := instances[id]
	i.state == "running"
	not i.vpc_id in excluded_vpcs
	not i.account in excluded_accounts
}

# monitored_ids: the ids of the monitored instances: running, neither
# appliances, out of scope nor left out by the tag selectors.
monitored_ids := (({id | some id, i in instances; i.state == "running"} - appliance_ids) - out_of_scope_ids) - deselected_ids

# monitored_instances: the monitored instances by id.
monitored_instances := {id: instances[id] | some id in monitored_ids}

# out_of_scope_ids: instances of an excluded VPC or account (computed only when
# something is excluded).
out_of_scope_ids := {id |
	some id, i in instances
	i.vpc_id in excluded_vpcs
} | {id |
	some id, i in instances
	i.account in excluded_accounts
} if {
	count(excluded_vpcs) + count(excluded_accounts) > 0
} else := set()

# windows_ids: the instances EC2 (Platform) or SSM (PlatformType) says run Windows.
windows_ids := {id |
	some id, i in instances
	lower(i.platform) == "windows"
} | {s.instance_id |
	some s in ssm_instances
	s.platform_type == "Windows"
}

# monitored_linux_instances: the monitored instances that do not run Windows.
monitored_linux_instances := {id: instances[id] | some id in (monitored_ids - windows_ids)}

# Groupings. Each inner comprehension is indexed by OPA (comprehension
# indexing), so a grouping costs one pass, not one pass per group.

_monitored_vpcs := {i.vpc_id | some i in monitored_instances}

_monitored_vpc_azs := {[i.vpc_id, i.availability_zone] | some i in monitored_instances}

# monitored_by_vpc: VPC id → the ids of its monitored instances.
monitored_by_vpc := {vpc: ids |
	some vpc in _monitored_vpcs
	ids := {id | some id, i in monitored_instances; i.vpc_id == vpc}
}

# monitored_by_vpc_az: "<vpc-id>/<az>" → the ids of its monitored instances.
monitored_by_vpc_az := {vpc_az_id(vpc, az): ids |
	some [vpc, az] in _monitored_vpc_azs
	ids := {id | some id, i in monitored_instances; i.vpc_id == vpc; i.availability_zone == az}
}

# appliances_by_vpc: VPC id → the ids of its running appliances.
appliances_by_vpc := {vpc: ids |
	some vpc in {i.vpc_id | some i in appliances}
	ids := {id | some id, i in appliances; i.vpc_id == vpc}
}

# appliances_by_vpc_az: "<vpc-id>/<az>" → the ids of its running appliances.
appliances_by_vpc_az := {vpc_az_id(vpc, az): ids |
	some [vpc, az] in {[i.vpc_id, i.availability_zone] | some i in appliances}
	ids := {id | some id, i in appliances; i.vpc_id == vpc; i.availability_zone == az}
}

# vpc_az_id is the resource id of a VPC's availability zone.
vpc_az_id(vpc, az) := concat("/", [vpc, az])

# ssm_instances: instance id → what SSM's DescribeInstanceInformation says.
ssm_instances := {s.instance_id: object.union(s, {"account": a.id, "region": r.name}) |
	some a in input.accounts
	some r in a.regions
	some s in r.ssm_instances
}

# kernels: instance id → its running kernel and the evidence for it.
kernels := {k.instance_id: k |
	some a in input.accounts
	some r in a.regions
	some k in r.kernels
}

# instance_profiles: instance profile ARN → the profile with its account.
instance_profiles := {p.arn: object.union(p, {"account": a.id}) |
	some a in input.accounts
	some p in a.instance_profiles
	p.arn != ""
}

# instance_profile_name returns the name in an instance profile ARN
# (arn:aws:iam::111122223333:instance-profile/path/name).
instance_profile_name(arn) := name if {
	parts := split(arn, "/")
	count(parts) > 1
	name := parts[count(parts) - 1]
} else := arn

# default_host_management: "<account>/<region>" → the region's Default Host
# Management Configuration setting (null when it could not be read).
default_host_management := {place(a.id, r.name): r.default_host_management |
	some a in input.accounts
	some r in a.regions
}

# route_tables: route table id → the table with its account and region.
route_tables := {t.id: object.union(t, {"account": a.id, "region": r.name}) |
	some a in input.accounts
	some r in a.regions
	some t in r.route_tables
}

# subnet_route_table: subnet id → the id of its explicitly associated route table.
subnet_route_table := {s.subnet_id: id |
	some id, t in route_tables
	some s in t.associations
	s.subnet_id != ""
	object.get(s, "state", "associated") in {"", "associated"}
}

# main_route_table: VPC id → the id of its main route table.
main_route_table := {t.vpc_id: id |
	some id, t in route_tables
	t.main == true
}

# nat_gateways: NAT gateway id → the gateway.
nat_gateways := {n.id: n |
	some a in input.accounts
	some r in a.regions
	some n in r.nat_gateways
}

# place is the "<account>/<region>" key of a region.
place(account, region) := concat("/", [account, region])

# ---------------------------------------------------------------------------
# Coverage gaps: reads that failed. A rule that needs a read's data reports
# unknown where that read is a gap.

_gap_keys := {concat("/", [g.account, g.region, g.api]) | some g in input.gaps}

_gap_resource_keys := {concat("/", [g.account, g.region, g.api, object.get(g, "resource", "")]) |
	some g in input.gaps
}

# gap holds when api ("service:Action") could not be read, wholly or for some
# resource, in account and region (IAM: region "global").
gap(account, region, api) if concat("/", [account, region, api]) in _gap_keys

# gap_note says why api could not be read in account and region ("of
# 111122223333/us-east-1 could not be read (ssm:DescribeInstanceInformation)"),
# "" when it could.
gap_note(account, region, api) := sprintf("of %s/%s could not be read (%s)", [account, region, api]) if {
	gap(account, region, api)
} else := ""

# gap_for holds when api could not be read for resource: the whole listing
# failed, or the read of that very resource did.
gap_for(account, region, api, _) if concat("/", [account, region, api, ""]) in _gap_resource_keys

gap_for(account, region, api, resource) if concat("/", [account, region, api, resource]) in _gap_resource_keys

# gap_id is the resource id of a gap: "<account>/<region>/<service>:<Action>".
gap_id(g) := concat("/", [g.account, g.region, g.api])

# gaps_by_id: gap resource id → the gaps with that id (one per failed resource).
gaps_by_id := {id: gaps |
	some id in {gap_id(g) | some g in input.gaps}
	gaps := {g | some g in input.gaps; gap_id(g) == id}
}

# ---------------------------------------------------------------------------
# Resources: what each rule kind reports on, one entry per resource.

_resource(id, type, account, region) := {
	"resource_id": id,
	"resource_type": type,
	"account": account,
	"region": region,
}

# A VPC (or VPC zone) reports in the first account and region, in sort order,
# of its monitored instances (they differ only for a shared VPC).

# vpc_resources: VPC id → resource, for the VPCs with a monitored instance.
vpc_resources := {vpc: _resource(vpc, "vpc", p[0], p[1]) |
	some vpc in _monitored_vpcs
	p := min({[i.account, i.region] | some i in monitored_instances; i.vpc_id == vpc})
}

# vpc_az_resources: "<vpc-id>/<az>" → resource, for the VPC zones with a
# monitored instance.
vpc_az_resources := {vpc_az_id(vpc, az): _resource(vpc_az_id(vpc, az), "vpc-az", p[0], p[1]) |
	some [vpc, az] in _monitored_vpc_azs
	p := min({[i.account, i.region] | some i in monitored_instances; i.vpc_id == vpc; i.availability_zone == az})
}

# instance_resource is the resource of an instance (an element of instances).
instance_resource(i) := {
	"resource_id": i.id,
	"resource_type": "instance",
	"account": i.account,
	"region": i.region,
}

# appliance_resources: instance id → resource, for the running appliances.
appliance_resources := {id: instance_resource(i) | some id, i in appliances}

# monitored_resources: instance id → resource, for the monitored instances.
monitored_resources := {id: instance_resource(i) | some id, i in monitored_instances}

# monitored_linux_resources: instance id → resource, for the monitored
# instances that do not run Windows.
monitored_linux_resources := {id: instance_resource(i) | some id, i in monitored_linux_instances}

# api_resources: gap id → resource, one per (account, region, API) not read.
api_resources := {id: _resource(id, "api", g.account, g.region) |
	some id, gs in gaps_by_id
	some g in gs
}

# resources lists, by kind, the resources the rules of that kind report on.
resources := {
	"vpc": [r | some r in vpc_resources],
	"vpc-az": [r | some r in vpc_az_resources],
	"appliance": [r | some r in appliance_resources],
	"monitored-instance": [r | some r in monitored_resources],
	"monitored-linux-instance": [r | some r in monitored_linux_resources],
	"api": [r | some r in api_resources],
}

# ---------------------------------------------------------------------------
# Results.

# result is a rule's result for a resource.
result(resource, status, message) := object.union(resource, {"status": status, "message": message})

# instance_result is a rule's result for an instance (an element of instances)
# from an outcome {"status", "message"}.
instance_result(i, outcome) := {
	"resource_id": i.id,
	"resource_type": "instance",
	"account": i.account,
	"region": i.region,
	"status": outcome.status,
	"message": outcome.message,
}

# count_of phrases a count for a person: "no appliance", "1 appliance", "2 appliances".
count_of(0, noun) := concat("", ["no ", noun])

count_of(1, noun) := concat("", ["1 ", noun])

count_of(n, noun) := sprintf("%d %ss", [n, noun]) if n > 1

# ---------------------------------------------------------------------------
# Network checks. A check is {"label": "tcp/443 to the internet", "verdict": v}
# with v a pdr.net.reach verdict; a rule combines its checks, in order: any
# blocked → fail naming the first blocking component; else any unknown →
# unknown naming what is missing; else pass.

# path_label describes a required path for a person: "tcp/4138 to 204.110.219.96/27".
path_label(proto, port, to) := sprintf("%s to %s", [proto_label(proto, port), _to_label(to)])

proto_label("all", _) := "all traffic"

proto_label(proto, port) := sprintf("%s/%d", [proto, port]) if proto != "all"

_to_label("internet") := "the internet"

_to_label(to) := sprintf("the %s service endpoint", [trim_prefix(to, "service:")]) if startswith(to, "service:")

_to_label(to) := to if {
	to != "internet"
	not startswith(to, "service:")
}

# check builds a check from a label and a verdict.
check(label, verdict) := {"label": label, "verdict": verdict}

# net_result combines checks into the result for resource; pass_message is the
# message when every path is allowed. A failure carries blocked_by, netpath's
# first blocking component.
net_result(resource, checks, pass_message) := result(resource, "pass", pass_message) if {
	every c in checks {
		c.verdict.verdict == "allowed"
	}
} else := _blocked_result(resource, blocked) if {
	blocked := [c | some c in checks; c.verdict.verdict == "blocked"]
	count(blocked) > 0
} else := result(resource, "unknown", _unknown_message(undecided)) if {
	undecided := [c | some c in checks; not c.verdict.verdict in {"allowed", "blocked"}]
	count(undecided) > 0
}

_blocked_result(resource, blocked) := object.union_n([
	result(resource, "fail", _blocked_message(blocked)),
	_blocked_by(blocked[0].verdict),
	_blocked_paths(blocked),
])

# _blocked_paths lists the questions of the blocked checks (the builtin adds
# them to verdicts that are not allowed), for remediation to open them.
_blocked_paths(blocked) := {"blocked_paths": paths} if {
	paths := [c.verdict.query | some c in blocked; is_object(c.verdict.query)]
	count(paths) > 0
} else := {}

_blocked_by(v) := {"blocked_by": v.blocked_by} if {
	is_object(v.blocked_by)
} else := {}

_blocked_message(blocked) := msg if {
	first := blocked[0]
	msg := concat("", [
		sprintf("%s is blocked: %s", [first.label, _blocker(first.verdict)]),
		_more(count(blocked) - 1, "blocked"),
	])
}

_unknown_message(unknown) := msg if {
	first := unknown[0]
	missing := object.get(first.verdict, "missing", [])
	detail := _or_text(concat("; ", [m | some m in _or(missing, [])]), "the path could not be decided")
	msg := concat("", [
		sprintf("%s could not be decided: %s", [first.label, detail]),
		_more(count(unknown) - 1, "undecided"),
	])
}

_more(0, _) := ""

_more(n, what) := sprintf(" (and %d more %s)", [n, what]) if n > 0

_blocker(v) := v.blocked_by.reason if {
	v.blocked_by.reason != ""
} else := sprintf("%s %s", [v.blocked_by.id, object.get(v.blocked_by, "rule", "")]) if {
	is_object(v.blocked_by)
} else := "no component named"

_or_text("", fallback) := fallback

_or_text(text, _) := text if text != ""

# ---------------------------------------------------------------------------
# Network checks for every monitored instance run once per group of instances
# that netpath says get the same answers, for the group's representative, and
# the result is reported for each instance of the group (rebase_result).
#
# A class (pdr.net.class) gets the same answer to every question: its instances
# share a subnet, a kind of address and a stretch of addresses, the referenced
# groups that hold their address, and their security groups unless these let
# everything out. A position (pdr.net.position) is coarser and holds only for
# paths to destinations outside the VPC (public addresses, "internet"): those
# do not meet the groups that other instances' rules reference.

# class_of: monitored instance id → its class as a source.
class_of := {id: pdr.net.class(id) | some id in monitored_ids}

# class_representatives: class → the smallest instance id of the class.
class_representatives := {class: rep |
	some class in {c | some c in class_of}
	rep := min({id | some id, c in class_of; c == class})
}

# position_of: monitored instance id → its network position.
position_of := {id: pdr.net.position(id) | some id in monitored_ids}

# position_representatives: network position → the smallest instance id in it.
position_representatives := {position: rep |
	some position in {p | some p in position_of}
	rep := min({id | some id, p in position_of; p == position})
}

# rebase_result turns the result r a rule computed for the representative rep
# into the result for instance id: its resource, and the names and address in
# the message, the blocking component and the blocked paths changed from rep's
# to id's.
rebase_result(r, rep, id) := r if {
	rep == id
} else := object.union(r, instance_resource(instances[id])) if {
	r.status == "pass"
} else := object.union(
	# The words naming rep, each with the word naming id: the instance id,
	# then the private address (none when rep has none).
	pdr.replace_words(r, [[rep, id], [instances[rep].private_ip, instances[id].private_ip]]),
	instance_resource(instances[id]),
)
