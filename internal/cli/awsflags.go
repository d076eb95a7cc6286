package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/transport"
)

// scopeFlags are the AWS credential and scope flags shared by every command
// that reads live AWS (collect, and later audit, plan, apply).
type scopeFlags struct {
	profile      string
	region       string
	endpointURL  string
	regions      []string
	accounts     []string
	org          bool
	roleName     string
	externalID   string
	kernelSource string
	concurrency  int
	quiet        bool
	timeout      time.Duration // the whole run's bound (boundRun)
	callTimeout  time.Duration // one HTTP attempt's bound
	debug        bool
	cmd          *cobra.Command // for its stderr
}

// defaultCallTimeout bounds one AWS request attempt, as the AWS CLI's
// default read timeout does.
const defaultCallTimeout = 60 * time.Second

func (f *scopeFlags) register(c *cobra.Command) {
	fs := c.Flags()
	fs.StringVar(&f.profile, "profile", "", "AWS shared config profile (default: the SDK's default credential chain)")
	fs.StringVar(&f.region, "region", "", "region for global calls and the default of --regions (default: from the profile or AWS_REGION)")
	fs.StringVar(&f.endpointURL, "endpoint-url", "", "send every AWS request to this endpoint (the simulator, or VPC/FIPS endpoints)")
	fs.StringSliceVar(&f.regions, "regions", nil, "regions to collect: a comma-separated list, or all (the account's enabled regions)")
	fs.StringSliceVar(&f.accounts, "accounts", nil, "account ids to collect through --role-name")
	fs.BoolVar(&f.org, "org", false, "collect every active account of the organization (needs --role-name)")
	fs.StringVar(&f.roleName, "role-name", "", "role to assume in each account other than the caller's")
	fs.StringVar(&f.externalID, "external-id", "", "external id for AssumeRole")
	fs.StringVar(&f.kernelSource, "kernel-source", "inventory", "kernel evidence: inventory, run-command (runs uname -r on instances through SSM) or none")
	fs.IntVar(&f.concurrency, "concurrency", collect.DefaultConcurrency, "account-regions collected at once (AWS throttles each on its own; calls in flight are capped overall)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print no progress")
	fs.DurationVar(&f.timeout, "timeout", 0, "stop the whole run after this long (e.g. 15m), with exit 1 (default: no limit)")
	fs.DurationVar(&f.callTimeout, "call-timeout", defaultCallTimeout, "give up on one AWS request attempt after this long (the SDK retries it)")
	fs.BoolVar(&f.debug, "debug", false, "log every AWS request and response to stderr, credentials and signatures redacted")
	f.cmd = c
}

// timedOut is the cause of a run's context when --timeout expires.
type timedOut struct{ after time.Duration }

func (e timedOut) Error() string { return fmt.Sprintf("timed out after %s", e.after) }

// boundRun makes a command with a --timeout flag honour it: its RunE runs
// under a context that expires after the duration, and an error it returns
// once the deadline passed is reported as "timed out after D: <error>"
// (exit 1). A run that finished in time keeps its outcome. Files are
// written atomically, so an expired run leaves none half-written. prepare
// applies it to every command.
func boundRun(c *cobra.Command) {
	if c.RunE == nil || c.Flags().Lookup("timeout") == nil {
		return
	}
	run := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		d, err := c.Flags().GetDuration("timeout")
		if err != nil {
			return err
		}
		if d < 0 {
			return usageErrorf("--timeout must not be negative, got %s", d)
		}
		if d == 0 {
			return run(c, args)
		}
		parent := c.Context()
		cause := timedOut{d}
		ctx, cancel := context.WithTimeoutCause(parent, d, cause)
		defer cancel()
		c.SetContext(ctx)
		err = run(c, args)
		var ee *exitError
		if err == nil || errors.As(err, &ee) && ee.err == nil || parent.Err() != nil || !errors.Is(context.Cause(ctx), cause) {
			return err
		}
		return fmt.Errorf("%w: %w", cause, err)
	}
}

