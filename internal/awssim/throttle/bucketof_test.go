package throttle

import "testing"

func TestBucketOfNamesTheBucketAllowSpends(t *testing.T) {
	tests := []struct {
		name                             string
		account, region, service, action string
		paginated                        bool
		want                             string
	}{
		{"a paginated EC2 listing uses the action's bucket", acctA, "eu-west-1", "ec2", "DescribeInstances", true, acctA + "/eu-west-1/ec2/DescribeInstances"},
		{"an unpaginated one uses its unpaginated bucket", acctA, "eu-west-1", "ec2", "DescribeSecurityGroups", false, acctA + "/eu-west-1/ec2/DescribeSecurityGroups (unpaginated)"},
		{"a global service's buckets have no region", acctB, "eu-west-1", "iam", "GetInstanceProfile", false, acctB + "/global/iam/GetInstanceProfile"},
		{"SSM keeps one bucket per action and region", acctA, "us-east-1", "ssm", "ListInventoryEntries", true, acctA + "/us-east-1/ssm/ListInventoryEntries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newLimiter(t, Options{Scale: 0.01})
			id, ok := l.BucketOf(tt.account, tt.region, tt.service, tt.action, tt.paginated)
			if !ok || id.String() != tt.want {
				t.Fatalf("BucketOf = %v, %v; want %s", id, ok, tt.want)
			}
			// Draining through Allow empties exactly the bucket BucketOf named.
			for {
				if ok, _ := l.Allow(tt.account, tt.region, tt.service, tt.action, tt.paginated); !ok {
					break
				}
			}
			l.mu.Lock()
			b := l.buckets[id]
			l.mu.Unlock()
			if b == nil || b.Tokens() >= 1 {
				t.Errorf("bucket %s was not the one Allow drained", id)
			}
		})
	}
	if _, ok := (*Limiter)(nil).BucketOf(acctA, "eu-west-1", "ec2", "DescribeVpcs", true); ok {
		t.Error("a nil limiter named a bucket")
	}
	l, _ := newLimiter(t, Options{})
	if _, ok := l.BucketOf(acctA, "eu-west-1", "s3", "ListBuckets", true); ok {
		t.Error("a service without a policy has a bucket")
	}
}

func TestUniformGivesEveryActionOneShape(t *testing.T) {
	ec2, _ := DefaultPolicy("ec2")
	u := ec2.Uniform(Limit{7, 3})
	if u.Read != (Limit{7, 3}) || u.Write != (Limit{7, 3}) || u.Actions["CreateTags"] != (Limit{7, 3}) {
		t.Errorf("Uniform left read %v, write %v, CreateTags %v", u.Read, u.Write, u.Actions["CreateTags"])
	}
	if u.Unpaginated != ec2.Unpaginated {
		t.Errorf("Uniform changed the unpaginated bucket to %v", u.Unpaginated)
	}
	if ec2.Actions["CreateTags"] != (Limit{100, 10}) {
		t.Error("Uniform changed the policy it was called on")
	}
	ssm, _ := DefaultPolicy("ssm")
	l, _ := newLimiter(t, Options{Policies: map[string]Policy{"ssm": ssm.Uniform(Limit{50, 25})}})
	if _, lim, _ := l.Classify("ssm", "ListInventoryEntries", true); lim != (Limit{50, 25}) {
		t.Errorf("ListInventoryEntries bucket %v; want 50 tokens, 25/s", lim)
	}
}
