package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/safefile"
)

func safeWrite(path string, write func(io.Writer) error) error { return safefile.Write(path, write) }

func newCollectCmd(env *Env) *cobra.Command {
	var f scopeFlags
	var out string
	c := &cobra.Command{
		Use:   "collect [scope flags] -o snapshot.json",
		Short: "Read AWS accounts into a snapshot",
		Long: "collect reads VPCs, subnets, security groups, network ACLs, route tables, gateways,\n" +
			"VPC endpoints, instances, SSM registration, kernels and instance profiles from AWS\n" +
			"(or any endpoint given by --endpoint-url) into a snapshot that audit and plan read\n" +
			"offline. Reads that fail (denied, throttled, errors) are recorded as gaps, never\n" +
			"silently dropped. The snapshot is written atomically with mode 0600.",
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			cfg, err := f.awsConfig(ctx)
			if err != nil {
				return err
			}
			opts, err := f.options(cfg)
			if err != nil {
				return err
			}
			opts.Now = env.Now
			opts.Progress = newProgress(env.Stderr, f.quiet)
			snap, err := collect.Collect(ctx, cfg, opts)
			if err != nil {
				return collectErr(err)
			}
			return writeSnapshot(env, out, snap)
		},
	}
	f.register(c)
	c.Flags().StringVarP(&out, "output", "o", "-", "snapshot file to write (- for stdout)")
	return c
}
