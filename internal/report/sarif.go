package report

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// SARIF output follows SARIF 2.1.0 and the subset GitHub code scanning
// accepts. GitHub matches alerts across uploads by rule id, file path and
// partialFingerprints, so every one of those is derived from the rule and
// the resource only (never from a message, a status or the clock): the
// same finding on the same resource is the same alert run after run.

const (
	// sarifSchemaURI is the OASIS SARIF 2.1.0 (errata 01) schema, the one
	// under testdata the tests validate against.
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// toolInformationURI is pdr-audit's home page.
	toolInformationURI = "https://github.com/pdr-audit/pdr-audit"
	// rulesDocURI documents the built-in rules; each rule has an anchor
	// named after its id in lower case.
	rulesDocURI = "https://github.com/pdr-audit/pdr-audit/blob/main/policies/README.md"
	// fingerprintKey is pdr-audit's own partial fingerprint; bump its
	// version if the hashed fields ever change.
	fingerprintKey = "pdrAudit/v1"
)

// GitHub's limits for one uploaded SARIF file (code scanning rejects an
// upload beyond them). Variables so tests can lower them.
var (
	sarifMaxResults   = 25000
	sarifMaxGzipBytes = 10 << 20
)

// ErrTruncated is wrapped by the warning a writer returns when a format's
// limits made it leave results out. The output it wrote is complete and
// valid; the caller shows the warning (on stderr) and carries on.
var ErrTruncated = errors.New("report truncated")

// TruncatedError says which results a writer left out and why.
type TruncatedError struct {
	// Format is the report format, e.g. "sarif".
	Format string
	// Limit names the limit that was reached.
	Limit string
	// Total is the number of results the format would have held.
	Total int
	// Kept is the number it holds.
	Kept int
	// Dropped counts the results left out by status.
	Dropped map[finding.Status]int
}

// Error names the limit and what was left out, most important first.
func (e *TruncatedError) Error() string {
	var parts []string
	for _, st := range slices.Backward(finding.Statuses) {
		if n := e.Dropped[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return fmt.Sprintf("%s report truncated to %d of %d results (%s); left out: %s",
		e.Format, e.Kept, e.Total, e.Limit, strings.Join(parts, ", "))
}

// Unwrap makes errors.Is(err, ErrTruncated) true.
func (e *TruncatedError) Unwrap() error { return ErrTruncated }

// securitySeverity is GitHub's properties.security-severity of each
// severity: GitHub shows > 9.0 as critical, 7.0–8.9 high, 4.0–6.9 medium,
// 0.1–3.9 low.
var securitySeverity = map[finding.Severity]string{
	finding.Critical: "9.5",
	finding.High:     "8.0",
	finding.Medium:   "5.5",
	finding.Low:      "3.0",
	finding.Info:     "0.0",
}

// sarifLevel is the level of a failing result of severity s.
func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	}
	return "note"
}

