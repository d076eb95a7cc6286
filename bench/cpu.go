package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// childEnv names the estate a re-executed bench binary serves.
const childEnv = "PDR_BENCH_SIM_ESTATE"

// ServeChildIfAsked turns the process into a simulator when the bench
// started it as one (see startChild): it serves the estate on loopback,
// without throttling or latency, prints the endpoint and exits when its
// standard input closes. The bench's main and TestMain call it first.
func ServeChildIfAsked() {
	dir := os.Getenv(childEnv)
	if dir == "" {
		return
	}
	err := func() error {
		est, err := awssim.LoadEstate(dir)
		if err != nil {
			return err
		}
		srv, err := awssim.NewServer(est, awssim.Options{})
		if err != nil {
			return err
		}
		run, err := awssim.Listen(srv, "127.0.0.1:0")
		if err != nil {
			return err
		}
		fmt.Printf("endpoint: %s\n", run.URL)
		_, _ = io.Copy(io.Discard, os.Stdin)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return run.Shutdown(ctx)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench simulator:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a simulator in a process of its own, so that its CPU is not
// the bench's.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

func startChild(dir string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench executable: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("simulator process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("simulator process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start simulator process: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "endpoint: ")
	if err != nil || !ok {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("simulator process printed %q: %v", line, err)
	}
	return &child{cmd: cmd, stdin: stdin, url: url}, nil
}

func (c *child) stop() error {
	_ = c.stdin.Close()
	return c.cmd.Wait()
}

// cpuTime is the CPU (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPUResult compares the collector's CPU with a bare SDK client's on the
// same data.
type CPUResult struct {
	Instances int `json:"instances"`
	// Per instance, the least of the rounds.
	CollectorPerInstance time.Duration `json:"collector_per_instance_ns"`
	BarePerInstance      time.Duration `json:"bare_sdk_per_instance_ns"`
	Ratio                float64       `json:"ratio"`
	Rounds               int           `json:"rounds"`
}

// CompareCPU collects one region of the estate at dir with the collector
// (no kernel inventory) and reads the same listings with bare SDK
// paginators, rounds times each, alternating, with the simulator in a
// child process. Each side's least CPU is compared.
func CompareCPU(ctx context.Context, dir, region string, rounds int) (*CPUResult, error) {
	c, err := startChild(dir)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.stop() }()
	res := &CPUResult{Rounds: rounds}
	var best [2]time.Duration
	for i := range rounds {
		for side := range 2 {
			cfg := ClientConfig(c.url, nil)
			runtime.GC()
			start := cpuTime()
			var n int
			if side == 0 {
				snap, err := collect.Collect(ctx, cfg, collect.Options{
					Regions: []string{region}, KernelSource: "none",
					Tool: model.Tool{Name: "pdr-audit", Version: "bench"}, Source: "collect",
				})
				if err != nil {
					return nil, fmt.Errorf("collector: %w", err)
				}
				if len(snap.Gaps) > 0 {
					return nil, fmt.Errorf("collector: %d gaps, first %+v", len(snap.Gaps), snap.Gaps[0])
				}
				n = len(snap.Accounts[0].Regions[0].Instances)
				runtime.KeepAlive(snap)
			} else {
				n, err = bareRead(ctx, cfg, region)
				if err != nil {
					return nil, fmt.Errorf("bare SDK: %w", err)
				}
			}
			used := cpuTime() - start
			if i == 0 || used < best[side] {
				best[side] = used
			}
			if res.Instances != 0 && n != res.Instances {
				return nil, fmt.Errorf("the collector and the bare SDK read %d and %d instances", res.Instances, n)
			}
			res.Instances = n
			if hc, ok := cfg.HTTPClient.(interface{ CloseIdleConnections() }); ok {
				hc.CloseIdleConnections()
			}
		}
	}
	if res.Instances == 0 {
		return nil, errors.New("no instances read")
	}
	res.CollectorPerInstance = best[0] / time.Duration(res.Instances)
	res.BarePerInstance = best[1] / time.Duration(res.Instances)
	res.Ratio = best[0].Seconds() / best[1].Seconds()
	return res, nil
}

// pageAll follows a paginator to its end and keeps every page.
func pageAll[O any](ctx context.Context, p interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*ec2.Options)) (O, error)
}, keep *[]any) error {
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		*keep = append(*keep, out)
	}
	return nil
}

