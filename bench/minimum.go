package bench

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
)

// Scope is what a collection reads: the accounts (every account of an
// organization estate, or its one account) in Regions.
type Scope struct {
	Regions []string
	// Inventory says whether kernels are read from SSM inventory (the
	// collector's default kernel source) or not at all.
	Inventory bool
}

// Need is the least an estate asks of AWS: the pages every API must be
// called for, by account and region.
type Need struct {
	Caller string `json:"caller"`
	Org    bool   `json:"org"`
	// ListAccounts and AssumeRole are the organization's calls, made with
	// the caller's credentials.
	ListAccounts Work          `json:"list_accounts"`
	AssumeRole   Work          `json:"assume_role"`
	Accounts     []AccountNeed `json:"accounts"`
}

// AccountNeed is one account's share.
type AccountNeed struct {
	ID    string     `json:"id"`
	Units []UnitNeed `json:"units"`
	// IAM calls, global to the account: one GetInstanceProfile per profile
	// the account's instances use, the pages of ListAttachedRolePolicies
	// per role of those profiles.
	IAM map[string]Work `json:"iam"`
}

// UnitNeed is one account-region's calls per API ("ec2:DescribeVpcs").
type UnitNeed struct {
	Region string          `json:"region"`
	APIs   map[string]Work `json:"apis"`
	// Counts of what the region holds, to check a snapshot is complete.
	Instances      int `json:"instances"`
	SSMNodes       int `json:"ssm_nodes"`
	SecurityGroups int `json:"security_groups"`
}

// Page limits the collector's listings use: AWS's maxima.
var listings = []struct {
	api, file, key string
	max            int
}{
	{"ec2:DescribeVpcs", "ec2/describe-vpcs", "Vpcs", 1000},
	{"ec2:DescribeSubnets", "ec2/describe-subnets", "Subnets", 1000},
	{"ec2:DescribeSecurityGroups", "ec2/describe-security-groups", "SecurityGroups", 1000},
	{"ec2:DescribeNetworkAcls", "ec2/describe-network-acls", "NetworkAcls", 1000},
	{"ec2:DescribeRouteTables", "ec2/describe-route-tables", "RouteTables", 100},
	{"ec2:DescribeNatGateways", "ec2/describe-nat-gateways", "NatGateways", 1000},
	{"ec2:DescribeInternetGateways", "ec2/describe-internet-gateways", "InternetGateways", 1000},
	{"ec2:DescribeVpcEndpoints", "ec2/describe-vpc-endpoints", "VpcEndpoints", 1000},
	{"ec2:DescribeManagedPrefixLists", "ec2/describe-managed-prefix-lists", "PrefixLists", 100},
	{"ec2:DescribeInstances", "ec2/describe-instances", "Reservations", 1000},
	{"ssm:DescribeInstanceInformation", "ssm/describe-instance-information", "InstanceInformationList", 50},
}

func pages(n, size int) int { return max(1, (n+size-1)/size) }

