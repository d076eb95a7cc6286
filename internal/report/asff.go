package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

// ASFF is the AWS Security Finding Format that Security Hub's
// BatchImportFindings takes. pdr-audit imports as a custom integration:
// its findings carry the account's own default product ARN.

// ASFF field limits (AWS Security Hub API reference, AwsSecurityFinding
// and its members).
const (
	asffSchemaVersion  = "2018-10-08"
	asffMaxID          = 512
	asffMaxTitle       = 256
	asffMaxDescription = 1024
	asffMaxRemediation = 512
	asffMaxFieldValue  = 2048
)

// asffType is the finding type of every pdr-audit finding.
const asffType = "Software and Configuration Checks/AWS Security Best Practices"

// ASFFFindings is the body of a BatchImportFindings request. The API
// takes at most 100 findings per call; whoever uploads the file sends it
// in batches.
type ASFFFindings struct {
	Findings []ASFFFinding `json:"Findings"`
}

// ASFFFinding is one AwsSecurityFinding, with the members pdr-audit sets.
type ASFFFinding struct {
	SchemaVersion string            `json:"SchemaVersion"`
	ID            string            `json:"Id"`
	ProductArn    string            `json:"ProductArn"`
	ProductName   string            `json:"ProductName"`
	GeneratorID   string            `json:"GeneratorId"`
	AwsAccountID  string            `json:"AwsAccountId"`
	Types         []string          `json:"Types"`
	CreatedAt     string            `json:"CreatedAt"`
	UpdatedAt     string            `json:"UpdatedAt"`
	Severity      ASFFSeverity      `json:"Severity"`
	Title         string            `json:"Title"`
	Description   string            `json:"Description"`
	Remediation   *ASFFRemediation  `json:"Remediation,omitempty"`
	SourceURL     string            `json:"SourceUrl,omitempty"`
	ProductFields map[string]string `json:"ProductFields,omitempty"`
	Resources     []ASFFResource    `json:"Resources"`
	Compliance    ASFFCompliance    `json:"Compliance"`
	Workflow      ASFFWorkflow      `json:"Workflow"`
	RecordState   string            `json:"RecordState"`
}

// ASFFSeverity is a finding's severity: Label is Security Hub's, Original
// pdr-audit's.
type ASFFSeverity struct {
	Label    string `json:"Label"`
	Original string `json:"Original,omitempty"`
}

// ASFFRemediation says how to fix a finding.
type ASFFRemediation struct {
	Recommendation ASFFRecommendation `json:"Recommendation"`
}

// ASFFRecommendation is the text and link of a remediation.
type ASFFRecommendation struct {
	Text string `json:"Text"`
	URL  string `json:"Url,omitempty"`
}

// ASFFResource is a resource a finding is about.
type ASFFResource struct {
	Type      string `json:"Type"`
	ID        string `json:"Id"`
	Partition string `json:"Partition,omitempty"`
	Region    string `json:"Region,omitempty"`
}

// ASFFCompliance is the outcome of the check.
type ASFFCompliance struct {
	Status string `json:"Status"`
}

// ASFFWorkflow is the state of the investigation.
type ASFFWorkflow struct {
	Status string `json:"Status"`
}

// asffSeverityLabel maps severities to Security Hub's labels.
var asffSeverityLabel = map[finding.Severity]string{
	finding.Info:     "INFORMATIONAL",
	finding.Low:      "LOW",
	finding.Medium:   "MEDIUM",
	finding.High:     "HIGH",
	finding.Critical: "CRITICAL",
}

// asffResourceTypes maps resource types to Security Hub's; any other is
// "Other".
var asffResourceTypes = map[string]string{
	"instance":       "AwsEc2Instance",
	"vpc":            "AwsEc2Vpc",
	"subnet":         "AwsEc2Subnet",
	"security-group": "AwsEc2SecurityGroup",
	"network-acl":    "AwsEc2NetworkAcl",
}

// WriteASFF writes the report as the JSON body of a Security Hub
// BatchImportFindings request ({"Findings": [...]}, usable with `aws
// securityhub batch-import-findings --cli-input-json` up to 100 findings).
// Every result but the passes is a finding (passes too with
// IncludePassed). Ids are stable (pdr-audit/<rule>/<account>/<region>/
// <resource>), so a later import updates the same finding; long texts are
// cut to Security Hub's limits.
func WriteASFF(w io.Writer, r *Report) error {
	doc := ASFFFindings{Findings: []ASFFFinding{}}
	stamp := r.GeneratedAt.UTC().Format(time.RFC3339)
	rules := map[string]Rule{}
	for _, rule := range r.Rules {
		rules[rule.ID] = rule
	}
	for _, res := range r.Results {
		if res.Status == finding.Pass && !r.IncludePassed {
			continue
		}
		doc.Findings = append(doc.Findings, asffFinding(r, rules[res.RuleID], res, stamp))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write ASFF report: %w", err)
	}
	return nil
}