// awsConfig loads the SDK configuration the way AWS users expect: the
// default credential chain, --profile, and --endpoint-url.
func (f *scopeFlags) awsConfig(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if f.endpointURL != "" {
		cfg.BaseEndpoint = aws.String(f.endpointURL)
	}
	if f.callTimeout < 0 {
		return aws.Config{}, usageErrorf("--call-timeout must not be negative, got %s", f.callTimeout)
	}
	// One hung answer must not hang the run: each attempt is bounded, and
	// the retryer retries a timed-out attempt like a dropped connection.
	if bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok && f.callTimeout > 0 {
		cfg.HTTPClient = bc.WithTimeout(f.callTimeout)
	}
	cfg.HTTPClient = transport.Client(cfg.HTTPClient)
	if f.debug && f.cmd != nil {
		cfg.HTTPClient = transport.Debug(cfg.HTTPClient, f.cmd.ErrOrStderr())
	}
	// The SDK's own log lines (a warning about an unread body, say) would
	// break the one-line stderr rule; --debug says what happened instead.
	cfg.Logger = logging.Nop{}
	if cfg.RetryMaxAttempts == 0 {
		// A throttle AWS lifts within a few backoffs should not become a gap.
		cfg.RetryMaxAttempts = 8
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// options turns the flags into collect.Options; errors are usage errors.
func (f *scopeFlags) options(cfg aws.Config) (collect.Options, error) {
	regions := f.regions
	if len(regions) == 0 {
		if f.region == "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" && f.profile == "" {
			return collect.Options{}, usageErrorf("no region: pass --regions (a list, or all) or --region")
		}
		regions = []string{cfg.Region}
	}
	parsed, err := collect.ParseRegions(regions)
	if err != nil {
		return collect.Options{}, usageErrorf("%v", err)
	}
	o := collect.Options{
		Regions: parsed, Accounts: f.accounts, Org: f.org, RoleName: f.roleName, ExternalID: f.externalID,
		KernelSource: f.kernelSource, Concurrency: f.concurrency,
		Tool: model.Tool{Name: "pdr-audit", Version: version}, Source: "collect",
	}
	if f.concurrency < 1 {
		return o, usageErrorf("--concurrency must be at least 1")
	}
	if err := o.Validate(); err != nil {
		return o, usageErrorf("%v", strings.TrimPrefix(err.Error(), collect.ErrScope.Error()+": "))
	}
	return o, nil
}

// collectErr classifies an error from collect.Collect.
func collectErr(err error) error {
	if errors.Is(err, collect.ErrScope) {
		return asUsage(err)
	}
	return err
}

// newProgress reports collection progress on stderr: a bar on a terminal,
// a plain line per finished account-region otherwise, nothing when quiet.
func newProgress(stderr io.Writer, quiet bool) collect.Progress {
	if quiet {
		return nil
	}
	if f, ok := stderr.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			return &barProgress{w: stderr}
		}
	}
	return &lineProgress{w: stderr}
}

type lineProgress struct {
	mu         sync.Mutex
	w          io.Writer
	done, todo int
}

func (p *lineProgress) Planned(units []collect.Unit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.todo = len(units)
	fmt.Fprintf(p.w, "collect: %d account-region(s) to read\n", len(units))
}

func (p *lineProgress) Done(u collect.Unit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	fmt.Fprintf(p.w, "collect: %s %s done (%d/%d)\n", u.Account, u.Region, p.done, p.todo)
}

type barProgress struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (p *barProgress) Planned(units []collect.Unit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar = progressbar.NewOptions(len(units),
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("collecting"),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false),
	)
}

func (p *barProgress) Done(u collect.Unit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar.Describe(u.Account + " " + u.Region)
	_ = p.bar.Add(1)
}

// writeSnapshot writes the snapshot to path atomically, or to stdout for
// "-".
func writeSnapshot(env *Env, path string, snap *model.Snapshot) error {
	if path == "-" || path == "" {
		return model.Encode(env.Stdout, snap)
	}
	return safeWrite(path, func(w io.Writer) error { return model.Encode(w, snap) })
}
