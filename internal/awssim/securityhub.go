package awssim

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pdr-audit/pdr-audit/internal/awssim/fault"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

// Security Hub's BatchImportFindings, as AWS documents it (API Reference
// BatchImportFindings; User Guide "BatchImportFindings for finding
// providers" and "AWS Security Finding Format"; Partner Guide "Guidelines
// for using the BatchImportFindings API"):
//
//   - A request holds 1 to 100 findings, else InvalidInputException for
//     the whole request; a batch over 6 MB is refused the same way.
//   - The caller's account must be the account of every finding
//     (AwsAccountId) and of the product it imports as (the account in a
//     custom integration's ProductArn,
//     arn:aws:securityhub:<region>:<account>:product/<account>/default).
//     Otherwise the whole request is denied with AccessDeniedException
//     naming the ProductArn, as AWS answers (prowler-cloud/prowler#867,
//     aws-samples/automated-security-helper-pipeline#1).
//   - Each finding is then checked on its own and, when it fails, listed
//     in FailedFindings {Id, ErrorCode, ErrorMessage} while the others are
//     imported. A finding that breaks the format fails with InvalidInput
//     and AWS's "Finding does not adhere to Amazon Finding Format. …"
//     message (cloud-custodian/cloud-custodian#4234, prowler-cloud/prowler#778,
//     aquasecurity/kube-bench#903); one whose product is not enabled in this
//     account and region (another region's ProductArn, or a partner
//     product) fails with InvalidAccess, as the User Guide says.
//   - An imported finding is stored under (ProductArn, Id): a second import
//     updates it, except for Note, UserDefinedFields, VerificationState and
//     Workflow, which BatchImportFindings cannot change once the finding
//     exists.
//
// The simulator's own wording (AWS documents the rule, not the message):
// the batch size and 6 MB refusals, the 240 KB finding size, an UpdatedAt
// earlier than CreatedAt, a malformed ProductArn, and InvalidAccess.

// Limits of BatchImportFindings.
const (
	hubMaxFindings    = 100
	hubMaxBatchBytes  = 6 << 20
	hubMaxFindingSize = 240 << 10
	hubSchemaVersion  = "2018-10-08"
	hubFindingShape   = "AwsSecurityFinding"
	hubFormatError    = "Finding does not adhere to Amazon Finding Format. "
	hubResourcesLimit = 32
	hubTypesLimit     = 50
)

