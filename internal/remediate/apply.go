package remediate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"golang.org/x/time/rate"

	ec2collect "github.com/pdr-audit/pdr-audit/internal/collect/ec2"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// EC2API is what apply and rollback call of EC2; *ec2.Client implements it.
type EC2API interface {
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	AuthorizeSecurityGroupIngress(context.Context, *ec2.AuthorizeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	AuthorizeSecurityGroupEgress(context.Context, *ec2.AuthorizeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupEgressOutput, error)
	RevokeSecurityGroupIngress(context.Context, *ec2.RevokeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
	RevokeSecurityGroupEgress(context.Context, *ec2.RevokeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupEgressOutput, error)
	CreateSecurityGroup(context.Context, *ec2.CreateSecurityGroupInput, ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	DeleteSecurityGroup(context.Context, *ec2.DeleteSecurityGroupInput, ...func(*ec2.Options)) (*ec2.DeleteSecurityGroupOutput, error)
	DescribeNetworkAcls(context.Context, *ec2.DescribeNetworkAclsInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error)
	CreateNetworkAclEntry(context.Context, *ec2.CreateNetworkAclEntryInput, ...func(*ec2.Options)) (*ec2.CreateNetworkAclEntryOutput, error)
	DeleteNetworkAclEntry(context.Context, *ec2.DeleteNetworkAclEntryInput, ...func(*ec2.Options)) (*ec2.DeleteNetworkAclEntryOutput, error)
	DescribeVpcEndpoints(context.Context, *ec2.DescribeVpcEndpointsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)
	CreateVpcEndpoint(context.Context, *ec2.CreateVpcEndpointInput, ...func(*ec2.Options)) (*ec2.CreateVpcEndpointOutput, error)
	DeleteVpcEndpoints(context.Context, *ec2.DeleteVpcEndpointsInput, ...func(*ec2.Options)) (*ec2.DeleteVpcEndpointsOutput, error)
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	AssociateIamInstanceProfile(context.Context, *ec2.AssociateIamInstanceProfileInput, ...func(*ec2.Options)) (*ec2.AssociateIamInstanceProfileOutput, error)
	DisassociateIamInstanceProfile(context.Context, *ec2.DisassociateIamInstanceProfileInput, ...func(*ec2.Options)) (*ec2.DisassociateIamInstanceProfileOutput, error)
	RunInstances(context.Context, *ec2.RunInstancesInput, ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	TerminateInstances(context.Context, *ec2.TerminateInstancesInput, ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error)
	ModifyInstanceAttribute(context.Context, *ec2.ModifyInstanceAttributeInput, ...func(*ec2.Options)) (*ec2.ModifyInstanceAttributeOutput, error)
	DescribeIamInstanceProfileAssociations(context.Context, *ec2.DescribeIamInstanceProfileAssociationsInput, ...func(*ec2.Options)) (*ec2.DescribeIamInstanceProfileAssociationsOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
}

// IAMAPI is what apply and rollback call of IAM; *iam.Client implements it.
type IAMAPI interface {
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	DetachRolePolicy(context.Context, *iam.DetachRolePolicyInput, ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
}

// Clients hands out API clients per account and region. An account the
// caller cannot act in is an error (the account check).
type Clients interface {
	EC2(ctx context.Context, account, region string) (EC2API, error)
	IAM(ctx context.Context, account string) (IAMAPI, error)
}

// Applier applies plans and rolls journals back.
type Applier struct {
	Clients Clients
	// DryRun sends every EC2 call with DryRun=true: AWS answers
	// DryRunOperation when the call would have succeeded. Nothing changes.
	DryRun bool
	// Log receives one line per change (may be nil).
	Log io.Writer
	// Now is the clock (journal times).
	Now func() time.Time
	// Pace limits mutating calls to AWS's buckets (nil: no pacing).
	Pace *Pacer
	// Sleep waits between verification retries (tests inject a fast one).
	Sleep func(context.Context, time.Duration) error

	// token identifies the plan being applied in the ChangeTag of what it
	// creates.
	token string
}

// ChangeTagKey is the tag every resource apply creates carries, valued
// "<plan digest prefix>/<change id>": it finds what a change created when
// the answer naming it was lost.
const ChangeTagKey = "pdr-audit:change"

func (a *Applier) changeTag(c *Change) string { return a.token + "/" + c.ID }

func (a *Applier) tags(c *Change) []ec2types.Tag {
	return []ec2types.Tag{{Key: aws.String("CreatedBy"), Value: aws.String("pdr-audit")},
		{Key: aws.String(ChangeTagKey), Value: aws.String(a.changeTag(c))}}
}

// ErrStale is wrapped when a target changed since planning.
var ErrStale = errors.New("plan is stale")

func (a *Applier) logf(format string, args ...any) {
	if a.Log != nil {
		fmt.Fprintf(a.Log, format+"\n", args...)
	}
}

func (a *Applier) now() time.Time {
	if a.Now == nil {
		return time.Now().UTC()
	}
	return a.Now().UTC()
}

func (a *Applier) sleep(ctx context.Context, d time.Duration) error {
	if a.Sleep != nil {
		return a.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CheckStale re-reads every target and returns ErrStale naming the first
// one that differs from what the plan saw. It changes nothing.
func (a *Applier) CheckStale(ctx context.Context, p *Plan) error {
	for i := range p.Changes {
		c := &p.Changes[i]
		got, err := a.read(ctx, c, nil)
		if err != nil {
			return fmt.Errorf("%s: read %s %s: %w", c.ID, c.Resource.Type, c.Resource.ID, err)
		}
		if d := diff(c.Before, got); d != "" {
			return fmt.Errorf("%w: %s %s %s %s since planning", ErrStale, c.ID, c.Resource.Type, c.Resource.ID, d)
		}
	}
	return nil
}

// diff describes the first difference between what was planned on and
// what is there now ("" when equal).
func diff(want, got State) string {
	for _, l := range got {
		if !slices.Contains(want, l) {
			return fmt.Sprintf("now has %q", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			return fmt.Sprintf("no longer has %q", l)
		}
	}
	return ""
}

// Apply applies the plan's changes one at a time, verifying each, and
// stops at the first failure. It always returns the journal, also with an
// error; the caller writes it.
func (a *Applier) Apply(ctx context.Context, p *Plan, planPath string) (*Journal, error) {
	j := &Journal{FormatVersion: FormatVersion, ToolVersion: p.ToolVersion, Plan: planPath, PlanDigest: p.Digest,
		DryRun: a.DryRun, StartedAt: a.now(), Entries: []Entry{}}
	a.token = shortDigest(p.Digest)
	var failure error
	applied := 0
	for i := range p.Changes {
		c := &p.Changes[i]
		e := Entry{ChangeID: c.ID, Action: c.Action, Account: c.Account, Region: c.Region, Resource: c.Resource,
			Before: c.Before, Status: StatusNotAttempted}
		if c.SecurityGroup != nil && c.SecurityGroup.Create != nil {
			e.Dedicated = c.SecurityGroup
		}
		if failure == nil {
			err := a.applyOne(ctx, c, &e)
			switch {
			case err != nil:
				e.Status, e.Error = StatusFailed, err.Error()
				failure = fmt.Errorf("%s %s %s: %w", c.ID, c.Action, c.Resource.ID, err)
				a.logf("%s %s %s: failed: %v", c.ID, c.Action, c.Resource.ID, err)
			case a.DryRun && e.Status == StatusNotAttempted:
				a.logf("%s %s %s: %s", c.ID, c.Action, c.Resource.ID, e.Error)
			case a.DryRun:
				e.Status = StatusDryRunOK
				a.logf("%s %s %s: dry run: would succeed", c.ID, c.Action, c.Resource.ID)
			default:
				e.Status = StatusApplied
				applied++
				a.logf("%s %s %s: applied and verified", c.ID, c.Action, c.Resource.ID)
			}
		}
		j.Entries = append(j.Entries, e)
	}
	j.FinishedAt = a.now()
	switch {
	case failure != nil:
		j.Outcome = fmt.Sprintf("stopped at %v; %d of %d changes applied", failure, applied, len(p.Changes))
	case a.DryRun:
		j.Outcome = fmt.Sprintf("dry run of %d changes: nothing changed", len(p.Changes))
	default:
		j.Outcome = fmt.Sprintf("applied %d of %d changes", applied, len(p.Changes))
	}
	return j, failure
}

// dryRunOK reports whether err is EC2's "would have succeeded" answer.
func dryRunOK(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "DryRunOperation"
}

// call runs one mutating call: paced, and under DryRun expected to answer
// DryRunOperation.
func (a *Applier) call(ctx context.Context, account, region, api string, f func() error) error {
	if a.Pace != nil {
		if err := a.Pace.Wait(ctx, account, region, api); err != nil {
			return err
		}
	}
	err := f()
	if a.DryRun {
		if dryRunOK(err) {
			return nil
		}
		if err == nil {
			return fmt.Errorf("%s: DryRun was set but the call was not refused with DryRunOperation", api)
		}
	}
	return err
}

func (a *Applier) applyOne(ctx context.Context, c *Change, e *Entry) error {
	switch c.Action {
	case AddSecurityGroupRules:
		return a.addRules(ctx, c, e)
	case AddNetworkACLEntries:
		return a.addEntries(ctx, c, e)
	case CreateSSMEndpoints:
		return a.createEndpoints(ctx, c, e)
	case AssociateInstanceProfile:
		return a.associate(ctx, c, e)
	case AttachSSMPolicy:
		return a.attach(ctx, c, e)
	case DeployAppliance:
		return a.launch(ctx, c, e)
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

// verifyAttempts reads, 250 ms apart and doubling, span about 32 s.
const verifyAttempts = 8

// verify re-reads the target until it shows the change's After state
// (EC2 is eventually consistent), for up to about 30 s.
func (a *Applier) verify(ctx context.Context, c *Change, created *Created) error {
	if a.DryRun {
		return nil
	}
	return a.await(ctx, c, created, c.After)
}

// await re-reads the change's target until it reads as want, 250 ms apart
// and doubling, verifyAttempts times.
func (a *Applier) await(ctx context.Context, c *Change, created *Created, want State) error {
	var last string
	for attempt := range verifyAttempts {
		if attempt > 0 {
			if err := a.sleep(ctx, time.Duration(250<<(attempt-1))*time.Millisecond); err != nil {
				return err
			}
		}
		got, err := a.read(ctx, c, created)
		if err == nil {
			if last = diff(want, got); last == "" {
				return nil
			}
		} else {
			last = err.Error()
		}
	}
	return fmt.Errorf("verification failed: the target %s", last)
}

func ipPermissions(rules []SGRule) []ec2types.IpPermission {
	var out []ec2types.IpPermission
	for _, r := range rules {
		p := ec2types.IpPermission{IpProtocol: aws.String(r.Protocol)}
		if r.Protocol != "-1" {
			p.FromPort, p.ToPort = aws.Int32(r.FromPort), aws.Int32(r.ToPort)
		}
		if r.CIDR != "" {
			p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.CIDR), Description: aws.String(r.Description)}}
		}
		if r.GroupID != "" {
			p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(r.GroupID), Description: aws.String(r.Description)}}
		}
		out = append(out, p)
	}
	return out
}

// alreadyDone treats code as success outside a dry run: the stale check
// saw the target without the change, so "already exists" means an
// earlier attempt of this very call did it and its answer was lost (the
// SDK retried). Verification then checks the result.
func (a *Applier) alreadyDone(err error, code string) error {
	if !a.DryRun && hasCode(err, code) {
		return nil
	}
	return err
}

// byDirectionOnly returns the rules of one direction.
func byDirectionOnly(rules []SGRule, dir string) []SGRule {
	in, out := byDirection(rules)
	if dir == "egress" {
		return out
	}
	return in
}

// byDirection splits rules into ingress and egress.
func byDirection(rules []SGRule) (in, out []SGRule) {
	for _, r := range rules {
		if r.Direction == "egress" {
			out = append(out, r)
		} else {
			in = append(in, r)
		}
	}
	return in, out
}

func (a *Applier) authorize(ctx context.Context, api EC2API, account, region, group string, rules []SGRule) error {
	in, out := byDirection(rules)
	if len(in) > 0 {
		err := a.call(ctx, account, region, "ec2:AuthorizeSecurityGroupIngress", func() error {
			_, err := api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(group), IpPermissions: ipPermissions(in), DryRun: aws.Bool(a.DryRun)})
			return a.alreadyDone(err, "InvalidPermission.Duplicate")
		})
		if err != nil {
			return err
		}
	}
	if len(out) > 0 {
		return a.call(ctx, account, region, "ec2:AuthorizeSecurityGroupEgress", func() error {
			_, err := api.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{
				GroupId: aws.String(group), IpPermissions: ipPermissions(out), DryRun: aws.Bool(a.DryRun)})
			return a.alreadyDone(err, "InvalidPermission.Duplicate")
		})
	}
	return nil
}

func (a *Applier) addRules(ctx context.Context, c *Change, e *Entry) error {
	api, err := a.Clients.EC2(ctx, c.Account, c.Region)
	if err != nil {
		return err
	}
	sg := c.SecurityGroup
	if sg.Create != nil {
		return a.addDedicated(ctx, api, c, e)
	}
	// Each inverse goes into the journal before its call: a call whose
	// answer is lost may have happened, and revoking a rule that is not
	// there is harmless.
	for _, rules := range [][]SGRule{byDirectionOnly(sg.Rules, "ingress"), byDirectionOnly(sg.Rules, "egress")} {
		if len(rules) == 0 {
			continue
		}
		if !a.DryRun {
			e.Inverse = append(e.Inverse, Step{Op: OpRevokeRules, Account: c.Account, Region: c.Region, GroupID: sg.GroupID, Rules: rules})
		}
		if err := a.authorize(ctx, api, c.Account, c.Region, sg.GroupID, rules); err != nil {
			return err
		}
	}
	return a.verify(ctx, c, nil)
}

// addDedicated creates the dedicated group without AWS's default egress
// rule, adds the rules, and attaches it to each instance beside its
// groups. The inverse restores each instance's groups, then deletes the
// group.
func (a *Applier) addDedicated(ctx context.Context, api EC2API, c *Change, e *Entry) error {
	sg := c.SecurityGroup
	var id string
	del := Step{Op: OpDeleteGroup, Account: c.Account, Region: c.Region, GroupName: sg.Create.Name, VPCID: sg.VPCID, ChangeTag: a.changeTag(c)}
	if !a.DryRun {
		e.Inverse = []Step{del}
	}
	err := a.call(ctx, c.Account, c.Region, "ec2:CreateSecurityGroup", func() error {
		out, err := api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(sg.Create.Name),
			Description: aws.String(sg.Create.Description), VpcId: aws.String(sg.VPCID), DryRun: aws.Bool(a.DryRun),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: a.tags(c)}}})
		if err == nil {
			id = aws.ToString(out.GroupId)
		}
		return err
	})
	if err != nil {
		return err
	}
	if a.DryRun {
		for _, at := range sg.AttachTo {
			if err := a.call(ctx, c.Account, c.Region, "ec2:ModifyInstanceAttribute", func() error {
				_, err := api.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(at.InstanceID),
					Groups: at.Groups, DryRun: aws.Bool(true)})
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	}
	e.Created = &Created{SecurityGroupID: id}
	del.GroupID = id
	e.Inverse = []Step{del}
	if err := a.call(ctx, c.Account, c.Region, "ec2:RevokeSecurityGroupEgress", func() error {
		_, err := api.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(id),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
		return ignoreCode(err, "InvalidPermission.NotFound")
	}); err != nil {
		return err
	}
	if err := a.authorize(ctx, api, c.Account, c.Region, id, sg.Rules); err != nil {
		return err
	}
	var restore []Step
	for _, at := range sg.AttachTo {
		// Giving an instance back its own groups is harmless if the call
		// did not happen: the inverse goes first.
		restore = append(restore, Step{Op: OpSetInstanceGroups, Account: c.Account, Region: c.Region, InstanceID: at.InstanceID, Groups: at.Groups})
		e.Inverse = append(slices.Clone(restore), del)
		if err := a.call(ctx, c.Account, c.Region, "ec2:ModifyInstanceAttribute", func() error {
			_, err := api.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(at.InstanceID),
				Groups: append(slices.Clone(at.Groups), id)})
			return err
		}); err != nil {
			return err
		}
	}
	return a.verify(ctx, c, e.Created)
}

