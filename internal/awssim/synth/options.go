package synth

import (
	"errors"
	"fmt"
)

// Options say what estate to generate. Counts are per account-region.
type Options struct {
	// Seed selects the estate: the same seed and options give the same
	// bytes.
	Seed int64
	// Accounts is the number of accounts: 1 writes the single-account
	// layout, more an organization (organizations/list-accounts.json and
	// accounts/<id>/) whose first account is the management account.
	Accounts int
	// Regions is the number of regions of every account (at most
	// len(RegionCodes)), taken in RegionCodes order.
	Regions int
	// VPCs is the number of VPCs per region.
	VPCs int
	// Instances is the number of EC2 instances per region, the two
	// appliances of every VPC included.
	Instances int
	// SecurityGroups is the number of security groups per region; 0 picks
	// max(7·VPCs, Instances/5). Each VPC needs at least its 7 structural
	// groups (default, shared management and monitoring, one per tier, the
	// appliances').
	SecurityGroups int
	// SSMCoverage is the share of instances (appliances excepted)
	// registered with SSM.
	SSMCoverage float64
	// WindowsShare is the share of instances (appliances excepted) that run
	// Windows.
	WindowsShare float64
	// ListedShare is the share of Linux instances whose kernel the catalog
	// lists; the others run a kernel outside every list.
	ListedShare float64
	// StoppedShare is the share of instances that are stopped.
	StoppedShare float64
	// Catalog is the Linux platforms and kernels to draw from; nil means
	// BuiltinCatalog.
	Catalog *Catalog
}

// Defaults are the options `pdr-audit sim generate` starts from.
func Defaults() Options {
	return Options{
		Accounts: 1, Regions: 1, VPCs: 2, Instances: 100,
		SSMCoverage: 0.8, WindowsShare: 0.1, ListedShare: 0.7, StoppedShare: 0.05,
	}
}

// structuralGroups is the number of security groups every VPC has.
const structuralGroups = 7

// maxInstancesPerVPC keeps the application tier inside its three /18
// subnets (16,379 usable addresses each), with room to spare.
const maxInstancesPerVPC = 40000

// ErrOptions is wrapped by every error about unusable options.
var ErrOptions = errors.New("invalid generator options")

// groups returns the number of security groups per region.
func (o Options) groups() int {
	if o.SecurityGroups > 0 {
		return o.SecurityGroups
	}
	return max(structuralGroups*o.VPCs, o.Instances/5)
}

// Validate reports the first option that cannot be generated.
func (o Options) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, a...))
	}
	switch {
	case o.Accounts < 1:
		return bad("accounts must be at least 1, not %d", o.Accounts)
	case o.Regions < 1 || o.Regions > len(RegionCodes):
		return bad("regions must be from 1 to %d, not %d", len(RegionCodes), o.Regions)
	case o.VPCs < 1 || o.VPCs > 250:
		return bad("vpcs must be from 1 to 250 per region, not %d", o.VPCs)
	case o.Instances < 2*o.VPCs:
		return bad("instances must be at least 2 per VPC (the appliances), not %d for %d VPCs", o.Instances, o.VPCs)
	case o.Instances > maxInstancesPerVPC*o.VPCs:
		return bad("%d instances do not fit %d VPCs (at most %d per VPC): add VPCs", o.Instances, o.VPCs, maxInstancesPerVPC)
	case o.SecurityGroups != 0 && o.SecurityGroups < structuralGroups*o.VPCs:
		return bad("security groups must be at least %d per VPC (%d for %d VPCs), not %d", structuralGroups, structuralGroups*o.VPCs, o.VPCs, o.SecurityGroups)
	}
	for name, v := range map[string]float64{
		"ssm coverage": o.SSMCoverage, "windows share": o.WindowsShare,
		"listed share": o.ListedShare, "stopped share": o.StoppedShare,
	} {
		if !(v >= 0 && v <= 1) {
			return bad("%s must be from 0 to 1, not %g", name, v)
		}
	}
	return nil
}

// RegionCodes are the regions an estate's accounts get, in order.
var RegionCodes = []string{
	"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1",
	"us-east-2", "us-west-1", "eu-west-2", "eu-north-1", "ap-south-1", "ap-southeast-1",
	"ca-central-1", "sa-east-1", "eu-west-3", "ap-northeast-2",
}

// azPrefix is each region's Availability Zone id prefix (use1-az1 …).
var azPrefix = map[string]string{
	"us-east-1": "use1", "us-west-2": "usw2", "eu-west-1": "euw1", "eu-central-1": "euc1",
	"ap-southeast-2": "apse2", "ap-northeast-1": "apne1", "us-east-2": "use2", "us-west-1": "usw1",
	"eu-west-2": "euw2", "eu-north-1": "eun1", "ap-south-1": "aps1", "ap-southeast-1": "apse1",
	"ca-central-1": "cac1", "sa-east-1": "sae1", "eu-west-3": "euw3", "ap-northeast-2": "apne2",
}

// Summary counts what Generate wrote.
type Summary struct {
	Accounts       int    `json:"accounts"`
	AccountRegions int    `json:"account_regions"`
	VPCs           int    `json:"vpcs"`
	Subnets        int    `json:"subnets"`
	SecurityGroups int    `json:"security_groups"`
	Instances      int    `json:"instances"`
	Appliances     int    `json:"appliances"`
	SSMNodes       int    `json:"ssm_nodes"`
	Inventories    int    `json:"inventories"`
	ListedKernels  int    `json:"listed_kernels"`
	OtherKernels   int    `json:"unlisted_kernels"`
	Files          int    `json:"files"`
	Catalog        string `json:"catalog"`
}
