package sechub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"

	"github.com/pdr-audit/pdr-audit/internal/report"
)

// API is the one method of *securityhub.Client that Upload calls.
type API interface {
	BatchImportFindings(ctx context.Context, params *securityhub.BatchImportFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
}

// The limits of one BatchImportFindings request (Security Hub Partner
// Guide, "Guidelines for using the BatchImportFindings API": up to 100
// findings and up to 6 MB per batch).
const (
	MaxBatchFindings = 100
	MaxBatchBytes    = 6 << 20
)

// Defaults of Options.
const (
	DefaultMaxRetries = 5
	DefaultBaseDelay  = time.Second
	DefaultMaxDelay   = 20 * time.Second
)

// ErrNotImported is wrapped by Upload's error whenever a finding was not
// imported.
var ErrNotImported = errors.New("findings not imported into Security Hub")

// Options tune Upload. The zero value uses AWS's limits and the defaults.
type Options struct {
	// BatchSize is the most findings per request: 1 to 100, 0 for 100.
	BatchSize int
	// BatchBytes is the most bytes of findings per request, 0 for 6 MB. A
	// finding larger than that still goes, alone, for Security Hub to
	// judge.
	BatchBytes int
	// MaxRetries is how many times a throttled request is sent again after
	// the SDK's own retryer gave up: 0 for DefaultMaxRetries, negative for
	// none.
	MaxRetries int
	// BaseDelay is the wait before the first retry (0 for DefaultBaseDelay);
	// each retry waits twice the one before, up to MaxDelay (0 for
	// DefaultMaxDelay).
	BaseDelay, MaxDelay time.Duration
	// Sleep waits d, or until ctx ends and then returns its error; nil
	// waits on a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Failure is a finding Security Hub did not import.
type Failure struct {
	ID         string
	ProductArn string
	// Code and Message are AWS's: the FailedFindings entry's ErrorCode and
	// ErrorMessage, or the error code and message of the request that
	// failed as a whole.
	Code, Message string
}

// Summary is what an upload did.
type Summary struct {
	// Findings is how many findings Upload was given.
	Findings int
	// Imported counts the findings Security Hub reported as imported.
	Imported int
	// Failed lists the findings it did not import, in the order sent.
	Failed []Failure
	// NotSent counts findings never sent because the context ended.
	NotSent int
	// Requests counts BatchImportFindings calls, retries included.
	Requests int
	// Retries counts the throttled requests sent again.
	Retries int
}

// Merge adds the counts and failures of o to s.
func (s *Summary) Merge(o Summary) {
	s.Findings += o.Findings
	s.Imported += o.Imported
	s.Failed = append(s.Failed, o.Failed...)
	s.NotSent += o.NotSent
	s.Requests += o.Requests
	s.Retries += o.Retries
}

// Findings returns the ASFF findings of a report exactly as its asff
// report holds them.
func Findings(r *report.Report) ([]report.ASFFFinding, error) {
	var buf bytes.Buffer
	if err := report.WriteASFF(&buf, r); err != nil {
		return nil, err
	}
	var doc report.ASFFFindings
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		return nil, fmt.Errorf("read back ASFF findings: %w", err)
	}
	return doc.Findings, nil
}

// Target is one Security Hub: an account and a region. BatchImportFindings
// must be called in the finding's account (its AwsAccountId) and in the
// region of its ProductArn.
type Target struct {
	Account, Region string
}

var productRegionRe = regexp.MustCompile(`^arn:[^:]+:securityhub:([^:]+):`)

// TargetOf returns the Security Hub a finding is imported into. Region is
// empty when the ProductArn names none.
func TargetOf(f report.ASFFFinding) Target {
	t := Target{Account: f.AwsAccountID}
	if m := productRegionRe.FindStringSubmatch(f.ProductArn); m != nil {
		t.Region = m[1]
	}
	return t
}

// Group splits findings by the Security Hub they go to: the targets sorted
// by account then region, each with its findings in their order.
func Group(findings []report.ASFFFinding) ([]Target, map[Target][]report.ASFFFinding) {
	by := map[Target][]report.ASFFFinding{}
	for _, f := range findings {
		t := TargetOf(f)
		by[t] = append(by[t], f)
	}
	targets := make([]Target, 0, len(by))
	for t := range by {
		targets = append(targets, t)
	}
	sort.Slice(targets, func(i, j int) bool {
		if targets[i].Account != targets[j].Account {
			return targets[i].Account < targets[j].Account
		}
		return targets[i].Region < targets[j].Region
	})
	return targets, by
}

// Upload imports findings into the Security Hub client talks to, in
// batches of at most opts.BatchSize findings and opts.BatchBytes bytes,
// one request after another. Every finding not imported is in the
// summary's Failed (or counted in NotSent); the error, when any finding
// was not imported, wraps ErrNotImported and the error of each request
// that failed as a whole.
func Upload(ctx context.Context, client API, findings []report.ASFFFinding, opts Options) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Findings: len(findings)}
	batches, err := batch(findings, opts.BatchSize, opts.BatchBytes)
	if err != nil {
		return sum, err
	}
	var requestErrs []error
	for i, b := range batches {
		out, err := send(ctx, client, b, opts, &sum)
		if err != nil {
			what := fmt.Errorf("request %d of %d (%d findings): %w", i+1, len(batches), len(b), err)
			requestErrs = append(requestErrs, what)
			if ctx.Err() != nil {
				for _, rest := range batches[i:] {
					sum.NotSent += len(rest)
				}
				break
			}
			code, msg := errorCodeMessage(err)
			for _, f := range b {
				sum.Failed = append(sum.Failed, Failure{ID: f.ID, ProductArn: f.ProductArn, Code: code, Message: msg})
			}
			continue
		}
		record(&sum, b, out)
	}
	if len(sum.Failed) == 0 && sum.NotSent == 0 {
		return sum, nil
	}
	return sum, fmt.Errorf("%d of %d findings: %w", len(sum.Failed)+sum.NotSent, sum.Findings,
		errors.Join(append([]error{ErrNotImported}, requestErrs...)...))
}

