package fault

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type call struct{ account, region, action string }

// answers runs calls through in and returns the code of each ("" for a
// call let through).
func answers(in *Injector, calls ...call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		code, hit := in.Check(c.account, c.region, c.action)
		if hit != (code != "") {
			panic("Check returned a code without a hit or a hit without a code")
		}
		out[i] = code
	}
	return out
}

func repeat(c call, n int) []call {
	out := make([]call, n)
	for i := range out {
		out[i] = c
	}
	return out
}

var (
	acctA = "111122223333"
	acctB = "444455556666"
	descI = call{acctA, "eu-west-1", "ec2:DescribeInstances"}
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		calls []call
		want  []string
	}{
		{
			name:  "a persistent rule fails every matching call",
			rules: []Rule{{Account: "*", Region: "*", Action: "ec2:DescribeInstances", Error: "UnauthorizedOperation"}},
			calls: repeat(descI, 3),
			want:  []string{"UnauthorizedOperation", "UnauthorizedOperation", "UnauthorizedOperation"},
		},
		{
			name:  "a first rule fails exactly the first N calls, then lets calls through",
			rules: []Rule{{Action: "ec2:DescribeInstances", Error: "RequestLimitExceeded", First: 3}},
			calls: repeat(descI, 5),
			want:  []string{"RequestLimitExceeded", "RequestLimitExceeded", "RequestLimitExceeded", "", ""},
		},
		{
			name:  "a first budget is counted per rule, across the accounts and regions it matches",
			rules: []Rule{{Account: "*", Region: "*", Action: "ec2:DescribeInstances", Error: "RequestLimitExceeded", First: 2}},
			calls: []call{{acctA, "eu-west-1", "ec2:DescribeInstances"}, {acctB, "us-east-1", "ec2:DescribeInstances"}, {acctA, "us-east-1", "ec2:DescribeInstances"}},
			want:  []string{"RequestLimitExceeded", "RequestLimitExceeded", ""},
		},
		{
			name:  "calls of other actions, accounts or regions are not matched",
			rules: []Rule{{Account: acctA, Region: "us-west-2", Action: "ec2:DescribeNetworkAcls", Error: "UnauthorizedOperation"}},
			calls: []call{
				{acctA, "us-west-2", "ec2:DescribeNetworkAcls"},
				{acctB, "us-west-2", "ec2:DescribeNetworkAcls"},
				{acctA, "us-east-1", "ec2:DescribeNetworkAcls"},
				{acctA, "us-west-2", "ec2:DescribeRouteTables"},
				{acctA, "us-west-2", "ec2:describenetworkacls"},
			},
			want: []string{"UnauthorizedOperation", "", "", "", ""},
		},
		{
			name: "the first matching rule decides, even once its first budget is spent",
			rules: []Rule{
				{Action: "ec2:DescribeInstances", Error: "RequestLimitExceeded", First: 1},
				{Action: "ec2:DescribeInstances", Error: "UnauthorizedOperation"},
			},
			calls: repeat(descI, 3),
			want:  []string{"RequestLimitExceeded", "", ""},
		},
		{
			name: "a rule that does not match leaves the call to later rules",
			rules: []Rule{
				{Account: acctB, Action: "ec2:DescribeInstances", Error: "AuthFailure"},
				{Account: "*", Action: "ec2:DescribeInstances", Error: "UnauthorizedOperation"},
			},
			calls: []call{{acctB, "eu-west-1", "ec2:DescribeInstances"}, descI},
			want:  []string{"AuthFailure", "UnauthorizedOperation"},
		},
		{
			name:  "a rate of one fails every call",
			rules: []Rule{{Action: "ssm:DescribeInstanceInformation", Error: "InternalServerError", Rate: 1, Seed: 99}},
			calls: repeat(call{acctA, "eu-west-1", "ssm:DescribeInstanceInformation"}, 4),
			want:  []string{"InternalServerError", "InternalServerError", "InternalServerError", "InternalServerError"},
		},
		{
			name:  "no rules, no faults",
			calls: repeat(descI, 2),
			want:  []string{"", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := answers(New(tt.rules), tt.calls...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
		})
	}
}

