package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// generatedBy is the command that writes the profile data.
const generatedBy = "go run ./internal/tools/kernellists -ref ../shared/reference -out policies/data/profiles"

// Profile is the OS and kernel data of one profile, written as os.json.
type Profile struct {
	Profile      string `json:"profile"`
	Source       string `json:"source"`        // the reference document's file name
	SourceSHA256 string `json:"source_sha256"` // of its bytes, so stale data is visible
	GeneratedBy  string `json:"generated_by"`

	// Linux holds the document's Linux sections in document order.
	Linux []LinuxSection `json:"linux"`
	// Kernels is every kernel string of every Linux section, sorted, unique.
	Kernels []string `json:"kernels"`
	// KernelSections maps each kernel to the sections listing it, for
	// lookups by key (Rego: data…kernel_sections[k]) and for messages.
	KernelSections map[string][]string `json:"kernel_sections"`
	// OS is what SSM must report for an instance's OS to be supported.
	OS []OSEntry `json:"os"`
	// WindowsBuilds holds the Windows releases in document order.
	WindowsBuilds []WindowsBuild `json:"windows_builds"`
	// Anomalies is everything odd in the document, in document order.
	Anomalies []Anomaly `json:"anomalies"`
}

// LinuxSection is one Linux section of the document.
type LinuxSection struct {
	Section  string   `json:"section"` // e.g. "RHEL 7 / CentOS 7"
	Heading  string   `json:"heading"` // the heading line as written
	Line     int      `json:"line"`
	Families []string `json:"families"` // e.g. ["rhel", "centos"]
	// Versions are the PlatformVersion values (or prefixes, see OSEntry)
	// the section stands for.
	Versions []string     `json:"versions"`
	Kernels  []string     `json:"kernels"` // sorted, unique, exactly as written
	Notes    []KernelNote `json:"notes"`   // what cells said beside their kernels
}

// KernelNote is what a cell says beside a kernel: an OS release written
// before it ("7.5 3.10.0-862.el7.x86_64") or words after it ("Earlier than
// v3.4"; white space collapsed).
type KernelNote struct {
	Kernel  string `json:"kernel"`
	Line    int    `json:"line"`
	Release string `json:"release,omitempty"`
	Note    string `json:"note,omitempty"`
}

// OSEntry is one OS family and release that the profile supports, as SSM's
// DescribeInstanceInformation reports it. An instance matches when its
// PlatformName is one of PlatformNames and its PlatformVersion equals one
// of Versions, or equals one of VersionPrefixes or starts with it followed
// by "." ("7" matches "7", "7.5" and "7.5.1804", not "70").
type OSEntry struct {
	Family          string   `json:"family"`
	PlatformNames   []string `json:"platform_names"`
	Versions        []string `json:"versions"`
	VersionPrefixes []string `json:"version_prefixes"`
	Sections        []string `json:"sections"` // the sections this entry comes from
}

// WindowsBuild is a supported Windows release. SSM reports a Windows
// instance's PlatformVersion as the build, e.g. "10.0.14393"; it matches
// exactly.
type WindowsBuild struct {
	Name  string `json:"name"` // the section name, e.g. "Windows Server 2016"
	Build string `json:"build"`
	Line  int    `json:"line"`
}

// Anomaly is one oddity of the document: the tokens it concerns (kept in
// the data as written) and why they are odd.
type Anomaly struct {
	Section string       `json:"section"`
	Kind    string       `json:"kind"`
	Detail  string       `json:"detail"`
	Tokens  []Occurrence `json:"tokens"`
}

// Occurrence is a token and the line it is written on.
type Occurrence struct {
	Token string `json:"token"`
	Line  int    `json:"line"`
}

// sectionState accumulates one section while the document is read.
type sectionState struct {
	name    string
	heading heading
	spec    sectionSpec
	seen    map[string][]int // kernel → lines it is written on
	order   []string         // kernels in first-seen order
	notes   []KernelNote
	windows []WindowsBuild
}