func (a *Applier) addEntries(ctx context.Context, c *Change, e *Entry) error {
	api, err := a.Clients.EC2(ctx, c.Account, c.Region)
	if err != nil {
		return err
	}
	n := c.NetworkACL
	for _, en := range n.Entries {
		in := &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(n.ACLID), RuleNumber: aws.Int32(en.RuleNumber),
			Egress: aws.Bool(en.Egress), Protocol: aws.String(en.Protocol), RuleAction: ec2types.RuleActionAllow,
			CidrBlock: aws.String(en.CIDR), DryRun: aws.Bool(a.DryRun)}
		if en.Protocol == "6" || en.Protocol == "17" {
			in.PortRange = &ec2types.PortRange{From: aws.Int32(en.FromPort), To: aws.Int32(en.ToPort)}
		}
		if !a.DryRun {
			if len(e.Inverse) == 0 {
				e.Inverse = []Step{{Op: OpDeleteACLEntries, Account: c.Account, Region: c.Region, ACLID: n.ACLID}}
			}
			e.Inverse[0].Entries = append(e.Inverse[0].Entries, en)
		}
		if err := a.call(ctx, c.Account, c.Region, "ec2:CreateNetworkAclEntry", func() error {
			_, err := api.CreateNetworkAclEntry(ctx, in)
			return a.alreadyDone(err, "NetworkAclEntryAlreadyExists")
		}); err != nil {
			return err
		}
	}
	return a.verify(ctx, c, nil)
}

