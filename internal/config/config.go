package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/pdr-audit/pdr-audit/internal/policy"
)

// Rapid7Regions are the Rapid7 regions a profile has endpoints for.
var Rapid7Regions = []string{"us", "ca", "eu", "ap", "au"}

// Config is the run's configuration.
type Config struct {
	// Path is the file the configuration was read from; "" for Default.
	Path string
	// Profile is the requirement profile (one of policy.Profiles).
	Profile string
	// Datacenter is Alert Logic's data center: us or eu.
	Datacenter string
	// Rapid7Region selects the Rapid7 endpoints the agents must reach.
	Rapid7Region string
	// Monitored narrows or excludes monitored instances by tag.
	Monitored Monitored
	// Appliances says how Threat Manager appliances are recognized.
	Appliances Appliances
	// ExcludeVPCs and ExcludeAccounts are left out of the audit.
	ExcludeVPCs     []string
	ExcludeAccounts []string
	// Remediation configures what `pdr-audit plan` may change.
	Remediation Remediation
}

// Security group strategies for remediation.
const (
	// GroupsExisting adds missing rules to the instance's group that
	// already carries its PDR rules.
	GroupsExisting = "existing"
	// GroupsDedicated creates one PDR group per VPC and role (agents,
	// appliances) and attaches it to the instances.
	GroupsDedicated = "dedicated"
)

// Remediation configures the planner.
type Remediation struct {
	// SecurityGroups is GroupsExisting or GroupsDedicated.
	SecurityGroups string
	// InstanceProfile is the instance profile (name) to associate with
	// monitored instances that have none; "" plans no association.
	InstanceProfile string
	// Appliance says how to launch a missing Threat Manager appliance.
	Appliance ApplianceLaunch
}

// ApplianceLaunch configures deploy-appliance changes.
type ApplianceLaunch struct {
	// ImageID is the Threat Manager AMI of the region(s) audited.
	ImageID string
	// InstanceType, e.g. c5.large.
	InstanceType string
	// SecurityGroups maps a VPC id to the appliance security group to use
	// there; without one, an existing appliance's groups are used.
	SecurityGroups map[string]string
}

// Monitored selects monitored instances by tag: key → value, where the
// value "*" matches any value.
type Monitored struct {
	IncludeTags map[string]string
	ExcludeTags map[string]string
}

// Appliances recognizes Threat Manager appliances: an instance carrying
// any of Tags, or whose Name tag contains any of NameContains
// (case-insensitive; stored lowercased).
type Appliances struct {
	Tags         map[string]string
	NameContains []string
}

// Default returns the configuration used when no file is given, as
// PDR-REQUIREMENTS.md defines it.
func Default() *Config {
	return &Config{
		Profile:      policy.DefaultProfile,
		Datacenter:   "us",
		Rapid7Region: "us",
		Monitored:    Monitored{IncludeTags: map[string]string{}, ExcludeTags: map[string]string{}},
		Appliances: Appliances{
			Tags:         map[string]string{"ProductVendor": "AlertLogic"},
			NameContains: []string{"threat manager"},
		},
		ExcludeVPCs:     []string{},
		ExcludeAccounts: []string{},
		Remediation: Remediation{
			SecurityGroups: GroupsExisting,
			Appliance:      ApplianceLaunch{InstanceType: "c5.large", SecurityGroups: map[string]string{}},
		},
	}
}

// Data returns the configuration as data.config for the policy engine
// (see policies/README.md). Every key is present.
func (c *Config) Data() map[string]any {
	tags := func(m map[string]string) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	list := func(s []string) []any {
		out := make([]any, 0, len(s))
		for _, v := range s {
			out = append(out, v)
		}
		return out
	}
	return map[string]any{
		"profile":       c.Profile,
		"datacenter":    c.Datacenter,
		"rapid7_region": c.Rapid7Region,
		"monitored": map[string]any{
			"include_tags": tags(c.Monitored.IncludeTags),
			"exclude_tags": tags(c.Monitored.ExcludeTags),
		},
		"appliances": map[string]any{
			"tags":          tags(c.Appliances.Tags),
			"name_contains": list(c.Appliances.NameContains),
		},
		"exclude_vpcs":     list(c.ExcludeVPCs),
		"exclude_accounts": list(c.ExcludeAccounts),
	}
}

