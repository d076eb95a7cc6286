package collect

import (
	"fmt"
	"slices"
	"strings"
)

// knownRegions are the AWS regions this build knows by name (all
// partitions). An explicit --regions entry must be one of them; --regions
// all asks each account for its enabled regions instead.
var knownRegions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"cn-north-1", "cn-northwest-1",
	"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"eusc-de-east-1",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
}

// AllRegions is the --regions value that means "every enabled region".
const AllRegions = "all"

// ParseRegions validates a --regions list: region codes this build knows,
// or the single word "all".
func ParseRegions(list []string) ([]string, error) {
	var out []string
	for _, r := range list {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
			continue
		case r == AllRegions:
			if len(list) != 1 {
				return nil, fmt.Errorf("--regions all cannot be combined with region names")
			}
			return []string{AllRegions}, nil
		case !slices.Contains(knownRegions, r):
			return nil, fmt.Errorf("unknown region %q (for example us-east-1, eu-west-1, or all)", r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--regions is empty")
	}
	slices.Sort(out)
	return out, nil
}