func (a *Applier) createEndpoints(ctx context.Context, c *Change, e *Entry) error {
	api, err := a.Clients.EC2(ctx, c.Account, c.Region)
	if err != nil {
		return err
	}
	ep := c.Endpoints
	created := &Created{}
	tag := a.changeTag(c)
	delEndpoints := Step{Op: OpDeleteEndpoints, Account: c.Account, Region: c.Region, VPCID: ep.VPCID, ChangeTag: tag}
	delGroup := Step{Op: OpDeleteGroup, Account: c.Account, Region: c.Region, GroupName: ep.SecurityGroup.Name, VPCID: ep.VPCID, ChangeTag: tag}
	if !a.DryRun {
		e.Inverse = []Step{delEndpoints, delGroup}
	}
	var groupID string
	err = a.call(ctx, c.Account, c.Region, "ec2:CreateSecurityGroup", func() error {
		out, err := api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(ep.SecurityGroup.Name),
			Description: aws.String(ep.SecurityGroup.Description), VpcId: aws.String(ep.VPCID), DryRun: aws.Bool(a.DryRun),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: a.tags(c)}}})
		if err == nil {
			groupID = aws.ToString(out.GroupId)
		}
		return err
	})
	if err != nil {
		return err
	}
	if a.DryRun {
		// The group does not exist: prove the endpoint call alone (with the
		// VPC's default group).
		for _, svc := range ep.Services {
			if err := a.call(ctx, c.Account, c.Region, "ec2:CreateVpcEndpoint", func() error {
				_, err := api.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(ep.VPCID), ServiceName: aws.String(svc),
					VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: ep.SubnetIDs,
					PrivateDnsEnabled: aws.Bool(ep.PrivateDNS), DryRun: aws.Bool(true)})
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	}
	created.SecurityGroupID = groupID
	e.Created = created
	delGroup.GroupID = groupID
	e.Inverse = []Step{delEndpoints, delGroup}
	if err := a.authorize(ctx, api, c.Account, c.Region, groupID, ep.SecurityGroup.Ingress); err != nil {
		return err
	}
	for _, svc := range ep.Services {
		var id string
		if err := a.call(ctx, c.Account, c.Region, "ec2:CreateVpcEndpoint", func() error {
			out, err := api.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(ep.VPCID), ServiceName: aws.String(svc),
				VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: ep.SubnetIDs, SecurityGroupIds: []string{groupID},
				PrivateDnsEnabled: aws.Bool(ep.PrivateDNS), ClientToken: aws.String(tag + "/" + svc),
				TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcEndpoint, Tags: a.tags(c)}}})
			if err == nil && out.VpcEndpoint != nil {
				id = aws.ToString(out.VpcEndpoint.VpcEndpointId)
			}
			return err
		}); err != nil {
			return err
		}
		created.EndpointIDs = append(created.EndpointIDs, id)
		// Endpoints go before their group.
		delEndpoints.EndpointIDs = created.EndpointIDs
		e.Inverse = []Step{delEndpoints, delGroup}
	}
	return a.verify(ctx, c, created)
}

