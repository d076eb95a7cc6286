package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// newSimCmd returns the `sim` command group: the built-in AWS simulator.
func newSimCmd(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "sim",
		Short: "Run the built-in AWS simulator on an estate",
		Long: "The simulator serves an estate (a directory of AWS CLI JSON, see ESTATES.md) over\n" +
			"AWS's own wire protocols (EC2, SSM, STS, IAM, Organizations, Security Hub), so the AWS CLI, the\n" +
			"AWS SDKs and pdr-audit itself can talk to it with --endpoint-url.",
	}
	c.AddCommand(newSimServeCmd(env), newSimDemoCmd(env), newSimGenerateCmd(env))
	return c
}

// defaultKernelLists is where the repository keeps the PDR profiles'
// kernel lists; `sim generate` uses them when run from a checkout.
const defaultKernelLists = "policies/data/profiles"

func newSimGenerateCmd(env *Env) *cobra.Command {
	o := synth.Defaults()
	var out, lists string
	c := &cobra.Command{
		Use:   "generate -o DIR",
		Short: "Write a synthetic estate of any size, the same for the same seed",
		Long: "generate writes a synthetic estate (the estate format of ESTATES.md) for the simulator:\n" +
			"VPCs with tiered subnets, NAT and internet gateways, route tables and custom NACLs,\n" +
			"shared and per-tier security groups with group references, two Alert Logic\n" +
			"appliances per VPC, instances on Linux (kernels from the PDR profile lists and\n" +
			"outside them) and Windows, SSM registration below 100% with inventory, and\n" +
			"instance profiles. More than one account makes an organization. Counts are per\n" +
			"account-region; the same seed and flags give byte-identical files.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usageErrorf("-o DIR is required")
			}
			catalog, err := kernelCatalog(lists)
			if err != nil {
				return err
			}
			o.Catalog = catalog
			if err := o.Validate(); err != nil {
				return usageErrorf("%s", strings.TrimPrefix(err.Error(), synth.ErrOptions.Error()+": "))
			}
			sum, err := synth.Generate(out, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "estate: %s\naccounts: %d, account-regions: %d, VPCs: %d, security groups: %d\n"+
				"instances: %d (%d appliances), SSM nodes: %d, inventories: %d\nkernels: %d listed, %d outside the lists (%s)\n",
				out, sum.Accounts, sum.AccountRegions, sum.VPCs, sum.SecurityGroups, sum.Instances, sum.Appliances,
				sum.SSMNodes, sum.Inventories, sum.ListedKernels, sum.OtherKernels, sum.Catalog)
			return nil
		},
	}
	fs := c.Flags()
	fs.StringVarP(&out, "out", "o", "", "directory to write the estate to; must not exist or be empty (required)")
	fs.Int64Var(&o.Seed, "seed", 0, "random seed: the same seed and flags give the same estate")
	fs.IntVar(&o.Accounts, "accounts", o.Accounts, "accounts; more than one writes an organization")
	fs.IntVar(&o.Regions, "regions", o.Regions, fmt.Sprintf("regions per account (1 to %d)", len(synth.RegionCodes)))
	fs.IntVar(&o.VPCs, "vpcs", o.VPCs, "VPCs per region")
	fs.IntVar(&o.Instances, "instances", o.Instances, "instances per region, two appliances per VPC included")
	fs.IntVar(&o.SecurityGroups, "sgs", 0, "security groups per region (default max(7 per VPC, instances/5))")
	fs.Float64Var(&o.SSMCoverage, "ssm-coverage", o.SSMCoverage, "share of instances registered with SSM")
	fs.Float64Var(&o.WindowsShare, "windows", o.WindowsShare, "share of instances running Windows")
	fs.Float64Var(&o.ListedShare, "listed-kernels", o.ListedShare, "share of Linux instances whose kernel the profile lists name")
	fs.Float64Var(&o.StoppedShare, "stopped", o.StoppedShare, "share of instances that are stopped")
	fs.StringVar(&lists, "kernel-lists", "", "directory of PDR profiles (<profile>/os.json) to draw kernels from\n(default "+defaultKernelLists+" when present, else a small built-in list)")
	return c
}