// Error is a problem with a configuration file, at a key.
type Error struct {
	File string
	Line int
	// Key is the full key path, e.g. monitored.include_tags; "" for the
	// document itself.
	Key string
	Msg string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config file %s", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ", key %s", printable(e.Key))
	}
	return b.String() + ": " + e.Msg
}

// printable returns s unchanged when every character is printable, else
// quoted: a key or tag of the file never brings a control character or an
// escape sequence into an error message.
func printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return s
	}
	return strconv.Quote(s)
}

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	vpcRe     = regexp.MustCompile(`^vpc-[0-9a-f]{8}([0-9a-f]{9})?$`)
)

// Load reads the configuration file at path over the defaults.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	return Parse(path, b)
}

// Parse reads a configuration from b; name is the file name errors show.
func Parse(name string, b []byte) (*Config, error) {
	cfg := Default()
	cfg.Path = name
	p := parser{file: name}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil // an empty file: all defaults
		}
		return nil, &Error{File: name, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, &Error{File: name, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		return nil, &Error{File: name, Line: line, Msg: "more than one YAML document"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return cfg, nil
	}
	err := p.mapping(root, "", map[string]func(key string, v *yaml.Node) error{
		"profile": func(key string, v *yaml.Node) error {
			return p.oneOf(v, key, policy.Profiles, &cfg.Profile)
		},
		"datacenter": func(key string, v *yaml.Node) error {
			return p.oneOf(v, key, policy.Datacenters, &cfg.Datacenter)
		},
		"rapid7_region": func(key string, v *yaml.Node) error {
			return p.oneOf(v, key, Rapid7Regions, &cfg.Rapid7Region)
		},
		"monitored": func(key string, v *yaml.Node) error {
			return p.mapping(v, key, map[string]func(string, *yaml.Node) error{
				"include_tags": func(key string, v *yaml.Node) error { return p.tags(v, key, &cfg.Monitored.IncludeTags) },
				"exclude_tags": func(key string, v *yaml.Node) error { return p.tags(v, key, &cfg.Monitored.ExcludeTags) },
			})
		},
		"appliances": func(key string, v *yaml.Node) error {
			return p.mapping(v, key, map[string]func(string, *yaml.Node) error{
				"tags": func(key string, v *yaml.Node) error { return p.tags(v, key, &cfg.Appliances.Tags) },
				"name_contains": func(key string, v *yaml.Node) error {
					return p.list(v, key, &cfg.Appliances.NameContains, func(s string) (string, error) {
						if strings.TrimSpace(s) == "" {
							return "", errors.New("an empty name would match every instance")
						}
						return strings.ToLower(s), nil
					})
				},
			})
		},
		"exclude_vpcs": func(key string, v *yaml.Node) error {
			return p.list(v, key, &cfg.ExcludeVPCs, func(s string) (string, error) {
				if !vpcRe.MatchString(s) {
					return "", fmt.Errorf("%q is not a VPC id (vpc- and 8 or 17 hex digits)", s)
				}
				return s, nil
			})
		},
		"remediation": func(key string, v *yaml.Node) error {
			return p.remediation(v, key, &cfg.Remediation)
		},
		"exclude_accounts": func(key string, v *yaml.Node) error {
			return p.list(v, key, &cfg.ExcludeAccounts, func(s string) (string, error) {
				if !accountRe.MatchString(s) {
					return "", fmt.Errorf("%q is not an AWS account id (12 digits)", s)
				}
				return s, nil
			})
		},
	})
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

var (
	profileNameRe = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	amiRe         = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgRe          = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	typeRe        = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

// remediation reads the remediation section.
func (p parser) remediation(n *yaml.Node, prefix string, r *Remediation) error {
	pattern := func(re *regexp.Regexp, what string, dst *string) func(string, *yaml.Node) error {
		return func(key string, v *yaml.Node) error {
			s, err := p.str(v, key)
			if err != nil {
				return err
			}
			if !re.MatchString(s) {
				return p.errorf(v, key, "%q is not %s", s, what)
			}
			*dst = s
			return nil
		}
	}
	return p.mapping(n, prefix, map[string]func(string, *yaml.Node) error{
		"security_groups": func(key string, v *yaml.Node) error {
			return p.oneOf(v, key, []string{GroupsExisting, GroupsDedicated}, &r.SecurityGroups)
		},
		"instance_profile": pattern(profileNameRe, "an instance profile name", &r.InstanceProfile),
		"appliance": func(key string, v *yaml.Node) error {
			return p.mapping(v, key, map[string]func(string, *yaml.Node) error{
				"image_id":      pattern(amiRe, "an AMI id (ami- and 8 or 17 hex digits)", &r.Appliance.ImageID),
				"instance_type": pattern(typeRe, "an instance type (family.size)", &r.Appliance.InstanceType),
				"security_groups": func(key string, v *yaml.Node) error {
					if err := p.tags(v, key, &r.Appliance.SecurityGroups); err != nil {
						return err
					}
					for vpc, sg := range r.Appliance.SecurityGroups {
						if !vpcRe.MatchString(vpc) {
							return p.errorf(v, key+"."+vpc, "%q is not a VPC id", vpc)
						}
						if !sgRe.MatchString(sg) {
							return p.errorf(v, key+"."+vpc, "%q is not a security group id", sg)
						}
					}
					return nil
				},
			})
		},
	})
}

// parser walks the node tree of one file.
type parser struct{ file string }

func (p parser) errorf(n *yaml.Node, key, format string, a ...any) error {
	return &Error{File: p.file, Line: n.Line, Key: key, Msg: fmt.Sprintf(format, a...)}
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a scalar (" + printable(n.ShortTag()) + ")"
	}
	return "not a value"
}

// mapping checks that n is a mapping of known keys, each at most once, and
// hands each value to its field's function.
func (p parser) mapping(n *yaml.Node, prefix string, fields map[string]func(key string, v *yaml.Node) error) error {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, prefix, "must be a mapping, not %s", kindName(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		key := k.Value
		if prefix != "" {
			key = prefix + "." + k.Value
		}
		set, ok := fields[k.Value]
		if k.Kind != yaml.ScalarNode || !ok {
			return p.errorf(k, key, "unknown key (valid keys: %s)", strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
		}
		if line, dup := seen[k.Value]; dup {
			return p.errorf(k, key, "set twice (first on line %d)", line)
		}
		seen[k.Value] = k.Line
		if err := set(key, v); err != nil {
			return err
		}
	}
	return nil
}

// str reads a scalar as text. Numbers and booleans are taken as written
// (a tag value "true", an account id written without quotes).
func (p parser) str(n *yaml.Node, key string) (string, error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", p.errorf(n, key, "must be a string, not %s", kindName(n))
	}
	return n.Value, nil
}

func (p parser) oneOf(n *yaml.Node, key string, valid []string, dst *string) error {
	s, err := p.str(n, key)
	if err != nil {
		return err
	}
	if !slices.Contains(valid, s) {
		return p.errorf(n, key, "%q is not one of %s", s, strings.Join(valid, ", "))
	}
	*dst = s
	return nil
}

func (p parser) tags(n *yaml.Node, key string, dst *map[string]string) error {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		*dst = map[string]string{}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, key, "must be a mapping of tag key to value (\"*\" for any value), not %s", kindName(n))
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		tk, err := p.str(k, key)
		if err != nil {
			return err
		}
		if tk == "" {
			return p.errorf(k, key, "a tag key cannot be empty")
		}
		if _, dup := out[tk]; dup {
			return p.errorf(k, key+"."+tk, "set twice")
		}
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			return p.errorf(v, key+"."+tk, "needs a value (\"*\" matches any value)")
		}
		tv, err := p.str(v, key+"."+tk)
		if err != nil {
			return err
		}
		out[tk] = tv
	}
	*dst = out
	return nil
}

func (p parser) list(n *yaml.Node, key string, dst *[]string, check func(string) (string, error)) error {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		*dst = []string{}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return p.errorf(n, key, "must be a list, not %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	// seen drops repeats in constant time: a long list must not cost
	// quadratic time.
	seen := make(map[string]bool, len(n.Content))
	for i, item := range n.Content {
		item = deref(item)
		s, err := p.str(item, fmt.Sprintf("%s[%d]", key, i))
		if err != nil {
			return err
		}
		if s, err = check(s); err != nil {
			return p.errorf(item, fmt.Sprintf("%s[%d]", key, i), "%v", err)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	*dst = out
	return nil
}
