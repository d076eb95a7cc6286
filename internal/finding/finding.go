package finding

import (
	"cmp"
	"fmt"
	"slices"
)

// Status is the verdict of one rule on one resource.
type Status string

// Statuses.
const (
	// Pass: the requirement holds.
	Pass Status = "pass"
	// Fail: the requirement does not hold.
	Fail Status = "fail"
	// Unknown: an input the rule needs was not observed (a gap, SSM data
	// denied, no kernel data). Never reported as pass, never dropped.
	Unknown Status = "unknown"
	// Waived: the requirement does not hold, and an unexpired waiver with
	// a reason and an owner accepts it.
	Waived Status = "waived"
	// Error: the check itself failed.
	Error Status = "error"
)

// Statuses lists every status in precedence order, weakest first.
var Statuses = []Status{Pass, Waived, Unknown, Fail, Error}

// rank is the precedence of a status: when several verdicts concern the
// same rule and resource, the highest wins. A failure outranks an unknown
// (one definite failure is enough), an error outranks everything (the
// verdict itself is in doubt), and a waiver only covers failures.
func (s Status) rank() int { return slices.Index(Statuses, s) }

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { return s.rank() >= 0 }

// Worst returns the status of higher precedence.
func Worst(a, b Status) Status {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Severity ranks how much a failure matters.
type Severity string

// Severities.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists every severity, lowest first.
var Severities = []Severity{Info, Low, Medium, High, Critical}

// ParseSeverity reads a severity name.
func ParseSeverity(s string) (Severity, error) {
	if slices.Contains(Severities, Severity(s)) {
		return Severity(s), nil
	}
	return "", fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", s)
}

// AtLeast reports whether s is at or above min.
func (s Severity) AtLeast(min Severity) bool {
	return slices.Index(Severities, s) >= slices.Index(Severities, min)
}

// Component is the network component that blocks a path (see netpath).
type Component struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Direction string `json:"direction,omitempty"`
	Rule      string `json:"rule,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Result is one rule's verdict on one resource.
type Result struct {
	RuleID       string     `json:"rule_id"`
	Title        string     `json:"title"`
	ResourceID   string     `json:"resource_id"`
	ResourceType string     `json:"resource_type"`
	Account      string     `json:"account"`
	Region       string     `json:"region"`
	Status       Status     `json:"status"`
	Severity     Severity   `json:"severity"`
	Message      string     `json:"message"`
	BlockedBy    *Component `json:"blocked_by,omitempty"`
	// BlockedPaths are the network questions that were blocked (a failure
	// of a network rule), in the rule's order: what remediation opens. The
	// planner reads them in-process; reports leave them out (a result
	// blocked on every CIDR of a vendor list would list them all).
	BlockedPaths []Path   `json:"-"`
	Waiver       *Applied `json:"waiver,omitempty"`
}

// Path is one network question: can From reach To on Proto/Port (see
// netpath.Query).
type Path struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Proto string `json:"proto"`
	Port  int    `json:"port"`
}

// Applied is the waiver that turned a result into Waived.
type Applied struct {
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
}

// Key identifies a result across runs: rule and resource.
func (r Result) Key() string {
	return r.RuleID + "|" + r.Account + "|" + r.Region + "|" + r.ResourceID
}

// Sort orders results by rule, account, region and resource.
func Sort(rs []Result) {
	slices.SortFunc(rs, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Region, b.Region), cmp.Compare(a.ResourceID, b.ResourceID))
	})
}