// hubLengths are ASFF's documented maximum lengths of top-level strings.
var hubLengths = map[string]int{"Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024}

// hubDates are the ASFF members that hold ISO 8601 date-times.
var hubDates = []string{"CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"}

// hubKeep are the members an import cannot change once a finding exists.
var hubKeep = []string{"Note", "UserDefinedFields", "VerificationState", "Workflow"}

var (
	accountIDRe  = regexp.MustCompile(`^[0-9]{12}$`)
	productARNRe = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]+):([0-9]{12})?:product/([^/]+)/([^/]+)$`)
)

// hubStore holds the findings BatchImportFindings received, per account
// and region.
type hubStore struct {
	mu       sync.Mutex
	findings map[hubKey]map[string]any
}

// hubKey identifies a stored finding: Security Hub keys findings by
// ProductArn and Id, in the account and region that imported them.
type hubKey struct {
	Account, Region, ProductArn, ID string
}

func newHubStore() *hubStore { return &hubStore{findings: map[hubKey]map[string]any{}} }

// SecurityHubFindings returns the findings imported into account's Security
// Hub in region, sorted by Id (then ProductArn): each as its last import
// sent it, with the fields an import cannot change kept from the first.
// Tests read it to check what an uploader delivered.
func (s *Server) SecurityHubFindings(account, region string) []map[string]any {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	var keys []hubKey
	for k := range s.hub.findings {
		if k.Account == account && k.Region == region {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ID != keys[j].ID {
			return keys[i].ID < keys[j].ID
		}
		return keys[i].ProductArn < keys[j].ProductArn
	})
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, maps.Clone(s.hub.findings[k]))
	}
	return out
}

// put stores a finding, keeping what an import may not change.
func (h *hubStore) put(k hubKey, f map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f = maps.Clone(f)
	if old, ok := h.findings[k]; ok {
		for _, m := range hubKeep {
			if v, had := old[m]; had {
				f[m] = v
			} else {
				delete(f, m)
			}
		}
	}
	h.findings[k] = f
}

func batchImportFindings(s *Server, c *call) (map[string]any, *APIError) {
	raw, ok := c.Input["Findings"]
	if !ok {
		return nil, apiErr("InvalidInputException", "Invalid request: Findings is required.")
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, apiErr("InvalidInputException", "Invalid request: Findings must be a list of findings.")
	}
	if len(list) < 1 || len(list) > hubMaxFindings {
		return nil, apiErr("InvalidInputException", "Invalid request: Findings must hold 1 to %d findings; it holds %d.", hubMaxFindings, len(list))
	}
	if b, err := json.Marshal(list); err == nil && len(b) > hubMaxBatchBytes {
		return nil, apiErr("InvalidInputException", "Invalid request: the batch is %d bytes; Security Hub takes at most 6 MB per batch.", len(b))
	}
	// Authorization covers the whole request, before any finding is read.
	for _, e := range list {
		f, _ := e.(map[string]any)
		arn, _ := f["ProductArn"].(string)
		acct, _ := f["AwsAccountId"].(string)
		m := productARNRe.FindStringSubmatch(arn)
		if m != nil && m[3] != "" && m[3] != c.Account || accountIDRe.MatchString(acct) && acct != c.Account {
			return nil, &APIError{Code: "AccessDeniedException", Message: fault.Message(fault.RestJSON, "AccessDeniedException",
				fault.Details{Principal: c.principal(), Action: "securityhub:BatchImportFindings", Resource: arn})}
		}
	}
	c.Items = len(list)
	failed := []any{}
	imported := 0
	for _, e := range list {
		f, _ := e.(map[string]any)
		id, _ := f["Id"].(string)
		if code, msg := checkFinding(c, f); code != "" {
			failed = append(failed, map[string]any{"Id": id, "ErrorCode": code, "ErrorMessage": msg})
			continue
		}
		s.hub.put(hubKey{Account: c.Account, Region: c.Region, ProductArn: f["ProductArn"].(string), ID: id}, f)
		imported++
	}
	return map[string]any{"FailedCount": len(failed), "SuccessCount": imported, "FailedFindings": failed}, nil
}

// checkFinding returns the error code and message a finding fails with,
// or "" when Security Hub would import it.
func checkFinding(c *call, f map[string]any) (code, msg string) {
	if f == nil {
		return "InvalidInput", hubFormatError + "data should be object."
	}
	ref := &simmodel.ShapeRef{Shape: hubFindingShape}
	if problem := checkASFF(c.Model, ref, f, "data"); problem != "" {
		return "InvalidInput", hubFormatError + problem + "."
	}
	if err := validateDoc(c.Model, ref, f, "data"); err != nil {
		return "InvalidInput", hubFormatError + err.Error() + "."
	}
	if b, err := json.Marshal(f); err == nil && len(b) > hubMaxFindingSize {
		return "InvalidInput", fmt.Sprintf("The finding is %d bytes; Security Hub takes findings of at most 240 KB.", len(b))
	}
	created, _ := time.Parse(time.RFC3339Nano, f["CreatedAt"].(string))
	updated, _ := time.Parse(time.RFC3339Nano, f["UpdatedAt"].(string))
	if updated.Before(created) {
		return "InvalidInput", "UpdatedAt must not be earlier than CreatedAt."
	}
	arn := f["ProductArn"].(string)
	m := productARNRe.FindStringSubmatch(arn)
	if m == nil {
		return "InvalidInput", fmt.Sprintf("ProductArn %q is not a Security Hub product ARN (arn:aws:securityhub:<region>:<account>:product/<account>/default for a custom integration).", arn)
	}
	if m[2] != c.Region || m[3] != c.Account || m[4] != c.Account || m[5] != "default" {
		return "InvalidAccess", fmt.Sprintf("Account %s is not enabled to import findings from product %s in %s.", c.Account, arn, c.Region)
	}
	return "", ""
}

// checkASFF checks what the format requires beyond member types: the
// required members, at any depth; Severity and Types, unless
// FindingProviderFields gives them; non-blank strings, enumerations and
// the model's list bounds; the schema version, account id, date-times,
// string lengths and list sizes ASFF documents. It returns the problem in
// AWS's words ("data.Title should NOT be longer than 256 characters"), or
// "".
func checkASFF(m *simmodel.Model, ref *simmodel.ShapeRef, f map[string]any, path string) string {
	sh := m.Shape(ref.Shape)
	for _, r := range sh.Required {
		if _, ok := f[r]; !ok {
			return fmt.Sprintf("%s should have required property '%s'", path, r)
		}
	}
	provider, _ := f["FindingProviderFields"].(map[string]any)
	for _, r := range []string{"Severity", "Types"} {
		if _, ok := f[r]; ok {
			continue
		}
		if _, ok := provider[r]; !ok {
			return path + " should have required property 'FindingProviderFields', " + path + " should match some schema in anyOf"
		}
	}
	if p := checkShape(m, ref, f, path); p != "" {
		return p
	}
	if v, _ := f["SchemaVersion"].(string); v != hubSchemaVersion {
		return path + ".SchemaVersion should be equal to one of the allowed values"
	}
	if v, _ := f["AwsAccountId"].(string); !accountIDRe.MatchString(v) {
		return path + `.AwsAccountId should match pattern "^[0-9]{12}$"`
	}
	for _, d := range hubDates {
		if v, ok := f[d].(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return fmt.Sprintf(`%s.%s should match format "date-time"`, path, d)
			}
		}
	}
	for _, name := range []string{"Id", "GeneratorId", "Title", "Description"} {
		if v, ok := f[name].(string); ok && utf8.RuneCountInString(v) > hubLengths[name] {
			return fmt.Sprintf("%s.%s should NOT be longer than %d characters", path, name, hubLengths[name])
		}
	}
	if rem, ok := f["Remediation"].(map[string]any); ok {
		if rec, ok := rem["Recommendation"].(map[string]any); ok {
			if v, ok := rec["Text"].(string); ok && utf8.RuneCountInString(v) > 512 {
				return path + ".Remediation.Recommendation.Text should NOT be longer than 512 characters"
			}
		}
	}
	if res, ok := f["Resources"].([]any); ok {
		switch {
		case len(res) < 1:
			return path + ".Resources should NOT have fewer than 1 items"
		case len(res) > hubResourcesLimit:
			return fmt.Sprintf("%s.Resources should NOT have more than %d items", path, hubResourcesLimit)
		}
	}
	if types, ok := f["Types"].([]any); ok && len(types) > hubTypesLimit {
		return fmt.Sprintf("%s.Types should NOT have more than %d items", path, hubTypesLimit)
	}
	return ""
}

// checkShape walks a value of shape ref for the constraints the model
// states: required members, no member the shape lacks, non-blank strings
// (pattern .*\S.*), enums and list bounds. Type mismatches are left to
// validateDoc.
func checkShape(m *simmodel.Model, ref *simmodel.ShapeRef, v any, path string) string {
	sh := m.Shape(ref.Shape)
	switch sh.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok || sh.Document {
			return ""
		}
		for _, r := range sh.Required {
			if _, ok := obj[r]; !ok {
				return fmt.Sprintf("%s should have required property '%s'", path, r)
			}
		}
		for _, mn := range sortedKeys(obj) {
			mref, ok := sh.Members[mn]
			if !ok {
				return path + " should NOT have additional properties"
			}
			if obj[mn] != nil {
				if p := checkShape(m, mref, obj[mn], path+"."+mn); p != "" {
					return p
				}
			}
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return ""
		}
		if sh.Min != nil && float64(len(arr)) < *sh.Min {
			return fmt.Sprintf("%s should NOT have fewer than %g items", path, *sh.Min)
		}
		if sh.Max != nil && float64(len(arr)) > *sh.Max {
			return fmt.Sprintf("%s should NOT have more than %g items", path, *sh.Max)
		}
		for i, e := range arr {
			if p := checkShape(m, sh.Member, e, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		for _, k := range sortedKeys(obj) {
			if p := checkShape(m, sh.Value, obj[k], path+"."+k); p != "" {
				return p
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return ""
		}
		if sh.Pattern == `.*\S.*` && strings.TrimSpace(str) == "" {
			return path + " should NOT be shorter than 1 characters"
		}
		if len(sh.Enum) > 0 && !slices.Contains(sh.Enum, str) {
			return path + " should be equal to one of the allowed values"
		}
	}
	return ""
}
