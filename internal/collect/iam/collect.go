package iamcollect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// API is the part of the IAM client the collector uses; *iam.Client
// satisfies it.
type API interface {
	GetInstanceProfile(ctx context.Context, in *iam.GetInstanceProfileInput, optFns ...func(*iam.Options)) (*iam.GetInstanceProfileOutput, error)
	iam.ListAttachedRolePoliciesAPIClient
}

var _ API = (*iam.Client)(nil)

// listPageSize is ListAttachedRolePolicies' maximum MaxItems.
const listPageSize = 1000

// Collect reads the instance profiles named by profileARNs
// (arn:aws:iam::<account>:instance-profile/<path/>name) with their roles'
// attached managed policies. The result holds each distinct profile once,
// sorted by ARN; failed reads are added to gaps.
func Collect(ctx context.Context, api API, profileARNs []string, gaps gap.Scope) []model.InstanceProfile {
	arns := slices.Clone(profileARNs)
	slices.Sort(arns)
	arns = slices.Compact(arns)

	out := []model.InstanceProfile{}
	policies := map[string]*rolePolicies{}
	for _, arn := range arns {
		if arn == "" {
			continue
		}
		name, ok := ProfileName(arn)
		if !ok {
			gaps.Add("iam:GetInstanceProfile", arn, fmt.Errorf("%q is not an instance profile ARN", arn))
			out = append(out, model.InstanceProfile{ARN: arn, Roles: []model.Role{}})
			continue
		}
		p := model.InstanceProfile{Name: name, ARN: arn, Roles: []model.Role{}}
		resp, err := api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
		if err == nil && resp.InstanceProfile == nil {
			err = errors.New("GetInstanceProfile answered without an InstanceProfile")
		}
		if err != nil {
			gaps.Add("iam:GetInstanceProfile", name, fmt.Errorf("get instance profile %s: %w", name, err))
			out = append(out, p)
			continue
		}
		if a := aws.ToString(resp.InstanceProfile.Arn); a != "" {
			p.ARN = a
		}
		for _, r := range resp.InstanceProfile.Roles {
			role := model.Role{Name: aws.ToString(r.RoleName), ARN: aws.ToString(r.Arn)}
			rp, seen := policies[role.Name]
			if !seen {
				rp = listRolePolicies(ctx, api, role.Name, gaps)
				policies[role.Name] = rp
			}
			role.PoliciesRead = rp.read
			role.AttachedPolicies = slices.Clone(rp.arns)
			p.Roles = append(p.Roles, role)
		}
		out = append(out, p)
	}
	return out
}

// rolePolicies is what ListAttachedRolePolicies gave for one role.
type rolePolicies struct {
	arns []string
	read bool
}

// listRolePolicies lists a role's attached managed policy ARNs.
func listRolePolicies(ctx context.Context, api API, role string, gaps gap.Scope) *rolePolicies {
	arns := []string{}
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{
		RoleName: aws.String(role),
		MaxItems: aws.Int32(listPageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			gaps.Add("iam:ListAttachedRolePolicies", role, fmt.Errorf("list attached policies of role %s: %w", role, err))
			return &rolePolicies{}
		}
		for _, ap := range page.AttachedPolicies {
			arns = append(arns, aws.ToString(ap.PolicyArn))
		}
	}
	return &rolePolicies{arns: arns, read: true}
}

// ProfileName returns the name of the instance profile an ARN
// (arn:<partition>:iam::<account>:instance-profile/<path/>name) names: its
// last path segment, which is what GetInstanceProfile takes.
func ProfileName(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return "", false
	}
	res, ok := strings.CutPrefix(parts[5], "instance-profile/")
	if !ok {
		return "", false
	}
	name := res[strings.LastIndex(res, "/")+1:]
	return name, name != ""
}