func (a *Applier) associate(ctx context.Context, c *Change, e *Entry) error {
	api, err := a.Clients.EC2(ctx, c.Account, c.Region)
	if err != nil {
		return err
	}
	ip := c.InstanceProfile
	var assoc string
	undo := Step{Op: OpDisassociate, Account: c.Account, Region: c.Region, InstanceID: ip.InstanceID, ProfileName: ip.ProfileName}
	if !a.DryRun {
		e.Inverse = []Step{undo}
	}
	if err := a.call(ctx, c.Account, c.Region, "ec2:AssociateIamInstanceProfile", func() error {
		// DryRun is not a member of AssociateIamInstanceProfile: a dry run
		// only reads the instance (done by the stale check).
		if a.DryRun {
			return &smithy.GenericAPIError{Code: "DryRunOperation"}
		}
		out, err := api.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(ip.InstanceID),
			IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String(ip.ProfileName)}})
		if err == nil && out.IamInstanceProfileAssociation != nil {
			assoc = aws.ToString(out.IamInstanceProfileAssociation.AssociationId)
		}
		return err
	}); err != nil {
		return err
	}
	if a.DryRun {
		e.Error = "not checked: AssociateIamInstanceProfile has no dry run"
		return nil
	}
	e.Created = &Created{AssociationID: assoc}
	undo.AssociationID = assoc
	e.Inverse = []Step{undo}
	return a.verify(ctx, c, e.Created)
}

