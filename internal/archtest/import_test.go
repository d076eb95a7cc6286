package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pkg is what the test needs of one `go list -json` record.
type pkg struct {
	ImportPath string
	Dir        string
	Standard   bool
	DepOnly    bool
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
}

// rule restricts the production imports of the packages under Pkg.
// Paths in Pkg and Forbid starting with "internal/" or "cmd/" are relative
// to the module; others are absolute import path prefixes.
type rule struct {
	Pkg        string
	Forbid     []string
	StdlibOnly bool // no dependency outside the standard library at all
	Why        string
}

// importerRule says that only packages under Allowed may import Pkg.
type importerRule struct {
	Pkg     string
	Allowed []string
	Why     string
}

var rules = []rule{
	{Pkg: "internal/model", Forbid: []string{"internal"}, StdlibOnly: true, Why: "the snapshot types are the one contract; stdlib only"},
	{Pkg: "internal/finding", Forbid: []string{"internal"}, Why: "results and statuses stand alone"},
	{Pkg: "internal/collect", Forbid: []string{"internal/policy", "internal/report", "internal/remediate", "internal/awssim"}, Why: "collection only writes the snapshot"},
	{Pkg: "internal/report", Forbid: []string{"github.com/open-policy-agent", "github.com/aws", "internal/awssim"}, Why: "reports render results, they neither evaluate nor call AWS"},
	{Pkg: "internal/policy", Forbid: []string{"github.com/aws", "internal/collect", "internal/awssim"}, Why: "nothing after collect calls AWS"},
	{Pkg: "internal/netpath", Forbid: []string{"github.com/aws", "internal/collect", "internal/awssim"}, Why: "reachability is pure over the model"},
	{Pkg: "internal/remediate", Forbid: []string{"internal/awssim"}, Why: "the simulator is wired in only by cli"},
	{Pkg: "internal/awssim", Forbid: []string{"internal/collect", "internal/policy", "internal/report", "internal/remediate"}, Why: "the simulator stands in for AWS, it is not part of the pipeline"},
}

var importerRules = []importerRule{
	{Pkg: "internal/cli", Allowed: []string{"internal/cli", "cmd"}, Why: "cli is the top of the graph"},
}

// under reports whether import path p is prefix or inside it.
func under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// abs makes a rule path absolute for module mod.
func abs(mod, p string) string {
	if under(p, "internal") || under(p, "cmd") {
		return mod + "/" + p
	}
	return p
}

// isStdlib reports whether an import path belongs to the standard library:
// its first element has no dot.
func isStdlib(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// chain returns an import chain from "from" to "to" through graph, for
// messages that say how a forbidden package got in.
func chain(graph map[string]*pkg, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var path []string
			for p := to; p != ""; p = prev[p] {
				path = append(path, p)
			}
			slices.Reverse(path)
			return path
		}
		if p := graph[cur]; p != nil {
			for _, next := range p.Imports {
				if _, seen := prev[next]; !seen {
					prev[next] = cur
					queue = append(queue, next)
				}
			}
		}
	}
	return []string{from, "…", to}
}

// violations checks every module package in graph against the rules and
// returns one message per broken rule, sorted.
func violations(mod string, graph map[string]*pkg, rules []rule, importerRules []importerRule) []string {
	var out []string
	for _, p := range graph {
		if p.DepOnly || !under(p.ImportPath, mod) {
			continue
		}
		for _, r := range rules {
			if !under(p.ImportPath, abs(mod, r.Pkg)) {
				continue
			}
			for _, dep := range p.Deps {
				bad := r.StdlibOnly && !isStdlib(dep)
				for _, f := range r.Forbid {
					bad = bad || under(dep, abs(mod, f))
				}
				if bad {
					out = append(out, fmt.Sprintf("%s must not import %s (%s): %s",
						p.ImportPath, dep, r.Why, strings.Join(chain(graph, p.ImportPath, dep), " → ")))
				}
			}
		}
		for _, r := range importerRules {
			for _, imp := range p.Imports {
				if !under(imp, abs(mod, r.Pkg)) {
					continue
				}
				allowed := false
				for _, a := range r.Allowed {
					allowed = allowed || under(p.ImportPath, abs(mod, a))
				}
				if !allowed {
					out = append(out, fmt.Sprintf("%s must not import %s (%s)", p.ImportPath, imp, r.Why))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// goList runs `go list -e -deps -json` on the whole module at dir.
func goList(t *testing.T, dir string) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps",
		"-json=ImportPath,Dir,Standard,DepOnly,Imports,Deps,Error", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		graph[p.ImportPath] = &p
	}
	return graph
}

// module returns the main module's path and directory.
func module(t *testing.T) (path, dir string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}}\t{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	path, dir, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if !ok {
		t.Fatalf("go list -m printed %q", out)
	}
	return path, dir
}

// statSources stats every Go file and go.mod of the module, so the go test
// cache (which records files a test stats and directories it reads)
// invalidates a cached result when any source changes.
func statSources(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") || name == "go.mod" {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk module sources: %v", err)
	}
}

