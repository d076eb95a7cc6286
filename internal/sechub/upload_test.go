package sechub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/report"
)

const acct = "111122223333"

// fakeHub answers BatchImportFindings from a script: one answer per call,
// the last repeated. An answer fails the ids in reject, or the whole call
// with err.
type fakeHub struct {
	answers []answer
	calls   [][]string // the ids of each call
}

type answer struct {
	err    error
	reject map[string]string // id → error code
}

func (h *fakeHub) BatchImportFindings(_ context.Context, in *securityhub.BatchImportFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error) {
	ids := make([]string, len(in.Findings))
	for i, f := range in.Findings {
		ids[i] = aws.ToString(f.Id)
	}
	h.calls = append(h.calls, ids)
	a := answer{}
	if len(h.answers) > 0 {
		a = h.answers[min(len(h.calls), len(h.answers))-1]
	}
	if a.err != nil {
		return nil, a.err
	}
	out := &securityhub.BatchImportFindingsOutput{FailedFindings: []types.ImportFindingsError{}}
	for _, id := range ids {
		if code, ok := a.reject[id]; ok {
			out.FailedFindings = append(out.FailedFindings, types.ImportFindingsError{
				Id: aws.String(id), ErrorCode: aws.String(code), ErrorMessage: aws.String("rejected " + id),
			})
		}
	}
	out.FailedCount = aws.Int32(int32(len(out.FailedFindings)))
	out.SuccessCount = aws.Int32(int32(len(ids) - len(out.FailedFindings)))
	return out, nil
}

func findings(n int, region string) []report.ASFFFinding {
	out := make([]report.ASFFFinding, n)
	for i := range out {
		out[i] = report.ASFFFinding{
			SchemaVersion: "2018-10-08",
			ID:            fmt.Sprintf("pdr-audit/R-%03d", i),
			ProductArn:    "arn:aws:securityhub:" + region + ":" + acct + ":product/" + acct + "/default",
			GeneratorID:   "R", AwsAccountID: acct, Types: []string{"Software and Configuration Checks"},
			CreatedAt: "2026-11-25T12:00:00Z", UpdatedAt: "2026-11-25T12:00:00Z",
			Severity: report.ASFFSeverity{Label: "HIGH"}, Title: "t", Description: "d",
			Resources: []report.ASFFResource{{Type: "Other", ID: "r"}},
		}
	}
	return out
}

// sleeps records the waits of an upload instead of waiting.
type sleeps struct{ waited []time.Duration }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.waited = append(s.waited, d)
	return ctx.Err()
}

func secs(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, s := range n {
		out[i] = time.Duration(s) * time.Second
	}
	return out
}

var throttled = &smithy.GenericAPIError{Code: "TooManyRequestsException", Message: "Too Many Requests"}

