// Command pdr-bench-policy is the policy half of `make bench`, run by
// pdr-bench in processes of their own:
//
//	pdr-bench-policy import -estate DIR -o SNAPSHOT   import a synthetic estate
//	pdr-bench-policy eval -snapshot SNAPSHOT          evaluate it; one JSON line
//
// eval prints policybench.Result as JSON; its peak RSS is the evaluating
// process's alone.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/pdr-audit/pdr-audit/bench/policybench"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pdr-bench-policy:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("want a command: import or eval")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	ctx := context.Background()
	switch args[0] {
	case "import":
		estate := fs.String("estate", "", "estate directory")
		out := fs.String("o", "", "snapshot file to write")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		snap, err := policybench.Import(ctx, *estate)
		if err != nil {
			return err
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := model.Encode(f, snap); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	case "eval":
		snapshot := fs.String("snapshot", "", "snapshot file to evaluate")
		rounds := fs.Int("rounds", 3, "evaluations; the least time counts")
		profile := fs.String("cpuprofile", "", "write a CPU profile of the evaluation to this file")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *profile != "" {
			f, err := os.Create(*profile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer func() {
				pprof.StopCPUProfile()
				_ = f.Close()
			}()
		}
		data, err := os.ReadFile(*snapshot)
		if err != nil {
			return err
		}
		res, err := policybench.Evaluate(ctx, data, *rounds)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	return fmt.Errorf("unknown command %q: want import or eval", args[0])
}
