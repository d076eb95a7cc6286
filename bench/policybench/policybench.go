// Package policybench measures the policy side of issue 8: evaluation time
// of the whole rule catalog over a synthetic snapshot, its growth from 10k
// to 100k instances, the evaluating process's peak RSS, and report writing
// against evaluation. It is apart from package bench so that the
// collection bench still builds while the policy engine is being written:
// bench runs it as a program (cmd/pdr-bench-policy) only when the engine
// is ready, and each measurement in a process of its own, so that peak RSS
// is the evaluation's alone.
//
// Invariants:
//   - The snapshot is the one `pdr-audit import` would make of the
//     estate, except that kernels are decided from the estate's inventory
//     files directly with ssmcollect.ReleaseFromInventory (the same
//     decision the collector makes) instead of one paced
//     ListInventoryEntries call per instance, which would take minutes.
//   - Evaluation is timed as `pdr-audit audit` runs it: Engine.Evaluate
//     on the decoded snapshot; report writing is report.New plus the
//     table, JSON and SARIF writers into io.Discard.
package policybench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	ssmcollect "github.com/pdr-audit/pdr-audit/internal/collect/ssm"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/policy"
	"github.com/pdr-audit/pdr-audit/internal/report"
)

// Import collects an estate through an in-process simulator (no latency,
// no throttling) into a snapshot, with kernels from its inventory files.
func Import(ctx context.Context, dir string) (*model.Snapshot, error) {
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		return nil, err
	}
	srv, err := awssim.NewServer(est, awssim.Options{})
	if err != nil {
		return nil, err
	}
	cfg := awssim.SDKConfig(awssim.InProcessEndpoint, "us-east-1")
	cfg.HTTPClient = awssim.InProcessClient(srv)
	var regions []string
	for _, id := range est.SortedAccounts() {
		for _, r := range est.Accounts[id].SortedRegions() {
			if !contains(regions, r) {
				regions = append(regions, r)
			}
		}
	}
	opts := collect.Options{
		Regions: regions, Org: est.ListAccounts != nil, KernelSource: ssmcollect.KernelSourceNone,
		Concurrency: 16, Tool: model.Tool{Name: "pdr-audit", Version: "bench"}, Source: "import",
	}
	if opts.Org {
		opts.RoleName = "OrganizationAccountAccessRole"
	}
	snap, err := collect.Collect(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	decideKernels(est, snap)
	return snap, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// decideKernels fills the snapshot's kernels from the estate's inventory
// files, as the inventory kernel source would.
func decideKernels(est *awssim.Estate, snap *model.Snapshot) {
	snap.Scope.KernelSource = ssmcollect.KernelSourceInventory
	for ai := range snap.Accounts {
		a := &snap.Accounts[ai]
		acct := est.Accounts[a.ID]
		for ri := range a.Regions {
			r := &a.Regions[ri]
			files := acct.Regions[r.Name].Files
			linux := map[string]bool{}
			for _, in := range r.SSMInstances {
				if in.PlatformType == "Linux" {
					linux[in.InstanceID] = true
				}
			}
			for ki := range r.Kernels {
				k := &r.Kernels[ki]
				k.Source, k.Release, k.Detail = model.KernelUnknown, "", ""
				if !linux[k.InstanceID] {
					k.Detail = "not managed by SSM as Linux"
					continue
				}
				var entries []map[string]string
				doc := files["ssm/list-inventory-entries/"+k.InstanceID+"/AWS_Application"]
				list, _ := doc["Entries"].([]any)
				for _, e := range list {
					obj, _ := e.(map[string]any)
					entry := map[string]string{}
					for key, v := range obj {
						if s, ok := v.(string); ok {
							entry[key] = s
						}
					}
					if n := entry["Name"]; strings.HasPrefix(n, "kernel") || strings.HasPrefix(n, "linux-image-") {
						entries = append(entries, entry)
					}
				}
				rel, detail := ssmcollect.ReleaseFromInventory(entries)
				if rel != "" {
					k.Release, k.Source = rel, model.KernelFromInventory
				} else {
					k.Detail = detail
				}
			}
		}
	}
}

// Result is one evaluation measurement.
type Result struct {
	Instances int `json:"instances"`
	Rules     int `json:"rules"`
	Results   int `json:"results"`
	// Evaluate is the least time of Rounds evaluations; Report the least
	// time of building the report and writing it as table, JSON and SARIF.
	Evaluate time.Duration `json:"evaluate_ns"`
	// EvaluateCPU is the least CPU time (user and system, every thread)
	// of the evaluations: unlike Evaluate, it does not grow when other
	// processes share the machine.
	EvaluateCPU time.Duration `json:"evaluate_cpu_ns"`
	Report      time.Duration `json:"report_ns"`
	Rounds      int           `json:"rounds"`
	// PeakRSS is the process's peak resident set, in bytes (VmHWM);
	// EvaluatePeakRSS the same right after the first evaluation, before any
	// report was written.
	PeakRSS         int64 `json:"peak_rss_bytes"`
	EvaluatePeakRSS int64 `json:"evaluate_peak_rss_bytes,omitempty"`
}

// Evaluate decodes a snapshot, evaluates the built-in catalog over it
// rounds times and writes the report as many times, and returns the least
// times and the process's peak RSS.
func Evaluate(ctx context.Context, data []byte, rounds int) (*Result, error) {
	snap, err := model.Decode(data)
	if err != nil {
		return nil, err
	}
	data = nil
	engine, err := policy.New(ctx, policy.Options{})
	if err != nil {
		return nil, fmt.Errorf("policy engine: %w", err)
	}
	res := &Result{Rounds: rounds, Rules: len(engine.Rules())}
	for _, a := range snap.Accounts {
		for _, r := range a.Regions {
			res.Instances += len(r.Instances)
		}
	}
	var rules []report.Rule
	for _, r := range engine.Rules() {
		rules = append(rules, report.Rule{ID: r.ID, Title: r.Title, Severity: finding.Severity(r.Severity),
			ResourceKind: r.ResourceKind, Description: r.Description, Remediation: r.Remediation, Help: r.Help})
	}
	for i := range rounds {
		start, cpu := time.Now(), cpuTime()
		results, err := engine.Evaluate(ctx, snap)
		if err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		took, used := time.Since(start), cpuTime()-cpu
		if i == 0 || used < res.EvaluateCPU {
			res.EvaluateCPU = used
		}
		if i == 0 {
			res.EvaluatePeakRSS = peakRSS()
		}
		res.Results = len(results)
		start = time.Now()
		rep := report.New(results, snap.Gaps, report.Meta{
			Tool: report.Tool{Name: "pdr-audit", Version: "bench"}, Profile: engine.Profile(), Datacenter: "us",
			GeneratedAt: time.Unix(0, 0).UTC(), Rules: rules,
		})
		for _, write := range []func(io.Writer, *report.Report) error{report.WriteTable, report.WriteJSON, report.WriteSARIF} {
			// SARIF caps its results as GitHub does; a truncated report
			// is still a written one.
			if err := write(io.Discard, rep); err != nil && !errors.Is(err, report.ErrTruncated) {
				return nil, fmt.Errorf("write report: %w", err)
			}
		}
		written := time.Since(start)
		if i == 0 || took < res.Evaluate {
			res.Evaluate = took
		}
		if i == 0 || written < res.Report {
			res.Report = written
		}
	}
	res.PeakRSS = peakRSS()
	return res, nil
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set in bytes: VmHWM of
// /proc/self/status, which belongs to the process's own address space.
// getrusage's ru_maxrss is the fallback only: Linux carries the parent's
// peak over fork and exec into it, so a process started by a big one
// (pdr-bench holds the estates it generated) would report that peak.
func peakRSS() int64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if f := strings.Fields(rest); len(f) == 2 && f[1] == "kB" {
					if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						return kb * 1024
					}
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		return ru.Maxrss * 1024 // kilobytes on Linux
	}
	return 0
}
