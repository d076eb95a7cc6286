package bench

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
)

func TestACollectionOfASyntheticEstateMakesTheMinimumCalls(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "e")
	o := synth.Defaults()
	o.Seed, o.Accounts, o.Regions, o.Instances = 1, 3, 2, 30
	if _, err := synth.Generate(dir, o); err != nil {
		t.Fatal(err)
	}
	var c estateCache
	est, err := c.load(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run{Name: "smoke", Estate: est, Scope: Scope{Regions: []string{"us-east-1", "us-west-2"}, Inventory: true},
		Sim: SimParams{Latency: time.Millisecond, Throttle: true}}.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if !res.Complete {
		t.Errorf("incomplete: %s %v", res.Missing, res.Gaps)
	}
	if ex := res.Excess(); len(ex) > 0 {
		t.Errorf("calls differ from the minimum: %v", ex)
	}
}

// Every scenario of `make bench`, at a size that takes seconds, so the
// harness cannot rot: it must run end to end and produce every goal line.
func TestEveryScenarioRunsAtSmokeSize(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every bench scenario")
	}
	cfg := Smoke()
	cfg.PolicyRoot = ".." // the module root: the policy scenarios run when the engine is ready
	res, err := RunAll(context.Background(), cfg, t.TempDir(), testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	res.Print(&b)
	t.Log(b.String())
	if len(res.Goals) < 15 {
		t.Errorf("%d goal lines; want every goal of issue 8", len(res.Goals))
	}
	for _, g := range res.Goals {
		switch {
		case g.Goal == "API calls ÷ minimum pages (incl. AssumeRole, ListAccounts)", g.Goal == "unpaginated calls",
			g.Goal == "transport retries (connection closed or reset)", g.Goal == "SSM DescribeInstanceInformation page size":
			// Exact at any size.
			if g.Verdict != "met" {
				t.Errorf("%s: %s (%s)", g.Goal, g.Measured, g.Detail)
			}
		case g.Verdict == "":
			t.Errorf("%s has no verdict", g.Goal)
		}
	}
	for _, r := range res.Runs {
		if !r.Complete && !r.TimedOut {
			t.Errorf("run %s: incomplete snapshot: %s %v", r.Name, r.Missing, r.Gaps)
		}
	}
	if res.CPU == nil || res.CPU.Ratio <= 0 {
		t.Error("no CPU comparison")
	}
	if ready, why := policyEngine(cfg.PolicyRoot); ready && (res.Policy == nil || res.Policy.Err != "") {
		t.Errorf("the policy engine is ready (%s) but its scenarios failed: %+v", why, res.Policy)
	}
	if err := res.WriteJSON(filepath.Join(t.TempDir(), "results.json")); err != nil {
		t.Error(err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
