package throttle

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/google/go-cmp/cmp"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

func newLimiter(t *testing.T, opts Options) (*Limiter, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	opts.Clock = clock
	l, err := NewLimiter(opts)
	if err != nil {
		t.Fatal(err)
	}
	return l, clock
}

func TestClassify(t *testing.T) {
	l, _ := newLimiter(t, Options{})
	tests := []struct {
		name      string
		service   string
		action    string
		paginated bool
		bucket    string
		limit     Limit
	}{
		{"an EC2 describe call is non-mutating", "ec2", "DescribeVpcs", false, "DescribeVpcs", Limit{100, 20}},
		{"an EC2 get call is non-mutating", "ec2", "GetManagedPrefixListEntries", true, "GetManagedPrefixListEntries", Limit{100, 20}},
		{"an unpaginated, unfiltered DescribeInstances draws from the small bucket", "ec2", "DescribeInstances", false, "DescribeInstances (unpaginated)", Limit{50, 10}},
		{"a paginated or filtered DescribeInstances draws from the ordinary bucket", "ec2", "DescribeInstances", true, "DescribeInstances", Limit{100, 20}},
		{"an unpaginated DescribeSecurityGroups draws from the small bucket", "ec2", "DescribeSecurityGroups", false, "DescribeSecurityGroups (unpaginated)", Limit{50, 10}},
		{"an unpaginated call of an action not on the list stays ordinary", "ec2", "DescribeSubnets", false, "DescribeSubnets", Limit{100, 20}},
		{"an EC2 write is mutating", "ec2", "CreateNetworkAclEntry", false, "CreateNetworkAclEntry", Limit{50, 5}},
		{"ingress authorisation is resource-intensive", "ec2", "AuthorizeSecurityGroupIngress", false, "AuthorizeSecurityGroupIngress", Limit{50, 5}},
		{"ingress revocation is resource-intensive", "ec2", "RevokeSecurityGroupIngress", false, "RevokeSecurityGroupIngress", Limit{50, 5}},
		{"egress authorisation is a plain mutating action with a bucket of its own", "ec2", "AuthorizeSecurityGroupEgress", false, "AuthorizeSecurityGroupEgress", Limit{50, 5}},
		{"an uncategorized write has its published shape", "ec2", "CreateTags", false, "CreateTags", Limit{100, 10}},
		{"RunInstances has its published request bucket", "ec2", "RunInstances", false, "RunInstances", Limit{5, 2}},
		{"an uncategorized read has its published shape", "ec2", "DescribeStaleSecurityGroups", true, "DescribeStaleSecurityGroups", Limit{20, 5}},
		{"SSM reads use the assumed default", "ssm", "DescribeInstanceInformation", false, "DescribeInstanceInformation", Limit{20, 10}},
		{"SSM writes use the assumed default", "ssm", "SendCommand", false, "SendCommand", Limit{20, 10}},
		{"pagination does not matter outside EC2's list", "iam", "ListAttachedRolePolicies", false, "ListAttachedRolePolicies", Limit{20, 10}},
		{"STS calls use the assumed default", "sts", "AssumeRole", false, "AssumeRole", Limit{20, 10}},
		{"Organizations calls use the assumed default", "organizations", "ListAccounts", true, "ListAccounts", Limit{20, 10}},
		{"Security Hub imports have their published bucket", "securityhub", "BatchImportFindings", false, "BatchImportFindings", Limit{30, 10}},
		{"Security Hub's GetFindings has its smaller one", "securityhub", "GetFindings", false, "GetFindings", Limit{6, 3}},
		{"other Security Hub operations have the published default", "securityhub", "DescribeHub", false, "DescribeHub", Limit{30, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket, limit, ok := l.Classify(tt.service, tt.action, tt.paginated)
			if !ok || bucket != tt.bucket || limit != tt.limit {
				t.Errorf("Classify = %q, %v, %v; want %q, %v, true", bucket, limit, ok, tt.bucket, tt.limit)
			}
		})
	}
}

func TestIsRead(t *testing.T) {
	for action, want := range map[string]bool{
		"DescribeInstances": true, "GetCallerIdentity": true, "ListAccounts": true, "SearchTransitGatewayRoutes": true,
		"AssumeRole": false, "CreateTags": false, "Describe": false, "Getaway": false, "Listen": false, "": false,
	} {
		if got := IsRead(action); got != want {
			t.Errorf("IsRead(%q) = %v; want %v", action, got, want)
		}
	}
}

