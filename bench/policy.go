package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/bench/policybench"
	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
)

// PolicyResults are the policy scenarios' measurements; a nil one was not
// measured (Err says why).
type PolicyResults struct {
	// Large is the big region's snapshot (Config.Region), Base the same
	// shape at a tenth of the instances, Regions Config.PolicyRegions
	// regions of Base.
	Large   *policybench.Result `json:"large,omitempty"`
	Base    *policybench.Result `json:"base,omitempty"`
	Regions *policybench.Result `json:"regions,omitempty"`
	Err     string              `json:"error,omitempty"`
}

// policyScenarios measures the engine through cmd/pdr-bench-policy, built
// from root: each snapshot is imported in one process and evaluated in
// another, so that the peak RSS is the evaluation's.
func policyScenarios(ctx context.Context, cfg Config, dir, regionDir string, w io.Writer) *PolicyResults {
	res := &PolicyResults{}
	bin := filepath.Join(dir, "pdr-bench-policy")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./bench/cmd/pdr-bench-policy")
	build.Dir = cfg.PolicyRoot
	if out, err := build.CombinedOutput(); err != nil {
		res.Err = "build the policy bench: " + strings.TrimSpace(string(out))
		return res
	}
	base := cfg.Region
	base.Seed, base.VPCs = 11, max(1, cfg.Region.VPCs/10)
	base.Instances = max(2*base.VPCs, cfg.Region.Instances/10)
	base.SecurityGroups = max(7*base.VPCs, cfg.Region.SecurityGroups/10)
	regions := base
	regions.Regions = cfg.PolicyRegions
	for _, s := range []struct {
		name   string
		estate string
		o      *synth.Options
		rounds int
		into   **policybench.Result
	}{
		{"base", "", &base, 3, &res.Base},
		{"regions", "", &regions, 1, &res.Regions},
		{"large", regionDir, nil, 1, &res.Large},
	} {
		estate := s.estate
		if s.o != nil {
			estate = filepath.Join(dir, "policy-"+s.name)
			if _, err := synth.Generate(estate, *s.o); err != nil {
				res.Err = fmt.Sprintf("generate the %s estate: %v", s.name, err)
				return res
			}
		}
		snap := filepath.Join(dir, "policy-"+s.name+".json")
		if out, err := runTool(ctx, bin, cfg.PolicyTimeout, "import", "-estate", estate, "-o", snap); err != nil {
			res.Err = fmt.Sprintf("import the %s estate: %v: %s", s.name, err, out)
			return res
		}
		_ = os.RemoveAll(filepath.Join(dir, "policy-"+s.name))
		out, err := runTool(ctx, bin, cfg.PolicyTimeout, "eval", "-snapshot", snap, "-rounds", fmt.Sprint(s.rounds))
		if err != nil {
			res.Err = fmt.Sprintf("evaluate the %s snapshot: %v: %s", s.name, err, out)
			return res
		}
		var r policybench.Result
		if err := json.Unmarshal(out, &r); err != nil {
			res.Err = fmt.Sprintf("evaluate the %s snapshot: %v", s.name, err)
			return res
		}
		*s.into = &r
		fmt.Fprintf(w, "policy %-8s %d instances, %d rules, %d results: evaluated in %v (CPU %v), report in %v, peak RSS %d MB (%d MB before the report)\n",
			s.name, r.Instances, r.Rules, r.Results, r.Evaluate.Round(time.Millisecond), r.EvaluateCPU.Round(time.Millisecond),
			r.Report.Round(time.Millisecond), r.PeakRSS>>20, r.EvaluatePeakRSS>>20)
	}
	return res
}

// runTool runs the policy bench binary and returns its standard output
// (its standard error on failure).
func runTool(ctx context.Context, bin string, timeout time.Duration, args ...string) ([]byte, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return stderr.Bytes(), fmt.Errorf("stopped after %v", timeout)
		}
		return stderr.Bytes(), err
	}
	return stdout.Bytes(), nil
}

