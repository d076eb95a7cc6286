package ssmcollect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// API is the part of the SSM client the collector uses; *ssm.Client
// satisfies it.
type API interface {
	ssm.DescribeInstanceInformationAPIClient
	ListInventoryEntries(ctx context.Context, in *ssm.ListInventoryEntriesInput, optFns ...func(*ssm.Options)) (*ssm.ListInventoryEntriesOutput, error)
	GetServiceSetting(ctx context.Context, in *ssm.GetServiceSettingInput, optFns ...func(*ssm.Options)) (*ssm.GetServiceSettingOutput, error)
	SendCommand(ctx context.Context, in *ssm.SendCommandInput, optFns ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	GetCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput, optFns ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error)
}

var _ API = (*ssm.Client)(nil)

// Kernel evidence sources a user can ask for (Options.KernelSource and
// model.Scope.KernelSource).
const (
	KernelSourceInventory  = "inventory"
	KernelSourceRunCommand = "run-command"
	KernelSourceNone       = "none"
)

// ValidKernelSource reports whether s is a kernel source Collect knows.
func ValidKernelSource(s string) bool {
	switch s {
	case KernelSourceInventory, KernelSourceRunCommand, KernelSourceNone:
		return true
	}
	return false
}

// Run-command polling defaults.
const (
	DefaultPollInterval = time.Second
	DefaultMaxPolls     = 30
)

// DHMCSettingID is the service setting that turns on Default Host
// Management Configuration.
const DHMCSettingID = "/ssm/managed-instance/default-ec2-instance-management-role"

// Options tune Collect.
type Options struct {
	// KernelSource is the kernel evidence to gather: KernelSourceInventory
	// (when empty), KernelSourceRunCommand or KernelSourceNone.
	KernelSource string
	// PollInterval is the wait between GetCommandInvocation rounds:
	// DefaultPollInterval when zero, no wait when negative (tests).
	PollInterval time.Duration
	// MaxPolls bounds the GetCommandInvocation calls per instance
	// (DefaultMaxPolls when zero or negative).
	MaxPolls int
}

func (o Options) withDefaults() Options {
	if o.KernelSource == "" {
		o.KernelSource = KernelSourceInventory
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxPolls <= 0 {
		o.MaxPolls = DefaultMaxPolls
	}
	return o
}

// Collect reads SSM data for one account-region into r: SSMInstances,
// DefaultHostManagement and Kernels. r.Instances (EC2) must already be
// filled; one Kernel is recorded for each running instance whose Platform
// is not windows. Failed reads are added to gaps.
func Collect(ctx context.Context, api API, r *model.Region, opts Options, gaps gap.Scope) {
	l := List(ctx, api, gaps)
	l.Fill(r)
	Kernels(ctx, api, r, l, opts, gaps)
}

// Listed is what List read: it needs nothing of EC2, so a region's SSM
// listing runs beside its EC2 listings.
type Listed struct {
	infos []model.SSMInstance
	ok    bool
	dhmc  *model.ServiceSetting
}

// List reads the SSM nodes and the Default Host Management setting.
func List(ctx context.Context, api API, gaps gap.Scope) Listed {
	infos, err := describeInstanceInformation(ctx, api)
	if err != nil {
		gaps.Add("ssm:DescribeInstanceInformation", "", err)
		infos = nil
	}
	return Listed{infos: infos, ok: err == nil, dhmc: readDHMC(ctx, api, gaps)}
}

// Fill stores the listing in the region.
func (l Listed) Fill(r *model.Region) {
	r.SSMInstances = l.infos
	r.DefaultHostManagement = l.dhmc
}

// Kernels reads the kernels of the region's instances (r.Instances must be
// read) the way opts says.
func Kernels(ctx context.Context, api API, r *model.Region, l Listed, opts Options, gaps gap.Scope) {
	opts = opts.withDefaults()
	r.Kernels = collectKernels(ctx, api, r.Instances, l.infos, l.ok, opts, gaps)
}

// describeInstanceInformation lists every node SSM knows in the region.
func describeInstanceInformation(ctx context.Context, api API) ([]model.SSMInstance, error) {
	out := []model.SSMInstance{}
	p := ssm.NewDescribeInstanceInformationPaginator(api, &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(50)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe instance information: %w", err)
		}
		for _, in := range page.InstanceInformationList {
			s := model.SSMInstance{
				InstanceID:      aws.ToString(in.InstanceId),
				PingStatus:      string(in.PingStatus),
				AgentVersion:    aws.ToString(in.AgentVersion),
				PlatformType:    string(in.PlatformType),
				PlatformName:    aws.ToString(in.PlatformName),
				PlatformVersion: aws.ToString(in.PlatformVersion),
				ResourceType:    string(in.ResourceType),
				IAMRole:         aws.ToString(in.IamRole),
				ComputerName:    aws.ToString(in.ComputerName),
				IPAddress:       aws.ToString(in.IPAddress),
			}
			if in.LastPingDateTime != nil {
				s.LastPingAt = in.LastPingDateTime.UTC()
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// readDHMC reads the Default Host Management Configuration setting; nil
// (with a gap) when it cannot be read.
func readDHMC(ctx context.Context, api API, gaps gap.Scope) *model.ServiceSetting {
	out, err := api.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String(DHMCSettingID)})
	if err == nil && out.ServiceSetting == nil {
		err = errors.New("GetServiceSetting answered without a ServiceSetting")
	}
	if err != nil {
		gaps.Add("ssm:GetServiceSetting", "", fmt.Errorf("get service setting %s: %w", DHMCSettingID, err))
		return nil
	}
	s := out.ServiceSetting
	return &model.ServiceSetting{
		SettingID: aws.ToString(s.SettingId),
		Value:     aws.ToString(s.SettingValue),
		Status:    aws.ToString(s.Status),
	}
}
