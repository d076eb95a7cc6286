package remediate

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// tfProviderVersion is the hashicorp/aws provider constraint the export
// writes: the standalone aws_vpc_security_group_*_rule resources it uses
// are stable from provider 5 on.
const tfProviderVersion = ">= 5.0"

// tfGlobalRegion is the region of the provider that carries an account's
// IAM changes when the plan changes nothing regional in that account.
const tfGlobalRegion = "us-east-1"

// Terraform renders the plan's changes as one Terraform configuration file
// (HCL) for the hashicorp/aws provider, so a team that manages its
// infrastructure as code can review and apply them through Terraform
// instead of `pdr-audit apply`.
//
// The file declares one aliased provider per account and region the plan
// changes, pinned to its account with allowed_account_ids, and one
// resource per rule, entry, endpoint, attachment or instance the plan
// adds, each preceded by a comment naming its change, summary and rules.
// Associating an instance profile has no Terraform resource for an
// instance Terraform does not manage, so those changes and the plan's
// skipped failures are written as comments with the manual step.
//
// The output is deterministic (the same plan gives the same bytes) and in
// canonical `terraform fmt` layout. A change whose action is unknown, or
// that lacks the details its action needs, is an error naming the change.
func Terraform(p *Plan) ([]byte, error) {
	if p == nil {
		return nil, errors.New("terraform export: no plan")
	}
	providers, err := tfPlanProviders(p.Changes)
	if err != nil {
		return nil, fmt.Errorf("terraform export: %w", err)
	}

	f := hclwrite.NewEmptyFile()
	w := &tfWriter{body: f.Body(), labels: map[string]bool{}}
	w.header(p, len(providers.list) > 0)
	w.blank()
	w.requiredProviders()
	for _, pr := range providers.list {
		w.blank()
		w.provider(pr)
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if err := w.change(c, providers.aliasFor(c)); err != nil {
			return nil, fmt.Errorf("terraform export: change %s: %w", tfChangeName(c, i), err)
		}
	}
	if len(p.Skipped) > 0 {
		w.blank()
		w.skipped(p.Skipped)
	}
	return hclwrite.Format(f.Bytes()), nil
}

// tfChangeName names a change in an error: its id, or its position when it
// has none.
func tfChangeName(c *Change, i int) string {
	if c.ID == "" {
		return fmt.Sprintf("#%d (no id)", i+1)
	}
	return c.ID
}

// tfProvider is one aliased aws provider configuration.
type tfProvider struct {
	Alias   string
	Account string
	Region  string
}

// tfProviderSet is the providers a plan needs, in output order, and which
// one each (account, region) uses.
type tfProviderSet struct {
	list []tfProvider
	// byKey maps "account|region" to an alias; "account|global" maps to
	// the alias that carries the account's IAM changes.
	byKey map[string]string
}

func (s tfProviderSet) aliasFor(c *Change) string {
	return s.byKey[c.Account+"|"+c.Region]
}

// tfEmitsResources reports whether a change becomes Terraform resources
// (and so needs a provider). Associating an instance profile is written
// as a comment only.
func tfEmitsResources(a Action) bool {
	return a != AssociateInstanceProfile
}