// policyGoals turns the measurements into issue 8's policy lines.
func policyGoals(p *PolicyResults, why string, cfg Config) []Goal {
	lines := []Goal{
		{Goal: "policy evaluation, all rules incl. reachability, per 10k instances", Target: "≤ 0.5 s"},
		{Goal: "evaluation time growth at 10× the instances (issue: 100k ÷ 10k)", Target: "≤ 12"},
		{Goal: "peak RSS per 10k instances", Target: "≤ 120 MB"},
		{Goal: fmt.Sprintf("peak RSS, %d regions ÷ 1 region (evaluate and release per region)", cfg.PolicyRegions), Target: "≤ 2.0"},
		{Goal: "report writing (table+JSON+SARIF) + planning time ÷ evaluation time", Target: "≤ 0.25"},
	}
	if p == nil || p.Large == nil || p.Base == nil || p.Regions == nil {
		if p != nil && p.Err != "" {
			why = p.Err
		}
		for i := range lines {
			lines[i].Verdict, lines[i].Measured, lines[i].Detail = "pending", "pending: needs the policy engine", why
		}
		return lines
	}
	l, b, rg := p.Large, p.Base, p.Regions
	per10k := l.Evaluate.Seconds() * 10000 / float64(max(l.Instances, 1))
	lines[0].Value, lines[0].Measured = per10k, fmt.Sprintf("%.2f s", per10k)
	lines[0].Verdict = verdict(per10k <= 0.5)
	lines[0].Detail = fmt.Sprintf("%d rules, %d results over %d instances in %v (one evaluation; CPU %v)",
		l.Rules, l.Results, l.Instances, l.Evaluate.Round(time.Millisecond), l.EvaluateCPU.Round(time.Millisecond))

	growth := l.Evaluate.Seconds() / b.Evaluate.Seconds()
	lines[1].Value, lines[1].Measured = growth, fmt.Sprintf("%.1f", growth)
	lines[1].Verdict = verdict(growth <= 12)
	lines[1].Detail = fmt.Sprintf("measured from %d to %d instances (%v → %v; CPU %v → %v): at %v per 10k, 100k instances do not fit the bench's 15 minutes",
		b.Instances, l.Instances, b.Evaluate.Round(time.Millisecond), l.Evaluate.Round(time.Millisecond),
		b.EvaluateCPU.Round(time.Millisecond), l.EvaluateCPU.Round(time.Millisecond), l.Evaluate.Round(time.Second))

	rssPer10k := float64(l.PeakRSS) / (1 << 20) * 10000 / float64(max(l.Instances, 1))
	lines[2].Value, lines[2].Measured = rssPer10k, fmt.Sprintf("%.0f MB", rssPer10k)
	lines[2].Verdict = verdict(rssPer10k <= 120)
	lines[2].Detail = fmt.Sprintf("peak RSS of the evaluating process (snapshot decoded, evaluated, reported) over %d instances", l.Instances)

	rssRatio := float64(rg.PeakRSS) / float64(b.PeakRSS)
	lines[3].Value, lines[3].Measured = rssRatio, fmt.Sprintf("%.1f", rssRatio)
	lines[3].Verdict = verdict(rssRatio <= 2)
	lines[3].Detail = fmt.Sprintf("%d regions × %d instances: %d MB, evaluated in %v; 1 region: %d MB, %v (measured at %d instances a region so that it fits the bench)",
		cfg.PolicyRegions, b.Instances, rg.PeakRSS>>20, rg.Evaluate.Round(time.Millisecond), b.PeakRSS>>20, b.Evaluate.Round(time.Millisecond), b.Instances)

	rep := l.Report.Seconds() / l.Evaluate.Seconds()
	lines[4].Value, lines[4].Measured = rep, fmt.Sprintf("%.2f", rep)
	lines[4].Verdict = verdict(rep <= 0.25)
	lines[4].Detail = fmt.Sprintf("report %v for %v of evaluation at %d instances; planning not measured: there is no planner yet",
		l.Report.Round(time.Millisecond), l.Evaluate.Round(time.Millisecond), l.Instances)
	return lines
}
