package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
)

// demoAccount is the demo estate's (only) account, the caller's.
const demoAccount = "111122223333"

func demoProduct(region string) string {
	return "arn:aws:securityhub:" + region + ":" + demoAccount + ":product/" + demoAccount + "/default"
}

// hubFinding is a valid finding of the demo account's custom integration.
func hubFinding(id, region string) shtypes.AwsSecurityFinding {
	return shtypes.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"),
		Id:            aws.String(id),
		ProductArn:    aws.String(demoProduct(region)),
		GeneratorId:   aws.String("PDR-AG-001"),
		AwsAccountId:  aws.String(demoAccount),
		Types:         []string{"Software and Configuration Checks/AWS Security Best Practices"},
		CreatedAt:     aws.String("2026-11-25T12:00:00Z"),
		UpdatedAt:     aws.String("2026-11-25T12:00:00Z"),
		Severity:      &shtypes.Severity{Label: shtypes.SeverityLabelHigh},
		Title:         aws.String("agent egress"),
		Description:   aws.String("blocked"),
		Resources:     []shtypes.Resource{{Type: aws.String("AwsEc2Instance"), Id: aws.String("arn:aws:ec2:" + region + ":" + demoAccount + ":instance/i-1")}},
		Workflow:      &shtypes.Workflow{Status: shtypes.WorkflowStatusNew},
	}
}

// hubClient serves the demo estate in-process to a Security Hub client of
// region that makes one attempt per call.
func hubClient(t *testing.T, opts awssim.Options, region string) (*awssim.Server, *securityhub.Client) {
	t.Helper()
	srv, cfg := inProcess(t, opts)
	cfg.Region = region
	return srv, securityhub.NewFromConfig(cfg)
}

