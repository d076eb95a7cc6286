package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
)

// Goal is one line of the bench's verdict.
type Goal struct {
	Goal     string  `json:"goal"`
	Measured string  `json:"measured"`
	Value    float64 `json:"value"`
	Target   string  `json:"target"`
	// Verdict is "met", "missed", "pending" (not measurable yet) or "info"
	// (a measurement without a target of its own).
	Verdict string `json:"verdict"`
	Detail  string `json:"detail,omitempty"`
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func (r *Results) run(name string) *RunResult {
	for _, x := range r.Runs {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// wallGoal is a wall ÷ floor line.
func wallGoal(r *RunResult, goal string, limit float64, slack time.Duration) Goal {
	g := Goal{Goal: goal, Target: fmt.Sprintf("≤ %.2f", limit)}
	if slack > 0 {
		g.Target += fmt.Sprintf(" (+%v)", slack)
	}
	if r == nil {
		g.Verdict, g.Measured = "missed", "not run"
		return g
	}
	g.Value = r.Ratio
	g.Measured = fmt.Sprintf("%.2f", r.Ratio)
	g.Detail = fmt.Sprintf("wall %v, floor %v", r.Wall.Round(time.Millisecond), r.Floor)
	if ec2, ssm := r.Phases["ec2"], r.Phases["ssm"]; ssm.Last > 0 && ec2.Last > 0 {
		g.Detail += fmt.Sprintf("; EC2 calls from %v to %v, SSM calls from %v to %v",
			ec2.First.Round(time.Millisecond), ec2.Last.Round(time.Millisecond), ssm.First.Round(time.Millisecond), ssm.Last.Round(time.Millisecond))
	}
	if r.TimedOut {
		g.Measured = fmt.Sprintf("> %.2f", r.Ratio)
		g.Detail += ", " + r.Err
	}
	ok := !r.TimedOut && r.Wall.Seconds() <= limit*r.Floor.Total.Seconds()+slack.Seconds()
	g.Verdict = verdict(ok)
	return g
}

// throttleGoal totals throttled ÷ successful calls over runs.
func throttleGoal(runs []*RunResult, goal string, limit float64, needComplete bool) Goal {
	g := Goal{Goal: goal, Target: fmt.Sprintf("≤ %.2f", limit)}
	var throttled, ok int64
	worst, worstName := 0.0, ""
	complete := true
	var incomplete []string
	for _, r := range runs {
		if r == nil {
			continue
		}
		okCalls := r.Calls - r.Throttled - r.Errors
		throttled += r.Throttled
		ok += okCalls
		if okCalls > 0 {
			if q := float64(r.Throttled) / float64(okCalls); q > worst || worstName == "" {
				worst, worstName = q, r.Name
			}
		}
		if !r.Complete {
			complete = false
			why := r.Missing
			if len(r.Gaps) > 0 {
				why = fmt.Sprintf("%d gaps, first %s %s %s: %s", len(r.Gaps), r.Gaps[0].Account, r.Gaps[0].Region, r.Gaps[0].API, r.Gaps[0].Code)
			}
			if r.TimedOut {
				why = r.Err
			}
			incomplete = append(incomplete, r.Name+" ("+why+")")
		}
	}
	if ok > 0 {
		g.Value = float64(throttled) / float64(ok)
	}
	g.Measured = fmt.Sprintf("%.3f", g.Value)
	g.Detail = fmt.Sprintf("%d throttled / %d successful; worst run %s %.3f", throttled, ok, worstName, worst)
	met := g.Value <= limit
	if needComplete {
		g.Target += ", snapshot complete"
		if complete {
			g.Detail += "; every snapshot complete"
		} else {
			g.Detail += "; incomplete: " + strings.Join(incomplete, ", ")
			met = false
		}
	}
	g.Verdict = verdict(met)
	return g
}

func goals(res *Results, cfg Config) []Goal {
	var out []Goal
	collected := []*RunResult{}
	for _, r := range res.Runs {
		if !r.TimedOut {
			collected = append(collected, r)
		}
	}

	// Calls ÷ minimum pages, exact per API in every run.
	var ok, minimum, all int
	var excess []string
	for _, r := range collected {
		ok += r.OKCalls()
		minimum += r.MinimumCalls()
		all += int(r.Calls)
		for _, e := range r.Excess() {
			excess = append(excess, r.Name+": "+e)
		}
	}
	g := Goal{Goal: "API calls ÷ minimum pages (incl. AssumeRole, ListAccounts)", Target: "= 1.00"}
	if minimum > 0 {
		g.Value = float64(ok) / float64(minimum)
	}
	g.Measured = fmt.Sprintf("%.2f", g.Value)
	g.Detail = fmt.Sprintf("%d successful calls for %d minimum pages over %d runs, every API exact", ok, minimum, len(collected))
	if len(excess) > 0 {
		g.Detail = "differ (made/minimum): " + strings.Join(excess, "; ")
	}
	g.Detail += fmt.Sprintf("; with throttled and failed attempts %d calls (%.3f)", all, float64(all)/math.Max(1, float64(minimum)))
	g.Verdict = verdict(len(excess) == 0 && len(collected) > 0)
	out = append(out, g)

	var unpaginated int64
	ssmPage := 0
	for _, r := range collected {
		unpaginated += r.Unpaginated
		ssmPage = max(ssmPage, r.Stats.Actions["ssm:DescribeInstanceInformation"].MaxPageItems)
	}
	out = append(out, Goal{Goal: "unpaginated calls", Target: "= 0", Value: float64(unpaginated),
		Measured: fmt.Sprint(unpaginated), Verdict: verdict(unpaginated == 0)})
	big := res.run("region")
	g = Goal{Goal: "SSM DescribeInstanceInformation page size", Target: "= 50", Value: float64(ssmPage), Measured: fmt.Sprint(ssmPage)}
	if big != nil {
		dii := big.Stats.Actions["ssm:DescribeInstanceInformation"]
		g.Detail = fmt.Sprintf("largest answer; %d nodes in %d pages in the 1-region run (minimum %d)", dii.Items, dii.Pages, big.Minimum["ssm:DescribeInstanceInformation"])
		g.Verdict = verdict(ssmPage == 50 && int(dii.Pages) == big.Minimum["ssm:DescribeInstanceInformation"])
	} else {
		g.Verdict = "missed"
	}
	out = append(out, g)

	var transport int64
	for _, r := range res.Runs {
		transport += r.Client.TransportRetries
	}
	out = append(out, Goal{Goal: "transport retries (connection closed or reset)", Target: "= 0", Value: float64(transport),
		Measured: fmt.Sprint(transport), Verdict: verdict(transport == 0), Detail: "counted apart from throttle retries, attempt by attempt"})

	out = append(out,
		throttleGoal([]*RunResult{res.run("region"), res.run("org"), res.run("small-L0"), res.run(fmt.Sprintf("inventory-ssm-%g-%g", 20.0, 10.0))},
			"throttled ÷ successful calls, default buckets", 0.02, false),
		throttleGoal([]*RunResult{res.run("region-10%"), res.run("small-10%")},
			"throttled ÷ successful calls, buckets at 10%", 0.15, true),
		wallGoal(res.run("region"), fmt.Sprintf("wall ÷ floor: 1 region, %d instances, %d SGs, %d SSM nodes, L=%v", cfg.Region.Instances,
			summary(res, "region").SecurityGroups, summary(res, "region").SSMNodes, cfg.Latency), 1.25, time.Second),
		wallGoal(res.run("region-10%"), "wall ÷ floor: the same at 10% buckets", 1.15, 0),
		wallGoal(res.run("org"), fmt.Sprintf("wall ÷ floor: %d accounts × %d regions, small estates", cfg.Org.Accounts, cfg.Org.Regions), 1.5, 0),
	)
	if res.CPU != nil {
		out = append(out, Goal{Goal: "collector CPU per instance ÷ bare SDK, same run", Target: "≤ 1.30", Value: res.CPU.Ratio,
			Measured: fmt.Sprintf("%.2f", res.CPU.Ratio), Verdict: verdict(res.CPU.Ratio <= 1.3),
			Detail: fmt.Sprintf("%v vs %v per instance over %d instances (least of %d rounds)", res.CPU.CollectorPerInstance, res.CPU.BarePerInstance, res.CPU.Instances, res.CPU.Rounds)})
	}
	_, why := policyEngine(cfg.PolicyRoot)
	out = append(out, policyGoals(res.Policy, why, cfg)...)
	// Measurements without a target of their own.
	if r := res.run("org-concurrency-all"); r != nil {
		g := wallGoal(r, fmt.Sprintf("info: the fan-out with --concurrency %d (every account-region at once)", r.Concurrency), 1.5, 0)
		g.Verdict = "info"
		out = append(out, g)
	}
	for _, lim := range cfg.InventorySSM {
		if r := res.run(fmt.Sprintf("inventory-ssm-%g-%g", lim.Capacity, lim.Refill)); r != nil {
			g := wallGoal(r, fmt.Sprintf("info: wall ÷ floor, kernel inventory of %d Linux nodes, SSM bucket %g, %g/s",
				r.Minimum["ssm:ListInventoryEntries"], lim.Capacity, lim.Refill), 1.25, time.Second)
			g.Verdict = "info"
			out = append(out, g)
		}
	}
	return out
}

// summary is the generated estate's summary (empty when unknown).
func summary(res *Results, name string) synth.Summary {
	for _, e := range res.Estates {
		if e.Name == name && e.Summary != nil {
			return *e.Summary
		}
	}
	return synth.Summary{}
}

// Print writes one line per goal.
func (r *Results) Print(w io.Writer) {
	fmt.Fprintf(w, "\npdr-audit bench, %s, %d CPUs (%s), %s, took %v\n\n", r.Date, r.Machine.CPUs, r.Machine.CPUModel, r.Machine.Go, r.Duration.Round(time.Second))
	for _, g := range r.Goals {
		fmt.Fprintf(w, "%-7s %-78s %-14s target %s\n", g.Verdict, g.Goal, g.Measured, g.Target)
		if g.Detail != "" {
			fmt.Fprintf(w, "        %s\n", g.Detail)
		}
	}
}

// WriteJSON writes the results to path.
func (r *Results) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
