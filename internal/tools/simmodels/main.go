// Command simmodels extracts, from botocore's service models, the part of
// each AWS service model that the simulator (internal/awssim) serves: the
// operations it answers, their paginators, and every shape reachable from
// them, without documentation strings. The output is committed under
// internal/awssim/simmodel/data and embedded in the binary, so the simulator speaks
// the shapes AWS itself publishes rather than shapes written from memory.
//
//	go run ./internal/tools/simmodels [-botocore DIR] [-out internal/awssim/simmodel/data]
//
// A test in internal/awssim compares the committed files with a fresh
// extraction when botocore's models are installed on the machine.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

func main() {
	botocore := flag.String("botocore", simmodel.DefaultBotocoreDir, "botocore data directory")
	out := flag.String("out", "internal/awssim/simmodel/data", "output directory")
	flag.Parse()
	if err := simmodel.WriteAll(*botocore, *out); err != nil {
		fmt.Fprintln(os.Stderr, "simmodels:", err)
		os.Exit(1)
	}
}
