package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	ssmcollect "github.com/pdr-audit/pdr-audit/internal/collect/ssm"
)

func opts(mod func(*Options)) Options {
	o := Defaults()
	mod(&o)
	return o
}

// digest hashes every file of a tree, by path.
func digest(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func generate(t *testing.T, o Options) (string, *Summary) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "estate")
	sum, err := Generate(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func TestEveryGeneratedEstateLoads(t *testing.T) {
	profiles := profilesDir(t)
	tests := []struct {
		name string
		o    Options
	}{
		{"the defaults", Defaults()},
		{"a tiny region with one VPC", opts(func(o *Options) { o.Seed, o.VPCs, o.Instances = 7, 1, 2 })},
		{"an organization of three accounts in two regions", opts(func(o *Options) { o.Seed, o.Accounts, o.Regions, o.Instances = 11, 3, 2, 40 })},
		{"many security groups and no SSM", opts(func(o *Options) { o.Seed, o.SecurityGroups, o.SSMCoverage, o.Instances = 3, 300, 0, 60 })},
		{"everything on Windows and stopped", opts(func(o *Options) { o.Seed, o.WindowsShare, o.StoppedShare = 5, 1, 1 })},
		{"every kernel from outside the lists", opts(func(o *Options) { o.Seed, o.ListedShare = 9, 0 })},
		{"the profiles' kernel lists", opts(func(o *Options) { o.Seed, o.Instances, o.Catalog = 13, 400, mustCatalog(t, profiles) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.Catalog == nil && strings.Contains(tt.name, "profiles") {
				t.Skip("no profile kernel lists in this checkout")
			}
			dir, sum := generate(t, tt.o)
			est, err := awssim.LoadEstate(dir)
			if err != nil {
				t.Fatalf("the generated estate does not load: %v", err)
			}
			if got := len(est.Accounts); got != tt.o.Accounts {
				t.Errorf("%d accounts loaded; want %d", got, tt.o.Accounts)
			}
			instances, ssmNodes := 0, 0
			for _, id := range est.SortedAccounts() {
				a := est.Accounts[id]
				if got := len(a.Regions); got != tt.o.Regions {
					t.Errorf("account %s has %d regions; want %d", id, got, tt.o.Regions)
				}
				for _, r := range a.Regions {
					res, _ := r.Files["ec2/describe-instances"]["Reservations"].([]any)
					for _, x := range res {
						insts, _ := x.(map[string]any)["Instances"].([]any)
						instances += len(insts)
					}
					infos, _ := r.Files["ssm/describe-instance-information"]["InstanceInformationList"].([]any)
					ssmNodes += len(infos)
				}
			}
			if want := tt.o.Accounts * tt.o.Regions * tt.o.Instances; instances != want || sum.Instances != want {
				t.Errorf("%d instances loaded, %d summarised; want %d", instances, sum.Instances, want)
			}
			if ssmNodes != sum.SSMNodes {
				t.Errorf("%d SSM nodes loaded; the summary says %d", ssmNodes, sum.SSMNodes)
			}
			if want := tt.o.Accounts * tt.o.Regions * 2 * tt.o.VPCs; sum.Appliances != want {
				t.Errorf("%d appliances; want two per VPC, %d", sum.Appliances, want)
			}
		})
	}
}

func TestTheSameSeedGivesTheSameBytes(t *testing.T) {
	o := opts(func(o *Options) { o.Seed, o.Accounts, o.Regions, o.Instances = 42, 2, 2, 60 })
	a, _ := generate(t, o)
	b, _ := generate(t, o)
	da, db := digest(t, a), digest(t, b)
	if len(da) == 0 || !mapsEqual(da, db) {
		t.Fatalf("two runs with seed 42 differ (%d and %d files)", len(da), len(db))
	}
	o.Seed = 43
	c, _ := generate(t, o)
	if mapsEqual(da, digest(t, c)) {
		t.Error("seeds 42 and 43 gave the same estate")
	}
}

func TestAddingAccountsKeepsTheFirstAccountsRegions(t *testing.T) {
	small, _ := generate(t, opts(func(o *Options) { o.Seed, o.Accounts, o.Instances = 5, 2, 30 }))
	large, _ := generate(t, opts(func(o *Options) { o.Seed, o.Accounts, o.Instances = 5, 3, 30 }))
	ds, dl := digest(t, small), digest(t, large)
	same := 0
	for p, h := range ds {
		if strings.HasPrefix(p, "accounts/") && strings.Contains(p, "/us-east-1/") && dl[p] == h {
			same++
		}
	}
	if same == 0 {
		t.Error("a third account changed the regions of the first two")
	}
}

func TestGeneratedKernelsReadBackFromInventory(t *testing.T) {
	for _, c := range []*Catalog{BuiltinCatalog(), mustCatalog(t, profilesDir(t))} {
		if c == nil {
			continue
		}
		for _, p := range c.Platforms {
			for _, k := range slices.Concat(p.Listed, p.Unlisted) {
				pk, ok := kernelPackage(p.Family, k)
				if !ok {
					t.Errorf("%s %s: kernel %s has no package", c.Source, p.Name, k)
					continue
				}
				entry := map[string]string{"Name": pk.name, "Version": pk.version, "Release": pk.release, "Architecture": pk.arch}
				if rel, detail := ssmcollect.ReleaseFromInventory([]map[string]string{entry}); rel != k {
					t.Errorf("%s %s: package %+v reads back as %q (%s); want %s", c.Source, p.Name, pk, rel, detail, k)
				}
			}
			if len(p.Unlisted) == 0 {
				t.Errorf("%s %s %s: no kernel outside the lists", c.Source, p.Name, p.Version)
			}
		}
		listed, unlisted := c.Kernels()
		for _, k := range unlisted {
			if slices.Contains(listed, k) {
				t.Errorf("%s: %s is both listed and unlisted", c.Source, k)
			}
		}
	}
}

func TestOptionsThatCannotBeGeneratedAreRefused(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no accounts", opts(func(o *Options) { o.Accounts = 0 }), "accounts must be at least 1"},
		{"more regions than known", opts(func(o *Options) { o.Regions = 17 }), "regions must be from 1 to 16"},
		{"fewer instances than appliances", opts(func(o *Options) { o.VPCs, o.Instances = 3, 5 }), "at least 2 per VPC"},
		{"too many instances for the VPCs", opts(func(o *Options) { o.VPCs, o.Instances = 1, 50000 }), "add VPCs"},
		{"too few security groups", opts(func(o *Options) { o.VPCs, o.SecurityGroups = 2, 10 }), "at least 7 per VPC"},
		{"a coverage above one", opts(func(o *Options) { o.SSMCoverage = 1.5 }), "ssm coverage must be from 0 to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(filepath.Join(t.TempDir(), "x"), tt.o)
			if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v; want ErrOptions containing %q", err, tt.want)
			}
		})
	}
	t.Run("a directory that is not empty", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Generate(dir, Defaults()); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("error %v; want one about a directory that is not empty", err)
		}
	})
}