// kernelCatalog loads the kernel lists --kernel-lists names, or the
// repository's when run from a checkout, or the built-in ones.
func kernelCatalog(dir string) (*synth.Catalog, error) {
	if dir != "" {
		cat, err := synth.LoadCatalog(dir)
		if err != nil {
			return nil, usageErrorf("--kernel-lists: %v", err)
		}
		return cat, nil
	}
	if m, _ := filepath.Glob(filepath.Join(defaultKernelLists, "*", "os.json")); len(m) > 0 {
		return synth.LoadCatalog(defaultKernelLists)
	}
	return synth.BuiltinCatalog(), nil
}

// simFlags are the simulator options shared by serve and demo.
type simFlags struct {
	estate         string
	addr           string
	latency        time.Duration
	latencyPerItem time.Duration
	latencyJitter  time.Duration
	seed           int64
	throttle       string
	bucketScale    float64
	ssmBucket      float64
	ssmRefill      float64
	callsLog       string
	stats          string
}

func (f *simFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.estate, "estate", "", "estate directory to serve (required)")
	c.Flags().StringVar(&f.addr, "addr", "127.0.0.1:0", "address to listen on (loopback unless you say otherwise)")
	c.Flags().DurationVar(&f.latency, "latency", 0, "delay added to every response, e.g. 20ms (the base of the latency model)")
	c.Flags().DurationVar(&f.latencyPerItem, "latency-per-item", 0, "delay added per item a response carries, e.g. 50us")
	c.Flags().DurationVar(&f.latencyJitter, "latency-jitter", 0, "random delay added to every response, from 0 to this")
	c.Flags().Int64Var(&f.seed, "seed", 0, "seed of the latency jitter")
	c.Flags().StringVar(&f.throttle, "throttle", "off", "request throttling: off, or aws (AWS's published EC2 token buckets)")
	c.Flags().Float64Var(&f.bucketScale, "bucket-scale", 1, "with --throttle aws: scale every bucket's size and refill rate, e.g. 0.1")
	c.Flags().Float64Var(&f.ssmBucket, "ssm-bucket", 0, "with --throttle aws: SSM's bucket size per action (AWS publishes none; default 20)")
	c.Flags().Float64Var(&f.ssmRefill, "ssm-refill", 0, "with --throttle aws: SSM's refill rate per action, per second (default 10)")
	c.Flags().StringVar(&f.callsLog, "calls-log", "", "write one JSON line per request to this file")
	c.Flags().StringVar(&f.stats, "stats", "", "write the simulator's counters (calls, throttles, pages, items,\nunpaginated calls, most calls in flight per bucket) as JSON to this file when it stops")
	_ = c.MarkFlagRequired("estate")
}