// tfPlanProviders works out one provider per (account, region) that the
// plan's resources live in. An account's IAM changes (region "global")
// use the provider of the account's first region in sort order, or an
// "a<account>_global" provider in us-east-1 when the plan changes nothing
// regional in that account.
func tfPlanProviders(changes []Change) (tfProviderSet, error) {
	regions := map[string]map[string]bool{}
	global := map[string]bool{}
	for i := range changes {
		c := &changes[i]
		if c.Account == "" {
			return tfProviderSet{}, fmt.Errorf("change %s has no account", tfChangeName(c, i))
		}
		if c.Region == "" {
			return tfProviderSet{}, fmt.Errorf("change %s has no region", tfChangeName(c, i))
		}
		if !tfEmitsResources(c.Action) {
			continue
		}
		if c.Region == "global" {
			global[c.Account] = true
			continue
		}
		if regions[c.Account] == nil {
			regions[c.Account] = map[string]bool{}
		}
		regions[c.Account][c.Region] = true
	}

	accounts := make([]string, 0, len(regions)+len(global))
	for a := range regions {
		accounts = append(accounts, a)
	}
	for a := range global {
		if regions[a] == nil {
			accounts = append(accounts, a)
		}
	}
	sort.Strings(accounts)

	set := tfProviderSet{byKey: map[string]string{}}
	for _, acct := range accounts {
		rs := make([]string, 0, len(regions[acct]))
		for r := range regions[acct] {
			rs = append(rs, r)
		}
		sort.Strings(rs)
		for _, r := range rs {
			alias := tfIdent("a" + acct + "_" + r)
			set.list = append(set.list, tfProvider{Alias: alias, Account: acct, Region: r})
			set.byKey[acct+"|"+r] = alias
		}
		if !global[acct] {
			continue
		}
		if len(rs) > 0 {
			set.byKey[acct+"|global"] = set.byKey[acct+"|"+rs[0]]
			continue
		}
		alias := tfIdent("a" + acct + "_global")
		set.list = append(set.list, tfProvider{Alias: alias, Account: acct, Region: tfGlobalRegion})
		set.byKey[acct+"|global"] = alias
	}
	return set, nil
}

// tfWriter appends comments and blocks to one file body and hands out
// unique resource labels.
type tfWriter struct {
	body   *hclwrite.Body
	labels map[string]bool
}

// comment appends "# line" comments; a text with newlines becomes several
// lines, an empty line a bare "#".
func (w *tfWriter) comment(lines ...string) {
	var toks hclwrite.Tokens
	for _, l := range lines {
		for _, part := range tfCommentLines(l) {
			text := strings.TrimRight("# "+part, " ")
			toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte(text + "\n")})
		}
	}
	w.body.AppendUnstructuredTokens(toks)
}

// tfCommentLines splits text into comment lines: one per line of text,
// control characters replaced by spaces, trailing spaces removed.
func tfCommentLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		p = strings.Map(func(r rune) rune {
			if !unicode.IsPrint(r) {
				return ' '
			}
			return r
		}, p)
		parts[i] = strings.TrimRight(p, " ")
	}
	return parts
}

func (w *tfWriter) blank() { w.body.AppendNewline() }

// label returns a resource label made of parts: lower case, every run of
// characters other than letters and digits one underscore, starting with
// a letter, and not used before in this file (a repeat gets _2, _3, …).
func (w *tfWriter) label(parts ...string) string {
	base := tfIdent(strings.Join(parts, "_"))
	l := base
	for n := 2; w.labels[l]; n++ {
		l = base + "_" + strconv.Itoa(n)
	}
	w.labels[l] = true
	return l
}

// tfIdent turns s into a readable Terraform identifier: lower case ASCII
// letters, digits and single underscores, starting with a letter.
func tfIdent(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
			continue
		}
		under = true
	}
	out := b.String()
	if out == "" || !unicode.IsLetter(rune(out[0])) {
		out = "r_" + out
	}
	return strings.TrimSuffix(out, "_")
}