// bareRead reads what the collector reads of one region (kernels aside)
// with the SDK's paginators at AWS's largest pages and keeps the SDK's
// outputs: no conversion, no pacing, no gap bookkeeping. It returns the
// number of instances.
func bareRead(ctx context.Context, cfg aws.Config, region string) (int, error) {
	cfg = cfg.Copy()
	cfg.Region = region
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		return 0, err
	}
	e := ec2.NewFromConfig(cfg)
	var keep []any
	steps := []func() error{
		func() error {
			return pageAll(ctx, ec2.NewDescribeVpcsPaginator(e, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(1000)}), &keep)
		},
		func() error {
			return pageAll(ctx, ec2.NewDescribeSubnetsPaginator(e, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(1000)}), &keep)
		},
		func() error {
			return pageAll(ctx, ec2.NewDescribeNetworkAclsPaginator(e, &ec2.DescribeNetworkAclsInput{MaxResults: aws.Int32(1000)}), &keep)
		},
		func() error {
			return pageAll(ctx, ec2.NewDescribeNatGatewaysPaginator(e, &ec2.DescribeNatGatewaysInput{MaxResults: aws.Int32(1000)}), &keep)
		},
		func() error {
			return pageAll(ctx, ec2.NewDescribeInternetGatewaysPaginator(e, &ec2.DescribeInternetGatewaysInput{MaxResults: aws.Int32(1000)}), &keep)
		},
		func() error {
			return pageAll(ctx, ec2.NewDescribeVpcEndpointsPaginator(e, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(1000)}), &keep)
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return 0, err
		}
	}
	used := map[string]bool{}
	var groups, tables, lists []any
	if err := pageAll(ctx, ec2.NewDescribeSecurityGroupsPaginator(e, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(1000)}), &groups); err != nil {
		return 0, err
	}
	for _, p := range groups {
		for _, g := range p.(*ec2.DescribeSecurityGroupsOutput).SecurityGroups {
			for _, perm := range append(g.IpPermissions, g.IpPermissionsEgress...) {
				for _, pl := range perm.PrefixListIds {
					used[aws.ToString(pl.PrefixListId)] = true
				}
			}
		}
	}
	if err := pageAll(ctx, ec2.NewDescribeRouteTablesPaginator(e, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(100)}), &tables); err != nil {
		return 0, err
	}
	for _, p := range tables {
		for _, t := range p.(*ec2.DescribeRouteTablesOutput).RouteTables {
			for _, r := range t.Routes {
				if id := aws.ToString(r.DestinationPrefixListId); id != "" {
					used[id] = true
				}
			}
		}
	}
	if err := pageAll(ctx, ec2.NewDescribeManagedPrefixListsPaginator(e, &ec2.DescribeManagedPrefixListsInput{MaxResults: aws.Int32(100)}), &lists); err != nil {
		return 0, err
	}
	for _, p := range lists {
		for _, pl := range p.(*ec2.DescribeManagedPrefixListsOutput).PrefixLists {
			if id := aws.ToString(pl.PrefixListId); used[id] {
				if err := pageAll(ctx, ec2.NewGetManagedPrefixListEntriesPaginator(e, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id), MaxResults: aws.Int32(100)}), &keep); err != nil {
					return 0, err
				}
			}
		}
	}
	var reservations []any
	if err := pageAll(ctx, ec2.NewDescribeInstancesPaginator(e, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)}), &reservations); err != nil {
		return 0, err
	}
	instances := 0
	profiles := map[string]bool{}
	for _, p := range reservations {
		for _, r := range p.(*ec2.DescribeInstancesOutput).Reservations {
			for _, in := range r.Instances {
				instances++
				if in.IamInstanceProfile != nil {
					profiles[aws.ToString(in.IamInstanceProfile.Arn)] = true
				}
			}
		}
	}
	s := ssm.NewFromConfig(cfg)
	dii := ssm.NewDescribeInstanceInformationPaginator(s, &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(50)})
	for dii.HasMorePages() {
		out, err := dii.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		keep = append(keep, out)
	}
	if _, err := s.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String("/ssm/managed-instance/default-ec2-instance-management-role")}); err != nil {
		return 0, err
	}
	im := iam.NewFromConfig(cfg)
	roles := map[string]bool{}
	for arn := range profiles {
		out, err := im.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(arn[strings.LastIndex(arn, "/")+1:])})
		if err != nil {
			return 0, err
		}
		for _, r := range out.InstanceProfile.Roles {
			roles[aws.ToString(r.RoleName)] = true
		}
	}
	for role := range roles {
		p := iam.NewListAttachedRolePoliciesPaginator(im, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role), MaxItems: aws.Int32(1000)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return 0, err
			}
			keep = append(keep, out)
		}
	}
	runtime.KeepAlive(keep)
	runtime.KeepAlive(groups)
	return instances, nil
}
