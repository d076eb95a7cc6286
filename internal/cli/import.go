package cli

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// importRole is the role name the in-process import assumes into the
// accounts of an organization estate; the estate's evidence does not
// depend on it.
const importRole = "pdr-audit-import"

func newImportCmd(env *Env) *cobra.Command {
	var out, kernelSource string
	var quiet bool
	c := &cobra.Command{
		Use:   "import ESTATE_DIR -o snapshot.json",
		Short: "Turn an estate of AWS CLI JSON into a snapshot, offline",
		Long: "import reads an estate (the JSON the AWS CLI printed for an account or an\n" +
			"organization, see ESTATES.md) and produces the same snapshot collect would produce\n" +
			"from that account: the estate is served in-process to the same collectors, with no\n" +
			"network. A persistent fault in the estate's faults.json (a read that failed when the\n" +
			"evidence was gathered) becomes the same gap; transient faults are ignored.\n" +
			"uname -r evidence (ssm/get-command-invocation) is used unless --kernel-source says\n" +
			"otherwise.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			snap, err := importEstate(c, env, args[0], kernelSource, quiet)
			if err != nil {
				return err
			}
			return writeSnapshot(env, out, snap)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "-", "snapshot file to write (- for stdout)")
	c.Flags().StringVar(&kernelSource, "kernel-source", "run-command", "kernel evidence to use: run-command (uname evidence, then inventory), inventory, or none")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no progress")
	return c
}

// importEstate collects an estate through an in-process simulator.
func importEstate(c *cobra.Command, env *Env, dir, kernelSource string, quiet bool) (*model.Snapshot, error) {
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		return nil, err
	}
	srv, err := awssim.NewServer(est, awssim.Options{PersistentFaultsOnly: true, Now: env.Now})
	if err != nil {
		return nil, err
	}
	cfg := awssim.SDKConfig(awssim.InProcessEndpoint, "us-east-1")
	cfg.HTTPClient = awssim.InProcessClient(srv)
	cfg.RetryMaxAttempts = 1
	opts := collect.Options{
		Regions: []string{collect.AllRegions}, Org: est.ListAccounts != nil, KernelSource: kernelSource,
		PollInterval: -1, Now: env.Now, Unpaced: true, Progress: newProgress(env.Stderr, quiet),
		Tool: model.Tool{Name: "pdr-audit", Version: version}, Source: "import",
	}
	if opts.Org {
		opts.RoleName = importRole
	}
	cfg.Credentials = aws.NewCredentialsCache(cfg.Credentials)
	snap, err := collect.Collect(c.Context(), cfg, opts)
	if err != nil {
		return nil, collectErr(err)
	}
	return snap, nil
}