func (w *tfWriter) header(p *Plan, hasResources bool) {
	tool := "pdr-audit"
	if p.ToolVersion != "" {
		tool += " " + p.ToolVersion
	}
	digest := p.Digest
	if digest == "" {
		digest = "(none)"
	}
	accounts := p.Accounts
	if len(accounts) == 0 {
		accounts = tfPlanAccounts(p)
	}
	acctText := "no accounts"
	if len(accounts) > 0 {
		acctText = "accounts " + strings.Join(accounts, ", ")
	}
	lines := []string{
		fmt.Sprintf("Generated by %s from plan digest %s, for %s.", tool, digest, acctText),
	}
	var made []string
	if p.SnapshotDigest != "" {
		made = append(made, "snapshot "+p.SnapshotDigest)
	}
	if p.Profile != "" {
		made = append(made, "profile "+p.Profile)
	}
	if !p.CreatedAt.IsZero() {
		made = append(made, "planned "+p.CreatedAt.UTC().Format(time.RFC3339))
	}
	if len(made) > 0 {
		lines = append(lines, "Made from "+strings.Join(made, ", ")+".")
	}
	lines = append(lines, "")
	if hasResources {
		lines = append(lines,
			"Every resource below is new: the plan only adds rules, entries, endpoints,",
			"attachments and instances, and imports or modifies nothing that exists.",
			"Unlike `pdr-audit apply`, Terraform does not check that each target still",
			"looks as it did when the plan was made; review `terraform plan` first.",
		)
	} else {
		lines = append(lines,
			"The plan has no change that Terraform can make; the comments below say",
			"what to do instead.",
		)
	}
	w.comment(lines...)
}

