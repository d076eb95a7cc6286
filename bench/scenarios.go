package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
	"github.com/pdr-audit/pdr-audit/internal/awssim/throttle"
)

// Config sizes the scenarios. Full is what `make bench` runs; Smoke runs
// the same scenarios at sizes that take seconds.
type Config struct {
	// Latency is L, the simulator's base latency in the wall-time runs.
	Latency time.Duration
	// Region is the big estate: one account-region.
	Region synth.Options
	// Org is the fan-out estate: many accounts and regions, small each.
	Org synth.Options
	// Small is a one-region estate collected with kernel inventory under
	// throttling pressure.
	Small synth.Options
	// Inventory is the estate of the kernel-inventory runs.
	Inventory synth.Options
	// InventorySSM are the SSM buckets the inventory runs sweep.
	InventorySSM []throttle.Limit
	// CPURounds is how often the CPU comparison runs each side.
	CPURounds int
	// PolicyRoot is the module root checked for the policy engine
	// ("" skips the check: the policy goals are pending).
	PolicyRoot string
	// PolicyRegions is the number of regions of the multi-region policy
	// snapshot; PolicyTimeout bounds each policy process.
	PolicyRegions int
	PolicyTimeout time.Duration
	// Only, when set, runs only the scenarios whose name it matches
	// ("region", "region-10%", "org", …, "cpu").
	Only *regexp.Regexp
}

func (c Config) selected(name string) bool { return c.Only == nil || c.Only.MatchString(name) }

// Full is issue 8's scenarios.
func Full() Config {
	d := synth.Defaults()
	region := d
	region.Seed, region.VPCs, region.Instances, region.SecurityGroups = 1, 10, 10000, 2000
	org := d
	org.Seed, org.Accounts, org.Regions, org.VPCs, org.Instances = 2, 50, 4, 1, 20
	small := d
	small.Seed, small.VPCs, small.Instances = 3, 2, 120
	inv := d
	inv.Seed, inv.VPCs, inv.Instances = 4, 2, 400
	return Config{
		Latency: 100 * time.Millisecond, Region: region, Org: org, Small: small, Inventory: inv,
		InventorySSM: []throttle.Limit{{Capacity: 20, Refill: 10}, {Capacity: 100, Refill: 50}},
		CPURounds:    2, PolicyRegions: 10, PolicyTimeout: 3 * time.Minute,
	}
}

// Smoke is every scenario at a size that takes seconds.
func Smoke() Config {
	c := Full()
	c.Latency = 5 * time.Millisecond
	c.Region.VPCs, c.Region.Instances, c.Region.SecurityGroups = 2, 250, 30
	c.Org.Accounts, c.Org.Regions, c.Org.Instances = 3, 2, 6
	c.Small.Instances = 8
	c.Inventory.Instances = 24
	c.CPURounds, c.PolicyRegions = 1, 3
	return c
}

// Results are everything one bench run measured.
type Results struct {
	Date     string         `json:"date"`
	Machine  Machine        `json:"machine"`
	Duration time.Duration  `json:"duration_ns"`
	Goals    []Goal         `json:"goals"`
	Runs     []*RunResult   `json:"runs"`
	CPU      *CPUResult     `json:"cpu,omitempty"`
	Policy   *PolicyResults `json:"policy,omitempty"`
	Estates  []EstateInfo   `json:"estates"`
}

// Machine is where the bench ran.
type Machine struct {
	CPUs     int    `json:"nproc"`
	CPUModel string `json:"cpu_model"`
	Go       string `json:"go"`
	OS       string `json:"os"`
}