// WriteSARIF writes the report as SARIF 2.1.0 for GitHub code scanning:
// one rule per catalog entry, one result per rule and resource (passes
// only with IncludePassed), waived results as accepted suppressions,
// unknown results as kind "open", and coverage gaps as tool execution
// notifications.
//
// Beyond GitHub's limits (25,000 results per run, 10 MB gzipped) it drops
// the least important results (passes, then unknowns, then waived, then
// failures, the least severe first), records that in run.properties, and
// returns a *TruncatedError after writing the whole, valid file.
func WriteSARIF(w io.Writer, r *Report) error {
	results := sarifCandidates(r)
	keep := slices.Clone(results)
	var limit string
	if len(keep) > sarifMaxResults {
		keep = dropLeastImportant(keep, len(keep)-sarifMaxResults)
		limit = fmt.Sprintf("GitHub accepts at most %d results per run", sarifMaxResults)
	}
	var out []byte
	for {
		var err error
		out, err = encodeSARIF(r, keep, len(results), limit)
		if err != nil {
			return err
		}
		size, err := gzipSize(out)
		if err != nil {
			return err
		}
		if size <= sarifMaxGzipBytes || len(keep) == 0 {
			break
		}
		// Drop in proportion to the excess (and at least one result), then
		// measure again.
		n := max(1, int(int64(len(keep))*int64(size-sarifMaxGzipBytes)/int64(size))+len(keep)/100)
		keep = dropLeastImportant(keep, min(n, len(keep)))
		if sizeLimit := fmt.Sprintf("GitHub accepts at most %s of gzipped SARIF per file", byteSize(sarifMaxGzipBytes)); !strings.Contains(limit, sizeLimit) {
			limit = strings.TrimPrefix(limit+"; "+sizeLimit, "; ")
		}
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	if len(keep) < len(results) {
		return &TruncatedError{Format: "sarif", Limit: limit, Total: len(results), Kept: len(keep),
			Dropped: droppedByStatus(results, keep)}
	}
	return nil
}

// sarifCandidates are the results the SARIF file holds before any limit:
// all but the passes, which only come with IncludePassed.
func sarifCandidates(r *Report) []finding.Result {
	out := make([]finding.Result, 0, len(r.Results))
	for _, res := range r.Results {
		if res.Status == finding.Pass && !r.IncludePassed {
			continue
		}
		out = append(out, res)
	}
	return out
}

// keepRank orders statuses by how much a reader needs them when some
// must go: passes go first, then unknowns, then waived results.
func keepRank(s finding.Status) int {
	switch s {
	case finding.Pass:
		return 0
	case finding.Unknown:
		return 1
	case finding.Waived:
		return 2
	case finding.Fail:
		return 3
	}
	return 4 // error
}

// dropLeastImportant removes n results: the lowest keepRank first, then
// the least severe, then the last in report order. The survivors keep
// their order.
func dropLeastImportant(rs []finding.Result, n int) []finding.Result {
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(
			cmp.Compare(keepRank(rs[a].Status), keepRank(rs[b].Status)),
			cmp.Compare(slices.Index(finding.Severities, rs[a].Severity), slices.Index(finding.Severities, rs[b].Severity)),
			-cmp.Compare(a, b))
	})
	drop := make(map[int]bool, n)
	for _, i := range idx[:n] {
		drop[i] = true
	}
	out := make([]finding.Result, 0, len(rs)-n)
	for i, res := range rs {
		if !drop[i] {
			out = append(out, res)
		}
	}
	return out
}

// droppedByStatus counts, by status, the results of all missing from kept
// (kept is a subsequence of all).
func droppedByStatus(all, kept []finding.Result) map[finding.Status]int {
	out := map[finding.Status]int{}
	for _, res := range all {
		out[res.Status]++
	}
	for _, res := range kept {
		out[res.Status]--
	}
	for st, n := range out {
		if n == 0 {
			delete(out, st)
		}
	}
	return out
}

// byteSize is n bytes for a person: "10 MB", "64 KB", "100 bytes".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// gzipSize is the size of b gzipped, as GitHub measures an upload.
func gzipSize(b []byte) (int, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return 0, fmt.Errorf("measure SARIF report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("measure SARIF report: %w", err)
	}
	return buf.Len(), nil
}

