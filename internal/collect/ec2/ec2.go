package ec2collect

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// API is the narrow EC2 interface the collector needs; *ec2.Client
// satisfies it.
type API interface {
	ec2.DescribeVpcsAPIClient
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeSecurityGroupsAPIClient
	ec2.DescribeNetworkAclsAPIClient
	ec2.DescribeRouteTablesAPIClient
	ec2.DescribeNatGatewaysAPIClient
	ec2.DescribeInternetGatewaysAPIClient
	ec2.DescribeVpcEndpointsAPIClient
	ec2.DescribeManagedPrefixListsAPIClient
	ec2.GetManagedPrefixListEntriesAPIClient
	ec2.DescribeInstancesAPIClient
}

// ErrRepeatedToken is wrapped by a listing whose service answered a page
// with the token it was asked for, which would otherwise page forever.
var ErrRepeatedToken = errors.New("the service returned the same page token twice")

// The largest page each operation serves (AWS's MaxResults maxima).
// Always sending MaxResults keeps every call in AWS's paginated throttling
// bucket.
const (
	maxVpcs              int32 = 1000
	maxSubnets           int32 = 1000
	maxSecurityGroups    int32 = 1000
	maxNetworkAcls       int32 = 1000
	maxRouteTables       int32 = 100
	maxNatGateways       int32 = 1000
	maxInternetGateways  int32 = 1000
	maxVpcEndpoints      int32 = 1000
	maxPrefixLists       int32 = 100
	maxPrefixListEntries int32 = 100
	maxInstances         int32 = 1000
)

// Collect reads one account-region into r (r.Name already set). Every read
// that fails is recorded in gaps with api "ec2:<Action>" (resource "" for a
// whole listing, the prefix-list id for entries) and leaves that part of r
// empty.
func Collect(ctx context.Context, api API, r *model.Region, gaps gap.Scope) {
	collector{api: api, gaps: gaps}.collect(ctx, r)
}

// collector holds one Collect call's client and gap scope.
type collector struct {
	api  API
	gaps gap.Scope
	// pageCap, when positive, lowers every page size to at most pageCap.
	// Tests use it to make the simulator serve many pages.
	pageCap int32
}

// limit is the MaxResults to send to an operation whose maximum is max.
func (c collector) limit(max int32) *int32 {
	if c.pageCap > 0 && c.pageCap < max {
		return aws.Int32(c.pageCap)
	}
	return aws.Int32(max)
}

func (c collector) collect(ctx context.Context, r *model.Region) {
	// The listings are independent: AWS throttles each action in a bucket
	// of its own, so they run at once, and the region takes as long as its
	// longest listing rather than their sum. Each goroutine writes one
	// field of r.
	var wg sync.WaitGroup
	wg.Go(func() {
		r.VPCs = list(ctx, c, "DescribeVpcs",
			ec2.NewDescribeVpcsPaginator(c.api, &ec2.DescribeVpcsInput{MaxResults: c.limit(maxVpcs)}),
			func(o *ec2.DescribeVpcsOutput) ([]types.Vpc, *string) { return o.Vpcs, o.NextToken },
			convertVPC)
	})
	wg.Go(func() {
		r.Subnets = list(ctx, c, "DescribeSubnets",
			ec2.NewDescribeSubnetsPaginator(c.api, &ec2.DescribeSubnetsInput{MaxResults: c.limit(maxSubnets)}),
			func(o *ec2.DescribeSubnetsOutput) ([]types.Subnet, *string) { return o.Subnets, o.NextToken },
			convertSubnet)
	})
	wg.Go(func() {
		r.SecurityGroups = list(ctx, c, "DescribeSecurityGroups",
			ec2.NewDescribeSecurityGroupsPaginator(c.api, &ec2.DescribeSecurityGroupsInput{MaxResults: c.limit(maxSecurityGroups)}),
			func(o *ec2.DescribeSecurityGroupsOutput) ([]types.SecurityGroup, *string) {
				return o.SecurityGroups, o.NextToken
			},
			convertSecurityGroup)
	})
	wg.Go(func() {
		r.NetworkACLs = list(ctx, c, "DescribeNetworkAcls",
			ec2.NewDescribeNetworkAclsPaginator(c.api, &ec2.DescribeNetworkAclsInput{MaxResults: c.limit(maxNetworkAcls)}),
			func(o *ec2.DescribeNetworkAclsOutput) ([]types.NetworkAcl, *string) {
				return o.NetworkAcls, o.NextToken
			},
			convertNetworkACL)
	})
	wg.Go(func() {
		r.RouteTables = list(ctx, c, "DescribeRouteTables",
			ec2.NewDescribeRouteTablesPaginator(c.api, &ec2.DescribeRouteTablesInput{MaxResults: c.limit(maxRouteTables)}),
			func(o *ec2.DescribeRouteTablesOutput) ([]types.RouteTable, *string) {
				return o.RouteTables, o.NextToken
			},
			convertRouteTable)
	})
	wg.Go(func() {
		r.NATGateways = list(ctx, c, "DescribeNatGateways",
			ec2.NewDescribeNatGatewaysPaginator(c.api, &ec2.DescribeNatGatewaysInput{MaxResults: c.limit(maxNatGateways)}),
			func(o *ec2.DescribeNatGatewaysOutput) ([]types.NatGateway, *string) {
				return o.NatGateways, o.NextToken
			},
			convertNATGateway)
	})
	wg.Go(func() {
		r.InternetGateways = list(ctx, c, "DescribeInternetGateways",
			ec2.NewDescribeInternetGatewaysPaginator(c.api, &ec2.DescribeInternetGatewaysInput{MaxResults: c.limit(maxInternetGateways)}),
			func(o *ec2.DescribeInternetGatewaysOutput) ([]types.InternetGateway, *string) {
				return o.InternetGateways, o.NextToken
			},
			convertInternetGateway)
	})
	wg.Go(func() {
		r.VPCEndpoints = list(ctx, c, "DescribeVpcEndpoints",
			ec2.NewDescribeVpcEndpointsPaginator(c.api, &ec2.DescribeVpcEndpointsInput{MaxResults: c.limit(maxVpcEndpoints)}),
			func(o *ec2.DescribeVpcEndpointsOutput) ([]types.VpcEndpoint, *string) {
				return o.VpcEndpoints, o.NextToken
			},
			convertVPCEndpoint)
	})
	wg.Go(func() {
		r.PrefixLists = list(ctx, c, "DescribeManagedPrefixLists",
			ec2.NewDescribeManagedPrefixListsPaginator(c.api, &ec2.DescribeManagedPrefixListsInput{MaxResults: c.limit(maxPrefixLists)}),
			func(o *ec2.DescribeManagedPrefixListsOutput) ([]types.ManagedPrefixList, *string) {
				return o.PrefixLists, o.NextToken
			},
			convertPrefixList)
	})
	var reservations [][]model.Instance
	wg.Go(func() {
		reservations = list(ctx, c, "DescribeInstances",
			ec2.NewDescribeInstancesPaginator(c.api, &ec2.DescribeInstancesInput{MaxResults: c.limit(maxInstances)}),
			func(o *ec2.DescribeInstancesOutput) ([]types.Reservation, *string) {
				return o.Reservations, o.NextToken
			},
			func(res types.Reservation) []model.Instance { return convertAll(res.Instances, convertInstance) })
	})
	wg.Wait()
	// Prefix-list entries need the groups, routes and lists read first.
	c.readPrefixListEntries(ctx, r)
	r.Instances = nil
	for _, insts := range reservations {
		r.Instances = append(r.Instances, insts...)
	}
}