// rateSequence is the documented contract: the n-th call a rate rule
// decides fails when the n-th Float64 of PCG(seed, 0) is below the rate.
func rateSequence(code string, rate float64, seed uint64, n int) []string {
	rng := rand.New(rand.NewPCG(seed, 0))
	out := make([]string, n)
	for i := range out {
		if rng.Float64() < rate {
			out[i] = code
		}
	}
	return out
}

func TestRateRules(t *testing.T) {
	ssm := call{acctA, "eu-west-1", "ssm:DescribeInstanceInformation"}
	rule := Rule{Account: acctA, Action: ssm.action, Error: "InternalError", Rate: 0.2, Seed: 7}

	t.Run("the sequence follows the documented generator", func(t *testing.T) {
		got := answers(New([]Rule{rule}), repeat(ssm, 200)...)
		if diff := cmp.Diff(rateSequence("InternalError", 0.2, 7, 200), got); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
	})
	t.Run("two injectors from the same rules agree call for call", func(t *testing.T) {
		a := answers(New([]Rule{rule}), repeat(ssm, 500)...)
		b := answers(New([]Rule{rule}), repeat(ssm, 500)...)
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("runs differ (-first +second):\n%s", diff)
		}
	})
	t.Run("another seed gives another sequence", func(t *testing.T) {
		other := rule
		other.Seed = 8
		a := answers(New([]Rule{rule}), repeat(ssm, 100)...)
		b := answers(New([]Rule{other}), repeat(ssm, 100)...)
		if cmp.Equal(a, b) {
			t.Error("seeds 7 and 8 gave the same 100 answers")
		}
	})
	t.Run("the failed fraction approaches the rate", func(t *testing.T) {
		got := answers(New([]Rule{rule}), repeat(ssm, 10000)...)
		fails := 0
		for _, c := range got {
			if c != "" {
				fails++
			}
		}
		if fails < 1800 || fails > 2200 {
			t.Errorf("%d of 10000 calls failed; want about 2000", fails)
		}
	})
	t.Run("calls decided by other rules do not advance a rule's sequence", func(t *testing.T) {
		in := New([]Rule{
			{Action: "ec2:DescribeVpcs", Error: "InternalError", Rate: 0.5, Seed: 1},
			rule,
		})
		var got []string
		for range 100 {
			in.Check(acctA, "eu-west-1", "ec2:DescribeVpcs")
			got = append(got, answers(in, ssm)...)
		}
		if diff := cmp.Diff(rateSequence("InternalError", 0.2, 7, 100), got); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
	})
}