func TestUploadSendsBatchesOfAtMostAHundredInOrder(t *testing.T) {
	hub := &fakeHub{}
	sum, err := Upload(context.Background(), hub, findings(250, "eu-west-1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{len(hub.calls[0]), len(hub.calls[1]), len(hub.calls[2])}; len(hub.calls) != 3 || !cmp.Equal(got, []int{100, 100, 50}) {
		t.Fatalf("%d requests of %v findings; want 100, 100 and 50", len(hub.calls), got)
	}
	if hub.calls[1][0] != "pdr-audit/R-100" || hub.calls[2][49] != "pdr-audit/R-249" {
		t.Errorf("findings out of order: second request starts %s, third ends %s", hub.calls[1][0], hub.calls[2][49])
	}
	want := Summary{Findings: 250, Imported: 250, Requests: 3}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestUploadKeepsRequestsUnderTheByteLimit(t *testing.T) {
	fs := findings(10, "eu-west-1")
	one := len(mustJSON(t, fs[0])) + 1
	hub := &fakeHub{}
	if _, err := Upload(context.Background(), hub, fs, Options{BatchBytes: 3*one + one/2}); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, c := range hub.calls {
		sizes = append(sizes, len(c))
	}
	if !cmp.Equal(sizes, []int{3, 3, 3, 1}) {
		t.Errorf("requests of %v findings; want 3, 3, 3, 1 under a limit of three and a half findings", sizes)
	}
}

func TestUploadReportsEveryFailedFindingByID(t *testing.T) {
	fs := findings(3, "us-east-1")
	hub := &fakeHub{answers: []answer{{reject: map[string]string{fs[1].ID: "InvalidInput"}}}}
	sum, err := Upload(context.Background(), hub, fs, Options{})
	if !errors.Is(err, ErrNotImported) {
		t.Fatalf("error %v does not wrap ErrNotImported", err)
	}
	want := []Failure{{ID: fs[1].ID, ProductArn: fs[1].ProductArn, Code: "InvalidInput", Message: "rejected " + fs[1].ID}}
	if diff := cmp.Diff(want, sum.Failed); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if sum.Imported != 2 || !strings.HasPrefix(err.Error(), "1 of 3 findings") {
		t.Errorf("imported %d, error %q; want 2 and 1 of 3 failed", sum.Imported, err)
	}
}

func TestUploadRetriesThrottledRequestsWithBackoff(t *testing.T) {
	tests := []struct {
		name       string
		answers    []answer
		maxRetries int
		wantWaits  []time.Duration
		wantFailed int
		wantCode   string
	}{
		{"a throttle that lifts is retried until it does", []answer{{err: throttled}, {err: throttled}, {}}, 0,
			secs(1, 2), 0, ""},
		{"the waits double up to the cap", []answer{{err: throttled}}, 7,
			secs(1, 2, 4, 8, 16, 20, 20), 3, "TooManyRequestsException"},
		{"a throttle that lasts fails the batch after the retries", []answer{{err: throttled}}, 0,
			secs(1, 2, 4, 8, 16), 3, "TooManyRequestsException"},
		{"LimitExceededException is a throttle too", []answer{{err: &smithy.GenericAPIError{Code: "LimitExceededException"}}, {}}, 0,
			secs(1), 0, ""},
		{"no retries when told so", []answer{{err: throttled}}, -1, nil, 3, "TooManyRequestsException"},
		{"a denial is not retried", []answer{{err: &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: x is not authorized"}}}, 0,
			nil, 3, "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := &fakeHub{answers: tt.answers}
			s := &sleeps{}
			sum, err := Upload(context.Background(), hub, findings(3, "eu-west-1"), Options{MaxRetries: tt.maxRetries, Sleep: s.sleep})
			if !cmp.Equal(s.waited, tt.wantWaits) {
				t.Errorf("waited %v; want %v", s.waited, tt.wantWaits)
			}
			if len(sum.Failed) != tt.wantFailed || sum.Retries != len(tt.wantWaits) || sum.Requests != len(tt.wantWaits)+1 {
				t.Errorf("failed %d, retries %d, requests %d; want %d, %d, %d", len(sum.Failed), sum.Retries, sum.Requests,
					tt.wantFailed, len(tt.wantWaits), len(tt.wantWaits)+1)
			}
			for _, f := range sum.Failed {
				if f.Code != tt.wantCode {
					t.Errorf("finding %s failed with %s; want %s", f.ID, f.Code, tt.wantCode)
				}
			}
			if (err != nil) != (tt.wantFailed > 0) {
				t.Errorf("error %v with %d failures", err, tt.wantFailed)
			}
			var ae smithy.APIError
			if tt.wantFailed > 0 && (!errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode) {
				t.Errorf("error %v does not wrap the request's %s", err, tt.wantCode)
			}
		})
	}
}

func TestUploadGoesOnAfterABatchFails(t *testing.T) {
	hub := &fakeHub{answers: []answer{{err: &smithy.GenericAPIError{Code: "InternalException", Message: "boom"}}, {}}}
	sum, err := Upload(context.Background(), hub, findings(150, "eu-west-1"), Options{})
	if len(hub.calls) != 2 || sum.Imported != 50 || len(sum.Failed) != 100 {
		t.Fatalf("%d requests, %d imported, %d failed; want 2, 50, 100", len(hub.calls), sum.Imported, len(sum.Failed))
	}
	if sum.Failed[0].Message != "boom" || err == nil || !strings.Contains(err.Error(), "request 1 of 2 (100 findings)") {
		t.Errorf("first failure %+v, error %v", sum.Failed[0], err)
	}
}

func TestUploadStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	hub := &fakeHub{answers: []answer{{}, {err: throttled}}}
	sleep := func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	sum, err := Upload(ctx, hub, findings(250, "eu-west-1"), Options{Sleep: sleep})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrNotImported) {
		t.Errorf("error %v; want it to wrap context.Canceled and ErrNotImported", err)
	}
	if sum.Imported != 100 || sum.NotSent != 150 || len(sum.Failed) != 0 || len(hub.calls) != 2 {
		t.Errorf("imported %d, not sent %d, failed %d, %d requests; want 100, 150, 0, 2", sum.Imported, sum.NotSent, len(sum.Failed), len(hub.calls))
	}
}

func TestUploadRefusesBatchSizesAWSDoesNotTake(t *testing.T) {
	for _, o := range []Options{{BatchSize: 101}, {BatchSize: -1}, {BatchBytes: MaxBatchBytes + 1}} {
		if _, err := Upload(context.Background(), &fakeHub{}, findings(1, "eu-west-1"), o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

func TestGroupSplitsFindingsByAccountAndRegion(t *testing.T) {
	fs := append(findings(2, "us-east-1"), findings(1, "eu-west-1")...)
	other := findings(1, "eu-west-1")[0]
	other.AwsAccountID = "444455556666"
	other.ProductArn = "arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default"
	fs = append(fs, other)
	targets, by := Group(fs)
	if diff := cmp.Diff([]Target{{acct, "eu-west-1"}, {acct, "us-east-1"}, {"444455556666", "eu-west-1"}}, targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if len(by[Target{acct, "us-east-1"}]) != 2 || len(by[Target{"444455556666", "eu-west-1"}]) != 1 {
		t.Errorf("grouped %v", by)
	}
}

func TestFindingsAreTheASFFReportsFindingsAndConvertWhole(t *testing.T) {
	r := report.New([]finding.Result{{
		RuleID: "PDR-AG-001", Title: "agent egress", ResourceID: "i-0a1b2c3d4e5f60001", ResourceType: "instance",
		Account: acct, Region: "eu-west-1", Status: finding.Fail, Severity: finding.High, Message: "blocked",
	}}, nil, report.Meta{GeneratedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Rules: []report.Rule{{ID: "PDR-AG-001", Title: "agent egress", Remediation: "manual"}}})
	fs, err := Findings(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("%d findings; want 1", len(fs))
	}
	f := fs[0]
	got := toSDK(f)
	if aws.ToString(got.Id) != f.ID || aws.ToString(got.ProductArn) != f.ProductArn || got.Severity.Label != types.SeverityLabelHigh ||
		got.Compliance.Status != types.ComplianceStatusFailed || got.Workflow.Status != types.WorkflowStatusNew ||
		got.RecordState != types.RecordStateActive || len(got.Resources) != 1 || aws.ToString(got.Resources[0].Id) != f.Resources[0].ID ||
		got.Resources[0].Partition != types.PartitionAws || got.Remediation == nil || aws.ToString(got.Remediation.Recommendation.Text) != f.Remediation.Recommendation.Text ||
		!cmp.Equal(got.ProductFields, f.ProductFields) || aws.ToString(got.CreatedAt) != "2026-11-25T12:00:00Z" {
		t.Errorf("conversion lost members:\nASFF %+v\nSDK  %+v", f, got)
	}
	if TargetOf(f) != (Target{acct, "eu-west-1"}) {
		t.Errorf("target %v", TargetOf(f))
	}
}

func mustJSON(t *testing.T, f report.ASFFFinding) []byte {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
