package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
)

// reachFlags are the flags of `pdr-audit reach`.
type reachFlags struct {
	// live are collect's scope flags: with neither --snapshot nor
	// --estate, reach collects the scope live first.
	live             scopeFlags
	snapshot, estate string
	from, to         string
	proto            string
	port             int
	format           string
}

func newReachCmd(env *Env) *cobra.Command {
	var f reachFlags
	c := &cobra.Command{
		Use:   "reach [--snapshot FILE | --estate DIR | scope flags] --from ID --to DEST [--proto tcp --port N] [--format text|json]",
		Short: "Say whether traffic from an instance reaches a destination, and what blocks it",
		Long: "reach answers one question the way AWS would route and filter the packet: the\n" +
			"source's security groups, its subnet's network ACL, its route table, internet or NAT\n" +
			"gateway, the destination subnet's network ACL and security groups, and the replies\n" +
			"through the ACLs. It prints the verdict, the path (each component and the rule that\n" +
			"admitted the traffic), and the first component that blocks it, or what the snapshot\n" +
			"could not show.\n\n" +
			"The snapshot comes from --snapshot, from --estate (imported in-process), or, with\n" +
			"neither, from live collection with collect's scope flags (--profile, --regions,\n" +
			"--endpoint-url, --accounts/--org with --role-name …; kernels are not read unless\n" +
			"--kernel-source asks).\n\n" +
			"--from is an instance (i-…) or network interface (eni-…). --to is an instance or\n" +
			"interface, an IPv4 address or CIDR (every address in it must be reachable),\n" +
			"\"internet\" (every public address), or service:NAME for an AWS service of the\n" +
			"source's region (through an interface endpoint with private DNS, else the internet),\n" +
			"e.g. service:ssm. --proto is tcp, udp, icmp (an echo request) or all (every protocol\n" +
			"and port).\n\n" +
			"Exit status: 0 allowed, 3 blocked, 4 unknown (the snapshot could not show everything\n" +
			"the path needs), 2 for a bad command line (including an id the snapshot does not\n" +
			"hold), 1 for any other error.",
		Example: "  pdr-audit reach --estate testdata/estates/demo --from i-075c290c942530871 --to 204.110.218.96/27 --proto tcp --port 4138\n" +
			"  pdr-audit reach --snapshot snap.json --from i-03fd9e1be4b90b541 --to service:ssm --port 443 --format json",
		RunE: func(c *cobra.Command, _ []string) error { return runReach(c, env, &f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.snapshot, "snapshot", "", "snapshot file to read (from collect or import)")
	fl.StringVar(&f.estate, "estate", "", "estate directory to import in-process instead of a snapshot")
	fl.StringVar(&f.from, "from", "", "source instance or network interface id")
	fl.StringVar(&f.to, "to", "", "destination: instance or interface id, IP, CIDR, internet or service:NAME")
	fl.StringVar(&f.proto, "proto", netpath.TCP, "protocol: tcp, udp, icmp or all")
	fl.IntVar(&f.port, "port", 0, "destination port (tcp and udp)")
	fl.StringVar(&f.format, "format", "text", "output format: text or json")
	c.MarkFlagsMutuallyExclusive("snapshot", "estate")
	f.live.register(c)
	_ = c.MarkFlagRequired("from")
	_ = c.MarkFlagRequired("to")
	return c
}

func runReach(c *cobra.Command, env *Env, f *reachFlags) error {
	if f.snapshot != "" || f.estate != "" {
		if set := changedScopeFlags(c); len(set) > 0 {
			return usageErrorf("%s applies to live collection, not to --snapshot or --estate", strings.Join(set, ", "))
		}
	}
	if f.format != "text" && f.format != "json" {
		return usageErrorf("--format %q: want text or json", f.format)
	}
	q := netpath.Query{From: f.from, To: f.to, Proto: strings.ToLower(f.proto), Port: f.port}
	switch q.Proto {
	case netpath.TCP, netpath.UDP:
		if q.Port < 1 || q.Port > 65535 {
			return usageErrorf("--port is required for %s and must be 1-65535, got %d", q.Proto, q.Port)
		}
	case netpath.ICMP, netpath.All:
	default:
		return usageErrorf("--proto %q: want tcp, udp, icmp or all", f.proto)
	}
	snap, err := loadReachSnapshot(c, env, f)
	if err != nil {
		return err
	}
	e := netpath.New(snap)
	if err := e.Validate(q); err != nil {
		if errors.Is(err, netpath.ErrQuery) || errors.Is(err, netpath.ErrUnknownID) {
			return asUsage(err)
		}
		return err
	}
	v := e.Reach(q)
	write := writeReachText
	if f.format == "json" {
		write = writeReachJSON
	}
	if err := write(env.Stdout, q, v); err != nil {
		return fmt.Errorf("write verdict: %w", err)
	}
	switch v.Verdict {
	case netpath.Blocked:
		return withExitCode(ExitFindings, nil)
	case netpath.Unknown:
		return withExitCode(ExitIncomplete, nil)
	}
	return nil
}

// changedScopeFlags names the live-collection flags set on the command
// line (--quiet aside).
func changedScopeFlags(c *cobra.Command) []string {
	var scratch scopeFlags
	tmp := &cobra.Command{}
	scratch.register(tmp)
	var set []string
	tmp.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Name != "quiet" && c.Flags().Changed(fl.Name) {
			set = append(set, "--"+fl.Name)
		}
	})
	return set
}

