package awssim_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/fault"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

// The "delay" and "body" faults, through the real SDK on loopback.
func TestDelayAndBodyFaultsReachTheSDKAsSlowAndBrokenAnswers(t *testing.T) {
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	writeFaults(t, dir, `[
	  {"region": "eu-west-1", "action": "ec2:DescribeVpcs", "delay": "400ms"},
	  {"region": "eu-west-1", "action": "ec2:DescribeSubnets", "body": "truncated"},
	  {"region": "eu-west-1", "action": "ec2:DescribeRouteTables", "body": "malformed"}
	]`)
	var log syncBuffer
	run := simtest.Start(t, dir, awssim.Options{CallsLog: &log})
	ctx := context.Background()
	c := ec2.NewFromConfig(simtest.Config(run.URL, "eu-west-1", 1))

	t.Run("a delay holds the answer, which then comes whole", func(t *testing.T) {
		start := time.Now()
		out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if err != nil || len(out.Vpcs) == 0 {
			t.Fatalf("DescribeVpcs = %d VPCs, %v; want the VPCs, late", len(out.Vpcs), err)
		}
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Errorf("answered after %s; want at least the 400ms delay", d)
		}
	})
	t.Run("a client that gives up first sees a timeout", func(t *testing.T) {
		cfg := simtest.Config(run.URL, "eu-west-1", 1)
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTimeout(100 * time.Millisecond)
		start := time.Now()
		_, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("err = %v; want a timeout", err)
		}
		if d := time.Since(start); d > 350*time.Millisecond {
			t.Errorf("gave up after %s; the client's 100ms should decide", d)
		}
	})
	t.Run("a truncated body is an unexpected end of the answer", func(t *testing.T) {
		_, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
		var ae smithy.APIError
		if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "EOF") {
			t.Fatalf("err = %v; want an unexpected EOF, not an API error", err)
		}
	})
	t.Run("a malformed body does not decode", func(t *testing.T) {
		_, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})
		var de *smithy.DeserializationError
		if !errors.As(err, &de) {
			t.Fatalf("err = %v; want a deserialization error", err)
		}
	})
	t.Run("other regions are answered as usual", func(t *testing.T) {
		other := ec2.NewFromConfig(simtest.Config(run.URL, "us-east-1", 1))
		if _, err := other.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}); err != nil {
			t.Errorf("us-east-1 DescribeSubnets: %v", err)
		}
	})
}

// Import's in-process server fails reads of persistent body faults, as
// collection does, and does not wait for delays.
func TestPersistentFaultsOnlyKeepsBodyFaultsAndDropsDelays(t *testing.T) {
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	writeFaults(t, dir, `[
	  {"action": "ec2:DescribeVpcs", "delay": "1h"},
	  {"action": "ec2:DescribeSubnets", "body": "malformed"}
	]`)
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awssim.NewServer(est, awssim.Options{PersistentFaultsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := simtest.Config(awssim.InProcessEndpoint, "eu-west-1", 1)
	cfg.HTTPClient = awssim.InProcessClient(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := ec2.NewFromConfig(cfg)
	if _, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs under a delay rule: %v; import must answer at once", err)
	}
	var de *smithy.DeserializationError
	if _, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}); !errors.As(err, &de) {
		t.Errorf("DescribeSubnets under a persistent malformed body: %v; want a deserialization error", err)
	}
}

// switchable arms its rules only while armed is set.
type switchable struct {
	armed atomic.Bool
	in    *fault.Injector
}

func (s *switchable) Decide(account, region, action string) (fault.Rule, bool) {
	if !s.armed.Load() {
		return fault.Rule{}, false
	}
	return s.in.Decide(account, region, action)
}

// Options.Faults replaces faults.json and may change its mind while the
// server runs.
func TestOptionsFaultsDecideInsteadOfTheEstatesFile(t *testing.T) {
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	writeFaults(t, dir, `[{"action": "ec2:DescribeVpcs", "error": "UnauthorizedOperation"}]`)
	sw := &switchable{in: fault.New([]fault.Rule{{Action: "ec2:DescribeSubnets", Error: "UnauthorizedOperation"}})}
	run := simtest.Start(t, dir, awssim.Options{Faults: sw})
	ctx := context.Background()
	c := ec2.NewFromConfig(simtest.Config(run.URL, "eu-west-1", 1))
	if _, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs: %v; faults.json must not apply when Options.Faults is set", err)
	}
	if _, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}); err != nil {
		t.Errorf("disarmed DescribeSubnets: %v", err)
	}
	sw.armed.Store(true)
	_, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
	assertAPIError(t, err, "UnauthorizedOperation", 403)
}