// tfPlanAccounts is the sorted accounts of the plan's changes and skipped
// failures, for a plan that does not list them.
func tfPlanAccounts(p *Plan) []string {
	seen := map[string]bool{}
	var out []string
	add := func(a string) {
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, c := range p.Changes {
		add(c.Account)
	}
	for _, s := range p.Skipped {
		add(s.Account)
	}
	sort.Strings(out)
	return out
}

func (w *tfWriter) requiredProviders() {
	tf := w.body.AppendNewBlock("terraform", nil).Body()
	rp := tf.AppendNewBlock("required_providers", nil).Body()
	rp.SetAttributeValue("aws", cty.ObjectVal(map[string]cty.Value{
		"source":  cty.StringVal("hashicorp/aws"),
		"version": cty.StringVal(tfProviderVersion),
	}))
}

func (w *tfWriter) provider(pr tfProvider) {
	b := w.body.AppendNewBlock("provider", []string{"aws"}).Body()
	b.SetAttributeValue("alias", cty.StringVal(pr.Alias))
	b.SetAttributeValue("region", cty.StringVal(pr.Region))
	b.SetAttributeValue("allowed_account_ids", cty.ListVal([]cty.Value{cty.StringVal(pr.Account)}))
}

// changeComment is written before every block of a change: the change id,
// action, risk and rules, the summary, and the target. The first block of
// a change also lists the change's blast radius.
func (w *tfWriter) changeComment(c *Change, first bool) {
	rules := "no rules"
	if len(c.RuleIDs) > 0 {
		rules = "rules " + strings.Join(c.RuleIDs, ", ")
	}
	lines := []string{
		fmt.Sprintf("%s %s (risk %s; %s)", c.ID, c.Action, tfOr(string(c.Risk), "unstated"), rules),
	}
	if c.Summary != "" {
		lines = append(lines, c.Summary)
	}
	target := strings.TrimSpace(c.Resource.Type + " " + c.Resource.ID)
	if target != "" {
		lines = append(lines, fmt.Sprintf("Target: %s in account %s, %s.", target, c.Account, c.Region))
	}
	if first && len(c.BlastRadius) > 0 {
		lines = append(lines, "Also affects: "+strings.Join(c.BlastRadius, ", ")+".")
	}
	w.comment(lines...)
}

func tfOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// tfResource writes the resource blocks of one change.
type tfResource struct {
	w     *tfWriter
	c     *Change
	alias string
	n     int // blocks written for this change so far
}

// block starts a resource block: a blank line, the change's comment, the
// block with its type and label, and provider = aws.<alias>.
func (r *tfResource) block(typ, label string) *hclwrite.Body {
	r.w.blank()
	r.w.changeComment(r.c, r.n == 0)
	r.n++
	b := r.w.body.AppendNewBlock("resource", []string{typ, label}).Body()
	b.SetAttributeTraversal("provider", hcl.Traversal{
		hcl.TraverseRoot{Name: "aws"},
		hcl.TraverseAttr{Name: r.alias},
	})
	return b
}

func (w *tfWriter) change(c *Change, alias string) error {
	if c.ID == "" {
		return errors.New("the change has no id")
	}
	r := &tfResource{w: w, c: c, alias: alias}
	switch c.Action {
	case AddSecurityGroupRules:
		return w.securityGroupRules(r)
	case AddNetworkACLEntries:
		return w.networkACLEntries(r)
	case CreateSSMEndpoints:
		return w.endpoints(r)
	case AttachSSMPolicy:
		return w.rolePolicy(r)
	case AssociateInstanceProfile:
		return w.instanceProfile(c)
	case DeployAppliance:
		return w.appliance(r)
	case Manual:
		return errors.New(`action "manual" is not a change: its failures belong in the plan's skipped list`)
	default:
		return fmt.Errorf("unknown action %q", c.Action)
	}
}

// tfMissing is the error for a change that lacks its action's details.
func tfMissing(c *Change, field string) error {
	return fmt.Errorf("action %s needs %s details, and the change has none", c.Action, field)
}

// tfRuleLabelParts describes a security group rule for its label:
// direction, protocol, ports and peer.
func tfRuleLabelParts(rule SGRule) []string {
	proto := rule.Protocol
	ports := ""
	if proto == "-1" {
		proto, ports = "all", ""
	} else {
		ports = tfPortLabel(rule.FromPort)
		if rule.ToPort != rule.FromPort {
			ports += "_" + tfPortLabel(rule.ToPort)
		}
	}
	peer := rule.CIDR
	if peer == "" {
		peer = rule.GroupID
	}
	return []string{rule.Direction, proto, ports, peer}
}

func tfPortLabel(p int32) string {
	if p < 0 {
		return "any"
	}
	return strconv.Itoa(int(p))
}

// tfSGProtocols are the security group rule protocols the plan format
// allows.
var tfSGProtocols = map[string]bool{"tcp": true, "udp": true, "icmp": true, "-1": true}

// tfSetRule writes a rule's protocol, ports, peer and description; the
// caller has written security_group_id.
func tfSetRule(b *hclwrite.Body, rule SGRule) error {
	if !tfSGProtocols[rule.Protocol] {
		return fmt.Errorf("security group rule protocol %q is not tcp, udp, icmp or -1", rule.Protocol)
	}
	if (rule.CIDR == "") == (rule.GroupID == "") {
		return fmt.Errorf("security group rule %s %s %d-%d needs exactly one of a CIDR and a group id",
			rule.Direction, rule.Protocol, rule.FromPort, rule.ToPort)
	}
	b.SetAttributeValue("ip_protocol", cty.StringVal(rule.Protocol))
	if rule.Protocol != "-1" {
		// For icmp, from_port is the ICMP type and to_port the code.
		b.SetAttributeValue("from_port", cty.NumberIntVal(int64(rule.FromPort)))
		b.SetAttributeValue("to_port", cty.NumberIntVal(int64(rule.ToPort)))
	}
	if rule.CIDR != "" {
		b.SetAttributeValue("cidr_ipv4", cty.StringVal(rule.CIDR))
	} else {
		b.SetAttributeValue("referenced_security_group_id", cty.StringVal(rule.GroupID))
	}
	if rule.Description != "" {
		b.SetAttributeValue("description", cty.StringVal(rule.Description))
	}
	return nil
}

func tfRuleType(direction string) (string, error) {
	switch direction {
	case "ingress":
		return "aws_vpc_security_group_ingress_rule", nil
	case "egress":
		return "aws_vpc_security_group_egress_rule", nil
	default:
		return "", fmt.Errorf("security group rule direction %q is not ingress or egress", direction)
	}
}

func (w *tfWriter) securityGroupRules(r *tfResource) error {
	sg := r.c.SecurityGroup
	if sg == nil {
		return tfMissing(r.c, "security_group")
	}
	if len(sg.Rules) == 0 {
		return errors.New("the security group change adds no rules")
	}
	if sg.Create != nil {
		return w.dedicatedGroup(r, sg)
	}
	if sg.GroupID == "" {
		return errors.New("the security group change has no group id")
	}
	for _, rule := range sg.Rules {
		typ, err := tfRuleType(rule.Direction)
		if err != nil {
			return err
		}
		label := w.label(append([]string{r.c.ID, sg.GroupID}, tfRuleLabelParts(rule)...)...)
		b := r.block(typ, label)
		b.SetAttributeValue("security_group_id", cty.StringVal(sg.GroupID))
		if err := tfSetRule(b, rule); err != nil {
			return err
		}
	}
	return nil
}

// dedicatedGroup writes a dedicated PDR group: the group (Terraform, like
// apply, removes AWS's default egress rule from groups it creates), its
// rules, and its attachment to each instance's primary interface.
func (w *tfWriter) dedicatedGroup(r *tfResource, sg *SecurityGroupChange) error {
	if sg.VPCID == "" || sg.Create.Name == "" {
		return errors.New("the dedicated security group has no VPC or name")
	}
	sgLabel := w.label(r.c.ID, sg.Create.Name)
	g := r.block("aws_security_group", sgLabel)
	g.SetAttributeValue("name", cty.StringVal(sg.Create.Name))
	g.SetAttributeValue("description", cty.StringVal(sg.Create.Description))
	g.SetAttributeValue("vpc_id", cty.StringVal(sg.VPCID))
	sgID := hcl.Traversal{
		hcl.TraverseRoot{Name: "aws_security_group"},
		hcl.TraverseAttr{Name: sgLabel},
		hcl.TraverseAttr{Name: "id"},
	}
	for _, rule := range sg.Rules {
		typ, err := tfRuleType(rule.Direction)
		if err != nil {
			return err
		}
		b := r.block(typ, w.label(append([]string{r.c.ID, sg.Create.Name}, tfRuleLabelParts(rule)...)...))
		b.SetAttributeTraversal("security_group_id", sgID)
		if err := tfSetRule(b, rule); err != nil {
			return err
		}
	}
	for _, at := range sg.AttachTo {
		if at.InterfaceID == "" {
			return fmt.Errorf("the attachment to %s names no network interface", at.InstanceID)
		}
		b := r.block("aws_network_interface_sg_attachment", w.label(r.c.ID, sg.Create.Name, at.InstanceID))
		b.SetAttributeTraversal("security_group_id", sgID)
		b.SetAttributeValue("network_interface_id", cty.StringVal(at.InterfaceID))
	}
	return nil
}

func (w *tfWriter) networkACLEntries(r *tfResource) error {
	acl := r.c.NetworkACL
	if acl == nil {
		return tfMissing(r.c, "network_acl")
	}
	if acl.ACLID == "" {
		return errors.New("the network ACL change has no ACL id")
	}
	if len(acl.Entries) == 0 {
		return errors.New("the network ACL change adds no entries")
	}
	for _, e := range acl.Entries {
		var ports bool
		switch e.Protocol {
		case "6", "17":
			ports = true
		case "-1":
		default:
			return fmt.Errorf("network ACL entry %d protocol %q is not 6, 17 or -1", e.RuleNumber, e.Protocol)
		}
		dir := "ingress"
		if e.Egress {
			dir = "egress"
		}
		b := r.block("aws_network_acl_rule", w.label(r.c.ID, acl.ACLID, dir, strconv.Itoa(int(e.RuleNumber))))
		b.SetAttributeValue("network_acl_id", cty.StringVal(acl.ACLID))
		b.SetAttributeValue("rule_number", cty.NumberIntVal(int64(e.RuleNumber)))
		b.SetAttributeValue("egress", cty.BoolVal(e.Egress))
		b.SetAttributeValue("protocol", cty.StringVal(e.Protocol))
		b.SetAttributeValue("rule_action", cty.StringVal("allow"))
		b.SetAttributeValue("cidr_block", cty.StringVal(e.CIDR))
		if ports {
			b.SetAttributeValue("from_port", cty.NumberIntVal(int64(e.FromPort)))
			b.SetAttributeValue("to_port", cty.NumberIntVal(int64(e.ToPort)))
		}
	}
	return nil
}

func (w *tfWriter) endpoints(r *tfResource) error {
	e := r.c.Endpoints
	if e == nil {
		return tfMissing(r.c, "endpoints")
	}
	if e.VPCID == "" {
		return errors.New("the endpoints change has no VPC id")
	}
	if len(e.Services) == 0 {
		return errors.New("the endpoints change creates no endpoints")
	}

	sgLabel := w.label(r.c.ID, e.VPCID, "endpoints_sg")
	sg := r.block("aws_security_group", sgLabel)
	if e.SecurityGroup.Name != "" {
		sg.SetAttributeValue("name", cty.StringVal(e.SecurityGroup.Name))
	}
	if e.SecurityGroup.Description != "" {
		sg.SetAttributeValue("description", cty.StringVal(e.SecurityGroup.Description))
	}
	sg.SetAttributeValue("vpc_id", cty.StringVal(e.VPCID))
	sgID := hcl.Traversal{
		hcl.TraverseRoot{Name: "aws_security_group"},
		hcl.TraverseAttr{Name: sgLabel},
		hcl.TraverseAttr{Name: "id"},
	}

	for _, rule := range e.SecurityGroup.Ingress {
		if rule.Direction != "" && rule.Direction != "ingress" {
			return fmt.Errorf("the endpoints' security group lists a %q rule among its ingress rules", rule.Direction)
		}
		rule.Direction = "ingress"
		label := w.label(append([]string{r.c.ID, e.VPCID, "endpoints_sg"}, tfRuleLabelParts(rule)...)...)
		b := r.block("aws_vpc_security_group_ingress_rule", label)
		b.SetAttributeTraversal("security_group_id", sgID)
		if err := tfSetRule(b, rule); err != nil {
			return err
		}
	}

	for _, svc := range e.Services {
		if svc == "" {
			return errors.New("the endpoints change lists an empty service name")
		}
		b := r.block("aws_vpc_endpoint", w.label(r.c.ID, e.VPCID, tfServiceShortName(svc)))
		b.SetAttributeValue("vpc_id", cty.StringVal(e.VPCID))
		b.SetAttributeValue("service_name", cty.StringVal(svc))
		b.SetAttributeValue("vpc_endpoint_type", cty.StringVal("Interface"))
		b.SetAttributeValue("subnet_ids", tfStringList(e.SubnetIDs))
		b.SetAttributeRaw("security_group_ids", hclwrite.TokensForTuple([]hclwrite.Tokens{
			hclwrite.TokensForTraversal(sgID),
		}))
		b.SetAttributeValue("private_dns_enabled", cty.BoolVal(e.PrivateDNS))
	}
	return nil
}

// tfServiceShortName is the last part of an endpoint service name, e.g.
// "ssm" of "com.amazonaws.us-east-1.ssm".
func tfServiceShortName(svc string) string {
	return svc[strings.LastIndex(svc, ".")+1:]
}

func tfStringList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func (w *tfWriter) rolePolicy(r *tfResource) error {
	rp := r.c.RolePolicy
	if rp == nil {
		return tfMissing(r.c, "role_policy")
	}
	if rp.RoleName == "" || rp.PolicyARN == "" {
		return errors.New("the role policy change needs a role name and a policy ARN")
	}
	policy := rp.PolicyARN[strings.LastIndex(rp.PolicyARN, "/")+1:]
	b := r.block("aws_iam_role_policy_attachment", w.label(r.c.ID, rp.RoleName, policy))
	b.SetAttributeValue("role", cty.StringVal(rp.RoleName))
	b.SetAttributeValue("policy_arn", cty.StringVal(rp.PolicyARN))
	return nil
}

// instanceProfile writes the comment that stands for an association:
// Terraform can only set an instance's profile on an aws_instance it
// manages, so the export says how to do it either way.
func (w *tfWriter) instanceProfile(c *Change) error {
	ip := c.InstanceProfile
	if ip == nil {
		return tfMissing(c, "instance_profile")
	}
	if ip.InstanceID == "" || (ip.ProfileName == "" && ip.ProfileARN == "") {
		return errors.New("the instance profile change needs an instance id and a profile name or ARN")
	}
	profile, spec := ip.ProfileName, "Name="+ip.ProfileName
	if profile == "" {
		profile, spec = ip.ProfileARN, "Arn="+ip.ProfileARN
	}
	region := ""
	if c.Region != "" && c.Region != "global" {
		region = " --region " + c.Region
	}
	w.blank()
	w.changeComment(c, true)
	w.comment(
		"",
		"Terraform has no resource that associates an instance profile with an",
		"instance it does not manage, so this change is not written as one.",
		fmt.Sprintf("If Terraform manages instance %s, set iam_instance_profile = %q", ip.InstanceID, profile),
		"on its aws_instance resource. Otherwise run, in account "+c.Account+":",
		fmt.Sprintf("  aws ec2 associate-iam-instance-profile%s --instance-id %s --iam-instance-profile %s",
			region, ip.InstanceID, spec),
	)
	return nil
}

func (w *tfWriter) appliance(r *tfResource) error {
	a := r.c.Appliance
	if a == nil {
		return tfMissing(r.c, "appliance")
	}
	if a.ImageID == "" || a.InstanceType == "" || a.SubnetID == "" {
		return errors.New("the appliance change needs an image id, an instance type and a subnet id")
	}
	b := r.block("aws_instance", w.label(r.c.ID, a.SubnetID, "appliance"))
	b.SetAttributeValue("ami", cty.StringVal(a.ImageID))
	b.SetAttributeValue("instance_type", cty.StringVal(a.InstanceType))
	b.SetAttributeValue("subnet_id", cty.StringVal(a.SubnetID))
	b.SetAttributeValue("vpc_security_group_ids", tfStringList(a.SecurityGroupIDs))
	if len(a.Tags) > 0 {
		tags := make(map[string]cty.Value, len(a.Tags))
		for k, v := range a.Tags {
			tags[k] = cty.StringVal(v)
		}
		b.SetAttributeValue("tags", cty.MapVal(tags))
	}
	return nil
}

// skipped writes the plan's skipped failures as one comment block.
func (w *tfWriter) skipped(items []Skipped) {
	lines := []string{
		fmt.Sprintf("Skipped: %d %s that no automatic change fixes. Take the manual step for each.",
			len(items), tfPlural(len(items), "failure", "failures")),
	}
	for _, s := range items {
		var where []string
		if s.Account != "" {
			where = append(where, "account "+s.Account)
		}
		if s.Region != "" {
			where = append(where, s.Region)
		}
		head := tfOr(s.RuleID, "(no rule)") + ": " + tfOr(s.Resource, "(no resource)")
		if len(where) > 0 {
			head += " (" + strings.Join(where, ", ") + ")"
		}
		lines = append(lines, "", head)
		lines = append(lines, tfIndented("Reason: ", tfOr(s.Reason, "not stated"))...)
		lines = append(lines, tfIndented("Manual step: ", tfOr(s.Manual, "not stated"))...)
	}
	w.comment(lines...)
}

// tfIndented prefixes the first line of text with "  "+label and indents
// the rest to match.
func tfIndented(label, text string) []string {
	parts := tfCommentLines(text)
	out := make([]string, len(parts))
	pad := strings.Repeat(" ", len(label))
	for i, p := range parts {
		if i == 0 {
			out[i] = "  " + label + p
		} else {
			out[i] = "  " + pad + p
		}
	}
	return out
}

func tfPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