func TestAllowThrottlesEC2LikeAWS(t *testing.T) {
	t.Run("a burst drains exactly the bucket, then refill admits 20 calls a second", func(t *testing.T) {
		l, clock := newLimiter(t, Options{})
		allow := func() bool { ok, _ := l.Allow(acctA, "eu-west-1", "ec2", "DescribeVpcs", false); return ok }
		if got := burst(allow); got != 100 {
			t.Fatalf("a burst admitted %d calls; want 100", got)
		}
		got := admitted(clock, 10*time.Millisecond, time.Second, allow)
		if diff := cmp.Diff(every(50*time.Millisecond, 20), got); diff != "" {
			t.Errorf("admission times (-want +got):\n%s", diff)
		}
	})
	t.Run("an unpaginated DescribeInstances gets 50 calls, then 10 a second", func(t *testing.T) {
		l, clock := newLimiter(t, Options{})
		allow := func() bool { ok, _ := l.Allow(acctA, "eu-west-1", "ec2", "DescribeInstances", false); return ok }
		if got := burst(allow); got != 50 {
			t.Fatalf("a burst admitted %d calls; want 50", got)
		}
		got := admitted(clock, 25*time.Millisecond, time.Second, allow)
		if diff := cmp.Diff(every(100*time.Millisecond, 10), got); diff != "" {
			t.Errorf("admission times (-want +got):\n%s", diff)
		}
	})
	t.Run("a throttled EC2 call fails with RequestLimitExceeded", func(t *testing.T) {
		l, _ := newLimiter(t, Options{})
		burst(func() bool { ok, _ := l.Allow(acctA, "eu-west-1", "ec2", "CreateTags", false); return ok })
		ok, code := l.Allow(acctA, "eu-west-1", "ec2", "CreateTags", false)
		if ok || code != "RequestLimitExceeded" {
			t.Errorf("Allow = %v, %q; want false, RequestLimitExceeded", ok, code)
		}
	})
}

func TestBucketsAreIndependent(t *testing.T) {
	type call struct {
		account, region, service, action string
		paginated                        bool
	}
	drained := call{acctA, "eu-west-1", "ec2", "DescribeInstances", false}
	tests := []struct {
		name string
		next call
		want bool
	}{
		{"the drained bucket refuses", drained, false},
		{"another account has its own buckets", call{acctB, "eu-west-1", "ec2", "DescribeInstances", false}, true},
		{"another region has its own buckets", call{acctA, "us-east-1", "ec2", "DescribeInstances", false}, true},
		{"another action has its own bucket", call{acctA, "eu-west-1", "ec2", "DescribeSecurityGroups", false}, true},
		{"the paginated calls of the same action have their own bucket", call{acctA, "eu-west-1", "ec2", "DescribeInstances", true}, true},
		{"another service has its own buckets", call{acctA, "eu-west-1", "ssm", "DescribeInstances", false}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newLimiter(t, Options{})
			burst(func() bool {
				ok, _ := l.Allow(drained.account, drained.region, drained.service, drained.action, drained.paginated)
				return ok
			})
			ok, _ := l.Allow(tt.next.account, tt.next.region, tt.next.service, tt.next.action, tt.next.paginated)
			if ok != tt.want {
				t.Errorf("Allow = %v; want %v", ok, tt.want)
			}
		})
	}
}