// loadReachSnapshot reads --snapshot, imports --estate, or collects live.
func loadReachSnapshot(c *cobra.Command, env *Env, f *reachFlags) (*model.Snapshot, error) {
	if f.estate != "" {
		return importEstate(c, env, f.estate, "none", true)
	}
	if f.snapshot == "" {
		if !c.Flags().Changed("kernel-source") {
			f.live.kernelSource = "none" // reachability needs no kernels
		}
		return collectLive(c, env, &f.live)
	}
	b, err := os.ReadFile(f.snapshot)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	s, err := model.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", f.snapshot, err)
	}
	return s, nil
}

// reachComponent is a component in reach's JSON: every key always present.
type reachComponent struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Direction string `json:"direction"`
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
}

// reachOutput is reach's JSON document.
type reachOutput struct {
	Verdict   string           `json:"verdict"`
	BlockedBy *reachComponent  `json:"blocked_by"`
	Path      []reachComponent `json:"path"`
	Missing   []string         `json:"missing"`
}

func toReachComponent(c netpath.Component) reachComponent {
	return reachComponent{ID: c.ID, Kind: c.Kind, Direction: c.Direction, Rule: c.Rule, Reason: c.Reason}
}

func writeReachJSON(w io.Writer, _ netpath.Query, v netpath.Verdict) error {
	out := reachOutput{Verdict: v.Verdict, Path: []reachComponent{}, Missing: []string{}}
	if v.BlockedBy != nil {
		c := toReachComponent(*v.BlockedBy)
		out.BlockedBy = &c
	}
	for _, c := range v.Path {
		out.Path = append(out.Path, toReachComponent(c))
	}
	out.Missing = append(out.Missing, v.Missing...)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// writeReachText prints the verdict for a person: the verdict, the path
// one component per line, then the blocking component and why, or what
// is missing.
func writeReachText(w io.Writer, q netpath.Query, v netpath.Verdict) error {
	var b strings.Builder
	traffic := q.Proto
	if q.Proto == netpath.TCP || q.Proto == netpath.UDP {
		traffic = fmt.Sprintf("%s/%d", q.Proto, q.Port)
	}
	fmt.Fprintf(&b, "%s: %s to %s, %s\n", v.Verdict, q.From, q.To, traffic)
	if len(v.Path) > 0 {
		b.WriteString("path:\n")
		for i, c := range v.Path {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, componentLine(c, c.Rule))
		}
	}
	if c := v.BlockedBy; c != nil {
		fmt.Fprintf(&b, "blocked by: %s\n", componentLine(*c, c.Rule))
		fmt.Fprintf(&b, "reason: %s\n", c.Reason)
	}
	if len(v.Missing) > 0 {
		b.WriteString("missing:\n")
		for _, m := range v.Missing {
			fmt.Fprintf(&b, "  - %s\n", m)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// componentLine renders "acl-… (network-acl, egress): rule 90 denies …".
func componentLine(c netpath.Component, detail string) string {
	what := c.Kind
	if c.Direction != "" {
		what += ", " + c.Direction
	}
	line := fmt.Sprintf("%s (%s)", c.ID, what)
	if detail != "" {
		line += ": " + detail
	}
	return line
}