// EstateInfo is a generated estate and how long it took to write.
type EstateInfo struct {
	Name     string         `json:"name"`
	Options  string         `json:"options"`
	Summary  *synth.Summary `json:"summary"`
	Generate time.Duration  `json:"generate_ns"`
	Load     time.Duration  `json:"load_ns"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// RunAll generates the estates into dir and runs every scenario,
// reporting progress on w.
func RunAll(ctx context.Context, cfg Config, dir string, w io.Writer) (*Results, error) {
	began := time.Now()
	res := &Results{Date: began.UTC().Format(time.RFC3339), Machine: machine()}
	var cache estateCache
	estates := map[string]string{}
	for _, e := range []struct {
		name string
		o    synth.Options
	}{{"region", cfg.Region}, {"org", cfg.Org}, {"small", cfg.Small}, {"inventory", cfg.Inventory}} {
		p := filepath.Join(dir, e.name)
		t0 := time.Now()
		sum, err := synth.Generate(p, e.o)
		if err != nil {
			return nil, fmt.Errorf("generate the %s estate: %w", e.name, err)
		}
		t1 := time.Now()
		if _, err := cache.load(p); err != nil {
			return nil, fmt.Errorf("load the %s estate: %w", e.name, err)
		}
		info := EstateInfo{Name: e.name, Summary: sum, Generate: t1.Sub(t0), Load: time.Since(t1),
			Options: fmt.Sprintf("seed %d, %d accounts × %d regions, %d VPCs, %d instances, %d security groups per region",
				e.o.Seed, e.o.Accounts, e.o.Regions, e.o.VPCs, e.o.Instances, sum.SecurityGroups/max(sum.AccountRegions, 1))}
		res.Estates = append(res.Estates, info)
		estates[e.name] = p
		fmt.Fprintf(w, "estate %-9s %s: %d instances, %d SSM nodes (generated in %v, loaded in %v)\n",
			e.name, info.Options, sum.Instances, sum.SSMNodes, info.Generate.Round(time.Millisecond), info.Load.Round(time.Millisecond))
	}
	regions := func(o synth.Options) []string { return synth.RegionCodes[:o.Regions] }
	L := cfg.Latency
	def := SimParams{Latency: L, Throttle: true}
	tenth := SimParams{Latency: L, Throttle: true, Scale: 0.1}
	type planned struct {
		run     Run
		dir     string
		timeout func(floor time.Duration) time.Duration
	}
	generous := func(f time.Duration) time.Duration { return 2*f + 4*time.Minute }
	runs := []planned{
		{Run{Name: "region", Scope: Scope{Regions: regions(cfg.Region)}, Sim: def}, estates["region"], generous},
		{Run{Name: "region-10%", Scope: Scope{Regions: regions(cfg.Region)}, Sim: tenth}, estates["region"], generous},
		{Run{Name: "org", Scope: Scope{Regions: regions(cfg.Org), Inventory: true}, Sim: def}, estates["org"], generous},
		{Run{Name: "org-concurrency-all", Scope: Scope{Regions: regions(cfg.Org), Inventory: true}, Sim: def,
			Concurrency: cfg.Org.Accounts * cfg.Org.Regions}, estates["org"], generous},
		{Run{Name: "small-L0", Scope: Scope{Regions: regions(cfg.Small), Inventory: true}, Sim: SimParams{Throttle: true}}, estates["small"], generous},
		{Run{Name: "small-10%", Scope: Scope{Regions: regions(cfg.Small), Inventory: true}, Sim: tenth}, estates["small"], generous},
	}
	for _, lim := range cfg.InventorySSM {
		runs = append(runs, planned{Run{
			Name:  fmt.Sprintf("inventory-ssm-%g-%g", lim.Capacity, lim.Refill),
			Scope: Scope{Regions: regions(cfg.Inventory), Inventory: true}, Sim: SimParams{Latency: L, Throttle: true, SSM: lim},
		}, estates["inventory"], generous})
	}
	for _, p := range runs {
		if !cfg.selected(p.run.Name) {
			continue
		}
		est, err := cache.load(p.dir)
		if err != nil {
			return nil, err
		}
		p.run.Estate = est
		need, err := Minimum(est, p.run.Scope)
		if err != nil {
			return nil, err
		}
		b, err := p.run.Sim.buckets()
		if err != nil {
			return nil, err
		}
		p.run.Timeout = p.timeout(EstateFloor(need, b, p.run.Sim.Latency).Total)
		r, err := p.run.Collect(ctx)
		if err != nil {
			return nil, err
		}
		res.Runs = append(res.Runs, r)
		fmt.Fprintf(w, "run %-22s %s: wall %v, floor %v, ratio %.2f, %d calls (%d throttled), complete %v\n",
			r.Name, r.Sim, r.Wall.Round(time.Millisecond), r.Floor, r.Ratio, r.Calls, r.Throttled, r.Complete)
	}
	if cfg.selected("cpu") {
		cpu, err := CompareCPU(ctx, estates["region"], regions(cfg.Region)[0], cfg.CPURounds)
		if err != nil {
			return nil, fmt.Errorf("CPU comparison: %w", err)
		}
		res.CPU = cpu
		fmt.Fprintf(w, "cpu: collector %v per instance, bare SDK %v per instance, ratio %.2f\n",
			cpu.CollectorPerInstance, cpu.BarePerInstance, cpu.Ratio)
	}
	if ok, why := policyEngine(cfg.PolicyRoot); ok && cfg.selected("policy") {
		res.Policy = policyScenarios(ctx, cfg, dir, estates["region"], w)
	} else {
		fmt.Fprintf(w, "policy: not run (%s)\n", why)
	}
	res.Goals = goals(res, cfg)
	res.Duration = time.Since(began)
	return res, nil
}

// policyEngine says whether the policy goals can run: internal/policy
// compiles and policies/pdr holds rules (Rego files other than the
// library and tests).
func policyEngine(root string) (bool, string) {
	// Rules live in subdirectories of policies/pdr; lib.rego and tests are
	// not rules.
	if root == "" {
		return false, "not checked"
	}
	cmd := exec.Command("go", "list", "./internal/policy")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return false, "internal/policy does not compile: " + strings.TrimSpace(string(out))
	}
	rules := 0
	_ = filepath.WalkDir(filepath.Join(root, "policies", "pdr"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".rego") && d.Name() != "lib.rego" && !strings.HasSuffix(p, "_test.rego") {
			rules++
		}
		return nil
	})
	if rules == 0 {
		return false, "policies/pdr has no rule files yet"
	}
	return true, fmt.Sprintf("%d rule files", rules)
}