func TestImportDirection(t *testing.T) {
	mod, dir := module(t)
	statSources(t, dir)
	graph := goList(t, dir)

	// The test must really see the module, or it would pass vacuously.
	for _, must := range []string{"internal/cli", "internal/archtest"} {
		if graph[abs(mod, must)] == nil {
			t.Fatalf("go list did not report %s; the test cannot see the module", abs(mod, must))
		}
	}
	for _, p := range graph {
		if under(p.ImportPath, mod) && p.Error != nil {
			t.Errorf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
	}
	for _, r := range rules {
		present := false
		for path, p := range graph {
			present = present || (!p.DepOnly && under(path, abs(mod, r.Pkg)))
		}
		if !present {
			t.Logf("skip rule for %s: no such package yet", r.Pkg)
		}
	}
	for _, v := range violations(mod, graph, rules, importerRules) {
		t.Error(v)
	}
}

func TestViolationsCatchesBrokenRules(t *testing.T) {
	const mod = "example.com/m"
	graph := func(pkgs ...*pkg) map[string]*pkg {
		g := map[string]*pkg{}
		for _, p := range pkgs {
			g[p.ImportPath] = p
		}
		return g
	}
	tests := []struct {
		name  string
		graph map[string]*pkg
		want  []string
	}{
		{
			name: "a clean graph has no violations",
			graph: graph(
				&pkg{ImportPath: mod + "/internal/model", Imports: []string{"time"}, Deps: []string{"time"}},
				&pkg{ImportPath: mod + "/internal/collect", Imports: []string{mod + "/internal/model"}, Deps: []string{mod + "/internal/model", "time"}},
				&pkg{ImportPath: mod + "/internal/cli", Imports: []string{mod + "/internal/collect", mod + "/internal/awssim"}, Deps: []string{mod + "/internal/awssim", mod + "/internal/collect"}},
				&pkg{ImportPath: mod + "/internal/awssim", Imports: []string{mod + "/internal/model"}, Deps: []string{mod + "/internal/model"}},
				&pkg{ImportPath: mod + "/cmd/tool", Imports: []string{mod + "/internal/cli"}, Deps: []string{mod + "/internal/cli"}},
			),
		},
		{
			name: "an indirect forbidden import is reported with its chain",
			graph: graph(
				&pkg{ImportPath: mod + "/internal/collect/ec2", Imports: []string{mod + "/internal/x"}, Deps: []string{mod + "/internal/policy", mod + "/internal/x"}},
				&pkg{ImportPath: mod + "/internal/x", Imports: []string{mod + "/internal/policy"}, Deps: []string{mod + "/internal/policy"}},
				&pkg{ImportPath: mod + "/internal/policy", DepOnly: true},
			),
			want: []string{mod + "/internal/collect/ec2 must not import " + mod + "/internal/policy (collection only writes the snapshot): " +
				mod + "/internal/collect/ec2 → " + mod + "/internal/x → " + mod + "/internal/policy"},
		},
		{
			name: "a third-party import in model breaks stdlib-only",
			graph: graph(
				&pkg{ImportPath: mod + "/internal/model", Imports: []string{"github.com/google/go-cmp/cmp"}, Deps: []string{"github.com/google/go-cmp/cmp"}},
			),
			want: []string{mod + "/internal/model must not import github.com/google/go-cmp/cmp (the snapshot types are the one contract; stdlib only): " +
				mod + "/internal/model → github.com/google/go-cmp/cmp"},
		},
		{
			name: "the AWS SDK in report is reported",
			graph: graph(
				&pkg{ImportPath: mod + "/internal/report", Imports: []string{"github.com/aws/smithy-go"}, Deps: []string{"github.com/aws/smithy-go"}},
			),
			want: []string{mod + "/internal/report must not import github.com/aws/smithy-go (reports render results, they neither evaluate nor call AWS): " +
				mod + "/internal/report → github.com/aws/smithy-go"},
		},
		{
			name: "importing cli from outside cli and cmd is reported",
			graph: graph(
				&pkg{ImportPath: mod + "/internal/remediate", Imports: []string{mod + "/internal/cli"}, Deps: []string{mod + "/internal/cli"}},
			),
			want: []string{mod + "/internal/remediate must not import " + mod + "/internal/cli (cli is the top of the graph)"},
		},
		{
			name: "a similarly named package is not mistaken for a ruled one",
			graph: graph(
				&pkg{ImportPath: mod + "/internal/modelx", Imports: []string{"github.com/aws/aws-sdk-go-v2/aws"}, Deps: []string{"github.com/aws/aws-sdk-go-v2/aws"}},
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := violations(mod, tt.graph, rules, importerRules)
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
