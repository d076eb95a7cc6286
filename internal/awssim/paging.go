package awssim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// pageLimit is an operation's page-size contract on AWS.
type pageLimit struct {
	LimitKey string // MaxResults or MaxItems
	Min, Max int
	// Default is the page size when the limit is absent; 0 returns all.
	Default int
	// Clamp: values above Max are served as Max instead of rejected.
	Clamp bool
	// TokenIn and TokenOut name the request and response tokens.
	TokenIn, TokenOut string
}

// pageLimits lists AWS's documented page sizes per operation (the API
// references' MaxResults/MaxItems constraints; the botocore models carry the
// same min/max where AWS published them in the model).
var pageLimits = map[string]pageLimit{
	"ec2:DescribeVpcs":                {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ec2:DescribeSubnets":             {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ec2:DescribeSecurityGroups":      {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ec2:DescribeNetworkAcls":         {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ec2:DescribeRouteTables":         {LimitKey: "MaxResults", Min: 5, Max: 100},
	"ec2:DescribeInstances":           {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ec2:DescribeNatGateways":         {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ec2:DescribeInternetGateways":    {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ec2:DescribeVpcEndpoints":        {LimitKey: "MaxResults", Min: 1, Max: 1000, Clamp: true},
	"ec2:DescribeManagedPrefixLists":  {LimitKey: "MaxResults", Min: 1, Max: 100},
	"ec2:GetManagedPrefixListEntries": {LimitKey: "MaxResults", Min: 1, Max: 100},
	"ec2:DescribeImages":              {LimitKey: "MaxResults", Min: 5, Max: 1000},
	"ssm:DescribeInstanceInformation": {LimitKey: "MaxResults", Min: 5, Max: 50, Default: 10},
	"ssm:ListInventoryEntries":        {LimitKey: "MaxResults", Min: 1, Max: 50, Default: 50},
	"ssm:GetInventory":                {LimitKey: "MaxResults", Min: 1, Max: 50, Default: 50},
	"iam:ListAttachedRolePolicies":    {LimitKey: "MaxItems", Min: 1, Max: 1000, Default: 100, TokenIn: "Marker", TokenOut: "Marker"},
	"organizations:ListAccounts":      {LimitKey: "MaxResults", Min: 1, Max: 20, Default: 20},
}

func (l pageLimit) tokens() (in, out string) {
	return nonEmpty(l.TokenIn, "NextToken"), nonEmpty(l.TokenOut, "NextToken")
}

// pageToken is what a NextToken carries: the offset of the next item and a
// digest of the request it continues, so that a token is refused with a
// different request, as AWS refuses it.
type pageToken struct {
	Offset int    `json:"o"`
	Digest string `json:"d"`
}

// requestDigest hashes the request minus its paging members.
func requestDigest(op string, in map[string]any, l pageLimit) string {
	tin, _ := l.tokens()
	rest := map[string]any{}
	for k, v := range in {
		if k != tin && k != l.LimitKey {
			rest[k] = v
		}
	}
	b, _ := json.Marshal(rest) // map keys are sorted by encoding/json
	h := fnv.New64a()
	h.Write([]byte(op))
	h.Write(b)
	return strconv.FormatUint(h.Sum64(), 36)
}

// page cuts one page out of items according to the request's limit and
// token. It returns the page and the token of the next page ("" at the end).
func page(c *call, items []any) ([]any, string, *APIError) {
	key := c.Service + ":" + c.Action
	l, ok := pageLimits[key]
	if !ok {
		return items, "", nil
	}
	tin, _ := l.tokens()
	size := l.Default
	if raw, present := c.Input[l.LimitKey]; present {
		n, ok := intParam(c.Input, l.LimitKey)
		if !ok {
			return nil, "", limitError(c, l, raw)
		}
		switch {
		case n < int64(l.Min):
			return nil, "", limitError(c, l, n)
		case n > int64(l.Max) && l.Clamp:
			size = l.Max
		case n > int64(l.Max):
			return nil, "", limitError(c, l, n)
		default:
			size = int(n)
		}
	}
	digest := requestDigest(key, c.Input, l)
	offset := 0
	if tok := strParam(c.Input, tin); tok != "" {
		var pt pageToken
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || json.Unmarshal(b, &pt) != nil || pt.Digest != digest || pt.Offset < 0 || pt.Offset > len(items) {
			return nil, "", tokenError(c, tok)
		}
		offset = pt.Offset
	}
	if size == 0 || offset+size >= len(items) {
		return items[offset:], "", nil
	}
	b, _ := json.Marshal(pageToken{Offset: offset + size, Digest: digest})
	return items[offset : offset+size], base64.RawURLEncoding.EncodeToString(b), nil
}

// limitError is the error each service gives for an out-of-range limit,
// in the wording AWS uses (EC2's differs per operation; these follow the
// samples AWS has been seen to send).
func limitError(c *call, l pageLimit, v any) *APIError {
	n, isInt := v.(int64)
	above := isInt && n > int64(l.Max)
	coral := func(code, member string) *APIError {
		bound := fmt.Sprintf("greater than or equal to %d", l.Min)
		if above {
			bound = fmt.Sprintf("less than or equal to %d", l.Max)
		}
		return apiErr(code, "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must have value %s", v, member, bound)
	}
	switch {
	case c.Service == "ec2" && c.Action == "DescribeNatGateways":
		return coral("InvalidParameter", "maxResults")
	case c.Service == "ec2":
		if above {
			return apiErr("InvalidParameterValue", "Value ( %v ) for parameter MaxResults is invalid. Expecting a value smaller than or equal to %d.", v, l.Max)
		}
		return apiErr("InvalidParameterValue", "Value ( %v ) for parameter MaxResults is invalid. Expecting a value greater than or equal to %d.", v, l.Min)
	case c.Service == "iam":
		return coral("ValidationError", lowerFirst(l.LimitKey))
	case c.Service == "organizations":
		return coral("InvalidInputException", lowerFirst(l.LimitKey))
	}
	return coral("ValidationException", lowerFirst(l.LimitKey))
}

func tokenError(c *call, tok string) *APIError {
	switch c.Service {
	case "ec2":
		return apiErr("InvalidParameterValue", "Value ( %s ) for parameter NextToken is invalid. The token is invalid.", tok)
	case "ssm":
		return apiErr("InvalidNextToken", "The specified token isn't valid.")
	case "iam":
		return apiErr("ValidationError", "Invalid Marker.")
	case "organizations":
		return apiErr("InvalidInputException", "You provided a value that does not match the required pattern.")
	}
	return apiErr("InvalidParameterValue", "invalid token")
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