func (a *Applier) attach(ctx context.Context, c *Change, e *Entry) error {
	if a.DryRun {
		e.Error = "not checked: IAM has no dry run"
		return nil
	}
	api, err := a.Clients.IAM(ctx, c.Account)
	if err != nil {
		return err
	}
	rp := c.RolePolicy
	e.Inverse = []Step{{Op: OpDetachPolicy, Account: c.Account, Region: "global", RoleName: rp.RoleName, PolicyARN: rp.PolicyARN}}
	if err := a.call(ctx, c.Account, "global", "iam:AttachRolePolicy", func() error {
		_, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(rp.RoleName), PolicyArn: aws.String(rp.PolicyARN)})
		return err
	}); err != nil {
		return err
	}
	return a.verify(ctx, c, nil)
}

func (a *Applier) launch(ctx context.Context, c *Change, e *Entry) error {
	api, err := a.Clients.EC2(ctx, c.Account, c.Region)
	if err != nil {
		return err
	}
	ap := c.Appliance
	var tags []ec2types.Tag
	for _, k := range slices.Sorted(maps.Keys(ap.Tags)) {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(ap.Tags[k])})
	}
	tags = append(tags, ec2types.Tag{Key: aws.String(ChangeTagKey), Value: aws.String(a.changeTag(c))})
	undo := Step{Op: OpTerminateInstances, Account: c.Account, Region: c.Region, ChangeTag: a.changeTag(c)}
	if !a.DryRun {
		e.Inverse = []Step{undo}
	}
	var id string
	if err := a.call(ctx, c.Account, c.Region, "ec2:RunInstances", func() error {
		out, err := api.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ap.ImageID),
			InstanceType: ec2types.InstanceType(ap.InstanceType), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: aws.String(ap.SubnetID), SecurityGroupIds: ap.SecurityGroupIDs, DryRun: aws.Bool(a.DryRun),
			ClientToken:       aws.String(a.changeTag(c)),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: tags}}})
		if err == nil && len(out.Instances) > 0 {
			id = aws.ToString(out.Instances[0].InstanceId)
		}
		return err
	}); err != nil {
		return err
	}
	if a.DryRun {
		return nil
	}
	e.Created = &Created{InstanceID: id}
	undo.InstanceID = id
	e.Inverse = []Step{undo}
	return a.verify(ctx, c, e.Created)
}

