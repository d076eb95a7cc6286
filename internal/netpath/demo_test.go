package netpath

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

var (
	demoOnce sync.Once
	demoSnap *model.Snapshot
	demoErr  error
)

// demoSnapshot imports testdata/estates/demo in-process, the way
// `pdr-audit import` does: the estate served by the simulator to the real
// collectors, with no network.
func demoSnapshot(t *testing.T) *model.Snapshot {
	t.Helper()
	dir := filepath.Join(simtest.EstatesDir(t), "demo")
	demoOnce.Do(func() {
		est, err := awssim.LoadEstate(dir)
		if err != nil {
			demoErr = err
			return
		}
		now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
		srv, err := awssim.NewServer(est, awssim.Options{PersistentFaultsOnly: true, Now: now})
		if err != nil {
			demoErr = err
			return
		}
		cfg := awssim.SDKConfig(awssim.InProcessEndpoint, "us-east-1")
		cfg.HTTPClient = awssim.InProcessClient(srv)
		cfg.RetryMaxAttempts = 1
		cfg.Credentials = aws.NewCredentialsCache(cfg.Credentials)
		demoSnap, demoErr = collect.Collect(context.Background(), cfg, collect.Options{
			Regions: []string{collect.AllRegions}, KernelSource: "none", PollInterval: -1, Now: now,
			Tool: model.Tool{Name: "pdr-audit", Version: "test"}, Source: "import",
		})
	})
	if demoErr != nil {
		t.Fatalf("import the demo estate: %v", demoErr)
	}
	return demoSnap
}

