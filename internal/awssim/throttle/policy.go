package throttle

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Policy is how one service throttles.
type Policy struct {
	// Code is the error code a throttled call fails with.
	Code string
	// Global services keep one set of buckets per account, whatever the
	// region of the request.
	Global bool
	// Read is the bucket of each non-mutating action (Describe*, Get*,
	// List*, Search*); Write that of every other action.
	Read, Write Limit
	// UnpaginatedActions draw from an Unpaginated bucket of their own when
	// called with neither pagination nor a filter.
	UnpaginatedActions []string
	Unpaginated        Limit
	// Actions gives some actions a bucket shape of their own. It applies
	// whenever an action is not routed to its Unpaginated bucket.
	Actions map[string]Limit
}

// Uniform returns a copy of p in which every action's bucket has the shape
// l: the read and write buckets, and every action with a shape of its
// own. The unpaginated bucket, if any, is kept. It is how a service AWS
// publishes no numbers for (SSM) is given the numbers of an experiment.
func (p Policy) Uniform(l Limit) Policy {
	p = p.Clone()
	p.Read, p.Write = l, l
	for a := range p.Actions {
		p.Actions[a] = l
	}
	return p
}

// Clone returns a deep copy of p, safe to modify.
func (p Policy) Clone() Policy {
	p.UnpaginatedActions = slices.Clone(p.UnpaginatedActions)
	p.Actions = maps.Clone(p.Actions)
	return p
}

func (p Policy) validate() error {
	if p.Code == "" {
		return fmt.Errorf("no throttle error code")
	}
	if err := p.Read.validate(); err != nil {
		return fmt.Errorf("read limit: %w", err)
	}
	if err := p.Write.validate(); err != nil {
		return fmt.Errorf("write limit: %w", err)
	}
	if len(p.UnpaginatedActions) > 0 {
		if err := p.Unpaginated.validate(); err != nil {
			return fmt.Errorf("unpaginated limit: %w", err)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(p.Actions)) {
		if err := p.Actions[a].validate(); err != nil {
			return fmt.Errorf("limit of %s: %w", a, err)
		}
	}
	return nil
}

// unpaginatedSuffix names an action's unpaginated bucket.
const unpaginatedSuffix = " (unpaginated)"

// classify returns the name of the bucket a call draws from and its shape.
func (p Policy) classify(action string, paginated bool) (string, Limit) {
	if !paginated && slices.Contains(p.UnpaginatedActions, action) {
		return action + unpaginatedSuffix, p.Unpaginated
	}
	if l, ok := p.Actions[action]; ok {
		return action, l
	}
	if IsRead(action) {
		return action, p.Read
	}
	return action, p.Write
}

// IsRead reports whether an operation name is a non-mutating action as AWS
// classifies them for throttling: it starts with Describe, Get, List or
// Search followed by an upper-case letter.
func IsRead(action string) bool {
	for _, prefix := range []string{"Describe", "Get", "List", "Search"} {
		if rest, ok := strings.CutPrefix(action, prefix); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return true
		}
	}
	return false
}

// assumedDefault is the bucket of services for which AWS publishes no
// numbers. It is an assumption, not an AWS figure; see the package doc.
var assumedDefault = Limit{Capacity: 20, Refill: 10}

var defaults = map[string]Policy{
	"ec2": ec2Policy,
	"ssm": {Code: "ThrottlingException", Read: assumedDefault, Write: assumedDefault},
	"iam": {Code: "Throttling", Global: true, Read: assumedDefault, Write: assumedDefault},
	"sts": {Code: "Throttling", Read: assumedDefault, Write: assumedDefault},
	"organizations": {
		Code: "TooManyRequestsException", Global: true, Read: assumedDefault, Write: assumedDefault,
	},
	"securityhub": securityHubPolicy,
}

// securityHubPolicy is Security Hub's published throttling (the Security
// Hub API Reference's introduction, also in botocore's
// securityhub/2018-10-26/service-2.json): per account and region,
// BatchImportFindings and BatchUpdateFindings 10 requests per second with
// bursts of 30, GetFindings 3 and 6, BatchEnableStandards 1 and 1,
// UpdateStandardsControl 1 and 5, every other operation 10 and 30. The
// throttle answers TooManyRequestsException (HTTP 429), the code of the
// API Gateway in front of the service.
var securityHubPolicy = Policy{
	Code:  "TooManyRequestsException",
	Read:  Limit{Capacity: 30, Refill: 10},
	Write: Limit{Capacity: 30, Refill: 10},
	Actions: map[string]Limit{
		"BatchImportFindings":    {Capacity: 30, Refill: 10},
		"BatchUpdateFindings":    {Capacity: 30, Refill: 10},
		"GetFindings":            {Capacity: 6, Refill: 3},
		"BatchEnableStandards":   {Capacity: 1, Refill: 1},
		"UpdateStandardsControl": {Capacity: 5, Refill: 1},
	},
}

// DefaultPolicy returns a copy of the built-in policy of a service ("ec2",
// "ssm", "iam", "sts", "organizations", "securityhub"), to adjust and pass
// in Options.Policies.
func DefaultPolicy(service string) (Policy, bool) {
	p, ok := defaults[service]
	if !ok {
		return Policy{}, false
	}
	return p.Clone(), true
}
