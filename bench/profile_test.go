package bench

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/synth"
)

var (
	regionOnce sync.Once
	regionEst  *awssim.Estate
	regionErr  error
)

// regionEstate is Full().Region, generated once per test binary.
func regionEstate(b *testing.B) *awssim.Estate {
	b.Helper()
	regionOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pdr-bench-region-")
		if err != nil {
			regionErr = err
			return
		}
		p := filepath.Join(dir, "region")
		if _, regionErr = synth.Generate(p, Full().Region); regionErr != nil {
			return
		}
		regionEst, regionErr = awssim.LoadEstate(p)
		_ = os.RemoveAll(dir)
	})
	if regionErr != nil {
		b.Fatal(regionErr)
	}
	return regionEst
}

// BenchmarkCollectRegion collects the bench's 10,000-instance region with
// neither latency nor throttling: what is left is the CPU of the
// simulator and of the collector, in one process. Profile it with
// go test -run '^$' -bench CollectRegion -benchtime 1x -cpuprofile cpu.out ./bench
func BenchmarkCollectRegion(b *testing.B) {
	est := regionEstate(b)
	for b.Loop() {
		res, err := Run{Name: "profile", Estate: est, Scope: Scope{Regions: []string{"us-east-1"}}}.Collect(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if !res.Complete {
			b.Fatalf("incomplete: %s", res.Missing)
		}
		b.ReportMetric(res.Wall.Seconds(), "wall-s")
	}
}

// BenchmarkCollectorCPU is the bench's CPU comparison on its own: the
// collector and a bare SDK client read the 10,000-instance region from a
// simulator in a child process, so a CPU profile of this benchmark holds
// the client side only:
// go test -run '^$' -bench CollectorCPU -benchtime 1x -cpuprofile cpu.out ./bench
func BenchmarkCollectorCPU(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "region")
	if _, err := synth.Generate(dir, Full().Region); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := CompareCPU(context.Background(), dir, "us-east-1", 1)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.Ratio, "collector/bare")
		b.ReportMetric(float64(res.CollectorPerInstance.Microseconds()), "collector-µs/instance")
		b.ReportMetric(float64(res.BarePerInstance.Microseconds()), "bare-µs/instance")
	}
}