// TestGenerationScales checks the sizes the benchmarks use stay quick to
// write. The bounds are generous for a loaded 2-core machine.
func TestGenerationScales(t *testing.T) {
	if testing.Short() {
		t.Skip("writes tens of megabytes")
	}
	tests := []struct {
		name  string
		o     Options
		limit time.Duration
	}{
		{"one region of 10,000 instances and 2,000 security groups", opts(func(o *Options) { o.VPCs, o.Instances, o.SecurityGroups = 10, 10000, 2000 }), 20 * time.Second},
		{"50 accounts of 4 small regions", opts(func(o *Options) { o.Accounts, o.Regions, o.Instances = 50, 4, 20 }), 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, sum := generate(t, tt.o)
			took := time.Since(start)
			t.Logf("%d files, %d instances in %v on %d CPUs", sum.Files, sum.Instances, took, runtime.NumCPU())
			if took > tt.limit {
				t.Errorf("generation took %v; want under %v", took, tt.limit)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// profilesDir is the repository's PDR profiles, "" when absent.
func profilesDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "policies", "data", "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*", "os.json")); len(m) == 0 {
		return ""
	}
	return dir
}

func mustCatalog(t *testing.T, dir string) *Catalog {
	t.Helper()
	if dir == "" {
		return nil
	}
	c, err := LoadCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
