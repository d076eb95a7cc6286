package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// profileSource names the compatibility document a profile is drawn from.
type profileSource struct {
	profile string
	file    string
}

// profiles lists every profile and its document (PDR-REQUIREMENTS.md,
// "Profiles").
var profiles = []profileSource{
	{profile: "pdr-2018-10", file: "rackspace-pdr-agent-compatibility.2018-10-09.md"},
	{profile: "pdr-2020-03", file: "rackspace-pdr-agent-compatibility.2020-03-30.md"},
}

// outputName is the file written in each profile's directory.
const outputName = "os.json"

func main() {
	ref := flag.String("ref", "../shared/reference", "directory holding the reference documents")
	out := flag.String("out", "policies/data/profiles", "directory to write <profile>/"+outputName+" under")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "kernellists: unexpected arguments:", flag.Args())
		os.Exit(2)
	}
	if err := run(*ref, *out); err != nil {
		fmt.Fprintln(os.Stderr, "kernellists:", err)
		os.Exit(1)
	}
}

// run extracts every profile from the documents in ref and writes the data
// under out.
func run(ref, out string) error {
	for _, ps := range profiles {
		b, err := generate(ref, ps)
		if err != nil {
			return err
		}
		dir := filepath.Join(out, ps.profile)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		path := filepath.Join(dir, outputName)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("write profile %s: %w", ps.profile, err)
		}
	}
	return nil
}

// generate returns the encoded data of one profile.
func generate(ref string, ps profileSource) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(ref, ps.file))
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", ps.profile, err)
	}
	p, err := Extract(ps.profile, ps.file, src)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", ps.profile, err)
	}
	return Encode(p)
}