// start loads the estate and starts the simulator. The returned stop
// function shuts it down and closes the calls log.
func (f *simFlags) start(env *Env) (*awssim.Running, func() error, error) {
	if f.throttle != "off" && f.throttle != "aws" {
		return nil, nil, usageErrorf("--throttle must be off or aws, not %q", f.throttle)
	}
	if f.latency < 0 || f.latencyPerItem < 0 || f.latencyJitter < 0 {
		return nil, nil, usageErrorf("--latency, --latency-per-item and --latency-jitter must not be negative")
	}
	ssmLim, err := f.ssmLimit()
	if err != nil {
		return nil, nil, err
	}
	if f.throttle != "aws" && (f.bucketScale != 1 || ssmLim != (throttle.Limit{})) {
		return nil, nil, usageErrorf("--bucket-scale, --ssm-bucket and --ssm-refill need --throttle aws")
	}
	if !(f.bucketScale > 0) {
		return nil, nil, usageErrorf("--bucket-scale must be positive, not %g", f.bucketScale)
	}
	est, err := awssim.LoadEstate(f.estate)
	if err != nil {
		return nil, nil, err
	}
	opts := awssim.Options{
		Latency: f.latency, LatencyPerItem: f.latencyPerItem, LatencyJitter: f.latencyJitter, Seed: f.seed,
		Throttle: f.throttle, ThrottleScale: f.bucketScale, SSMBucket: ssmLim, Now: env.Now,
	}
	var logFile *os.File
	if f.callsLog != "" {
		logFile, err = os.OpenFile(f.callsLog, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("calls log: %w", err)
		}
		opts.CallsLog = logFile
	}
	srv, err := awssim.NewServer(est, opts)
	if err == nil {
		var run *awssim.Running
		run, err = awssim.Listen(srv, f.addr)
		if err == nil {
			stop := func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				err := run.Shutdown(ctx)
				if logFile != nil {
					err = errors.Join(err, logFile.Close())
				}
				if f.stats != "" {
					err = errors.Join(err, safeWrite(f.stats, srv.WriteStats))
				}
				return err
			}
			return run, stop, nil
		}
	}
	if logFile != nil {
		_ = logFile.Close()
	}
	return nil, nil, err
}

// ssmLimit is the SSM bucket the flags ask for; zero keeps the default.
func (f *simFlags) ssmLimit() (throttle.Limit, error) {
	if f.ssmBucket == 0 && f.ssmRefill == 0 {
		return throttle.Limit{}, nil
	}
	def, _ := throttle.DefaultPolicy("ssm")
	l := def.Read
	if f.ssmBucket != 0 {
		l.Capacity = f.ssmBucket
	}
	if f.ssmRefill != 0 {
		l.Refill = f.ssmRefill
	}
	if !(l.Capacity >= 1) || !(l.Refill > 0) {
		return throttle.Limit{}, usageErrorf("--ssm-bucket must be at least 1 and --ssm-refill positive")
	}
	return l, nil
}

func newSimServeCmd(env *Env) *cobra.Command {
	var f simFlags
	c := &cobra.Command{
		Use:   "serve --estate DIR",
		Short: "Serve an estate over AWS's wire protocols until interrupted",
		Long: "serve prints `endpoint: http://127.0.0.1:PORT` as its first line on stdout once it\n" +
			"accepts requests, then serves until SIGINT or SIGTERM and exits 0. Point any AWS\n" +
			"client at it with --endpoint-url; any credentials are the estate's caller.",
		RunE: func(c *cobra.Command, _ []string) error {
			run, stop, err := f.start(env)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "endpoint: %s\n", run.URL)
			if fl, ok := env.Stdout.(interface{ Sync() error }); ok {
				_ = fl.Sync()
			}
			<-c.Context().Done()
			return stop()
		},
	}
	f.register(c)
	return c
}

func newSimDemoCmd(env *Env) *cobra.Command {
	var f simFlags
	c := &cobra.Command{
		Use:   "demo --estate DIR",
		Short: "Serve an estate and list what it serves through the AWS SDK",
		RunE: func(c *cobra.Command, _ []string) error {
			run, stop, err := f.start(env)
			if err != nil {
				return err
			}
			err = listEstate(c.Context(), env.Stdout, run.URL)
			return errors.Join(err, stop())
		},
	}
	f.register(c)
	return c
}