// encodeSARIF renders the SARIF log of results; total and limit describe
// a truncation (limit is "" when nothing was left out).
func encodeSARIF(r *Report, results []finding.Result, total int, limit string) ([]byte, error) {
	log, err := sarif.New(sarif.Version210, false)
	if err != nil {
		return nil, fmt.Errorf("write SARIF report: %w", err)
	}
	log.Schema = sarifSchemaURI
	run := sarif.NewRunWithInformationURI(cmp.Or(r.Tool.Name, "pdr-audit"), toolInformationURI)
	if r.Tool.Version != "" {
		run.Tool.Driver.WithVersion(sarifToolVersion(r.Tool.Version))
	}
	ruleIndex := map[string]int{}
	for _, rule := range r.Rules {
		ruleIndex[rule.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule(rule))
	}
	for _, res := range results {
		sr := sarifResult(res, ruleIndex[res.RuleID])
		if state := r.Baseline.SARIFBaselineState(res); state != "" {
			sr.WithBaselineState(state)
		}
		run.Results = append(run.Results, sr)
	}

	inv := run.AddInvocation(true)
	inv.WithEndTimeUTC(r.GeneratedAt)
	for _, g := range r.Gaps {
		inv.AddTToolExecutionNotification(gapNotification(g, ruleIndex))
	}

	props := sarif.Properties{
		"pdrAudit/profile":     r.Profile,
		"pdrAudit/datacenter":  r.Datacenter,
		"pdrAudit/toolVersion": r.Tool.Version,
	}
	if limit != "" {
		dropped := map[string]int{}
		for st, n := range droppedByStatus(sarifCandidates(r), results) {
			dropped[string(st)] = n
		}
		props["pdrAudit/truncated"] = map[string]any{
			"reason":  limit,
			"total":   total,
			"kept":    len(results),
			"dropped": dropped,
		}
	}
	run.Properties = props
	log.AddRun(run)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return nil, fmt.Errorf("write SARIF report: %w", err)
	}
	return buf.Bytes(), nil
}

// sarifToolVersion is a version that starts with a number, as SARIF
// consumers compare them: "v1.2.3" becomes "1.2.3", and a build without a
// release number ("dev") becomes the pre-release "0.0.0-dev". The version
// as given stays in run.properties.
func sarifToolVersion(v string) string {
	if t := strings.TrimPrefix(v, "v"); t != "" && t[0] >= '0' && t[0] <= '9' {
		return t
	}
	return "0.0.0-" + v
}

// sarifRule describes one rule of the catalog.
func sarifRule(rule Rule) *sarif.ReportingDescriptor {
	d := sarif.NewRule(rule.ID).
		WithName(ruleName(rule)).
		WithShortDescription(sarif.NewMultiformatMessageString(cmp.Or(rule.Title, rule.ID))).
		WithFullDescription(sarif.NewMultiformatMessageString(sentence(cmp.Or(rule.Description, rule.Title, rule.ID))))
	help := strings.TrimSpace(rule.Help)
	if help == "" {
		help = sentence(cmp.Or(rule.Description, rule.Title, rule.ID))
	}
	d.WithTextHelp(help).WithMarkdownHelp(help)
	if u := ruleHelpURI(rule.ID); u != "" {
		d.WithHelpURI(u)
	}
	sev := cmp.Or(rule.Severity, finding.Medium)
	d.WithDefaultConfiguration(&sarif.ReportingConfiguration{Level: sarifLevel(sev)})
	props := sarif.Properties{
		"security-severity": cmp.Or(securitySeverity[sev], "5.5"),
		"tags":              []string{"security", "aws", "pdr", ruleArea(rule.ID)},
	}
	if rule.ResourceKind != "" {
		props["pdrAudit/resourceKind"] = rule.ResourceKind
	}
	if rule.Remediation != "" {
		props["pdrAudit/remediation"] = rule.Remediation
	}
	d.WithProperties(props)
	return d
}

// ruleHelpURI is the documentation of a built-in rule; custom rules
// (whose ids do not start with PDR-) have none.
func ruleHelpURI(id string) string {
	if !strings.HasPrefix(id, "PDR-") {
		return ""
	}
	return rulesDocURI + "#" + strings.ToLower(id)
}

// ruleArea is the area of a rule id: "tm" for PDR-TM-001.
func ruleArea(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) >= 3 {
		return strings.ToLower(parts[1])
	}
	return "custom"
}

// ruleName is the rule's title as a PascalCase identifier, the form SARIF
// recommends for reportingDescriptor.name.
func ruleName(rule Rule) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ReplaceAll(rule.Title, "'", ""), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(w)
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(string(rs[1:]))
	}
	if b.Len() == 0 {
		return strings.ReplaceAll(rule.ID, "-", "")
	}
	return b.String()
}

