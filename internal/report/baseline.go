package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/finding"
)

// BaselineState says how a result compares with the same rule and
// resource (finding.Result.Key) in an earlier audit's report.
type BaselineState string

// Baseline states.
const (
	// BaselineNew: failing now (fail, error, unknown or waived) and not failing,
	// or absent, in the baseline.
	BaselineNew BaselineState = "new"
	// BaselineUnchanged: failing in the baseline and now.
	BaselineUnchanged BaselineState = "unchanged"
	// BaselineResolved: failing in the baseline, passing or absent now.
	BaselineResolved BaselineState = "resolved"
)

// failing reports whether a status counts as a finding when comparing
// with a baseline: anything but pass.
func failing(s finding.Status) bool { return s != finding.Pass }

// Previous is an earlier audit's JSON report, as a baseline reads it.
type Previous struct {
	// File is where it was read from.
	File        string
	GeneratedAt time.Time
	Results     []finding.Result
}

// ReadBaseline reads a JSON report (format_version "1") written by an
// earlier audit. Anything else (another version, another shape) is
// refused with a one-line error naming the file.
func ReadBaseline(path string) (*Previous, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	return ParseBaseline(path, b)
}

// ParseBaseline decodes a baseline report read from file (named in
// errors).
func ParseBaseline(file string, b []byte) (*Previous, error) {
	var doc struct {
		FormatVersion *string           `json:"format_version"`
		GeneratedAt   time.Time         `json:"generated_at"`
		Results       *[]finding.Result `json:"results"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("baseline %s: not a JSON report of pdr-audit audit --format json: %s", file, oneLine(err.Error()))
	}
	switch {
	case doc.FormatVersion == nil:
		return nil, fmt.Errorf("baseline %s: no format_version; want a JSON report of pdr-audit audit --format json", file)
	case *doc.FormatVersion != FormatVersion:
		return nil, fmt.Errorf("baseline %s: format_version %q, this build reads %q", file, *doc.FormatVersion, FormatVersion)
	case doc.Results == nil:
		return nil, fmt.Errorf("baseline %s: no results array; want a JSON report of pdr-audit audit --format json", file)
	}
	for i, r := range *doc.Results {
		if r.RuleID == "" || !r.Status.Valid() {
			return nil, fmt.Errorf("baseline %s: result %d has no rule_id or an unknown status %q", file, i+1, r.Status)
		}
	}
	return &Previous{File: file, GeneratedAt: doc.GeneratedAt, Results: *doc.Results}, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// BaselineCounts counts results by baseline state.
type BaselineCounts struct {
	New       int `json:"new"`
	Unchanged int `json:"unchanged"`
	Resolved  int `json:"resolved"`
}

// BaselineEntry names one result of a comparison, for the lists in the
// report.
type BaselineEntry struct {
	Key          string           `json:"key"`
	RuleID       string           `json:"rule_id"`
	Account      string           `json:"account"`
	Region       string           `json:"region"`
	ResourceID   string           `json:"resource_id"`
	ResourceType string           `json:"resource_type"`
	Severity     finding.Severity `json:"severity"`
	// Status is the result's status now; "absent" when the resource or
	// rule gave no result this time.
	Status string `json:"status"`
	// Previous is the status in the baseline.
	Previous finding.Status `json:"previous_status,omitempty"`
}

// Baseline is the comparison of a report with an earlier one. It is the
// JSON report's "baseline" section, present only with a baseline.
type Baseline struct {
	File                string         `json:"file"`
	BaselineGeneratedAt time.Time      `json:"generated_at"`
	Counts              BaselineCounts `json:"counts"`
	// New lists the new results; Resolved the resolved ones, including
	// those absent now. Both are sorted by key.
	New      []BaselineEntry `json:"new"`
	Resolved []BaselineEntry `json:"resolved"`

	states   map[string]BaselineState
	previous map[string]finding.Status
}

// NewBaseline compares results (this run's) with prev.
func NewBaseline(prev *Previous, results []finding.Result) *Baseline {
	b := &Baseline{
		File: prev.File, BaselineGeneratedAt: prev.GeneratedAt.UTC(),
		New: []BaselineEntry{}, Resolved: []BaselineEntry{},
		states: map[string]BaselineState{}, previous: map[string]finding.Status{},
	}
	before := map[string]finding.Result{}
	for _, r := range prev.Results {
		k := r.Key()
		if old, ok := before[k]; ok {
			r.Status = finding.Worst(old.Status, r.Status)
		}
		before[k] = r
		b.previous[k] = r.Status
	}
	seen := map[string]bool{}
	for _, r := range results {
		k := r.Key()
		seen[k] = true
		old, had := before[k]
		wasFailing := had && failing(old.Status)
		switch {
		case failing(r.Status) && wasFailing:
			b.states[k] = BaselineUnchanged
			b.Counts.Unchanged++
		case failing(r.Status):
			b.states[k] = BaselineNew
			b.Counts.New++
			b.New = append(b.New, entry(r, string(r.Status), old.Status))
		case wasFailing:
			b.states[k] = BaselineResolved
			b.Counts.Resolved++
			b.Resolved = append(b.Resolved, entry(r, string(r.Status), old.Status))
		}
	}
	for k, old := range before {
		if !seen[k] && failing(old.Status) {
			b.Counts.Resolved++
			b.Resolved = append(b.Resolved, entry(old, "absent", old.Status))
		}
	}
	byKey := func(a, b BaselineEntry) int { return strings.Compare(a.Key, b.Key) }
	slices.SortFunc(b.New, byKey)
	slices.SortFunc(b.Resolved, byKey)
	return b
}

func entry(r finding.Result, status string, previous finding.Status) BaselineEntry {
	return BaselineEntry{Key: r.Key(), RuleID: r.RuleID, Account: r.Account, Region: r.Region,
		ResourceID: r.ResourceID, ResourceType: r.ResourceType, Severity: r.Severity,
		Status: status, Previous: previous}
}

// State returns the baseline state of a result of this run: "" for a
// result that passes now and did not fail before, or without a baseline.
func (b *Baseline) State(r finding.Result) BaselineState {
	if b == nil {
		return ""
	}
	return b.states[r.Key()]
}

// PreviousStatus returns the status of r's rule and resource in the
// baseline, and whether it had a result there.
func (b *Baseline) PreviousStatus(r finding.Result) (finding.Status, bool) {
	if b == nil {
		return "", false
	}
	s, ok := b.previous[r.Key()]
	return s, ok
}

// SARIFBaselineState maps a result's baseline state to SARIF 2.1.0's
// (§3.27.24): new, unchanged, updated (failing both times with another
// status) or absent (resolved: passing now); "" without a baseline or for
// a result that was and is passing.
func (b *Baseline) SARIFBaselineState(r finding.Result) string {
	switch b.State(r) {
	case BaselineNew:
		return "new"
	case BaselineUnchanged:
		if prev, _ := b.PreviousStatus(r); prev != r.Status {
			return "updated"
		}
		return "unchanged"
	case BaselineResolved:
		return "absent"
	}
	return ""
}

// NewFailures counts the results that are new and fail or error: what
// --fail-on new gates on.
func (b *Baseline) NewFailures(results []finding.Result) int {
	n := 0
	for _, r := range results {
		if b.State(r) == BaselineNew && (r.Status == finding.Fail || r.Status == finding.Error) {
			n++
		}
	}
	return n
}