// readPrefixListEntries fills the entries of the prefix lists that some
// security-group rule or route of r names. Entries of the others are not
// read: nothing in the region can reach through them, and each read is a
// call per list.
func (c collector) readPrefixListEntries(ctx context.Context, r *model.Region) {
	used := referencedPrefixLists(r)
	for i := range r.PrefixLists {
		pl := &r.PrefixLists[i]
		if !used[pl.ID] {
			continue
		}
		p := ec2.NewGetManagedPrefixListEntriesPaginator(c.api, &ec2.GetManagedPrefixListEntriesInput{
			PrefixListId: aws.String(pl.ID),
			MaxResults:   c.limit(maxPrefixListEntries),
		})
		entries, err := readAll(ctx, p, func(o *ec2.GetManagedPrefixListEntriesOutput) ([]types.PrefixListEntry, *string) {
			return o.Entries, o.NextToken
		})
		if err != nil {
			c.gaps.Add("ec2:GetManagedPrefixListEntries", pl.ID, fmt.Errorf("prefix list %s entries: %w", pl.ID, err))
			continue
		}
		pl.CIDRs = make([]string, 0, len(entries))
		for _, e := range entries {
			if cidr := aws.ToString(e.Cidr); cidr != "" {
				pl.CIDRs = append(pl.CIDRs, cidr)
			}
		}
		pl.EntriesRead = true
	}
}

// referencedPrefixLists is the set of prefix list ids that the region's
// security-group rules and routes name.
func referencedPrefixLists(r *model.Region) map[string]bool {
	used := map[string]bool{}
	for _, g := range r.SecurityGroups {
		for _, perms := range [][]model.Permission{g.Ingress, g.Egress} {
			for _, p := range perms {
				for _, id := range p.PrefixListIDs {
					used[id] = true
				}
			}
		}
	}
	for _, t := range r.RouteTables {
		for _, rt := range t.Routes {
			if rt.DestinationPrefixListID != "" {
				used[rt.DestinationPrefixListID] = true
			}
		}
	}
	return used
}

// pager is what every SDK paginator offers; O is the operation's output.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(ctx context.Context, optFns ...func(*ec2.Options)) (O, error)
}

// list reads every page of one listing and converts its items. On any
// failure it records the gap for the whole listing and returns nil: the
// pages already read are discarded, never returned as if complete.
func list[O, S, M any](ctx context.Context, c collector, action string, p pager[O], page func(O) ([]S, *string), convert func(S) M) []M {
	items, err := readAll(ctx, p, page)
	if err != nil {
		c.gaps.Add("ec2:"+action, "", fmt.Errorf("%s: %w", action, err))
		return nil
	}
	return convertAll(items, convert)
}

// readAll follows p to the last page and returns all the pages' items, or
// the first error.
func readAll[O, S any](ctx context.Context, p pager[O], page func(O) ([]S, *string)) ([]S, error) {
	var all []S
	var prev string
	for n := 1; p.HasMorePages(); n++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", n, err)
		}
		items, next := page(out)
		all = append(all, items...)
		if tok := aws.ToString(next); tok != "" {
			if tok == prev {
				return nil, fmt.Errorf("page %d: %w", n, ErrRepeatedToken)
			}
			prev = tok
		}
	}
	return all, nil
}

func convertAll[S, M any](in []S, convert func(S) M) []M {
	if in == nil {
		return nil
	}
	out := make([]M, 0, len(in))
	for _, s := range in {
		out = append(out, convert(s))
	}
	return out
}
