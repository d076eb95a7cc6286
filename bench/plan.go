package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// Buckets gives the shape of the bucket an API ("ec2:DescribeVpcs")
// draws from; the zero Limit means no throttling.
type Buckets func(api string) throttle.Limit

// LimiterBuckets reads bucket shapes from the same throttle.Limiter
// options the simulator was given (nil: no throttling). Collectors always
// paginate, so calls draw from the paginated buckets.
func LimiterBuckets(l *throttle.Limiter) Buckets {
	return func(api string) throttle.Limit {
		if l == nil {
			return throttle.Limit{}
		}
		service, action, _ := strings.Cut(api, ":")
		_, lim, ok := l.Classify(service, action, true)
		if !ok {
			return throttle.Limit{}
		}
		return lim
	}
}

// FloorReport is an estate's collection floor and what sets it.
type FloorReport struct {
	Total time.Duration `json:"total_ns"`
	// Bound names the term that sets the total.
	Bound string `json:"bound"`
}

func (f FloorReport) String() string {
	return fmt.Sprintf("%v (%s)", f.Total.Round(time.Millisecond), f.Bound)
}

// term is a lower bound and what it is.
type term struct {
	d    time.Duration
	what string
}

func maxTerm(ts ...term) term {
	best := term{}
	for _, t := range ts {
		if t.d > best.d || best.what == "" {
			best = t
		}
	}
	return best
}

// EstateFloor is the least time any client could collect n in, with
// latency L per call and bucket shapes from b. Within an account-region
// the listings are independent (each its own bucket, each a NextToken
// chain); prefix-list entries need the listings that name them;
// inventory listings need one page of instances (L) first; IAM needs one
// page of instances first. Across an organization, each account's
// collection follows its AssumeRole, and AssumeRole follows a page of
// ListAccounts. Every term is a lower bound, so their maximum is one.
func EstateFloor(n *Need, b Buckets, L time.Duration) FloorReport {
	f := func(api string, w Work) term {
		return term{Floor(w, b(api), L), fmt.Sprintf("%s: %d calls", api, w.Calls)}
	}
	account := func(a AccountNeed) term {
		var units []term
		for _, u := range a.Units {
			var ts []term
			for api, w := range u.APIs {
				switch api {
				case "ec2:GetManagedPrefixListEntries":
					before := maxTerm(f("ec2:DescribeSecurityGroups", u.APIs["ec2:DescribeSecurityGroups"]),
						f("ec2:DescribeRouteTables", u.APIs["ec2:DescribeRouteTables"]),
						f("ec2:DescribeManagedPrefixLists", u.APIs["ec2:DescribeManagedPrefixLists"]))
					t := f(api, w)
					ts = append(ts, term{before.d + t.d, before.what + ", then " + t.what})
				case "ssm:ListInventoryEntries":
					t := f(api, w)
					ts = append(ts, term{L + t.d, "a page of instances, then " + t.what})
				default:
					ts = append(ts, f(api, w))
				}
			}
			t := maxTerm(ts...)
			t.what = a.ID + " " + u.Region + ": " + t.what
			units = append(units, t)
		}
		t := maxTerm(units...)
		if gip, ok := a.IAM["iam:GetInstanceProfile"]; ok {
			iam := term{L + f("iam:GetInstanceProfile", gip).d + f("iam:ListAttachedRolePolicies", a.IAM["iam:ListAttachedRolePolicies"]).d,
				a.ID + ": a page of instances, then its instance profiles and their roles' policies"}
			t = maxTerm(t, iam)
		}
		return t
	}
	if !n.Org {
		var ts []term
		for _, a := range n.Accounts {
			ts = append(ts, account(a))
		}
		t := maxTerm(append(ts, term{L, "GetCallerIdentity"})...)
		return FloorReport{Total: t.d, Bound: t.what}
	}
	la := f("organizations:ListAccounts", n.ListAccounts)
	ar := f("sts:AssumeRole", n.AssumeRole)
	var ts []term
	var quickest term
	for _, a := range n.Accounts {
		at := account(a)
		entry := L // the ListAccounts page that names the account
		if a.ID != n.Caller {
			entry += L // its AssumeRole
			if quickest.what == "" || at.d < quickest.d {
				quickest = at
			}
		}
		ts = append(ts, term{entry + at.d, at.what})
	}
	if quickest.what != "" {
		ts = append(ts,
			term{la.d + L + quickest.d, la.what + ", then an AssumeRole, then the quickest account"},
			term{L + ar.d + quickest.d, "a page of accounts, then " + ar.what + ", then the quickest account"})
	}
	t := maxTerm(ts...)
	return FloorReport{Total: t.d, Bound: t.what}
}