// listEstate walks a simulator endpoint with the real SDK clients, the way
// the collectors will, and prints what each account and region holds.
func listEstate(ctx context.Context, w io.Writer, endpoint string) error {
	cfg := awssim.SDKConfig(endpoint, "us-east-1")
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("get caller identity: %w", err)
	}
	fmt.Fprintf(w, "simulator: %s\ncaller:    %s\n\n", endpoint, aws.ToString(id.Arn))
	accounts := []string{aws.ToString(id.Account)}
	orgs := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{})
	if orgs.HasMorePages() {
		var listed []string
		for orgs.HasMorePages() {
			p, err := orgs.NextPage(ctx)
			if err != nil {
				listed = nil
				break // not an organization: the caller's account only
			}
			for _, a := range p.Accounts {
				listed = append(listed, aws.ToString(a.Id))
			}
		}
		if len(listed) > 0 {
			sort.Strings(listed)
			accounts = listed
			fmt.Fprintf(w, "organization: %d accounts\n\n", len(listed))
		}
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tREGION\tVPCS\tSUBNETS\tSECURITY GROUPS\tINSTANCES\tSSM NODES")
	for _, acct := range accounts {
		acfg := cfg
		if acct != aws.ToString(id.Account) {
			creds, err := assume(ctx, cfg, acct)
			if err != nil {
				fmt.Fprintf(tw, "%s\t(assume role: %v)\n", acct, err)
				continue
			}
			acfg.Credentials = creds
		}
		regions, err := ec2.NewFromConfig(acfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
		if err != nil {
			return fmt.Errorf("describe regions of %s: %w", acct, err)
		}
		for _, r := range regions.Regions {
			rcfg := acfg
			rcfg.Region = aws.ToString(r.RegionName)
			counts, err := countRegion(ctx, rcfg)
			if err != nil {
				return fmt.Errorf("%s %s: %w", acct, rcfg.Region, err)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\n", acct, rcfg.Region, counts[0], counts[1], counts[2], counts[3], counts[4])
		}
	}
	return tw.Flush()
}

func assume(ctx context.Context, cfg aws.Config, account string) (aws.CredentialsProvider, error) {
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::" + account + ":role/pdr-audit"),
		RoleSessionName: aws.String("pdr-audit-demo"),
	})
	if err != nil {
		return nil, err
	}
	c := out.Credentials
	return aws.NewCredentialsCache(staticCreds{aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), CanExpire: true, Expires: aws.ToTime(c.Expiration),
	}}), nil
}

type staticCreds struct{ c aws.Credentials }

func (s staticCreds) Retrieve(context.Context) (aws.Credentials, error) { return s.c, nil }

// countRegion counts a region's VPCs, subnets, security groups, instances
// and SSM nodes with the SDK's paginators at each API's maximum page size.
func countRegion(ctx context.Context, cfg aws.Config) ([5]int, error) {
	var n [5]int
	e := ec2.NewFromConfig(cfg)
	vp := ec2.NewDescribeVpcsPaginator(e, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(1000)})
	for vp.HasMorePages() {
		p, err := vp.NextPage(ctx)
		if err != nil {
			return n, err
		}
		n[0] += len(p.Vpcs)
	}
	sp := ec2.NewDescribeSubnetsPaginator(e, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(1000)})
	for sp.HasMorePages() {
		p, err := sp.NextPage(ctx)
		if err != nil {
			return n, err
		}
		n[1] += len(p.Subnets)
	}
	gp := ec2.NewDescribeSecurityGroupsPaginator(e, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(1000)})
	for gp.HasMorePages() {
		p, err := gp.NextPage(ctx)
		if err != nil {
			return n, err
		}
		n[2] += len(p.SecurityGroups)
	}
	ip := ec2.NewDescribeInstancesPaginator(e, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)})
	for ip.HasMorePages() {
		p, err := ip.NextPage(ctx)
		if err != nil {
			return n, err
		}
		for _, r := range p.Reservations {
			n[3] += len(r.Instances)
		}
	}
	mp := ssm.NewDescribeInstanceInformationPaginator(ssm.NewFromConfig(cfg), &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(50)})
	for mp.HasMorePages() {
		p, err := mp.NextPage(ctx)
		if err != nil {
			return n, err
		}
		n[4] += len(p.InstanceInformationList)
	}
	return n, nil
}