func TestCheckIsSafeForConcurrentUse(t *testing.T) {
	in := New([]Rule{{Action: "ec2:DescribeInstances", Error: "RequestLimitExceeded", First: 50}})
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		hits int
	)
	for range 20 {
		wg.Go(func() {
			for range 10 {
				if _, hit := in.Check(acctA, "eu-west-1", "ec2:DescribeInstances"); hit {
					mu.Lock()
					hits++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if hits != 50 {
		t.Errorf("%d of 200 concurrent calls failed; want exactly the first 50", hits)
	}
	if got := in.Fired(); !cmp.Equal(got, []int{50}) {
		t.Errorf("Fired() = %v; want [50]", got)
	}
}

func TestPersistent(t *testing.T) {
	rules := []Rule{
		{Account: "*", Region: "*", Action: "ec2:DescribeInstances", Error: "RequestLimitExceeded", First: 3},
		{Account: "*", Region: "us-west-2", Action: "ec2:DescribeNetworkAcls", Error: "UnauthorizedOperation"},
		{Account: "*", Region: "*", Action: "ssm:DescribeInstanceInformation", Error: "InternalError", Rate: 0.2},
		{Account: "*", Region: "*", Action: "ec2:DescribeInstances", Error: "UnauthorizedOperation"},
		{Account: acctA, Region: "*", Action: "iam:GetInstanceProfile", Error: "AccessDenied"},
	}

	t.Run("only rules with neither first nor rate are persistent", func(t *testing.T) {
		want := []Rule{rules[1], rules[3], rules[4]}
		if diff := cmp.Diff(want, New(rules).Persistent()); diff != "" {
			t.Errorf("Persistent() (-want +got):\n%s", diff)
		}
	})

	tests := []struct {
		name string
		c    call
		want string
	}{
		{"a call decided by a persistent rule gets its code", call{acctB, "us-west-2", "ec2:DescribeNetworkAcls"}, "UnauthorizedOperation"},
		{"a persistent rule for one account spares the others", call{acctB, "us-east-1", "iam:GetInstanceProfile"}, ""},
		{"a call decided by a rate rule is not a persistent fault", call{acctA, "eu-west-1", "ssm:DescribeInstanceInformation"}, ""},
		{"a transient rule listed first shadows a later persistent rule", call{acctA, "eu-west-1", "ec2:DescribeInstances"}, ""},
		{"a call no rule matches is not a fault", call{acctA, "eu-west-1", "ec2:DescribeVpcs"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hit := New(rules).CheckPersistent(tt.c.account, tt.c.region, tt.c.action)
			if code != tt.want || hit != (tt.want != "") {
				t.Errorf("CheckPersistent = %q, %v; want %q", code, hit, tt.want)
			}
		})
	}

	t.Run("asking about persistent faults does not spend a first budget", func(t *testing.T) {
		in := New(rules)
		for range 10 {
			in.CheckPersistent(acctA, "eu-west-1", "ec2:DescribeInstances")
		}
		if code, _ := in.Check(acctA, "eu-west-1", "ec2:DescribeInstances"); code != "RequestLimitExceeded" {
			t.Errorf("first Check after CheckPersistent = %q; want RequestLimitExceeded", code)
		}
	})
}

func TestNilInjectorInjectsNothing(t *testing.T) {
	var in *Injector
	if code, hit := in.Check(acctA, "eu-west-1", "ec2:DescribeInstances"); hit || code != "" {
		t.Errorf("Check = %q, %v; want nothing", code, hit)
	}
	if code, hit := in.CheckPersistent(acctA, "eu-west-1", "ec2:DescribeInstances"); hit || code != "" {
		t.Errorf("CheckPersistent = %q, %v; want nothing", code, hit)
	}
	if in.Persistent() != nil || in.Rules() != nil || in.Fired() != nil {
		t.Error("a nil injector reported rules")
	}
}

func TestNewCopiesItsRules(t *testing.T) {
	rules := []Rule{{Action: "ec2:DescribeVpcs", Error: "UnauthorizedOperation"}}
	in := New(rules)
	rules[0].Action = "ec2:DescribeSubnets"
	if _, hit := in.Check(acctA, "eu-west-1", "ec2:DescribeVpcs"); !hit {
		t.Error("changing the caller's slice changed the injector")
	}
}

func TestFiredCountsFailuresPerRule(t *testing.T) {
	in := New([]Rule{
		{Action: "ec2:DescribeInstances", Error: "RequestLimitExceeded", First: 2},
		{Action: "ec2:DescribeVpcs", Error: "UnauthorizedOperation"},
		{Action: "ec2:DescribeSubnets", Error: "UnauthorizedOperation"},
	})
	answers(in, repeat(descI, 5)...)
	answers(in, repeat(call{acctA, "eu-west-1", "ec2:DescribeVpcs"}, 3)...)
	if got := in.Fired(); !cmp.Equal(got, []int{2, 3, 0}) {
		t.Errorf("Fired() = %v; want [2 3 0]", got)
	}
}
