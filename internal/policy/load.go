package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/policies"
)

// Profiles lists the requirement profiles this build ships.
var Profiles = []string{"pdr-2018-10", "pdr-2020-03"}

// DefaultProfile is the seed article's profile.
const DefaultProfile = "pdr-2018-10"

// Datacenters are Alert Logic's data centers a profile has network data for.
var Datacenters = []string{"us", "eu"}

// ResourceKinds are the kinds of resource a rule may report on; each is a
// key of data.pdr.lib.resources.
var ResourceKinds = []string{"vpc", "vpc-az", "appliance", "monitored-instance", "monitored-linux-instance", "api"}

// Rule is one rule of the catalog, as its METADATA block describes it.
type Rule struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	Severity     string `json:"severity"`
	ResourceKind string `json:"resource_kind"`
	Remediation  string `json:"remediation"`
	Help         string `json:"help"`
	// Package is the Rego package, e.g. data.pdr.tm.ha.
	Package string `json:"package"`
	// File is where the rule is defined.
	File string `json:"file"`
	// BuiltIn is true for the embedded catalog, false for --policy rules.
	BuiltIn bool `json:"built_in"`
}

var ruleIDRe = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)

// source is one Rego file.
type source struct {
	name    string // file name as shown in errors
	text    string
	builtIn bool
}

// ErrPolicy is wrapped by errors about the policies themselves (syntax,
// strict-compile errors, bad metadata).
var ErrPolicy = errors.New("policy error")

// readSources returns the embedded bundle's Rego files and those under the
// user's directories. withTests includes *_test.rego files.
func readSources(dirs []string, withTests bool) ([]source, error) {
	var out []source
	err := fs.WalkDir(policies.FS, "pdr", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		if !withTests && strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		b, err := policies.FS.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, source{name: "policies/" + p, text: string(b), builtIn: true})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded policies: %w", err)
	}
	for _, dir := range dirs {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("policy directory: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("policy directory %s: not a directory", dir)
		}
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return err
			}
			if !withTests && strings.HasSuffix(p, "_test.rego") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, source{name: p, text: string(b)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read policies in %s: %w", dir, err)
		}
	}
	return out, nil
}

// parse parses sources as Rego v1 with metadata annotations.
func parse(srcs []source) (map[string]*ast.Module, map[string]bool, error) {
	modules := map[string]*ast.Module{}
	builtIn := map[string]bool{}
	var errs []string
	for _, s := range srcs {
		m, err := ast.ParseModuleWithOpts(s.name, s.text, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		modules[s.name] = m
		builtIn[s.name] = s.builtIn
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(errs, "; "))
	}
	return modules, builtIn, nil
}

// compile compiles modules in strict mode with the product's builtins.
func compile(modules map[string]*ast.Module) (*ast.Compiler, error) {
	c := ast.NewCompiler().
		WithStrict(true).
		WithBuiltins(builtinDecls()).
		WithEnablePrintStatements(false)
	c.Compile(modules)
	if c.Failed() {
		var msgs []string
		for _, e := range c.Errors {
			msgs = append(msgs, e.Error())
		}
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(msgs, "; "))
	}
	return c, nil
}

// rulesOf reads the rule catalog from the modules' package metadata: every
// module with a package-scoped METADATA block carrying custom.id is a rule.
func rulesOf(modules map[string]*ast.Module, builtIn map[string]bool) ([]Rule, error) {
	var rules []Rule
	seen := map[string]string{}
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		m := modules[name]
		for _, a := range m.Annotations {
			if a.Scope != "package" {
				continue
			}
			id, _ := a.Custom["id"].(string)
			if id == "" {
				continue
			}
			r := Rule{
				ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description),
				Package: m.Package.Path.String(), File: name, BuiltIn: builtIn[name],
			}
			r.Severity, _ = a.Custom["severity"].(string)
			r.ResourceKind, _ = a.Custom["resource_kind"].(string)
			r.Remediation, _ = a.Custom["remediation"].(string)
			r.Help, _ = a.Custom["help"].(string)
			r.Help = strings.TrimSpace(r.Help)
			if err := r.validate(); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrPolicy, name, err)
			}
			if prev, dup := seen[id]; dup {
				return nil, fmt.Errorf("%w: rule id %s is defined twice (%s and %s)", ErrPolicy, id, prev, name)
			}
			seen[id] = name
			rules = append(rules, r)
		}
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules, nil
}

func (r Rule) validate() error {
	switch {
	case !ruleIDRe.MatchString(r.ID):
		return fmt.Errorf("rule id %q is not of the form PDR-XX-000", r.ID)
	case r.Title == "":
		return fmt.Errorf("rule %s has no title", r.ID)
	case r.Description == "":
		return fmt.Errorf("rule %s has no description", r.ID)
	case r.Help == "":
		return fmt.Errorf("rule %s has no custom.help", r.ID)
	case !slices.Contains(ResourceKinds, r.ResourceKind):
		return fmt.Errorf("rule %s: custom.resource_kind %q is not one of %s", r.ID, r.ResourceKind, strings.Join(ResourceKinds, ", "))
	case r.Remediation == "":
		return fmt.Errorf("rule %s has no custom.remediation (use \"manual\" when nothing can be automated)", r.ID)
	}
	if _, err := finding.ParseSeverity(r.Severity); err != nil {
		return fmt.Errorf("rule %s: custom.severity: %w", r.ID, err)
	}
	return nil
}

// profileData reads a profile's data files: every JSON file of
// data/profiles/<profile>/ becomes a key (its base name) of data.profile.
func profileData(profile string) (map[string]any, error) {
	if !slices.Contains(Profiles, profile) {
		return nil, fmt.Errorf("unknown profile %q (this build has %s)", profile, strings.Join(Profiles, ", "))
	}
	dir := path.Join("data", "profiles", profile)
	entries, err := fs.ReadDir(policies.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", profile, err)
	}
	out := map[string]any{"name": profile}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := policies.FS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("profile %s: %s: %w", profile, e.Name(), err)
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = v
	}
	return out, nil
}
