package awssim_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// inProcess serves the demo estate to SDK clients without a socket.
func inProcess(t *testing.T, opts awssim.Options) (*awssim.Server, aws.Config) {
	t.Helper()
	est, err := awssim.LoadEstate(filepath.Join(simtest.EstatesDir(t), "demo"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awssim.NewServer(est, opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := simtest.Config(awssim.InProcessEndpoint, "us-east-1", 1)
	cfg.HTTPClient = awssim.InProcessClient(srv)
	return srv, cfg
}

func TestStatsCountCallsPagesItemsAndOutcomes(t *testing.T) {
	srv, cfg := inProcess(t, awssim.Options{Throttle: "aws", SSMBucket: throttle.Limit{Capacity: 3, Refill: 0.001}})
	ctx := context.Background()
	e := ec2.NewFromConfig(cfg)
	vpcOut, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	// Unpaginated: no MaxResults, no token.
	if _, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); err != nil {
		t.Fatal(err)
	}
	// The demo's us-east-1 has 13 SSM nodes: pages of 5 are 5, 5, 3, and
	// a fourth call finds the action's 3-token bucket empty.
	p := ssm.NewDescribeInstanceInformationPaginator(ssm.NewFromConfig(cfg), &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(5)})
	var items int
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		items += len(out.InstanceInformationList)
	}
	if _, err := ssm.NewFromConfig(cfg).DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(5)}); err == nil {
		t.Fatal("a fourth call passed a 3-token bucket")
	}
	if _, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(1)}); err == nil {
		t.Fatal("MaxResults 1 was accepted")
	}

	st := srv.Stats()
	instances := 0
	out, _ := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)})
	for _, r := range out.Reservations {
		instances += len(r.Instances)
	}
	vpcs := st.Actions["ec2:DescribeVpcs"]
	if vpcs.Calls != 2 || vpcs.Pages != 1 || vpcs.Errors != 1 || vpcs.Items != int64(len(vpcOut.Vpcs)) {
		t.Errorf("DescribeVpcs %+v; want 2 calls, 1 page of %d items, 1 error", vpcs, len(vpcOut.Vpcs))
	}
	di := st.Actions["ec2:DescribeInstances"]
	if di.Calls != 1 || di.Unpaginated != 1 || di.Pages != 1 || di.Items != int64(instances) {
		t.Errorf("DescribeInstances %+v; want 1 unpaginated call returning all %d instances", di, instances)
	}
	dii := st.Actions["ssm:DescribeInstanceInformation"]
	if dii.Calls != 4 || dii.Pages != 3 || dii.Throttled != 1 || dii.Items != int64(items) || dii.MaxPageItems != 5 || dii.Unpaginated != 0 {
		t.Errorf("DescribeInstanceInformation %+v; want 4 calls: 3 pages of at most 5 (%d items) and 1 throttled", dii, items)
	}
	if st.Calls != 7 || st.Throttled != 1 || st.Errors != 1 || st.Unpaginated != 1 || st.Pages != 5 {
		t.Errorf("totals %+v; want 7 calls, 1 throttled, 1 error, 1 unpaginated, 5 pages", st)
	}
	var buckets []string
	for _, b := range st.Buckets {
		buckets = append(buckets, b.Bucket)
	}
	for _, want := range []string{
		"111122223333/us-east-1/ec2/DescribeInstances (unpaginated)",
		"111122223333/us-east-1/ec2/DescribeVpcs",
		"111122223333/us-east-1/ssm/DescribeInstanceInformation",
	} {
		if !slices.Contains(buckets, want) {
			t.Errorf("buckets %v lack %s", buckets, want)
		}
	}
	if !slices.IsSorted(buckets) {
		t.Errorf("buckets are not sorted: %v", buckets)
	}
}

func TestLatencyIsBasePlusItemsPlusSeededJitter(t *testing.T) {
	delays := func(seed int64) []time.Duration {
		var mu sync.Mutex
		var got []time.Duration
		opts := awssim.Options{
			Latency: 100 * time.Millisecond, LatencyPerItem: time.Millisecond, LatencyJitter: 10 * time.Millisecond, Seed: seed,
			Sleep: func(_ *http.Request, d time.Duration) { mu.Lock(); got = append(got, d); mu.Unlock() },
		}
		_, cfg := inProcess(t, opts)
		p := ssm.NewDescribeInstanceInformationPaginator(ssm.NewFromConfig(cfg), &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(5)})
		for p.HasMorePages() {
			if _, err := p.NextPage(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		return got
	}
	a, b, c := delays(1), delays(1), delays(2)
	if len(a) != 3 {
		t.Fatalf("%d delays for 3 pages", len(a))
	}
	for i, items := range []int{5, 5, 3} {
		lo := 100*time.Millisecond + time.Duration(items)*time.Millisecond
		if a[i] < lo || a[i] > lo+10*time.Millisecond {
			t.Errorf("page %d of %d items waited %v; want %v plus at most 10ms", i+1, items, a[i], lo)
		}
	}
	if !slices.Equal(a, b) {
		t.Errorf("the same seed gave delays %v and %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 1 and 2 gave the same jitter %v", a)
	}
}

func TestStatsKeepTheMostCallsInFlightPerBucket(t *testing.T) {
	const n = 6
	var arrived sync.WaitGroup
	arrived.Add(n)
	release := make(chan struct{})
	srv, cfg := inProcess(t, awssim.Options{Sleep: func(*http.Request, time.Duration) {
		arrived.Done()
		<-release
	}})
	e := ec2.NewFromConfig(cfg)
	var done sync.WaitGroup
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			if i%2 == 0 {
				_, _ = e.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
			} else {
				_, _ = e.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
			}
		}()
	}
	arrived.Wait()
	close(release)
	done.Wait()
	st := srv.Stats()
	if st.MaxInFlight != n {
		t.Errorf("max in flight %d; want %d", st.MaxInFlight, n)
	}
	for _, b := range st.Buckets {
		if b.MaxInFlight != n/2 || b.Calls != n/2 {
			t.Errorf("bucket %s: %d calls, %d at most in flight; want %d and %d", b.Bucket, b.Calls, b.MaxInFlight, n/2, n/2)
		}
	}
}