// read returns the target's state as the planner computed it. created
// names what the change made, whose ids read back as "(new)".
func (a *Applier) read(ctx context.Context, c *Change, created *Created) (State, error) {
	switch c.Action {
	case AddSecurityGroupRules:
		api, err := a.Clients.EC2(ctx, c.Account, c.Region)
		if err != nil {
			return nil, err
		}
		if c.SecurityGroup.Create != nil {
			return readDedicated(ctx, api, c.SecurityGroup, created)
		}
		g, err := readGroup(ctx, api, c.SecurityGroup.GroupID)
		if err != nil {
			return nil, err
		}
		return groupState(g), nil
	case AddNetworkACLEntries:
		api, err := a.Clients.EC2(ctx, c.Account, c.Region)
		if err != nil {
			return nil, err
		}
		out, err := api.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{c.NetworkACL.ACLID}})
		if err != nil {
			return nil, err
		}
		if len(out.NetworkAcls) != 1 {
			return nil, fmt.Errorf("%s: %d network ACLs answered", c.NetworkACL.ACLID, len(out.NetworkAcls))
		}
		n := ec2collect.NetworkACL(out.NetworkAcls[0])
		return aclState(&n), nil
	case CreateSSMEndpoints:
		api, err := a.Clients.EC2(ctx, c.Account, c.Region)
		if err != nil {
			return nil, err
		}
		var eps []model.VPCEndpoint
		p := ec2.NewDescribeVpcEndpointsPaginator(api, &ec2.DescribeVpcEndpointsInput{
			Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{c.Endpoints.VPCID}}}, MaxResults: aws.Int32(1000)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, ep := range out.VpcEndpoints {
				m := ec2collect.VPCEndpoint(ep)
				if created != nil && slices.Contains(created.EndpointIDs, m.ID) {
					m.ID = plannedPrefix + m.ID
				}
				eps = append(eps, m)
			}
		}
		return EndpointState(eps, c.Endpoints.VPCID), nil
	case AssociateInstanceProfile:
		api, err := a.Clients.EC2(ctx, c.Account, c.Region)
		if err != nil {
			return nil, err
		}
		inst, err := readInstance(ctx, api, c.InstanceProfile.InstanceID)
		if err != nil {
			return nil, err
		}
		if inst.IAMInstanceProfileARN == "" {
			return State{"iam-instance-profile none"}, nil
		}
		arn := inst.IAMInstanceProfileARN
		// The plan may name the profile by a constructed ARN (no path):
		// the profile's name decides.
		if name := arn[strings.LastIndex(arn, "/")+1:]; name == c.InstanceProfile.ProfileName {
			arn = c.InstanceProfile.ProfileARN
		}
		return State{"iam-instance-profile " + arn}, nil
	case AttachSSMPolicy:
		api, err := a.Clients.IAM(ctx, c.Account)
		if err != nil {
			return nil, err
		}
		return readAttached(ctx, api, c.RolePolicy.RoleName)
	case DeployAppliance:
		api, err := a.Clients.EC2(ctx, c.Account, c.Region)
		if err != nil {
			return nil, err
		}
		return readApplianceState(ctx, api, c.Appliance, created)
	}
	return nil, fmt.Errorf("unknown action %q", c.Action)
}

func readGroup(ctx context.Context, api EC2API, id string) (*model.SecurityGroup, error) {
	out, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(out.SecurityGroups) != 1 {
		return nil, fmt.Errorf("%s: %d security groups answered", id, len(out.SecurityGroups))
	}
	g := ec2collect.SecurityGroup(out.SecurityGroups[0])
	return &g, nil
}

// readDedicated reads a dedicated-group change's state: the group by name
// in the VPC (the change's own when created names it) and the groups of
// each instance it attaches to.
func readDedicated(ctx context.Context, api EC2API, sg *SecurityGroupChange, created *Created) (State, error) {
	out, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("group-name"), Values: []string{sg.Create.Name}}, {Name: aws.String("vpc-id"), Values: []string{sg.VPCID}}}})
	if err != nil {
		return nil, err
	}
	own := ""
	if created != nil {
		own = created.SecurityGroupID
	}
	st := State{}
	var g *model.SecurityGroup
	for _, x := range out.SecurityGroups {
		m := ec2collect.SecurityGroup(x)
		if m.ID != own {
			st = append(st, "group "+sg.Create.Name+" exists as "+m.ID)
			continue
		}
		g = &m
	}
	probe := *sg
	probe.AttachTo = nil
	base := DedicatedState(&probe, g, false)
	st = append(st, base...)
	for _, at := range sg.AttachTo {
		inst, err := readInstance(ctx, api, at.InstanceID)
		if err != nil {
			return nil, err
		}
		groups := slices.Clone(primaryGroups(inst))
		for i, id := range groups {
			if id == own && own != "" {
				groups[i] = "(new)"
			}
		}
		slices.Sort(groups)
		st = append(st, "instance "+at.InstanceID+" groups "+strings.Join(groups, ","))
	}
	slices.Sort(st)
	return st, nil
}

func readInstance(ctx context.Context, api EC2API, id string) (*model.Instance, error) {
	out, err := api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return nil, err
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if aws.ToString(i.InstanceId) == id {
				m := ec2collect.Instance(i)
				return &m, nil
			}
		}
	}
	return nil, fmt.Errorf("%s: not found", id)
}

func readAttached(ctx context.Context, api IAMAPI, role string) (State, error) {
	out := State{}
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, pol := range page.AttachedPolicies {
			out = append(out, aws.ToString(pol.PolicyArn))
		}
	}
	slices.Sort(out)
	return out, nil
}

// applianceSubnetLine is the line an appliance change's Before holds: the
// target subnet as planned.
func applianceSubnetLine(subnet, az, vpc string) string {
	return fmt.Sprintf("subnet %s in %s of %s", subnet, az, vpc)
}

func applianceLine(id, subnet string) string {
	return fmt.Sprintf("appliance %s launched in %s", id, subnet)
}

func readApplianceState(ctx context.Context, api EC2API, ap *ApplianceChange, created *Created) (State, error) {
	out, err := api.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{ap.SubnetID}})
	if err != nil {
		return nil, err
	}
	st := State{}
	for _, s := range out.Subnets {
		st = append(st, applianceSubnetLine(aws.ToString(s.SubnetId), aws.ToString(s.AvailabilityZone), aws.ToString(s.VpcId)))
	}
	if created != nil && created.InstanceID != "" {
		inst, err := readInstance(ctx, api, created.InstanceID)
		if err != nil {
			return nil, err
		}
		if inst.State == "running" || inst.State == "pending" {
			st = append(st, applianceLine("(new)", inst.SubnetID))
		}
	}
	slices.Sort(st)
	return st, nil
}

// ---------------------------------------------------------------------------
// Rollback.