func (o Options) withDefaults() (Options, error) {
	switch {
	case o.BatchSize == 0:
		o.BatchSize = MaxBatchFindings
	case o.BatchSize < 0 || o.BatchSize > MaxBatchFindings:
		return o, fmt.Errorf("batch size %d: Security Hub takes 1 to %d findings per request", o.BatchSize, MaxBatchFindings)
	}
	switch {
	case o.BatchBytes == 0:
		o.BatchBytes = MaxBatchBytes
	case o.BatchBytes < 0 || o.BatchBytes > MaxBatchBytes:
		return o, fmt.Errorf("batch bytes %d: Security Hub takes at most %d bytes per request", o.BatchBytes, MaxBatchBytes)
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	return o, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// batch cuts findings into requests of at most size findings and
// maxBytes bytes of JSON (a finding larger than maxBytes alone).
func batch(findings []report.ASFFFinding, size, maxBytes int) ([][]report.ASFFFinding, error) {
	var out [][]report.ASFFFinding
	var cur []report.ASFFFinding
	curBytes := 0
	for _, f := range findings {
		b, err := json.Marshal(f)
		if err != nil {
			return nil, fmt.Errorf("encode finding %s: %w", f.ID, err)
		}
		n := len(b) + 1 // and a comma
		if len(cur) > 0 && (len(cur) == size || curBytes+n > maxBytes) {
			out = append(out, cur)
			cur, curBytes = nil, 0
		}
		cur = append(cur, f)
		curBytes += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// throttles tells a throttling error by the codes the SDK's retryer
// treats as throttles (TooManyRequestsException and LimitExceededException
// among them, Security Hub's).
var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// send makes one request, sending it again with backoff while it is
// throttled, at most opts.MaxRetries times.
func send(ctx context.Context, client API, b []report.ASFFFinding, opts Options, sum *Summary) (*securityhub.BatchImportFindingsOutput, error) {
	in := &securityhub.BatchImportFindingsInput{Findings: make([]types.AwsSecurityFinding, len(b))}
	for i, f := range b {
		in.Findings[i] = toSDK(f)
	}
	delay := opts.BaseDelay
	for attempt := 0; ; attempt++ {
		sum.Requests++
		out, err := client.BatchImportFindings(ctx, in)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil || attempt >= opts.MaxRetries || throttles.IsErrorThrottle(err) != aws.TrueTernary {
			return nil, err
		}
		if serr := opts.Sleep(ctx, delay); serr != nil {
			return nil, fmt.Errorf("%w (waiting to retry after: %w)", serr, err)
		}
		sum.Retries++
		delay = min(2*delay, opts.MaxDelay)
	}
}

// record adds a response to the summary: its imported count and one
// failure per FailedFindings entry, matched to the findings sent by id.
func record(sum *Summary, b []report.ASFFFinding, out *securityhub.BatchImportFindingsOutput) {
	arns := map[string]string{}
	for _, f := range b {
		arns[f.ID] = f.ProductArn
	}
	sum.Imported += int(aws.ToInt32(out.SuccessCount))
	for _, e := range out.FailedFindings {
		id := aws.ToString(e.Id)
		sum.Failed = append(sum.Failed, Failure{
			ID: id, ProductArn: arns[id], Code: aws.ToString(e.ErrorCode), Message: aws.ToString(e.ErrorMessage),
		})
	}
}

// errorCodeMessage is the AWS error code and message of a failed request,
// or RequestError and the error's text when it never got an AWS answer.
func errorCodeMessage(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "RequestError", err.Error()
}

// toSDK converts a finding to the SDK's type, member by member.
func toSDK(f report.ASFFFinding) types.AwsSecurityFinding {
	out := types.AwsSecurityFinding{
		SchemaVersion: aws.String(f.SchemaVersion),
		Id:            aws.String(f.ID),
		ProductArn:    aws.String(f.ProductArn),
		ProductName:   optional(f.ProductName),
		GeneratorId:   aws.String(f.GeneratorID),
		AwsAccountId:  aws.String(f.AwsAccountID),
		Types:         f.Types,
		CreatedAt:     aws.String(f.CreatedAt),
		UpdatedAt:     aws.String(f.UpdatedAt),
		Severity:      &types.Severity{Label: types.SeverityLabel(f.Severity.Label), Original: optional(f.Severity.Original)},
		Title:         aws.String(f.Title),
		Description:   aws.String(f.Description),
		SourceUrl:     optional(f.SourceURL),
		ProductFields: f.ProductFields,
		Compliance:    &types.Compliance{Status: types.ComplianceStatus(f.Compliance.Status)},
		Workflow:      &types.Workflow{Status: types.WorkflowStatus(f.Workflow.Status)},
		RecordState:   types.RecordState(f.RecordState),
	}
	if r := f.Remediation; r != nil {
		out.Remediation = &types.Remediation{Recommendation: &types.Recommendation{
			Text: optional(r.Recommendation.Text), Url: optional(r.Recommendation.URL),
		}}
	}
	out.Resources = make([]types.Resource, len(f.Resources))
	for i, r := range f.Resources {
		out.Resources[i] = types.Resource{
			Type: aws.String(r.Type), Id: aws.String(r.ID), Partition: types.Partition(r.Partition), Region: optional(r.Region),
		}
	}
	return out
}

// optional is nil for an empty string, which ASFF leaves out.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