func list(doc map[string]any, key string) []any {
	l, _ := doc[key].([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Minimum derives an estate's Need from its files: every listing at AWS's
// largest page, entries of the prefix lists that rules and routes name,
// one inventory listing per running Linux instance SSM manages (when
// Inventory), the region's Default Host Management setting, the instance
// profiles and role policies the instances use, and for an organization
// its ListAccounts pages and one AssumeRole per account but the caller's.
func Minimum(est *awssim.Estate, sc Scope) (*Need, error) {
	n := &Need{Caller: est.Management, Org: est.ListAccounts != nil}
	ids := est.SortedAccounts()
	if n.Org {
		active := 0
		for _, a := range list(est.ListAccounts, "Accounts") {
			if str(obj(a)["Status"]) == "ACTIVE" {
				active++
			}
		}
		n.ListAccounts = Work{Calls: pages(len(list(est.ListAccounts, "Accounts")), 20), Partitions: 1}
		n.AssumeRole = Work{Calls: active - 1, Partitions: max(active-1, 1)}
	}
	for _, id := range ids {
		a := est.Accounts[id]
		an := AccountNeed{ID: id, IAM: map[string]Work{}}
		profiles := map[string]bool{}
		for _, region := range sc.Regions {
			r := a.Regions[region]
			if r == nil {
				return nil, fmt.Errorf("account %s has no region %s", id, region)
			}
			u := unitNeed(r, sc)
			for _, res := range list(r.Files["ec2/describe-instances"], "Reservations") {
				for _, in := range list(obj(res), "Instances") {
					if arn := str(obj(obj(in)["IamInstanceProfile"])["Arn"]); arn != "" {
						profiles[arn] = true
					}
				}
			}
			an.Units = append(an.Units, u)
		}
		roles := map[string]bool{}
		for _, arn := range slices.Sorted(maps.Keys(profiles)) {
			name := arn[strings.LastIndex(arn, "/")+1:]
			doc := a.IAM["get-instance-profile/"+name]
			for _, rl := range list(obj(doc["InstanceProfile"]), "Roles") {
				roles[str(obj(rl)["RoleName"])] = true
			}
		}
		if len(profiles) > 0 {
			an.IAM["iam:GetInstanceProfile"] = Work{Calls: len(profiles), Partitions: len(profiles)}
		}
		rolePages := 0
		for role := range roles {
			rolePages += pages(len(list(a.IAM["list-attached-role-policies/"+role], "AttachedPolicies")), 1000)
		}
		if rolePages > 0 {
			an.IAM["iam:ListAttachedRolePolicies"] = Work{Calls: rolePages, Partitions: len(roles)}
		}
		n.Accounts = append(n.Accounts, an)
	}
	return n, nil
}

func unitNeed(r *awssim.Region, sc Scope) UnitNeed {
	u := UnitNeed{Region: r.Name, APIs: map[string]Work{}}
	for _, l := range listings {
		u.APIs[l.api] = Work{Calls: pages(len(list(r.Files[l.file], l.key)), l.max), Partitions: 1}
	}
	u.APIs["ssm:GetServiceSetting"] = Work{Calls: 1, Partitions: 1}
	u.SecurityGroups = len(list(r.Files["ec2/describe-security-groups"], "SecurityGroups"))

	// Prefix lists that a security-group rule or a route names.
	used := map[string]bool{}
	for _, g := range list(r.Files["ec2/describe-security-groups"], "SecurityGroups") {
		for _, key := range []string{"IpPermissions", "IpPermissionsEgress"} {
			for _, p := range list(obj(g), key) {
				for _, pl := range list(obj(p), "PrefixListIds") {
					used[str(obj(pl)["PrefixListId"])] = true
				}
			}
		}
	}
	for _, t := range list(r.Files["ec2/describe-route-tables"], "RouteTables") {
		for _, rt := range list(obj(t), "Routes") {
			if pl := str(obj(rt)["DestinationPrefixListId"]); pl != "" {
				used[pl] = true
			}
		}
	}
	var ple Work
	for _, pl := range list(r.Files["ec2/describe-managed-prefix-lists"], "PrefixLists") {
		id := str(obj(pl)["PrefixListId"])
		if used[id] {
			ple.Calls += pages(len(list(r.Files["ec2/get-managed-prefix-list-entries/"+id], "Entries")), 100)
			ple.Partitions++
		}
	}
	if ple.Calls > 0 {
		u.APIs["ec2:GetManagedPrefixListEntries"] = ple
	}

	// One inventory listing per running, non-Windows instance that SSM
	// manages as Linux, of the kernel packages only.
	linux := map[string]bool{}
	infos := list(r.Files["ssm/describe-instance-information"], "InstanceInformationList")
	u.SSMNodes = len(infos)
	for _, i := range infos {
		if str(obj(i)["PlatformType"]) == "Linux" {
			linux[str(obj(i)["InstanceId"])] = true
		}
	}
	var lie Work
	for _, res := range list(r.Files["ec2/describe-instances"], "Reservations") {
		for _, v := range list(obj(res), "Instances") {
			in := obj(v)
			u.Instances++
			id := str(in["InstanceId"])
			if !sc.Inventory || str(obj(in["State"])["Name"]) != "running" || strings.EqualFold(str(in["Platform"]), "windows") || !linux[id] {
				continue
			}
			kernels := 0
			doc := r.Files["ssm/list-inventory-entries/"+id+"/AWS_Application"]
			for _, e := range list(doc, "Entries") {
				name := str(obj(e)["Name"])
				if strings.HasPrefix(name, "kernel") || strings.HasPrefix(name, "linux-image-") {
					kernels++
				}
			}
			lie.Calls += pages(kernels, 50)
			lie.Partitions++
		}
	}
	if lie.Calls > 0 {
		u.APIs["ssm:ListInventoryEntries"] = lie
	}
	return u
}

// Total sums the Need's calls per API, across accounts and regions.
func (n *Need) Total() map[string]int {
	out := map[string]int{"sts:GetCallerIdentity": 1}
	if n.Org {
		out["organizations:ListAccounts"] = n.ListAccounts.Calls
		if n.AssumeRole.Calls > 0 {
			out["sts:AssumeRole"] = n.AssumeRole.Calls
		}
	}
	for _, a := range n.Accounts {
		for api, w := range a.IAM {
			out[api] += w.Calls
		}
		for _, u := range a.Units {
			for api, w := range u.APIs {
				out[api] += w.Calls
			}
		}
	}
	return out
}
