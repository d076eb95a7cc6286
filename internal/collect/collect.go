package collect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	ec2collect "github.com/pdr-audit/pdr-audit/internal/collect/ec2"
	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	iamcollect "github.com/pdr-audit/pdr-audit/internal/collect/iam"
	ssmcollect "github.com/pdr-audit/pdr-audit/internal/collect/ssm"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// Options say what to collect and how.
type Options struct {
	// Regions are region codes, or []string{AllRegions} for each account's
	// enabled regions. Validate them with ParseRegions.
	Regions []string
	// Accounts are account ids to collect through RoleName; empty means
	// the caller's own account (unless Org).
	Accounts []string
	// Org collects every active account of the caller's organization: the
	// management account as itself, the others through RoleName.
	Org bool
	// RoleName is the role assumed in every account but the caller's.
	RoleName string
	// ExternalID is passed to AssumeRole when set.
	ExternalID string
	// KernelSource is inventory (default), run-command or none.
	KernelSource string
	// Concurrency bounds the account-regions collected at once
	// (DefaultConcurrency when 0).
	Concurrency int
	// PollInterval is the run-command polling interval (see ssmcollect).
	PollInterval time.Duration
	// Progress receives progress events; nil reports nothing.
	Progress Progress
	// Now is the clock of the snapshot's collection time.
	Now func() time.Time
	// Tool is recorded in the snapshot.
	Tool model.Tool
	// Source is recorded as the scope's source ("collect" or "import").
	Source string
	// Unpaced turns the client-side pacer off: for an endpoint with no
	// throttling of its own, such as import's in-process estate, pacing to
	// AWS's buckets would only make the run slower.
	Unpaced bool
}

// Progress receives collection progress. Implementations must be safe for
// concurrent use.
type Progress interface {
	// Planned is called once with every account-region to be collected.
	Planned(units []Unit)
	// Done is called as each account-region finishes.
	Done(u Unit)
}

// Unit is one account and region.
type Unit struct {
	Account string
	Region  string
}

// ErrScope is wrapped by errors about the scope the user asked for (a bad
// account id, --org without --role-name).
var ErrScope = errors.New("invalid scope")

var accountRe = regexp.MustCompile(`^[0-9]{12}$`)

// Validate checks the options that do not need AWS.
func (o Options) Validate() error {
	for _, a := range o.Accounts {
		if !accountRe.MatchString(a) {
			return fmt.Errorf("%w: account %q is not a 12-digit account id", ErrScope, a)
		}
	}
	if o.Org && len(o.Accounts) > 0 {
		return fmt.Errorf("%w: --org and --accounts cannot be combined", ErrScope)
	}
	if (o.Org || len(o.Accounts) > 0) && o.RoleName == "" {
		return fmt.Errorf("%w: --role-name is required with --org or --accounts", ErrScope)
	}
	if _, err := ParseRegions(o.Regions); err != nil {
		return fmt.Errorf("%w: %w", ErrScope, err)
	}
	switch o.KernelSource {
	case "", ssmcollect.KernelSourceInventory, ssmcollect.KernelSourceRunCommand, ssmcollect.KernelSourceNone:
	default:
		return fmt.Errorf("%w: --kernel-source must be inventory, run-command or none, not %q", ErrScope, o.KernelSource)
	}
	return nil
}

// account is one account to collect, with the configuration that reaches it.
type account struct {
	id      string
	cfg     aws.Config
	regions []string
}

// Collect observes the scope and returns the snapshot. It returns an error
// only when the scope cannot be established at all; every other failure is
// a gap in the snapshot.
func Collect(ctx context.Context, cfg aws.Config, opts Options) (*model.Snapshot, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.KernelSource == "" {
		opts.KernelSource = ssmcollect.KernelSourceInventory
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	started := opts.Now().UTC()
	gaps := &gap.Set{}
	cfg = cfg.Copy()
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), inFlight(make(chan struct{}, MaxInFlight)))

	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	caller := aws.ToString(id.Account)

	ids := opts.Accounts
	switch {
	case opts.Org:
		ids, err = listOrgAccounts(ctx, cfg)
		if err != nil {
			return nil, err
		}
	case len(ids) == 0:
		ids = []string{caller}
	}
	ids = sortedUnique(ids)

	// Each account is entered (AssumeRole) and its regions listed at once,
	// a few accounts at a time: one after another, fifty accounts spend
	// seconds here before any is read.
	// One pacer for every AssumeRole: the caller's STS bucket is shared.
	stsCfg := cfg.Copy()
	paced(&stsCfg, opts)
	setup := make([]*account, len(ids))
	var setupWG sync.WaitGroup
	setupSem := make(chan struct{}, accountSetupWorkers)
	for i, acct := range ids {
		setupWG.Go(func() {
			setupSem <- struct{}{}
			defer func() { <-setupSem }()
			a := &account{id: acct, cfg: cfg}
			if acct != caller {
				creds, err := Assume(ctx, stsCfg, acct, opts.RoleName, opts.ExternalID)
				if err != nil {
					gaps.Add(acct, "global", "sts:AssumeRole", "", err)
					return
				}
				a.cfg.Credentials = creds
			}
			a.regions = opts.Regions
			if len(opts.Regions) == 1 && opts.Regions[0] == AllRegions {
				regions, err := enabledRegions(ctx, a.cfg)
				if err != nil {
					gaps.Add(acct, "global", "ec2:DescribeRegions", "", err)
					return
				}
				a.regions = regions
			}
			setup[i] = a
		})
	}
	setupWG.Wait()
	var accounts []*account
	for _, a := range setup {
		if a != nil {
			accounts = append(accounts, a)
		}
	}

	snap := &model.Snapshot{
		SchemaVersion: model.SchemaVersion,
		Tool:          opts.Tool,
		CollectedAt:   started,
		Scope:         model.Scope{Source: opts.Source, Accounts: ids, KernelSource: opts.KernelSource},
	}
	var units []Unit
	for _, a := range accounts {
		for _, r := range a.regions {
			units = append(units, Unit{Account: a.id, Region: r})
			if !slices.Contains(snap.Scope.Regions, r) {
				snap.Scope.Regions = append(snap.Scope.Regions, r)
			}
		}
	}
	if opts.Progress != nil {
		opts.Progress.Planned(units)
	}

	results := make([]model.Account, len(accounts))
	var wg sync.WaitGroup
	sem := make(chan struct{}, opts.Concurrency)
	for i, a := range accounts {
		results[i] = model.Account{ID: a.id, Regions: make([]model.Region, len(a.regions))}
		var acctWG sync.WaitGroup
		for j, r := range a.regions {
			acctWG.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer acctWG.Done()
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					results[i].Regions[j] = model.Region{Name: r}
					return
				}
				defer func() { <-sem }()
				results[i].Regions[j] = collectRegion(ctx, a, r, opts, gaps)
				if opts.Progress != nil {
					opts.Progress.Done(Unit{Account: a.id, Region: r})
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			acctWG.Wait()
			results[i].InstanceProfiles = collectIAM(ctx, a, results[i].Regions, opts, gaps)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		// An interrupted collection is not a snapshot: what was not read
		// is not a gap of AWS's making.
		return nil, fmt.Errorf("collection interrupted: %w", err)
	}
	snap.Accounts = results
	snap.Gaps = gaps.List()
	snap.Normalize()
	return snap, nil
}