// Undoable reports whether rollback has work for the entry: an applied
// change, a failed one that did part of its work, or one whose earlier
// rollback failed (its steps are safe to repeat).
func (e *Entry) Undoable() bool {
	switch e.Status {
	case StatusApplied, StatusRollbackFailed:
		return len(e.Inverse) > 0
	case StatusFailed:
		return len(e.Inverse) > 0
	}
	return false
}

// Rollback undoes the journal's applied changes, newest first, verifying
// that each target is back to its state before the change, and marks each
// entry rolled-back or rollback-failed. It stops at the first failure.
func (a *Applier) Rollback(ctx context.Context, j *Journal) error {
	for i := len(j.Entries) - 1; i >= 0; i-- {
		e := &j.Entries[i]
		// A failed change may have done part of its work: its inverse holds
		// exactly that part.
		if !e.Undoable() {
			continue
		}
		if err := a.undo(ctx, e); err != nil {
			e.Status, e.Error = StatusRollbackFailed, err.Error()
			a.logf("%s %s %s: rollback failed: %v", e.ChangeID, e.Action, e.Resource.ID, err)
			return fmt.Errorf("%s %s %s: %w", e.ChangeID, e.Action, e.Resource.ID, err)
		}
		e.Status, e.Error = StatusRolledBack, ""
		a.logf("%s %s %s: rolled back and verified", e.ChangeID, e.Action, e.Resource.ID)
	}
	return nil
}

func (a *Applier) undo(ctx context.Context, e *Entry) error {
	for _, s := range e.Inverse {
		if err := a.step(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s.Op, err)
		}
	}
	// Verify: the target reads as before the change.
	c := &Change{Action: e.Action, Account: e.Account, Region: e.Region, Resource: e.Resource}
	switch e.Action {
	case AddSecurityGroupRules:
		c.SecurityGroup = &SecurityGroupChange{GroupID: e.Resource.ID}
		if e.Dedicated != nil {
			c.SecurityGroup = e.Dedicated
		}
	case AddNetworkACLEntries:
		c.NetworkACL = &NetworkACLChange{ACLID: e.Resource.ID}
	case CreateSSMEndpoints:
		c.Endpoints = &EndpointsChange{VPCID: e.Resource.ID}
	case AssociateInstanceProfile:
		c.InstanceProfile = &InstanceProfileChange{InstanceID: e.Resource.ID}
	case AttachSSMPolicy:
		c.RolePolicy = &RolePolicyChange{RoleName: e.Resource.ID}
	case DeployAppliance:
		// The instance is terminated (checked by the step); the subnet is
		// all the Before state holds.
		return nil
	}
	return a.await(ctx, c, nil, e.Before)
}

func (a *Applier) step(ctx context.Context, s Step) error {
	if s.Op == OpDetachPolicy {
		api, err := a.Clients.IAM(ctx, s.Account)
		if err != nil {
			return err
		}
		return a.call(ctx, s.Account, "global", "iam:DetachRolePolicy", func() error {
			_, err := api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyArn: aws.String(s.PolicyARN)})
			return ignoreCode(err, "NoSuchEntity")
		})
	}
	api, err := a.Clients.EC2(ctx, s.Account, s.Region)
	if err != nil {
		return err
	}
	switch s.Op {
	case OpRevokeRules:
		in, out := byDirection(s.Rules)
		if len(in) > 0 {
			if err := a.call(ctx, s.Account, s.Region, "ec2:RevokeSecurityGroupIngress", func() error {
				_, err := api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(s.GroupID), IpPermissions: ipPermissions(in)})
				return ignoreCode(err, "InvalidPermission.NotFound")
			}); err != nil {
				return err
			}
		}
		if len(out) > 0 {
			return a.call(ctx, s.Account, s.Region, "ec2:RevokeSecurityGroupEgress", func() error {
				_, err := api.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(s.GroupID), IpPermissions: ipPermissions(out)})
				return ignoreCode(err, "InvalidPermission.NotFound")
			})
		}
		return nil
	case OpDeleteACLEntries:
		for _, en := range s.Entries {
			if err := a.call(ctx, s.Account, s.Region, "ec2:DeleteNetworkAclEntry", func() error {
				_, err := api.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(s.ACLID),
					RuleNumber: aws.Int32(en.RuleNumber), Egress: aws.Bool(en.Egress)})
				return ignoreCode(err, "InvalidNetworkAclEntry.NotFound")
			}); err != nil {
				return err
			}
		}
		return nil
	case OpDeleteEndpoints:
		ids, err := endpointsToDelete(ctx, api, s)
		if err != nil || len(ids) == 0 {
			return err
		}
		return a.call(ctx, s.Account, s.Region, "ec2:DeleteVpcEndpoints", func() error {
			out, err := api.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: ids})
			if err != nil {
				return err
			}
			for _, u := range out.Unsuccessful {
				if u.Error != nil && aws.ToString(u.Error.Code) != "InvalidVpcEndpoint.NotFound" {
					return fmt.Errorf("%s: %s: %s", aws.ToString(u.ResourceId), aws.ToString(u.Error.Code), aws.ToString(u.Error.Message))
				}
			}
			return nil
		})
	case OpDeleteGroup:
		if s.GroupID == "" {
			id, err := groupByTag(ctx, api, s)
			if err != nil || id == "" {
				return err
			}
			s.GroupID = id
		}
		// Endpoints take a while to release their interfaces: retry while
		// the group is still in use.
		var err error
		for attempt := range 10 {
			err = a.call(ctx, s.Account, s.Region, "ec2:DeleteSecurityGroup", func() error {
				_, err := api.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(s.GroupID)})
				return ignoreCode(err, "InvalidGroup.NotFound")
			})
			if !hasCode(err, "DependencyViolation") {
				return err
			}
			if err := a.sleep(ctx, time.Duration(500<<min(attempt, 5))*time.Millisecond); err != nil {
				return err
			}
		}
		return err
	case OpDisassociate:
		if s.AssociationID == "" {
			id, err := associationOf(ctx, api, s)
			if err != nil || id == "" {
				return err
			}
			s.AssociationID = id
		}
		return a.call(ctx, s.Account, s.Region, "ec2:DisassociateIamInstanceProfile", func() error {
			_, err := api.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(s.AssociationID)})
			return ignoreCode(err, "InvalidAssociationID.NotFound")
		})
	case OpSetInstanceGroups:
		return a.call(ctx, s.Account, s.Region, "ec2:ModifyInstanceAttribute", func() error {
			_, err := api.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(s.InstanceID), Groups: s.Groups})
			return err
		})
	case OpTerminateInstances:
		ids := []string{s.InstanceID}
		if s.InstanceID == "" {
			var err error
			if ids, err = instancesByTag(ctx, api, s.ChangeTag); err != nil || len(ids) == 0 {
				return err
			}
		}
		return a.call(ctx, s.Account, s.Region, "ec2:TerminateInstances", func() error {
			_, err := api.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
			return ignoreCode(err, "InvalidInstanceID.NotFound")
		})
	}
	return fmt.Errorf("unknown step %q", s.Op)
}

