// Command pdr-bench runs pdr-audit's performance scenarios (issue 8) and
// prints one line per goal with the measured ratio and its target; it
// writes the same as JSON. `make bench` runs it from the module root.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"

	"github.com/pdr-audit/pdr-audit/bench"
)

func main() {
	bench.ServeChildIfAsked()
	results := flag.String("results", "bench/results.json", "file to write the results to, as JSON")
	smoke := flag.Bool("smoke", false, "run every scenario at a size that takes seconds")
	root := flag.String("root", ".", "module root, to check whether the policy engine is ready")
	only := flag.String("run", "", "run only the scenarios whose name matches this regular expression (region, region-10%, org, org-concurrency-all, small-L0, small-10%, inventory-…, cpu)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := bench.Full()
	if *smoke {
		cfg = bench.Smoke()
	}
	cfg.PolicyRoot = *root
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pdr-bench: -run:", err)
			os.Exit(2)
		}
		cfg.Only = re
	}
	dir, err := os.MkdirTemp("", "pdr-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pdr-bench:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	res, err := bench.RunAll(ctx, cfg, dir, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pdr-bench:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	res.Print(os.Stdout)
	if err := res.WriteJSON(*results); err != nil {
		fmt.Fprintln(os.Stderr, "pdr-bench:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
}
