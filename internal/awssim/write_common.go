package awssim

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Helpers shared by the write operations (write_*.go).

// The region files write operations change.
const (
	fileSecurityGroups = "ec2/describe-security-groups"
	fileNetworkACLs    = "ec2/describe-network-acls"
	fileVpcEndpoints   = "ec2/describe-vpc-endpoints"
	fileInstances      = "ec2/describe-instances"
	fileVpcs           = "ec2/describe-vpcs"
	fileSubnets        = "ec2/describe-subnets"
	fileRouteTables    = "ec2/describe-route-tables"
	filePrefixLists    = "ec2/describe-managed-prefix-lists"
	fileImages         = "ec2/describe-images"
	// fileAssociations holds the region's IAM instance profile
	// associations once a write changed one; until then they are derived
	// from the instances (see associations). No estate has this file.
	fileAssociations = "ec2/describe-iam-instance-profile-associations"
)

// regionKey is the docKey of a region file of the call's account and region.
func regionKey(c *call, file string) docKey { return docKey{c.Account, c.Region, file} }

// dryRunError is what EC2 answers a request with DryRun set that would
// have succeeded: 412 DryRunOperation (see fault.Lookup for the status).
func dryRunError() *APIError {
	return &APIError{Code: "DryRunOperation", Message: "Request would have succeeded, but DryRun flag is set."}
}

// checkDryRun returns DryRunOperation when the request sets DryRun. Write
// handlers call it once the request is validated and the resources it
// names are found, before changing anything; its error makes the write
// discard every change.
func checkDryRun(c *call) *APIError {
	if b, _ := c.Input["DryRun"].(bool); b {
		return dryRunError()
	}
	return nil
}

// missingParam answers a request without a member EC2 requires.
func missingParam(name string) *APIError {
	return apiErr("MissingParameter", "The request must contain the parameter %s", name)
}

// list returns a document's list member, nil when absent.
func list(doc map[string]any, key string) []any {
	l, _ := doc[key].([]any)
	return l
}

// find returns the index and object of the item of doc[listKey] whose
// idKey is id, or -1.
func find(doc map[string]any, listKey, idKey, id string) (int, map[string]any) {
	return findIn(list(doc, listKey), idKey, id)
}

// findIn returns the index and object of the item of l whose idKey is id,
// or -1.
func findIn(l []any, idKey, id string) (int, map[string]any) {
	for i, it := range l {
		obj, _ := it.(map[string]any)
		if obj != nil && scalarString(obj[idKey]) == id {
			return i, obj
		}
	}
	return -1, nil
}

// removeAt returns l without its i-th element, in a new slice.
func removeAt(l []any, i int) []any {
	out := make([]any, 0, len(l)-1)
	out = append(out, l[:i]...)
	return append(out, l[i+1:]...)
}

// num is an integer as documents hold numbers.
func num(n int64) any { return json.Number(strconv.FormatInt(n, 10)) }

// intOf reads an integer document value.
func intOf(v any) (int64, bool) {
	if v == nil {
		return 0, false
	}
	return intParam(map[string]any{"v": v}, "v")
}

// requestTags returns the tags of the request's TagSpecifications for a
// resource type, as a document's Tags list (nil when there are none).
func requestTags(in map[string]any, resourceType string) []any {
	var tags []any
	for _, ts := range list(in, "TagSpecifications") {
		spec, _ := ts.(map[string]any)
		if rt := strParam(spec, "ResourceType"); rt != "" && rt != resourceType {
			continue
		}
		for _, tg := range list(spec, "Tags") {
			tag, _ := tg.(map[string]any)
			tags = append(tags, map[string]any{"Key": strParam(tag, "Key"), "Value": strParam(tag, "Value")})
		}
	}
	return tags
}

// isDefaultVpc reports whether a VPC of the call's region is its default VPC.
func isDefaultVpc(t *tx, c *call, vpcID string) bool {
	_, vpc := find(t.get(regionKey(c, fileVpcs)), "Vpcs", "VpcId", vpcID)
	b, _ := vpc["IsDefault"].(bool)
	return b
}

// defaultVpc returns the region's default VPC id, or "".
func defaultVpc(t *tx, c *call) string {
	for _, v := range list(t.get(regionKey(c, fileVpcs)), "Vpcs") {
		vpc, _ := v.(map[string]any)
		if b, _ := vpc["IsDefault"].(bool); b {
			return scalarString(vpc["VpcId"])
		}
	}
	return ""
}

// awsTime renders a time as the AWS CLI prints timestamps in estates.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

// awsTimeMillis renders a time with the fractional seconds the CLI prints
// for millisecond timestamps (VPC endpoints' CreationTimestamp).
func awsTimeMillis(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000000-07:00")
}

// quoteIDs is how messages name a list of ids: "'a'" or "'a, b'".
func quoteIDs(ids []string) string { return "'" + strings.Join(ids, ", ") + "'" }
