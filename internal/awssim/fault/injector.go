package fault

import (
	"math/rand/v2"
	"sync"
)

// Injector decides which calls fail. It is safe for concurrent use; a nil
// *Injector injects nothing.
type Injector struct {
	rules []Rule

	mu    sync.Mutex
	state []ruleState
}

type ruleState struct {
	calls int // calls this rule decided
	fired int // of those, calls it failed
	rng   *rand.Rand
}

// New builds an Injector from rules in priority order (file order). It
// copies rules; later changes to the slice do not affect it.
//
// A Rate rule fails the n-th call it decides exactly when the n-th value of
// rand.New(rand.NewPCG(rule.Seed, 0)).Float64() is below rule.Rate: each
// rule has its own generator, so adding a rule never changes another's
// sequence.
func New(rules []Rule) *Injector {
	in := &Injector{rules: append([]Rule(nil), rules...), state: make([]ruleState, len(rules))}
	for i, r := range in.rules {
		if r.First <= 0 && r.Rate > 0 {
			in.state[i].rng = rand.New(rand.NewPCG(r.Seed, 0))
		}
	}
	return in
}

// Check decides a call of action ("service:Operation", e.g.
// "ec2:DescribeInstances") in account and region. It returns the AWS error
// code to fail the call with and true, or "" and false to let it through.
// Each call counts against the deciding rule's "first" budget or advances
// its "rate" sequence, so call Check once per request. Check speaks for
// "error" rules only: a "delay" or "body" rule that fires is counted but
// answered "" and false; Decide tells every kind.
func (in *Injector) Check(account, region, action string) (code string, hit bool) {
	r, hit := in.Decide(account, region, action)
	if !hit || r.Error == "" {
		return "", false
	}
	return r.Error, true
}

// Decide is Check for every kind of rule: it returns the rule that fires
// on the call (its Error, Delay or Body says what to do) and true, or the
// zero Rule and false to let the call through untouched. Like Check, it
// counts the call against the deciding rule.
func (in *Injector) Decide(account, region, action string) (Rule, bool) {
	if in == nil {
		return Rule{}, false
	}
	i := in.decider(account, region, action)
	if i < 0 {
		return Rule{}, false
	}
	r := &in.rules[i]
	in.mu.Lock()
	defer in.mu.Unlock()
	st := &in.state[i]
	st.calls++
	var hit bool
	switch {
	case r.First > 0:
		hit = st.calls <= r.First
	case r.Rate > 0:
		hit = st.rng.Float64() < r.Rate
	default:
		hit = true
	}
	if !hit {
		return Rule{}, false
	}
	st.fired++
	return *r, true
}

// CheckPersistent answers what Check would for a persistent rule, without
// counting the call: the code of the first matching rule if that rule is
// persistent, else "" and false. `pdr-audit import` uses it to turn the
// faults the simulator would always inject into gaps; transient rules do
// not affect import, and a transient rule listed first shadows later
// persistent ones exactly as it does in the simulator.
func (in *Injector) CheckPersistent(account, region, action string) (code string, hit bool) {
	r, hit := in.DecidePersistent(account, region, action)
	if !hit || r.Error == "" {
		return "", false
	}
	return r.Error, true
}

// DecidePersistent is CheckPersistent for "error" and "body" rules: the
// first matching rule if it is persistent and spoils the answer, without
// counting the call. A "delay" rule is never a failed read (the answer
// comes, late), so one that decides the call answers false.
func (in *Injector) DecidePersistent(account, region, action string) (Rule, bool) {
	if in == nil {
		return Rule{}, false
	}
	i := in.decider(account, region, action)
	if i < 0 || !in.rules[i].Persistent() || in.rules[i].Delay > 0 {
		return Rule{}, false
	}
	return in.rules[i], true
}

// decider is the index of the first rule matching the call, or -1. Rules
// are immutable after New, so no lock is needed.
func (in *Injector) decider(account, region, action string) int {
	for i, r := range in.rules {
		if r.Matches(account, region, action) {
			return i
		}
	}
	return -1
}

// Rules returns a copy of the rules in priority order.
func (in *Injector) Rules() []Rule {
	if in == nil {
		return nil
	}
	return append([]Rule(nil), in.rules...)
}

// Persistent returns the rules with neither "first" nor "rate", in
// priority order.
func (in *Injector) Persistent() []Rule {
	if in == nil {
		return nil
	}
	var out []Rule
	for _, r := range in.rules {
		if r.Persistent() {
			out = append(out, r)
		}
	}
	return out
}

// Fired returns, per rule in priority order, how many calls the rule has
// failed so far. Tests use it to prove that a fault really fired.
func (in *Injector) Fired() []int {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]int, len(in.state))
	for i, st := range in.state {
		out[i] = st.fired
	}
	return out
}