// sarifResult is one result, kind and level from its status.
func sarifResult(res finding.Result, ruleIndex int) *sarif.Result {
	out := sarif.NewRuleResult(res.RuleID).WithRuleIndex(ruleIndex)
	switch res.Status {
	case finding.Fail, finding.Waived:
		out.WithKind("fail").WithLevel(sarifLevel(res.Severity))
	case finding.Error:
		out.WithKind("fail").WithLevel("error")
	case finding.Unknown:
		// SARIF §3.27.10: a result whose kind is not "fail" has level
		// "none"; "open" says the rule could not decide.
		out.WithKind("open").WithLevel("none")
	case finding.Pass:
		out.WithKind("pass").WithLevel("none")
	}
	out.WithMessage(sarif.NewTextMessage(resultText(res)))

	loc := sarifLocation(res)
	out.AddLocation(loc)
	fp := resultFingerprint(res)
	out.WithPartialFingerPrints(map[string]any{
		"primaryLocationLineHash": fp[:16] + ":1",
		fingerprintKey:            fp,
	})
	if res.Status == finding.Waived {
		s := sarif.NewSuppression("external").
			WithStatus("accepted").
			WithGuid(stableUUID(fp + "/suppression")).
			// The suppression applies to this resource; go-sarif writes
			// an unset location as null, which the schema refuses.
			WithLocation(loc)
		if wv := res.Waiver; wv != nil {
			s.WithJustifcation(cmp.Or(wv.Reason, "waived"))
			s.Properties = sarif.Properties{"owner": wv.Owner, "expires": wv.Expires}
		} else {
			s.WithJustifcation("waived")
		}
		out.AddSuppression(s)
	}
	props := sarif.Properties{
		"pdrAudit/status":       string(res.Status),
		"pdrAudit/severity":     string(res.Severity),
		"pdrAudit/account":      res.Account,
		"pdrAudit/region":       res.Region,
		"pdrAudit/resourceId":   res.ResourceID,
		"pdrAudit/resourceType": res.ResourceType,
	}
	if b := res.BlockedBy; b != nil {
		props["pdrAudit/blockedBy"] = b
	}
	out.Properties = props
	return out
}

// sarifLocation is where a result is: a stable pseudo-path that GitHub
// takes for a file, and the resource as a logical location (its ARN when
// it has one).
func sarifLocation(res finding.Result) *sarif.Location {
	phys := sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(resourcePath(res))).
		WithRegion(sarif.NewRegion().WithStartLine(1))
	logical := sarif.NewLogicalLocation().
		WithName(res.ResourceID).
		WithFullyQualifiedName(resourceFQN(res)).
		WithKind("resource")
	return sarif.NewLocationWithPhysicalLocation(phys).WithLogicalLocations([]*sarif.LogicalLocation{logical})
}

// gapNotification reports a read that failed.
func gapNotification(g model.Gap, ruleIndex map[string]int) *sarif.Notification {
	where := g.Account + "/" + g.Region
	if g.Resource != "" {
		where += " for " + g.Resource
	}
	text := fmt.Sprintf("%s could not be read in %s: %s (%s)", g.API, where, g.Class, cmp.Or(g.Code, "no error code"))
	if m := strings.Join(strings.Fields(g.Message), " "); m != "" {
		text += ": " + strings.TrimSuffix(m, ".")
	}
	text += ". The results that need it are unknown."
	n := sarif.NewNotification().WithLevel("warning").WithTextMessage(text)
	if i, ok := ruleIndex[coverageRule]; ok {
		n.WithAssociatedRule(sarif.NewReportingDescriptorReference().WithId(coverageRule).WithIndex(i))
	}
	n.Properties = sarif.Properties{
		"account": g.Account, "region": g.Region, "api": g.API, "class": g.Class, "code": g.Code,
	}
	return n
}

// coverageRule is the rule that reports coverage gaps.
const coverageRule = "PDR-COV-001"