// The facts below are the demo story's (testdata/estates/demo/README.md).
func TestDemoEstateStory(t *testing.T) {
	e := New(demoSnapshot(t))
	tests := []struct {
		name        string
		q           Query
		verdict     string
		blockedBy   string // "" when not blocked
		reason      string // a part of BlockedBy.Reason
		pathHas     []string
		missingPart string
	}{
		{
			name:    "analytics-ids-a's subnet ACL denies TCP 4138 to the first US data-center /27 by rule 90",
			q:       Query{From: "i-075c290c942530871", To: "204.110.218.96/27", Proto: "tcp", Port: 4138},
			verdict: Blocked, blockedBy: "acl-0c9a789bd61d2105f",
			reason: "acl-0c9a789bd61d2105f egress rule 90 denies tcp 4138 to 204.110.218.96/27",
		},
		{
			name:    "analytics-ids-a's subnet ACL denies TCP 4138 to the second US /27 by rule 91",
			q:       Query{From: "i-075c290c942530871", To: "204.110.219.96/27", Proto: "tcp", Port: 4138},
			verdict: Blocked, blockedBy: "acl-0c9a789bd61d2105f", reason: "egress rule 91 denies tcp 4138 to 204.110.219.96/27",
		},
		{
			name:    "analytics-ids-a still reaches the data center on TCP 443 through its NAT gateway",
			q:       Query{From: "i-075c290c942530871", To: "204.110.219.96/27", Proto: "tcp", Port: 443},
			verdict: Allowed, pathHas: []string{"nat-0344a12da4e09a2ff", "igw-0340d907840d3eb1b"},
		},
		{
			name:    "analytics Threat Manager b reaches TCP 4138 with its public IP through the internet gateway",
			q:       Query{From: "i-0d825b1e621ddc5a9", To: "204.110.218.96/27", Proto: "tcp", Port: 4138},
			verdict: Allowed, pathHas: []string{"igw-0340d907840d3eb1b"},
		},
		{
			name:    "the analytics appliance group has no TCP 7777 ingress rule, so etl-1 cannot reach analytics-ids-a",
			q:       Query{From: "i-06c916c940f8cb2ae", To: "i-075c290c942530871", Proto: "tcp", Port: 7777},
			verdict: Blocked, blockedBy: "sg-0888167be8956aee0", reason: "sg-0888167be8956aee0 has no ingress rule for tcp/7777 from ",
		},
		{
			name:    "etl-1 reaches analytics-ids-a on TCP 443",
			q:       Query{From: "i-06c916c940f8cb2ae", To: "i-075c290c942530871", Proto: "tcp", Port: 443},
			verdict: Allowed,
		},
		{
			name:    "vault-1 reaches service:ssm through the interface endpoint in its own AZ",
			q:       Query{From: "i-03fd9e1be4b90b541", To: "service:ssm", Proto: "tcp", Port: 443},
			verdict: Allowed, pathHas: []string{"vpce-0bf2701b5d2e99815", "sg-01b18f5e7088a36aa"},
		},
		{
			name:    "vault-2 reaches service:ssmmessages through its endpoint",
			q:       Query{From: "i-039c2ba299ed40cce", To: "service:ssmmessages", Proto: "tcp", Port: 443},
			verdict: Allowed, pathHas: []string{"vpce-0c2a359291bff6675"},
		},
		{
			name:    "vault-batch-1's isolated NACL has no egress rule for the endpoint subnets",
			q:       Query{From: "i-0e4703afa6298b74d", To: "service:ssm", Proto: "tcp", Port: 443},
			verdict: Blocked, blockedBy: "acl-01481e088148c465a", reason: "egress rule * denies tcp 443 to vpce-0bf2701b5d2e99815",
		},
		{
			name:    "the vault VPC has no route to the internet",
			q:       Query{From: "i-03fd9e1be4b90b541", To: "internet", Proto: "tcp", Port: 443},
			verdict: Blocked, reason: "has no route to",
		},
		{
			name:    "pay-batch-1's route table sends the internet to the deleted NAT gateway: a blackhole",
			q:       Query{From: "i-0f1f87a4cd27ceece", To: "service:ssm", Proto: "tcp", Port: 443},
			verdict: Blocked, blockedBy: "rtb-043a6f4b0a460d101", reason: "blackhole",
		},
		{
			name:    "pay-api-3's subnet falls back to the main route table and its NAT gateway",
			q:       Query{From: "i-0090fe2bfce7d3525", To: "internet", Proto: "tcp", Port: 443},
			verdict: Allowed, pathHas: []string{"nat-0a3f85f7c3d44e0f3"},
		},
		{
			name:    "pay-batch-1 still reaches the appliance inside the VPC: the blackhole only affects 0.0.0.0/0",
			q:       Query{From: "i-0f1f87a4cd27ceece", To: "i-04e63e88010f48477", Proto: "tcp", Port: 7777},
			verdict: Allowed,
		},
		{
			name:    "the prod-app appliance's ALL traffic does not reach pay-web-1, whose only group admits tcp/443",
			q:       Query{From: "i-04e63e88010f48477", To: "i-0f56482480a0419fa", Proto: "all"},
			verdict: Blocked, blockedBy: "sg-042c7a1fff4901656",
		},
		{
			name:    "the prod-app appliance's ALL traffic reaches pay-api-1, which carries the agent group",
			q:       Query{From: "i-04e63e88010f48477", To: "i-0b6856a86ebbe274a", Proto: "all"},
			verdict: Allowed,
		},
		{
			name:    "bastion-1 reaches service:ssm with its public IP and the internet gateway",
			q:       Query{From: "i-075bf01053711d645", To: "service:ssm", Proto: "tcp", Port: 443},
			verdict: Allowed, pathHas: []string{"igw-04402a6a78efb5705"},
		},
		{
			name:    "prod-web-tm-a sends TCP 4138 to the data center through the managed prefix list and its NAT gateway",
			q:       Query{From: "i-0279437c3c869fc65", To: "208.71.209.32/27", Proto: "tcp", Port: 4138},
			verdict: Allowed, pathHas: []string{"sg-022ea1ee1a5a842da"},
		},
		{
			name:    "prod-web-tm-a's UDP 123 does not go to 204.110.218.96/27 (not an NTP range)",
			q:       Query{From: "i-0279437c3c869fc65", To: "204.110.218.96/27", Proto: "udp", Port: 123},
			verdict: Blocked, blockedBy: "sg-022ea1ee1a5a842da", reason: "has no egress rule for udp/123 to 204.110.218.96/27",
		},
		{
			name:    "web-1 reaches both appliances of prod-web on TCP 7777",
			q:       Query{From: "i-069f6df0bd0b76287", To: "i-04322eedbd83b32d6", Proto: "tcp", Port: 7777},
			verdict: Allowed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.Reach(tt.q)
			if v.Verdict != tt.verdict {
				t.Fatalf("verdict = %s, want %s: %+v", v.Verdict, tt.verdict, v)
			}
			if tt.blockedBy != "" && (v.BlockedBy == nil || v.BlockedBy.ID != tt.blockedBy) {
				t.Errorf("blocked by %+v, want %s", v.BlockedBy, tt.blockedBy)
			}
			if tt.reason != "" && (v.BlockedBy == nil || !strings.Contains(v.BlockedBy.Reason, tt.reason)) {
				t.Errorf("blocked by %+v, want a reason containing %q", v.BlockedBy, tt.reason)
			}
			for _, id := range tt.pathHas {
				found := false
				for _, c := range v.Path {
					found = found || c.ID == id
				}
				if !found {
					t.Errorf("path %+v lacks %s", v.Path, id)
				}
			}
		})
	}
}