// anomalySet groups findings by section, kind and detail.
type anomalySet struct {
	byKey map[[3]string]*Anomaly
	list  []*Anomaly
}

func (s *anomalySet) add(section, kind, detail, token string, line int) {
	key := [3]string{section, kind, detail}
	a, ok := s.byKey[key]
	if !ok {
		a = &Anomaly{Section: section, Kind: kind, Detail: detail, Tokens: []Occurrence{}}
		s.byKey[key] = a
		s.list = append(s.list, a)
	}
	if token != "" {
		a.Tokens = append(a.Tokens, Occurrence{Token: token, Line: line})
	}
}

// Extract reads a compatibility document and returns its profile data.
func Extract(profile, source string, src []byte) (*Profile, error) {
	tables, err := scanDocument(string(src))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	anomalies := &anomalySet{byKey: map[[3]string]*Anomaly{}}
	var (
		sections []*sectionState
		byName   = map[string]*sectionState{}
	)
	for _, t := range tables {
		name := sectionName(t.heading.text)
		st := byName[name]
		switch {
		case st == nil:
			spec, ok := sectionSpecs[name]
			if !ok {
				return nil, fmt.Errorf("read %s: line %d: section %q has no entry in sectionSpecs (sections.go); decide its OS mapping there", source, t.heading.line, name)
			}
			st = &sectionState{name: name, heading: t.heading, spec: spec, seen: map[string][]int{}}
			byName[name] = st
			sections = append(sections, st)
			if spec.reading != "" {
				anomalies.add(name, kindSectionName, spec.reading, name, t.heading.line)
			}
		case st.heading.line != t.heading.line:
			return nil, fmt.Errorf("read %s: line %d: section %q appears again (first on line %d)", source, t.heading.line, name, st.heading.line)
		}
		for _, r := range t.rows {
			for i, cell := range r.cells {
				readCell(st, anomalies, cell, r.line, i >= t.columns, t.columns)
			}
		}
	}

	p := &Profile{
		Profile:        profile,
		Source:         source,
		SourceSHA256:   sha256Hex(src),
		GeneratedBy:    generatedBy,
		Linux:          []LinuxSection{},
		Kernels:        []string{},
		KernelSections: map[string][]string{},
		OS:             []OSEntry{},
		WindowsBuilds:  []WindowsBuild{},
		Anomalies:      []Anomaly{},
	}
	osByKey := map[string]*OSEntry{}
	var osOrder []*OSEntry
	for _, st := range sections {
		if st.spec.windows {
			p.WindowsBuilds = append(p.WindowsBuilds, st.windows...)
			continue
		}
		for _, k := range st.order {
			if lines := st.seen[k]; len(lines) > 1 {
				for _, l := range lines {
					anomalies.add(st.name, kindDuplicate, "listed more than once in the section; kept once", k, l)
				}
			}
		}
		ls := LinuxSection{
			Section:  st.name,
			Heading:  st.heading.raw,
			Line:     st.heading.line,
			Families: []string{},
			Versions: []string{},
			Kernels:  slices.Sorted(maps.Keys(st.seen)),
			Notes:    st.notes,
		}
		if ls.Notes == nil {
			ls.Notes = []KernelNote{}
		}
		for _, m := range st.spec.os {
			ls.Families = appendUnique(ls.Families, m.family)
			for _, v := range append(slices.Clone(m.versions), m.prefixes...) {
				ls.Versions = appendUnique(ls.Versions, v)
			}
			key := m.family + "\x00" + strings.Join(m.names, "\x00") + "\x00=" + strings.Join(m.versions, "\x00") + "\x00^" + strings.Join(m.prefixes, "\x00")
			e := osByKey[key]
			if e == nil {
				e = &OSEntry{
					Family:          m.family,
					PlatformNames:   slices.Sorted(slices.Values(m.names)),
					Versions:        nonNil(m.versions),
					VersionPrefixes: nonNil(m.prefixes),
					Sections:        []string{},
				}
				osByKey[key] = e
				osOrder = append(osOrder, e)
			}
			e.Sections = append(e.Sections, st.name)
		}
		for _, k := range ls.Kernels {
			p.KernelSections[k] = append(p.KernelSections[k], st.name)
		}
		p.Linux = append(p.Linux, ls)
	}
	p.Kernels = slices.Sorted(maps.Keys(p.KernelSections))
	for _, e := range osOrder {
		p.OS = append(p.OS, *e)
	}
	slices.SortStableFunc(p.OS, func(a, b OSEntry) int { return cmp.Compare(a.Family, b.Family) })

	// A section whose kernels are exactly an earlier section's was most
	// likely pasted; its OS is still taken at its word.
	for i, b := range p.Linux {
		for _, a := range p.Linux[:i] {
			if len(b.Kernels) > 0 && slices.Equal(a.Kernels, b.Kernels) {
				anomalies.add(b.Section, kindCopiedSection, fmt.Sprintf("lists exactly the %d kernels of section %q", len(b.Kernels), a.Section), "", 0)
				break
			}
		}
	}

	for _, a := range anomalies.list {
		slices.SortStableFunc(a.Tokens, func(x, y Occurrence) int {
			return cmp.Or(cmp.Compare(x.Line, y.Line), cmp.Compare(x.Token, y.Token))
		})
		p.Anomalies = append(p.Anomalies, *a)
	}
	sectionLine := map[string]int{}
	for _, st := range sections {
		sectionLine[st.name] = st.heading.line
	}
	slices.SortStableFunc(p.Anomalies, func(x, y Anomaly) int {
		return cmp.Or(
			cmp.Compare(sectionLine[x.Section], sectionLine[y.Section]),
			cmp.Compare(firstLine(x), firstLine(y)),
			cmp.Compare(x.Kind, y.Kind),
			cmp.Compare(x.Detail, y.Detail),
		)
	})
	return p, nil
}