// resultText is a result's message as sentences: the rule's message, the
// component that blocks the path, and the waiver that accepts it.
func resultText(res finding.Result) string {
	msg := strings.Join(strings.Fields(res.Message), " ")
	parts := []string{sentence(cmp.Or(msg, string(res.Status)))}
	if b := res.BlockedBy; b != nil {
		parts = append(parts, sentence(blockedByText(b, msg)))
	}
	if wv := res.Waiver; wv != nil {
		parts = append(parts, sentence(fmt.Sprintf("Waived until %s by %s: %s", wv.Expires, wv.Owner, wv.Reason)))
	}
	return strings.Join(parts, " ")
}

// blockedByText names the blocking component, with its rule or reason
// unless the message already says it.
func blockedByText(b *finding.Component, msg string) string {
	what := b.Kind
	if b.Direction != "" {
		what += " " + b.Direction
	}
	text := "Blocked by " + b.ID + " (" + what + ")"
	if b.Rule != "" && !strings.Contains(msg, b.Rule) {
		text += ", " + b.Rule
	}
	if b.Reason != "" && !strings.Contains(msg, b.Reason) {
		text += ": " + b.Reason
	}
	return text
}

// sentence ends s with a period unless it ends with punctuation already.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") {
		return s
	}
	return s + "."
}

// resultFingerprint is the hex SHA-256 of what identifies a result across
// runs: rule, account, region and resource. Never the message: a message
// that changes (a new blocking rule, a new count) is still the same alert.
func resultFingerprint(res finding.Result) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{res.RuleID, res.Account, res.Region, res.ResourceID}, "\x00")))
	return hex.EncodeToString(sum[:])
}

// stableUUID derives a version-5-shaped UUID from s, so the same input
// always gets the same GUID.
func stableUUID(s string) string {
	sum := sha256.Sum256([]byte(s))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ec2ARNTypes maps resource types to the resource part of their EC2 ARN.
var ec2ARNTypes = map[string]string{
	"instance":         "instance",
	"vpc":              "vpc",
	"subnet":           "subnet",
	"security-group":   "security-group",
	"network-acl":      "network-acl",
	"route-table":      "route-table",
	"nat-gateway":      "natgateway",
	"internet-gateway": "internet-gateway",
	"vpc-endpoint":     "vpc-endpoint",
}

// resourceARN is the ARN of a result's resource, or "" for the
// pseudo-resources (a VPC's zone, an API) and unplaced resources.
func resourceARN(res finding.Result) string {
	typ, ok := ec2ARNTypes[res.ResourceType]
	if !ok || res.Account == "" || res.Region == "" || res.Region == "global" || res.ResourceID == "" {
		return ""
	}
	return fmt.Sprintf("arn:%s:ec2:%s:%s:%s/%s", awsPartition(res.Region), res.Region, res.Account, typ, res.ResourceID)
}

// awsPartition is the partition of a region code. A region carries its
// partition in its name, so no lookup is needed.
func awsPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	}
	return "aws"
}

// localID is a resource's id without the "<account>/<region>/" prefix
// that API pseudo-resources carry.
func localID(res finding.Result) string {
	return strings.TrimPrefix(res.ResourceID, res.Account+"/"+res.Region+"/")
}

// resourceFQN is the resource's ARN, or for a pseudo-resource
// "<account>/<region>/<type>/<id>".
func resourceFQN(res finding.Result) string {
	if arn := resourceARN(res); arn != "" {
		return arn
	}
	return strings.Join([]string{cmp.Or(res.Account, "-"), cmp.Or(res.Region, "-"), cmp.Or(res.ResourceType, "resource"), localID(res)}, "/")
}

// resourcePath is the pseudo-path "aws/<account>/<region>/<type>/<id>"
// that stands for the resource's file in SARIF: a relative URI, each
// segment escaped, stable as long as the resource is.
func resourcePath(res finding.Result) string {
	segs := []string{"aws", cmp.Or(res.Account, "-"), cmp.Or(res.Region, "-"), cmp.Or(res.ResourceType, "resource")}
	segs = append(segs, strings.Split(cmp.Or(localID(res), "-"), "/")...)
	for i, s := range segs {
		segs[i] = url.PathEscape(cmp.Or(s, "-"))
	}
	return strings.Join(segs, "/")
}