// DefaultConcurrency is how many account-regions are read at once. AWS
// throttles per account and region, so the bound is this process's, not
// AWS's.
const DefaultConcurrency = 256

// MaxInFlight bounds the API calls in flight at once, over every
// account-region.
const MaxInFlight = 128

// accountSetupWorkers is how many accounts are entered at once.
const accountSetupWorkers = 8

// collectRegion reads one account-region with clients paced by a pacer of
// its own.
func collectRegion(ctx context.Context, a *account, region string, opts Options, gaps *gap.Set) model.Region {
	cfg := a.cfg.Copy()
	cfg.Region = region
	paced(&cfg, opts)
	r := model.Region{Name: region}
	scope := gap.Scope{Set: gaps, Account: a.id, Region: region}
	api := ssm.NewFromConfig(cfg)
	// The SSM listing (often the region's longest chain of pages) runs
	// beside the EC2 listings; only kernels need both.
	var listed ssmcollect.Listed
	done := make(chan struct{})
	go func() {
		defer close(done)
		listed = ssmcollect.List(ctx, api, scope)
	}()
	ec2collect.Collect(ctx, ec2.NewFromConfig(cfg), &r, scope)
	<-done
	listed.Fill(&r)
	ssmcollect.Kernels(ctx, api, &r, listed, ssmcollect.Options{KernelSource: opts.KernelSource, PollInterval: opts.PollInterval}, scope)
	return r
}

// collectIAM reads the instance profiles the account's instances use.
func collectIAM(ctx context.Context, a *account, regions []model.Region, opts Options, gaps *gap.Set) []model.InstanceProfile {
	var arns []string
	for _, r := range regions {
		for _, in := range r.Instances {
			if in.IAMInstanceProfileARN != "" {
				arns = append(arns, in.IAMInstanceProfileARN)
			}
		}
	}
	if len(arns) == 0 {
		return nil
	}
	cfg := a.cfg.Copy()
	paced(&cfg, opts)
	return iamcollect.Collect(ctx, iam.NewFromConfig(cfg), sortedUnique(arns), gap.Scope{Set: gaps, Account: a.id, Region: "global"})
}

// paced gives a configuration a pacer of its own (one per account and
// region), unless the options turn pacing off.
func paced(cfg *aws.Config, opts Options) {
	if opts.Unpaced {
		return
	}
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), newPacer().middleware)
}

// listOrgAccounts returns the organization's active accounts.
func listOrgAccounts(ctx context.Context, cfg aws.Config) ([]string, error) {
	var ids []string
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{MaxResults: aws.Int32(20)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the organization's accounts: %w", err)
		}
		for _, a := range out.Accounts {
			if a.Status == orgtypes.AccountStatusActive || a.State == orgtypes.AccountStateActive {
				ids = append(ids, aws.ToString(a.Id))
			}
		}
	}
	return ids, nil
}

// Assume returns credentials for a role in another account, checking
// them once so that an account that cannot be entered is known up front.
func Assume(ctx context.Context, cfg aws.Config, account, role, externalID string) (aws.CredentialsProvider, error) {
	arn := "arn:aws:iam::" + account + ":role/" + role
	prov := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), arn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "pdr-audit"
		if externalID != "" {
			o.ExternalID = aws.String(externalID)
		}
	})
	cache := aws.NewCredentialsCache(prov)
	if _, err := cache.Retrieve(ctx); err != nil {
		return nil, err
	}
	return cache, nil
}

// enabledRegions lists the regions enabled for the account.
func enabledRegions(ctx context.Context, cfg aws.Config) ([]string, error) {
	cfg = cfg.Copy()
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	out, err := ec2.NewFromConfig(cfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, err
	}
	var regions []string
	for _, r := range out.Regions {
		if aws.ToString(r.OptInStatus) == "not-opted-in" {
			continue
		}
		regions = append(regions, aws.ToString(r.RegionName))
	}
	return sortedUnique(regions), nil
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