func TestOtherServices(t *testing.T) {
	tests := []struct {
		name       string
		service    string
		action     string
		code       string
		sameBucket bool // whether another region shares the drained bucket
	}{
		{"SSM throttles with ThrottlingException, per region", "ssm", "DescribeInstanceInformation", "ThrottlingException", false},
		{"IAM throttles with Throttling, globally", "iam", "GetInstanceProfile", "Throttling", true},
		{"STS throttles with Throttling, per region", "sts", "AssumeRole", "Throttling", false},
		{"Organizations throttles with TooManyRequestsException, globally", "organizations", "ListAccounts", "TooManyRequestsException", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newLimiter(t, Options{})
			n := burst(func() bool { ok, _ := l.Allow(acctA, "eu-west-1", tt.service, tt.action, false); return ok })
			if n != 20 {
				t.Errorf("a burst admitted %d calls; want the assumed default of 20", n)
			}
			if ok, code := l.Allow(acctA, "eu-west-1", tt.service, tt.action, false); ok || code != tt.code {
				t.Errorf("Allow = %v, %q; want false, %q", ok, code, tt.code)
			}
			if ok, _ := l.Allow(acctA, "us-east-1", tt.service, tt.action, false); ok == tt.sameBucket {
				t.Errorf("in another region Allow = %v; want %v", ok, !tt.sameBucket)
			}
			if got := l.Code(tt.service); got != tt.code {
				t.Errorf("Code = %q; want %q", got, tt.code)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Run("scale shrinks bucket sizes and refill rates", func(t *testing.T) {
		l, clock := newLimiter(t, Options{Scale: 0.1})
		allow := func() bool { ok, _ := l.Allow(acctA, "eu-west-1", "ec2", "DescribeVpcs", false); return ok }
		if got := burst(allow); got != 10 {
			t.Fatalf("a burst admitted %d calls; want 10", got)
		}
		got := admitted(clock, 100*time.Millisecond, 2*time.Second, allow)
		if diff := cmp.Diff(every(500*time.Millisecond, 4), got); diff != "" {
			t.Errorf("admission times (-want +got):\n%s", diff)
		}
	})
	t.Run("scale grows buckets for load tests", func(t *testing.T) {
		l, _ := newLimiter(t, Options{Scale: 3})
		if got := burst(func() bool { ok, _ := l.Allow(acctA, "eu-west-1", "ec2", "DescribeVpcs", false); return ok }); got != 300 {
			t.Errorf("a burst admitted %d calls; want 300", got)
		}
	})
	t.Run("a tiny scale still leaves one token per bucket", func(t *testing.T) {
		l, _ := newLimiter(t, Options{Scale: 0.001})
		if _, lim, _ := l.Classify("ec2", "DescribeVpcs", false); lim != (Limit{1, 0.02}) {
			t.Errorf("scaled limit %v; want 1 token, 0.02/s", lim)
		}
	})
	t.Run("a policy replaces a service's built-in one", func(t *testing.T) {
		p, _ := DefaultPolicy("ssm")
		p.Read = Limit{3, 1}
		p.Actions = map[string]Limit{"SendCommand": {1, 1}}
		l, _ := newLimiter(t, Options{Policies: map[string]Policy{"ssm": p}})
		if got := burst(func() bool { ok, _ := l.Allow(acctA, "eu-west-1", "ssm", "GetCommandInvocation", false); return ok }); got != 3 {
			t.Errorf("a read burst admitted %d calls; want 3", got)
		}
		if got := burst(func() bool { ok, _ := l.Allow(acctA, "eu-west-1", "ssm", "SendCommand", false); return ok }); got != 1 {
			t.Errorf("a SendCommand burst admitted %d calls; want 1", got)
		}
		if _, lim, _ := l.Classify("ec2", "DescribeVpcs", true); lim != (Limit{100, 20}) {
			t.Errorf("EC2 changed to %v; want it untouched", lim)
		}
	})
	t.Run("a policy may add a service", func(t *testing.T) {
		l, _ := newLimiter(t, Options{Policies: map[string]Policy{"s3": {Code: "SlowDown", Read: Limit{1, 1}, Write: Limit{1, 1}}}})
		l.Allow(acctA, "eu-west-1", "s3", "ListBuckets", false)
		if ok, code := l.Allow(acctA, "eu-west-1", "s3", "ListBuckets", false); ok || code != "SlowDown" {
			t.Errorf("Allow = %v, %q; want false, SlowDown", ok, code)
		}
	})
	t.Run("changing a default policy copy does not change the built-in one", func(t *testing.T) {
		p, _ := DefaultPolicy("ec2")
		p.Actions["CreateTags"] = Limit{1, 1}
		p.UnpaginatedActions[0] = "DescribeVpcs"
		l, _ := newLimiter(t, Options{})
		if _, lim, _ := l.Classify("ec2", "CreateTags", false); lim != (Limit{100, 10}) {
			t.Errorf("CreateTags became %v", lim)
		}
		if b, _, _ := l.Classify("ec2", "DescribeInstances", false); b != "DescribeInstances (unpaginated)" {
			t.Errorf("DescribeInstances went to bucket %q", b)
		}
	})

	bad := []struct {
		name string
		opts Options
		want string
	}{
		{"a negative scale", Options{Scale: -1}, "throttle scale -1"},
		{"a scale so large the buckets overflow", Options{Scale: 1e9}, "throttle scale 1e+09"},
		{"a policy without a code", Options{Policies: map[string]Policy{"ssm": {Read: Limit{1, 1}, Write: Limit{1, 1}}}}, "throttle policy for ssm: no throttle error code"},
		{"a policy with an empty bucket", Options{Policies: map[string]Policy{"iam": {Code: "Throttling", Read: Limit{0, 1}, Write: Limit{1, 1}}}}, "throttle policy for iam: read limit: capacity 0"},
		{"a policy whose action never refills", Options{Policies: map[string]Policy{"sts": {Code: "Throttling", Read: Limit{1, 1}, Write: Limit{1, 1}, Actions: map[string]Limit{"AssumeRole": {5, 0}}}}}, "limit of AssumeRole: refill 0"},
		{"unpaginated actions without an unpaginated bucket", Options{Policies: map[string]Policy{"ec2": {Code: "RequestLimitExceeded", Read: Limit{1, 1}, Write: Limit{1, 1}, UnpaginatedActions: []string{"DescribeInstances"}}}}, "unpaginated limit"},
	}
	for _, tt := range bad {
		t.Run("NewLimiter refuses "+tt.name, func(t *testing.T) {
			_, err := NewLimiter(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v; want one containing %q", err, tt.want)
			}
		})
	}
}

func TestAllowWithoutAPolicyOrLimiterAdmitsEverything(t *testing.T) {
	l, _ := newLimiter(t, Options{})
	for range 1000 {
		if ok, code := l.Allow(acctA, "eu-west-1", "s3", "ListBuckets", false); !ok || code != "" {
			t.Fatalf("a service without a policy was throttled: %q", code)
		}
	}
	var none *Limiter
	if ok, code := none.Allow(acctA, "eu-west-1", "ec2", "DescribeVpcs", false); !ok || code != "" {
		t.Errorf("a nil limiter answered %v, %q", ok, code)
	}
	if _, _, ok := none.Classify("ec2", "DescribeVpcs", false); ok {
		t.Error("a nil limiter classified a call")
	}
}

func TestAllowIsSafeForConcurrentUse(t *testing.T) {
	l, _ := newLimiter(t, Options{})
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		n  = map[string]int{}
	)
	for i := range 40 {
		region := []string{"eu-west-1", "us-east-1"}[i%2]
		wg.Go(func() {
			for range 20 {
				if ok, _ := l.Allow(acctA, region, "ec2", "DescribeInstances", false); ok {
					mu.Lock()
					n[region]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if want := map[string]int{"eu-west-1": 50, "us-east-1": 50}; !cmp.Equal(n, want) {
		t.Errorf("admitted per region %v; want %v", n, want)
	}
}

// The transcribed tables must name real EC2 operations, or a typo would
// silently leave an action on the default bucket.
func TestEC2PolicyNamesRealOperations(t *testing.T) {
	client := reflect.TypeOf(&ec2.Client{})
	p, _ := DefaultPolicy("ec2")
	names := append([]string{}, p.UnpaginatedActions...)
	for a := range p.Actions {
		names = append(names, a)
	}
	// Listed by the page, but not an operation of the SDK's EC2 model.
	docOnly := map[string]bool{"DeleteCoipPoolPermission": true}
	for _, a := range names {
		if _, ok := client.MethodByName(a); !ok && !docOnly[a] {
			t.Errorf("%s is not an operation of the EC2 API", a)
		}
	}
	for _, a := range p.UnpaginatedActions {
		if !IsRead(a) {
			t.Errorf("unpaginated action %s is not a read", a)
		}
	}
}

func TestDefaultPolicies(t *testing.T) {
	for _, svc := range []string{"ec2", "ssm", "iam", "sts", "organizations", "securityhub"} {
		p, ok := DefaultPolicy(svc)
		if !ok {
			t.Errorf("no default policy for %s", svc)
			continue
		}
		if err := p.validate(); err != nil {
			t.Errorf("default policy for %s: %v", svc, err)
		}
	}
	if _, ok := DefaultPolicy("s3"); ok {
		t.Error("a default policy for s3 exists")
	}
}

func TestSecurityHubImportsBurstThirtyThenTenPerSecond(t *testing.T) {
	l, clock := newLimiter(t, Options{})
	admitted := 0
	for {
		ok, code := l.Allow(acctA, "eu-west-1", "securityhub", "BatchImportFindings", false)
		if !ok {
			if code != "TooManyRequestsException" {
				t.Errorf("throttle code %q; want TooManyRequestsException", code)
			}
			break
		}
		admitted++
	}
	if admitted != 30 {
		t.Errorf("a full bucket admitted %d imports; want the published burst of 30", admitted)
	}
	if ok, _ := l.Allow(acctA, "us-east-1", "securityhub", "BatchImportFindings", false); !ok {
		t.Error("another region's bucket was drained too; Security Hub throttles per region")
	}
	clock.Advance(time.Second)
	admitted = 0
	for {
		if ok, _ := l.Allow(acctA, "eu-west-1", "securityhub", "BatchImportFindings", false); !ok {
			break
		}
		admitted++
	}
	if admitted != 10 {
		t.Errorf("one second refilled %d imports; want the published rate of 10", admitted)
	}
}