// The lookups below find what a change created when the answer naming it
// was lost: by the change's tag, a group's name and VPC, an instance
// profile's name. Nothing found means nothing was created.

func tagFilter(tag string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String("tag:" + ChangeTagKey), Values: []string{tag}}
}

// endpointsToDelete are the step's endpoints and, by its tag, any the
// change created whose answer was lost.
func endpointsToDelete(ctx context.Context, api EC2API, s Step) ([]string, error) {
	ids := slices.Clone(s.EndpointIDs)
	if s.ChangeTag == "" {
		return ids, nil
	}
	out, err := api.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{s.VPCID}}, tagFilter(s.ChangeTag)}})
	if err != nil {
		return nil, err
	}
	for _, ep := range out.VpcEndpoints {
		if id := aws.ToString(ep.VpcEndpointId); !slices.Contains(ids, id) && !strings.EqualFold(string(ep.State), "deleted") {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func groupByTag(ctx context.Context, api EC2API, s Step) (string, error) {
	out, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("group-name"), Values: []string{s.GroupName}}, {Name: aws.String("vpc-id"), Values: []string{s.VPCID}},
		tagFilter(s.ChangeTag)}})
	if err != nil || len(out.SecurityGroups) == 0 {
		return "", err
	}
	return aws.ToString(out.SecurityGroups[0].GroupId), nil
}

// associationOf is the instance's association with the step's profile.
func associationOf(ctx context.Context, api EC2API, s Step) (string, error) {
	out, err := api.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{s.InstanceID}}}})
	if err != nil {
		return "", err
	}
	for _, as := range out.IamInstanceProfileAssociations {
		arn := ""
		if as.IamInstanceProfile != nil {
			arn = aws.ToString(as.IamInstanceProfile.Arn)
		}
		state := as.State
		if arn[strings.LastIndex(arn, "/")+1:] == s.ProfileName &&
			(state == ec2types.IamInstanceProfileAssociationStateAssociated || state == ec2types.IamInstanceProfileAssociationStateAssociating) {
			return aws.ToString(as.AssociationId), nil
		}
	}
	return "", nil
}

func instancesByTag(ctx context.Context, api EC2API, tag string) ([]string, error) {
	out, err := api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{tagFilter(tag),
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}}}})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids, nil
}

func hasCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// ignoreCode treats an error with code as done: the inverse already holds
// (a rule already revoked, an endpoint already deleted).
func ignoreCode(err error, code string) error {
	if hasCode(err, code) {
		return nil
	}
	return err
}

// ---------------------------------------------------------------------------
// Pacing.

// Pacer spaces mutating calls to AWS's documented buckets, per account,
// region and bucket, so a large plan runs at the floor instead of being
// throttled into retries.
type Pacer struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewPacer returns a pacer with AWS's mutating buckets.
func NewPacer() *Pacer { return &Pacer{limiters: map[string]*rate.Limiter{}} }

// Wait blocks until the call may be made.
func (p *Pacer) Wait(ctx context.Context, account, region, api string) error {
	b, name := mutatingBucket, "mutating"
	if strings.Contains(api, "SecurityGroupIngress") || strings.Contains(api, "SecurityGroupEgress") {
		b, name = sgBucket, "sg"
	}
	key := account + "|" + region + "|" + name
	p.mu.Lock()
	l, ok := p.limiters[key]
	if !ok {
		l = rate.NewLimiter(rate.Limit(b.refill), int(b.size))
		p.limiters[key] = l
	}
	p.mu.Unlock()
	return l.Wait(ctx)
}