func TestSecurityHubImportsValidFindingsAndListsTheOthersOneByOne(t *testing.T) {
	tests := []struct {
		name    string
		change  func(f *shtypes.AwsSecurityFinding)
		code    string
		message string
	}{
		{"a valid finding is imported", func(*shtypes.AwsSecurityFinding) {}, "", ""},
		{"a blank title breaks the format", func(f *shtypes.AwsSecurityFinding) { f.Title = aws.String(" ") },
			"InvalidInput", "Finding does not adhere to Amazon Finding Format. data.Title should NOT be shorter than 1 characters."},
		{"a title over 256 characters breaks the format", func(f *shtypes.AwsSecurityFinding) { f.Title = aws.String(strings.Repeat("t", 257)) },
			"InvalidInput", "Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters."},
		{"a finding needs a severity", func(f *shtypes.AwsSecurityFinding) { f.Severity = nil },
			"InvalidInput", "Finding does not adhere to Amazon Finding Format. data should have required property 'FindingProviderFields', data should match some schema in anyOf."},
		{"FindingProviderFields may give severity and types", func(f *shtypes.AwsSecurityFinding) {
			f.FindingProviderFields = &shtypes.FindingProviderFields{Severity: &shtypes.FindingProviderSeverity{Label: shtypes.SeverityLabelLow}, Types: f.Types}
			f.Severity, f.Types = nil, nil
		}, "", ""},
		{"a resource's type is not blank (prowler-cloud/prowler#778)", func(f *shtypes.AwsSecurityFinding) { f.Resources[0].Type = aws.String("") },
			"InvalidInput", "Finding does not adhere to Amazon Finding Format. data.Resources[0].Type should NOT be shorter than 1 characters."},
		{"a finding is about at least one resource", func(f *shtypes.AwsSecurityFinding) { f.Resources = []shtypes.Resource{} },
			"InvalidInput", "Finding does not adhere to Amazon Finding Format. data.Resources should NOT have fewer than 1 items."},
		{"an unknown severity label breaks the format", func(f *shtypes.AwsSecurityFinding) { f.Severity.Label = "SEVERE" },
			"InvalidInput", "Finding does not adhere to Amazon Finding Format. data.Severity.Label should be equal to one of the allowed values."},
		{"the schema version is 2018-10-08", func(f *shtypes.AwsSecurityFinding) { f.SchemaVersion = aws.String("2020-01-01") },
			"InvalidInput", "Finding does not adhere to Amazon Finding Format. data.SchemaVersion should be equal to one of the allowed values."},
		{"timestamps are ISO 8601", func(f *shtypes.AwsSecurityFinding) { f.CreatedAt = aws.String("yesterday") },
			"InvalidInput", `Finding does not adhere to Amazon Finding Format. data.CreatedAt should match format "date-time".`},
		{"an update cannot predate the creation", func(f *shtypes.AwsSecurityFinding) { f.UpdatedAt = aws.String("2026-11-24T12:00:00Z") },
			"InvalidInput", "UpdatedAt must not be earlier than CreatedAt."},
		{"the product must be this region's", func(f *shtypes.AwsSecurityFinding) { f.ProductArn = aws.String(demoProduct("us-west-2")) },
			"InvalidAccess", "Account 111122223333 is not enabled to import findings from product " + demoProduct("us-west-2") + " in eu-west-1."},
		{"a partner product is not enabled", func(f *shtypes.AwsSecurityFinding) {
			f.ProductArn = aws.String("arn:aws:securityhub:eu-west-1::product/acme/scanner")
		}, "InvalidAccess", "Account 111122223333 is not enabled to import findings from product arn:aws:securityhub:eu-west-1::product/acme/scanner in eu-west-1."},
	}
	var findings []shtypes.AwsSecurityFinding
	want := map[string]shtypes.ImportFindingsError{}
	var imported []string
	for i, tt := range tests {
		f := hubFinding(fmt.Sprintf("pdr-audit/case-%02d", i), "eu-west-1")
		tt.change(&f)
		findings = append(findings, f)
		if tt.code == "" {
			imported = append(imported, *f.Id)
			continue
		}
		want[*f.Id] = shtypes.ImportFindingsError{Id: f.Id, ErrorCode: aws.String(tt.code), ErrorMessage: aws.String(tt.message)}
	}
	srv, c := hubClient(t, awssim.Options{}, "eu-west-1")
	out, err := c.BatchImportFindings(context.Background(), &securityhub.BatchImportFindingsInput{Findings: findings})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.SuccessCount) != int32(len(imported)) || aws.ToInt32(out.FailedCount) != int32(len(want)) {
		t.Errorf("SuccessCount %d, FailedCount %d; want %d, %d", aws.ToInt32(out.SuccessCount), aws.ToInt32(out.FailedCount), len(imported), len(want))
	}
	got := map[string]shtypes.ImportFindingsError{}
	for _, e := range out.FailedFindings {
		got[aws.ToString(e.Id)] = e
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("pdr-audit/case-%02d", i)
			if diff := cmp.Diff(want[id], got[id], cmp.AllowUnexported(shtypes.ImportFindingsError{})); diff != "" {
				t.Errorf("FailedFindings entry (-want +got):\n%s", diff)
			}
		})
	}
	var stored []string
	for _, f := range srv.SecurityHubFindings(demoAccount, "eu-west-1") {
		stored = append(stored, f["Id"].(string))
	}
	if diff := cmp.Diff(imported, stored); diff != "" {
		t.Errorf("stored findings (-want +got):\n%s", diff)
	}
	if n := len(srv.SecurityHubFindings(demoAccount, "us-east-1")); n != 0 {
		t.Errorf("%d findings in us-east-1; Security Hub is regional", n)
	}
}

func TestSecurityHubUpdatesAFindingButNotItsWorkflow(t *testing.T) {
	srv, c := hubClient(t, awssim.Options{}, "us-east-1")
	ctx := context.Background()
	first := hubFinding("pdr-audit/x", "us-east-1")
	if _, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{first}}); err != nil {
		t.Fatal(err)
	}
	second := hubFinding("pdr-audit/x", "us-east-1")
	second.Title = aws.String("agent egress, again")
	second.UpdatedAt = aws.String("2026-11-26T12:00:00Z")
	second.Workflow = &shtypes.Workflow{Status: shtypes.WorkflowStatusResolved}
	if _, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{second}}); err != nil {
		t.Fatal(err)
	}
	got := srv.SecurityHubFindings(demoAccount, "us-east-1")
	if len(got) != 1 {
		t.Fatalf("%d findings stored; one Id and ProductArn is one finding", len(got))
	}
	workflow, _ := got[0]["Workflow"].(map[string]any)
	if got[0]["Title"] != "agent egress, again" || got[0]["UpdatedAt"] != "2026-11-26T12:00:00Z" || workflow["Status"] != "NEW" {
		t.Errorf("stored %v; want the new title and time, and the first import's workflow", got[0])
	}
}

