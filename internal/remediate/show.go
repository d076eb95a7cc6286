package remediate

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Render writes the plan for a person, terraform-style: "+" for what is
// added, "~" for the resource changed in place, then what is skipped and
// the totals.
func Render(w io.Writer, p *Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Plan %s for account(s) %s (profile %s, pdr-audit %s, %s)\n",
		shortDigest(p.Digest), strings.Join(p.Accounts, ", "), p.Profile, p.ToolVersion, p.CreatedAt.Format("2006-01-02 15:04:05Z"))
	if len(p.Changes) == 0 {
		b.WriteString("\nNo changes. Nothing pdr-audit can fix automatically fails.\n")
	}
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "\n# %s %s (%s, %s) — %s risk\n", c.ID, c.Action, c.Account, c.Region, c.Risk)
		fmt.Fprintf(&b, "# %s\n", c.Summary)
		fmt.Fprintf(&b, "# for %s; fixes %d result(s) with the other changes\n", strings.Join(c.RuleIDs, ", "), len(c.Fixes))
		if n := len(c.BlastRadius); n > 0 {
			shown := c.BlastRadius[:min(n, 8)]
			more := ""
			if n > len(shown) {
				more = fmt.Sprintf(" and %d more", n-len(shown))
			}
			fmt.Fprintf(&b, "# affects %s%s\n", strings.Join(shown, ", "), more)
		}
		sym := "~"
		if c.Action == DeployAppliance || c.Action == CreateSSMEndpoints || c.SecurityGroup != nil && c.SecurityGroup.Create != nil {
			sym = "+"
		}
		fmt.Fprintf(&b, "%s %s %s {\n", sym, c.Resource.Type, c.Resource.ID)
		for _, line := range c.After {
			mark := " "
			if !slices.Contains(c.Before, line) {
				mark = "+"
			}
			fmt.Fprintf(&b, "    %s %s\n", mark, line)
		}
		b.WriteString("  }\n")
	}
	if len(p.Skipped) > 0 {
		fmt.Fprintf(&b, "\nSkipped (%d): no automatic change fixes these\n", len(p.Skipped))
		for _, s := range p.Skipped {
			fmt.Fprintf(&b, "  - %s %s (%s, %s): %s\n", s.RuleID, s.Resource, s.Account, s.Region, s.Reason)
			if s.Manual != "" {
				fmt.Fprintf(&b, "      manual: %s\n", s.Manual)
			}
		}
	}
	if len(p.Floors) > 0 {
		calls, longest := 0, 0.0
		for _, f := range p.Floors {
			calls += f.Calls
			longest = max(longest, f.Seconds)
		}
		fmt.Fprintf(&b, "\nExecution floor: %d mutating call(s); AWS's throttling lets them finish in no less than %.1f s.\n", calls, longest)
		for _, f := range p.Floors {
			if f.Seconds > 0 {
				fmt.Fprintf(&b, "  %s %s %s: %d calls, at least %.1f s\n", f.Account, f.Region, f.API, f.Calls, f.Seconds)
			}
		}
	}
	counts := map[Risk]int{}
	for _, c := range p.Changes {
		counts[c.Risk]++
	}
	fmt.Fprintf(&b, "\nPlan: %d change(s) (%d low, %d medium, %d high risk), %d skipped.\n",
		len(p.Changes), counts[RiskLow], counts[RiskMedium], counts[RiskHigh], len(p.Skipped))
	_, err := io.WriteString(w, b.String())
	return err
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		return d[:12]
	}
	if d == "" {
		return "(unsealed)"
	}
	return d
}
