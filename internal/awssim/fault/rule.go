package fault

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Any is the wildcard for Rule.Account and Rule.Region.
const Any = "*"

// Rule is one entry of faults.json.
type Rule struct {
	// Account is a 12-digit account id, or Any. Empty means Any.
	Account string `json:"account"`
	// Region is a region code such as eu-west-1, or Any. Empty means Any.
	// For IAM and Organizations, which are global, it is matched against
	// whatever region the simulator attributes the request to.
	Region string `json:"region"`
	// Action is "service:Operation" as in IAM policies, e.g.
	// "ec2:DescribeNetworkAcls".
	Action string `json:"action"`
	// Error is the AWS error code to answer with, e.g. "UnauthorizedOperation".
	// A rule has exactly one of Error, Delay and Body.
	Error string `json:"error,omitempty"`
	// Delay, when positive, holds the answer to a matching call that long
	// before it is sent (the call is otherwise answered as usual): a slow
	// or hung response. The wait ends early when the client gives up on
	// the request.
	Delay time.Duration `json:"delay,omitempty"`
	// Body, when set, spoils the body of the answer to a matching call:
	// BodyTruncated or BodyMalformed.
	Body string `json:"body,omitempty"`
	// First, when positive, fails only the first First calls the rule decides.
	First int `json:"first,omitempty"`
	// Rate, when positive, fails that fraction of the calls the rule decides,
	// drawn deterministically from Seed.
	Rate float64 `json:"rate,omitempty"`
	// Seed seeds the pseudo-random sequence of a Rate rule.
	Seed uint64 `json:"seed,omitempty"`

	// Pos is where the rule starts in its file; zero for rules built in code.
	Pos Position `json:"-"`
}

// The ways a Body rule spoils an answer. Both send the first half of the
// answer's bytes with the answer's status and headers.
const (
	// BodyTruncated declares the whole body's Content-Length and closes the
	// connection after half of it: the client reads an unexpected EOF.
	BodyTruncated = "truncated"
	// BodyMalformed declares the half as the whole body: the client reads
	// a complete response that is not a valid document.
	BodyMalformed = "malformed"
)

// Persistent reports whether the rule fails every call it decides (neither
// First nor Rate is set).
func (r Rule) Persistent() bool { return r.First <= 0 && r.Rate <= 0 }

// Matches reports whether the rule applies to a call of action
// ("service:Operation") in account and region.
func (r Rule) Matches(account, region, action string) bool {
	return wild(r.Account, account) && wild(r.Region, region) && r.Action == action
}

func wild(pattern, s string) bool { return pattern == "" || pattern == Any || pattern == s }

// Service is the part of Action before the colon ("ec2" for
// "ec2:DescribeVpcs").
func (r Rule) Service() string {
	svc, _, _ := strings.Cut(r.Action, ":")
	return svc
}

// Position locates a rule in its file.
type Position struct {
	File string
	// Index is the rule's 0-based index in the file's array.
	Index int
	// Line and Col are 1-based; Col counts characters, not bytes.
	Line, Col int
}

// String formats the position as "file:line:col", or just the file name
// when the line is unknown.
func (p Position) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// services are the service prefixes a rule's action may name: the services
// the simulator speaks.
var services = []string{"ec2", "iam", "organizations", "securityhub", "ssm", "sts"}

func knownService(s string) bool { return slices.Contains(services, s) }