func TestSecurityHubRefusesWholeRequestsAsAWSDoes(t *testing.T) {
	other := hubFinding("pdr-audit/other", "eu-west-1")
	other.AwsAccountId = aws.String("444455556666")
	otherProduct := hubFinding("pdr-audit/other-product", "eu-west-1")
	otherProduct.ProductArn = aws.String("arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default")
	many := make([]shtypes.AwsSecurityFinding, 101)
	for i := range many {
		many[i] = hubFinding(fmt.Sprintf("pdr-audit/%d", i), "eu-west-1")
	}
	tests := []struct {
		name     string
		findings []shtypes.AwsSecurityFinding
		code     string
		status   int
		message  string
	}{
		{"no findings", []shtypes.AwsSecurityFinding{}, "InvalidInputException", 400, "Findings must hold 1 to 100 findings; it holds 0"},
		{"more than 100 findings", many, "InvalidInputException", 400, "it holds 101"},
		{"another account's finding", []shtypes.AwsSecurityFinding{hubFinding("pdr-audit/ok", "eu-west-1"), other}, "AccessDeniedException", 403,
			"User: arn:aws:iam::111122223333:user/pdr-audit is not authorized to perform: securityhub:BatchImportFindings on resource: " + demoProduct("eu-west-1")},
		{"another account's product", []shtypes.AwsSecurityFinding{otherProduct}, "AccessDeniedException", 403,
			"on resource: arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := hubClient(t, awssim.Options{}, "eu-west-1")
			_, err := c.BatchImportFindings(context.Background(), &securityhub.BatchImportFindingsInput{Findings: tt.findings})
			assertAPIError(t, err, tt.code, tt.status)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %v; want it to say %q", err, tt.message)
			}
			if n := len(srv.SecurityHubFindings(demoAccount, "eu-west-1")); n != 0 {
				t.Errorf("a refused request stored %d findings", n)
			}
		})
	}
}

func TestSecurityHubThrottlesImportsAtThePublishedRate(t *testing.T) {
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Millisecond}
	_, c := hubClient(t, awssim.Options{Throttle: "aws", Now: clock.Now}, "eu-west-1")
	in := &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{hubFinding("pdr-audit/x", "eu-west-1")}}
	admitted := 0
	var err error
	for ; admitted < 100; admitted++ {
		if _, err = c.BatchImportFindings(context.Background(), in); err != nil {
			break
		}
	}
	if admitted != 30 {
		t.Errorf("%d imports admitted before the first throttle; AWS publishes a burst of 30", admitted)
	}
	assertAPIError(t, err, "TooManyRequestsException", http.StatusTooManyRequests)
	var lim *shtypes.LimitExceededException
	if errors.As(err, &lim) {
		t.Error("the throttle decoded as LimitExceededException; Security Hub throttles with TooManyRequestsException")
	}
}

func TestSecurityHubFaultsTravelWithRestJSONStatuses(t *testing.T) {
	dir := simtest.CopyEstate(t, filepath.Join(simtest.EstatesDir(t), "demo"))
	writeFaults(t, dir, `[
	  {"region": "eu-west-1", "action": "securityhub:BatchImportFindings", "error": "InvalidAccessException"},
	  {"region": "us-east-1", "action": "securityhub:BatchImportFindings", "error": "InternalException", "first": 1}
	]`)
	run := simtest.Start(t, dir, awssim.Options{})
	ctx := context.Background()
	in := func(region string) *securityhub.BatchImportFindingsInput {
		return &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{hubFinding("pdr-audit/x", region)}}
	}
	_, err := securityhub.NewFromConfig(simtest.Config(run.URL, "eu-west-1", 3)).BatchImportFindings(ctx, in("eu-west-1"))
	assertAPIError(t, err, "InvalidAccessException", http.StatusUnauthorized)
	var denied *shtypes.InvalidAccessException
	if !errors.As(err, &denied) || aws.ToString(denied.Message) != "Account 111122223333 is not subscribed to AWS Security Hub" {
		t.Errorf("error %v; want the modelled InvalidAccessException naming the account", err)
	}
	// A 500 is retried by the SDK and the second attempt succeeds.
	out, err := securityhub.NewFromConfig(simtest.Config(run.URL, "us-east-1", 3)).BatchImportFindings(ctx, in("us-east-1"))
	if err != nil || aws.ToInt32(out.SuccessCount) != 1 {
		t.Errorf("after one InternalException: %v, %+v", err, out)
	}
}