// readCell records what one cell holds. excess says the cell lies beyond
// the table's columns.
func readCell(st *sectionState, anomalies *anomalySet, cell string, line int, excess bool, columns int) {
	if cell == "" {
		return
	}
	excessDetail := fmt.Sprintf("cell beyond the table's %d columns: kept, but a Markdown renderer drops it, so the published page did not show it", columns)
	if st.spec.windows {
		if excess {
			anomalies.add(st.name, kindExcessCell, excessDetail, cell, line)
		}
		for _, f := range checkWindows(st.spec, cell) {
			anomalies.add(st.name, f.kind, f.detail, cell, line)
		}
		st.windows = append(st.windows, WindowsBuild{Name: st.name, Build: cell, Line: line})
		return
	}
	c := tokenizeCell(cell)
	if c.Stray != "" {
		anomalies.add(st.name, kindStray, "cell holds text but no kernel", c.Stray, line)
	}
	for _, e := range c.Entries {
		if excess {
			anomalies.add(st.name, kindExcessCell, excessDetail, e.Kernel, line)
		}
		if _, ok := st.seen[e.Kernel]; !ok {
			st.order = append(st.order, e.Kernel)
			for _, f := range checkKernel(st.spec, e.Kernel) {
				anomalies.add(st.name, f.kind, f.detail, e.Kernel, line)
			}
		}
		st.seen[e.Kernel] = append(st.seen[e.Kernel], line)
		if e.Release != "" || e.Note != "" {
			st.notes = append(st.notes, KernelNote{Kernel: e.Kernel, Line: line, Release: e.Release, Note: e.Note})
		}
	}
}

// Encode renders a profile as indented JSON with a trailing newline. Map
// keys come out sorted, so equal profiles encode to equal bytes.
func Encode(p *Profile) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encode profile %s: %w", p.Profile, err)
	}
	return buf.Bytes(), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func firstLine(a Anomaly) int {
	if len(a.Tokens) == 0 {
		return 0
	}
	return a.Tokens[0].Line
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}
