package netpath_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// withLookalikes adds to a generated topology two copies of every
// instance's primary interface: same subnet, groups and kind of address,
// at addresses no rule names, so that classes and positions hold several
// instances.
func withLookalikes(s *model.Snapshot) *model.Snapshot {
	reg := &s.Accounts[0].Regions[0]
	var copies []model.Instance
	for n, in := range reg.Instances {
		parts := strings.Split(in.PrivateIP, ".")
		for c := range 2 {
			x := in
			x.ID = fmt.Sprintf("i-copy-%d-%d", n, c)
			x.PrivateIP = fmt.Sprintf("%s.%s.%s.%d", parts[0], parts[1], parts[2], 200+2*n+c)
			if x.PublicIP != "" {
				x.PublicIP = fmt.Sprintf("3.200.%d.%d", n, c)
			}
			nic := in.NetworkInterfaces[0]
			nic.ID = fmt.Sprintf("eni-copy-%d-%d", n, c)
			nic.PrivateIPs = []string{x.PrivateIP}
			nic.PublicIP = x.PublicIP
			x.NetworkInterfaces = []model.NetworkInterface{nic}
			copies = append(copies, x)
		}
	}
	reg.Instances = append(reg.Instances, copies...)
	return s
}

// brief is what ReachVerdict answers: a verdict without its path.
func brief(v netpath.Verdict) netpath.Verdict {
	v.Path = nil
	return v
}

// renamed is v with the words naming one instance (its id and private
// address) changed to another's.
func renamed(v netpath.Verdict, from, to model.Instance) netpath.Verdict {
	words := [][2]string{{from.ID, to.ID}, {from.PrivateIP, to.PrivateIP}}
	re := func(s string) string {
		for _, w := range words {
			s = regexp.MustCompile(`\b`+regexp.QuoteMeta(w[0])+`\b`).ReplaceAllLiteralString(s, w[1])
		}
		return s
	}
	v = brief(v)
	if v.BlockedBy != nil {
		c := *v.BlockedBy
		c.ID, c.Rule, c.Reason = re(c.ID), re(c.Rule), re(c.Reason)
		v.BlockedBy = &c
	}
	if v.Missing != nil {
		v.Missing = slices.Clone(v.Missing)
		for i := range v.Missing {
			v.Missing[i] = re(v.Missing[i])
		}
	}
	return v
}

// Sources of one class get ReachVerdict's answer of the class's first
// source (and destinations of one place that of the first one asked, when
// the path did not reach their groups), which must be the answer Reach
// (whose memo is per exact class) gives each of them; sources of one
// position get the same answers, up to their names, to questions about
// destinations outside the VPC.
func TestSourcesOfAClassOrPositionGetTheSameAnswers(t *testing.T) {
	shared, compared := 0, 0
	for _, seed := range seeds(400, 100) {
		s := withLookalikes(generateTopology(seed))
		insts := map[string]model.Instance{}
		for _, in := range s.Accounts[0].Regions[0].Instances {
			insts[in.ID] = in
		}
		brief1, exact := netpath.New(clone(s)), netpath.New(clone(s))
		group := func(key func(string) (string, error)) map[string][]string {
			out := map[string][]string{}
			for id := range insts {
				k, err := key(id)
				if err != nil {
					t.Fatalf("seed %d: %s: %v", seed, id, err)
				}
				out[k] = append(out[k], id)
			}
			for k := range out {
				slices.Sort(out[k])
			}
			return out
		}
		classes, positions := group(brief1.Class), group(brief1.Position)
		classOf, positionOf := map[string]string{}, map[string]string{}
		for k, ids := range classes {
			for _, id := range ids {
				classOf[id] = k
			}
		}
		for k, ids := range positions {
			for _, id := range ids {
				positionOf[id] = k
			}
		}
		for _, q := range generateQueries(seed, s, 3*questionsPerTopo) {
			a, ok := insts[q.From]
			if !ok {
				continue // from an interface
			}
			if to, ok := insts[q.To]; ok {
				// To an instance: every instance of its subnet in turn,
				// so that destinations of one place (the class without
				// the groups) are asked after one another.
				for _, d := range s.Accounts[0].Regions[0].Instances {
					if d.SubnetID != to.SubnetID {
						continue
					}
					qd := q
					qd.To = d.ID
					if diff := cmp.Diff(brief(exact.Reach(qd)), brief1.ReachVerdict(qd)); diff != "" {
						t.Fatalf("seed %d: %+v: ReachVerdict differs from Reach (-Reach +ReachVerdict):\n%s", seed, qd, diff)
					}
				}
			}
			for _, id := range classes[classOf[a.ID]] {
				qx := q
				qx.From = id
				got, want := brief1.ReachVerdict(qx), brief(exact.Reach(qx))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("seed %d: %+v (class of %s): ReachVerdict differs from Reach (-Reach +ReachVerdict):\n%s", seed, qx, a.ID, diff)
				}
				if id == a.ID || q.To == id || q.To == a.ID || strings.HasPrefix(q.To, "10.") || strings.HasPrefix(q.To, "eni-") {
					// The answers name the destination's own address, or
					// the destination is one of the sources.
					continue
				}
				if diff := cmp.Diff(renamed(exact.Reach(q), a, insts[id]), got); diff != "" {
					t.Fatalf("seed %d: %+v: the answer for %s of the same class differs (-renamed +own):\n%s", seed, q, id, diff)
				}
				shared++
			}
			// Destinations outside the VPC: public addresses (of the
			// generator's plan, whose VPCs are 10.v.0.0/16).
			outside := q.To == "internet" || !strings.HasPrefix(q.To, "10.") && !strings.HasPrefix(q.To, "service:") &&
				!strings.HasPrefix(q.To, "i-") && !strings.HasPrefix(q.To, "eni-")
			if !outside {
				continue
			}
			want := exact.Reach(q)
			for _, id := range positions[positionOf[a.ID]] {
				qx := q
				qx.From = id
				if diff := cmp.Diff(renamed(want, a, insts[id]), brief(exact.Reach(qx))); diff != "" {
					t.Fatalf("seed %d: %+v: the answer for %s of the same position differs (-renamed +own):\n%s", seed, q, id, diff)
				}
				if id != a.ID {
					compared++
				}
			}
		}
	}
	if shared == 0 || compared == 0 {
		t.Errorf("no two sources shared a class (%d) or a position (%d): the test compares nothing", shared, compared)
	}
	t.Logf("%d answers of a class's other sources, %d of a position's", shared, compared)
}

// Forgetting a region's answers changes no answer: they are walked again.
func TestAnswersAfterForgettingARegionAreTheSame(t *testing.T) {
	for _, seed := range seeds(60, 20) {
		s := generateTopology(seed)
		e := netpath.New(clone(s))
		qs := generateQueries(seed, s, questionsPerTopo)
		var want []netpath.Verdict
		for _, q := range qs {
			want = append(want, e.ReachVerdict(q), e.Reach(q))
		}
		e.Forget(genRegion)
		for i, q := range qs {
			if diff := cmp.Diff(want[2*i], e.ReachVerdict(q)); diff != "" {
				t.Fatalf("seed %d: %+v: ReachVerdict after Forget (-before +after):\n%s", seed, q, diff)
			}
			if diff := cmp.Diff(want[2*i+1], e.Reach(q)); diff != "" {
				t.Fatalf("seed %d: %+v: Reach after Forget (-before +after):\n%s", seed, q, diff)
			}
		}
	}
}