func asffFinding(r *Report, rule Rule, res finding.Result, stamp string) ASFFFinding {
	region := asffRegion(res.Region)
	partition := awsPartition(region)
	f := ASFFFinding{
		SchemaVersion: asffSchemaVersion,
		ID:            asffID(res),
		ProductArn:    fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, region, res.Account, res.Account),
		ProductName:   cmp.Or(r.Tool.Name, "pdr-audit"),
		GeneratorID:   truncateRunes(res.RuleID, asffMaxID),
		AwsAccountID:  res.Account,
		Types:         []string{asffType},
		CreatedAt:     stamp,
		UpdatedAt:     stamp,
		Severity:      ASFFSeverity{Label: cmp.Or(asffSeverityLabel[res.Severity], "MEDIUM"), Original: string(res.Severity)},
		Title:         truncateRunes(res.RuleID+" "+cmp.Or(rule.Title, res.Title), asffMaxTitle),
		Description:   truncateRunes(asffDescription(res), asffMaxDescription),
		SourceURL:     ruleHelpURI(res.RuleID),
		Resources:     asffResources(res, partition),
		Compliance:    ASFFCompliance{Status: asffCompliance(res.Status)},
		Workflow:      ASFFWorkflow{Status: "NEW"},
		RecordState:   "ACTIVE",
	}
	switch res.Status {
	case finding.Pass:
		// Security Hub's own checks report a pass as an informational,
		// resolved finding.
		f.Severity.Label = "INFORMATIONAL"
		f.Workflow.Status = "RESOLVED"
	case finding.Waived:
		f.Workflow.Status = "SUPPRESSED"
	}
	if text := fixText(rule); text != "" {
		f.Remediation = &ASFFRemediation{Recommendation: ASFFRecommendation{
			Text: truncateRunes(text, asffMaxRemediation), URL: ruleHelpURI(rule.ID)}}
	}
	fields := map[string]string{
		"pdr-audit/Status":       string(res.Status),
		"pdr-audit/ResourceId":   res.ResourceID,
		"pdr-audit/ResourceType": res.ResourceType,
		"pdr-audit/Profile":      r.Profile,
		"pdr-audit/Datacenter":   r.Datacenter,
		"pdr-audit/ToolVersion":  r.Tool.Version,
	}
	if b := res.BlockedBy; b != nil {
		fields["pdr-audit/BlockedBy"] = b.ID
		fields["pdr-audit/BlockedByKind"] = b.Kind
	}
	if wv := res.Waiver; wv != nil {
		fields["pdr-audit/WaiverReason"] = wv.Reason
		fields["pdr-audit/WaiverOwner"] = wv.Owner
		fields["pdr-audit/WaiverExpires"] = wv.Expires
	}
	f.ProductFields = map[string]string{}
	for k, v := range fields {
		if v != "" {
			f.ProductFields[k] = truncateRunes(v, asffMaxFieldValue)
		}
	}
	return f
}

// asffID is a finding's stable id, pdr-audit/<rule>/<account>/<region>/
// <resource>; one too long for Security Hub keeps its start and ends with
// a hash of the whole.
func asffID(res finding.Result) string {
	id := strings.Join([]string{"pdr-audit", res.RuleID, res.Account, res.Region, localID(res)}, "/")
	if len(id) <= asffMaxID {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	tail := "/" + hex.EncodeToString(sum[:16])
	return truncateBytes(id, asffMaxID-len(tail)) + tail
}

// asffRegion is the region a finding is imported in: its own, or
// us-east-1 for a global read (IAM, Organizations), which has no region
// of its own; whoever imports into another home region rewrites
// ProductArn.
func asffRegion(region string) string {
	switch region {
	case "", "global":
		return "us-east-1"
	}
	return region
}

// asffDescription is the result's message with the blocking component
// and the waiver.
func asffDescription(res finding.Result) string {
	text := resultText(res)
	if res.Status == finding.Unknown {
		text = "Unknown: " + text
	}
	return cmp.Or(text, res.RuleID)
}

// asffResources is the resource a finding is about (and, for a VPC's
// zone, the VPC too).
func asffResources(res finding.Result, partition string) []ASFFResource {
	region := ""
	if res.Region != "global" {
		region = res.Region
	}
	main := ASFFResource{Type: "Other", ID: resourceFQN(res), Partition: partition, Region: region}
	if arn := resourceARN(res); arn != "" {
		main.Type = cmp.Or(asffResourceTypes[res.ResourceType], "Other")
		main.ID = arn
	}
	out := []ASFFResource{main}
	if res.ResourceType == "vpc-az" {
		if vpc, _, ok := strings.Cut(res.ResourceID, "/"); ok {
			if arn := resourceARN(finding.Result{ResourceType: "vpc", ResourceID: vpc, Account: res.Account, Region: res.Region}); arn != "" {
				out = append(out, ASFFResource{Type: "AwsEc2Vpc", ID: arn, Partition: partition, Region: region})
			}
		}
	}
	return out
}

// asffCompliance maps a status to Security Hub's compliance status: a
// waived result still failed; an unknown one could not be fully checked
// (WARNING); an error one could not be checked at all (NOT_AVAILABLE).
func asffCompliance(s finding.Status) string {
	switch s {
	case finding.Pass:
		return "PASSED"
	case finding.Fail, finding.Waived:
		return "FAILED"
	case finding.Unknown:
		return "WARNING"
	}
	return "NOT_AVAILABLE"
}

// fixText is how to fix a rule's failures, in plain text: the "To fix"
// paragraph of its help, or its remediation action.
func fixText(rule Rule) string {
	for _, para := range strings.Split(rule.Help, "\n\n") {
		if i := strings.Index(para, "**To fix:**"); i >= 0 {
			text := strings.Join(strings.Fields(para[i+len("**To fix:**"):]), " ")
			text = strings.NewReplacer("**", "", "`", "").Replace(text)
			if text != "" {
				return strings.ToUpper(text[:1]) + text[1:]
			}
		}
	}
	switch rule.Remediation {
	case "":
		return ""
	case "manual":
		if u := ruleHelpURI(rule.ID); u != "" {
			return "Fix manually; see " + u
		}
		return "Fix manually."
	}
	return "Remediation action: " + rule.Remediation + "."
}

// truncateRunes cuts s to at most n characters, ending with an ellipsis
// when it cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// truncateBytes cuts s to at most n bytes on a character boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
