package policybench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// The policy scenarios at a tiny size: an organization estate imported,
// encoded, decoded and evaluated, with the report written.
func TestASyntheticSnapshotIsEvaluatedAndReported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "e")
	o := synth.Defaults()
	o.Seed, o.Accounts, o.Instances = 5, 2, 30
	if _, err := synth.Generate(dir, o); err != nil {
		t.Fatal(err)
	}
	snap, err := Import(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, a := range snap.Accounts {
		for _, r := range a.Regions {
			for _, k := range r.Kernels {
				if k.Source == model.KernelFromInventory {
					decided++
				}
			}
		}
	}
	if decided == 0 {
		t.Error("no kernel was decided from inventory")
	}
	data, err := model.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), data, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Instances != 60 || res.Rules == 0 || res.Results == 0 || res.PeakRSS == 0 {
		t.Errorf("result %+v; want 60 instances, rules, results and a peak RSS", res)
	}
}