// The wire itself: rest-json errors carry X-Amzn-ErrorType and a JSON body
// with the error shape's members; a path no operation is bound to is
// UnknownOperationException 404.
func TestSecurityHubSpeaksRestJSONOnTheWire(t *testing.T) {
	run := simtest.Start(t, filepath.Join(simtest.EstatesDir(t), "demo"), awssim.Options{})
	tests := []struct {
		name, method, path, body string
		status                   int
		errType                  string
		wantBody                 map[string]any
	}{
		{"a modelled error has Code and Message", http.MethodPost, "/findings/import", `{"Findings":[]}`, 400, "InvalidInputException",
			map[string]any{"Code": "InvalidInputException", "Message": "Invalid request: Findings must hold 1 to 100 findings; it holds 0."}},
		{"an unknown path", http.MethodGet, "/findings/nowhere", "", 404, "UnknownOperationException",
			map[string]any{"message": "No operation of SecurityHub is bound to GET /findings/nowhere."}},
		{"the right path with the wrong method", http.MethodGet, "/findings/import", "", 404, "UnknownOperationException",
			map[string]any{"message": "No operation of SecurityHub is bound to GET /findings/import."}},
		{"a body that is not JSON", http.MethodPost, "/findings/import", `{`, 400, "SerializationException",
			map[string]any{"message": "request body: unexpected EOF"}},
		{"a success", http.MethodPost, "/findings/import", `{"Findings":[` + rawFinding(t) + `]}`, 200, "",
			map[string]any{"FailedCount": 0.0, "SuccessCount": 1.0, "FailedFindings": []any{}}},
		{"a finding without a required member (the SDKs refuse to send one)", http.MethodPost, "/findings/import",
			`{"Findings":[` + strings.Replace(rawFinding(t), `"Description":"d",`, "", 1) + `]}`, 200, "",
			map[string]any{"FailedCount": 1.0, "SuccessCount": 0.0, "FailedFindings": []any{map[string]any{
				"Id": "pdr-audit/raw", "ErrorCode": "InvalidInput",
				"ErrorMessage": "Finding does not adhere to Amazon Finding Format. data should have required property 'Description'.",
			}}}},
		{"an unknown member", http.MethodPost, "/findings/import",
			`{"Findings":[` + strings.Replace(rawFinding(t), `"Title":"t",`, `"Title":"t","Colour":"red",`, 1) + `]}`, 200, "",
			map[string]any{"FailedCount": 1.0, "SuccessCount": 0.0, "FailedFindings": []any{map[string]any{
				"Id": "pdr-audit/raw", "ErrorCode": "InvalidInput",
				"ErrorMessage": "Finding does not adhere to Amazon Finding Format. data should NOT have additional properties.",
			}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, run.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+awssim.CallerAccessKeyID+"/20261125/eu-west-1/securityhub/aws4_request, SignedHeaders=host, Signature=0")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			var body map[string]any
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", b, err)
			}
			if res.StatusCode != tt.status || res.Header.Get("X-Amzn-ErrorType") != tt.errType || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("status %d, X-Amzn-ErrorType %q, Content-Type %q; want %d, %q, application/json",
					res.StatusCode, res.Header.Get("X-Amzn-ErrorType"), res.Header.Get("Content-Type"), tt.status, tt.errType)
			}
			if diff := cmp.Diff(tt.wantBody, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func rawFinding(t *testing.T) string {
	t.Helper()
	return `{"SchemaVersion":"2018-10-08","Id":"pdr-audit/raw","ProductArn":"` + demoProduct("eu-west-1") + `",` +
		`"GeneratorId":"g","AwsAccountId":"` + demoAccount + `","Types":["Software and Configuration Checks"],` +
		`"CreatedAt":"2026-11-25T12:00:00Z","UpdatedAt":"2026-11-25T12:00:00Z","Severity":{"Label":"LOW"},` +
		`"Title":"t","Description":"d","Resources":[{"Type":"Other","Id":"r"}]}`
}
