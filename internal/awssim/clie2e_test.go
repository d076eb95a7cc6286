package awssim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

// The end-to-end proof of the simulator: the real AWS CLI v2, pointed at it
// with --endpoint-url, prints every file of every test estate back exactly,
// whether it pages the way it does by default or at each operation's
// smallest page size. ESTATES.md defines every file as "what this aws
// command prints", so this is the definition checked literally.

// awsCLI is the AWS CLI v2 the test runs; CI installs it there.
const awsCLI = "/usr/bin/aws"

// estatesRoot holds the test estates, relative to this package.
const estatesRoot = "../../testdata/estates"

// globalRegion is the region given to the CLI for account-level files
// (IAM, STS, Organizations).
const globalRegion = "us-east-1"

// noMinimum lists paginated operations for which AWS documents no smallest
// page size (botocore's documentation of DescribeVpcEndpoints' MaxResults
// states only that values above 1,000 return 1,000 items), so there is no
// too-small page size to refuse.
var noMinimum = map[string]bool{"ec2:DescribeVpcEndpoints": true}

// ec2DefaultMin is the smallest MaxResults AWS documents for EC2's Describe
// operations whose botocore model carries no min.
const ec2DefaultMin = 5

func TestCLIPrintsEveryEstateFileBack(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cli := newCLIRunner(t)
	estates := discoverEstates(t, estatesRoot)
	if len(estates) == 0 {
		t.Fatalf("no estates under %s (want directories with account.json or organizations/list-accounts.json)", estatesRoot)
	}
	// Estates run one after another (their files in parallel), so which
	// file first checks an operation's page sizes is the same every run.
	seen := &checked{pageSize: map[string]bool{}, refusal: map[string]bool{}}
	for _, est := range estates {
		t.Run(est.name, func(t *testing.T) {
			testEstate(t, cli, est, seen)
		})
	}
}

// checked records the operations whose page sizes a file already checks.
// The CLI takes half a second to start, so checks that do not depend on a
// file's content run once per operation, not once per file: the page size
// below the minimum, and the minimum page size on a result that fits one
// page. A result longer than one page is always read at the minimum.
type checked struct {
	pageSize map[string]bool
	refusal  map[string]bool
}

// estateDir is one test estate found under estatesRoot.
type estateDir struct {
	name string
	dir  string
	org  bool
}

// discoverEstates lists root's estates: a directory with account.json is a
// single account, one with organizations/list-accounts.json an
// organization; other directories are not estates.
func discoverEstates(t *testing.T, root string) []estateDir {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("list estates: %v", err)
	}
	var out []estateDir
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		dir := filepath.Join(root, ent.Name())
		switch {
		case exists(filepath.Join(dir, "organizations", "list-accounts.json")):
			out = append(out, estateDir{name: ent.Name(), dir: dir, org: true})
		case exists(filepath.Join(dir, "account.json")):
			out = append(out, estateDir{name: ent.Name(), dir: dir})
		}
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// estateFile is one JSON file of an estate and the account whose
// credentials read it.
type estateFile struct {
	path    string // on disk
	rel     string // below the account's directory (or the estate's, for organizations/)
	account string
	name    string // subtest name
}

// testEstate serves one estate and runs the CLI for each of its files.
func testEstate(t *testing.T, cli *cliRunner, est estateDir, seen *checked) {
	e, err := awssim.LoadEstate(est.dir)
	if err != nil {
		t.Fatalf("load estate: %v", err)
	}
	// faults.json makes calls fail on purpose; this test is about what the
	// simulator serves when nothing fails, so it serves without faults.
	e.FaultFiles = map[string]awssim.FaultFile{}
	srv, err := awssim.NewServer(e, awssim.Options{})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	run, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := run.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})

	sdkRegion := globalRegion
	if regions := e.Accounts[e.Management].SortedRegions(); len(regions) > 0 {
		sdkRegion = regions[0]
	}
	testServerRefusesSmallPages(t, run.URL, sdkRegion)

	caller := cliCreds{awssim.CallerAccessKeyID, awssim.CallerSecretAccessKey, ""}
	if !est.org {
		for _, f := range accountFiles(t, est.dir, e.Management, "") {
			launchFileTest(t, cli, run.URL, f, caller, false, seen)
		}
		return
	}
	orgFile := estateFile{
		path: filepath.Join(est.dir, "organizations", "list-accounts.json"),
		rel:  "organizations/list-accounts.json", account: e.Management,
		name: "organizations/list-accounts",
	}
	launchFileTest(t, cli, run.URL, orgFile, caller, false, seen)
	// Enter every member account first (in parallel: each is a CLI run),
	// then read each account's files with its own credentials.
	var mu sync.Mutex
	creds := map[string]cliCreds{e.Management: caller}
	t.Run("sts/assume-role", func(t *testing.T) {
		for _, id := range e.SortedAccounts() {
			if id == e.Management {
				continue
			}
			t.Run(id, func(t *testing.T) {
				t.Parallel()
				c := assumeRole(t, cli, run.URL, id)
				mu.Lock()
				defer mu.Unlock()
				creds[id] = c
			})
		}
	})
	for _, id := range e.SortedAccounts() {
		c, ok := creds[id]
		if !ok {
			continue // assume-role failed and says so
		}
		for _, f := range accountFiles(t, filepath.Join(est.dir, "accounts", id), id, id+"/") {
			launchFileTest(t, cli, run.URL, f, c, id != e.Management, seen)
		}
	}
}

// accountFiles lists the JSON files of one account's directory in order.
func accountFiles(t *testing.T, dir, account, namePrefix string) []estateFile {
	t.Helper()
	var out []estateFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") || d.Name() == "faults.json" {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		out = append(out, estateFile{path: p, rel: rel, account: account, name: namePrefix + strings.TrimSuffix(rel, ".json")})
		return nil
	})
	if err != nil {
		t.Fatalf("list files of %s: %v", dir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}

// cliCommand is the aws invocation whose output a file holds.
type cliCommand struct {
	region  string
	service string // ec2
	command string // describe-vpcs
	op      string // DescribeVpcs
	args    []string
}

// argv is the command's arguments after the global options, with extra
// options before the command's own.
func (c cliCommand) argv(extra ...string) []string {
	out := append([]string{c.service, c.command}, extra...)
	return append(out, c.args...)
}

func (c cliCommand) String() string {
	return strings.Join(append([]string{"aws", "--region", c.region, c.service, c.command}, c.args...), " ")
}

// commandFor maps a file of an estate to its aws command, as ESTATES.md
// lists them. doc is the file's content (get-command-invocation takes its
// command id from it).
func commandFor(rel string, doc map[string]any) (cliCommand, error) {
	parts := strings.Split(strings.TrimSuffix(rel, ".json"), "/")
	c := cliCommand{region: globalRegion}
	switch {
	case len(parts) == 1 && parts[0] == "account":
		c.service, c.command = "sts", "get-caller-identity"
	case len(parts) == 2 && parts[0] == "organizations" && parts[1] == "list-accounts":
		c.service, c.command = "organizations", "list-accounts"
	case len(parts) == 3 && parts[0] == "iam" && parts[1] == "get-instance-profile":
		c.service, c.command, c.args = "iam", parts[1], []string{"--instance-profile-name", parts[2]}
	case len(parts) == 3 && parts[0] == "iam" && parts[1] == "list-attached-role-policies":
		c.service, c.command, c.args = "iam", parts[1], []string{"--role-name", parts[2]}
	case len(parts) == 3 && parts[1] == "ec2":
		c.region, c.service, c.command = parts[0], "ec2", parts[2]
	case len(parts) == 4 && parts[1] == "ec2" && parts[2] == "get-managed-prefix-list-entries":
		c.region, c.service, c.command, c.args = parts[0], "ec2", parts[2], []string{"--prefix-list-id", parts[3]}
	case len(parts) == 3 && parts[1] == "ssm" && parts[2] == "describe-instance-information":
		c.region, c.service, c.command = parts[0], "ssm", parts[2]
	case len(parts) == 5 && parts[1] == "ssm" && parts[2] == "list-inventory-entries":
		// AWS:Application is kept as AWS_Application.
		typeName := strings.Replace(parts[4], "_", ":", 1)
		c.region, c.service, c.command = parts[0], "ssm", parts[2]
		c.args = []string{"--instance-id", parts[3], "--type-name", typeName}
	case len(parts) == 4 && parts[1] == "ssm" && parts[2] == "get-command-invocation":
		cmdID, _ := doc["CommandId"].(string)
		if cmdID == "" {
			return c, errors.New("the file has no CommandId")
		}
		c.region, c.service, c.command = parts[0], "ssm", parts[2]
		c.args = []string{"--command-id", cmdID, "--instance-id", parts[3]}
	case len(parts) == 4 && parts[1] == "ssm" && parts[2] == "get-service-setting":
		c.region, c.service, c.command = parts[0], "ssm", parts[2]
		c.args = []string{"--setting-id", "/ssm/managed-instance/" + parts[3]}
	default:
		return c, fmt.Errorf("%s is not a file ESTATES.md defines", rel)
	}
	c.op = operationName(c.command)
	if _, ok := simmodel.MustLoad(c.service).Operations[c.op]; !ok {
		return c, fmt.Errorf("%s: the simulator's %s model has no operation %s", rel, c.service, c.op)
	}
	return c, nil
}

// operationName turns a CLI command (describe-vpcs) into its API
// operation (DescribeVpcs).
func operationName(command string) string {
	var b strings.Builder
	for _, w := range strings.Split(command, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// paging is what the botocore model says about an operation's pages.
type paging struct {
	limitKey  string // MaxResults or MaxItems
	resultKey string // the member the CLI merges across pages
	min       int    // the page size the test pages with
	hasMin    bool   // whether a page size below min is refused
}

// pagingOf returns the paging of an operation the CLI paginates, or nil.
func pagingOf(t *testing.T, service, op string) *paging {
	t.Helper()
	m := simmodel.MustLoad(service)
	pag, ok := m.Paginators[op]
	if !ok || pag.LimitKey == "" {
		return nil
	}
	p := &paging{limitKey: pag.LimitKey}
	if keys := pag.ResultKeys(); len(keys) > 0 {
		p.resultKey = keys[0]
	}
	in := m.Shape(m.Operations[op].Input.Shape)
	ref, ok := in.Members[pag.LimitKey]
	if !ok {
		t.Fatalf("%s %s: input has no %s", service, op, pag.LimitKey)
	}
	switch sh := m.Shape(ref.Shape); {
	case sh.Min != nil:
		p.min, p.hasMin = int(*sh.Min), true
	case service == "ec2":
		p.min, p.hasMin = ec2DefaultMin, !noMinimum[service+":"+op]
	default:
		t.Fatalf("%s %s: the model gives %s no minimum and AWS documents none the test knows", service, op, pag.LimitKey)
	}
	return p
}

// launchFileTest starts the parallel subtest of one estate file. member
// says the credentials are an assumed role's, whose get-caller-identity
// is the role session's, not account.json.
func launchFileTest(t *testing.T, cli *cliRunner, endpoint string, f estateFile, creds cliCreds, member bool, seen *checked) {
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatalf("read %s: %v", f.path, err)
	}
	want, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("%s: %v", f.path, err)
	}
	doc, _ := want.(map[string]any)
	cmd, cmdErr := commandFor(f.rel, doc)
	var pg *paging
	items := 0
	checkPageSize, checkRefusal := false, false
	if cmdErr == nil {
		pg = pagingOf(t, cmd.service, cmd.op)
	}
	if pg != nil {
		if list, ok := doc[pg.resultKey].([]any); ok {
			items = len(list)
		}
		key := cmd.service + ":" + cmd.op
		checkPageSize = items > pg.min || !seen.pageSize[key]
		checkRefusal = pg.hasMin && !seen.refusal[key]
		seen.pageSize[key] = seen.pageSize[key] || checkPageSize
		seen.refusal[key] = seen.refusal[key] || checkRefusal
	}
	t.Run(f.name, func(t *testing.T) {
		t.Parallel()
		if cmdErr != nil {
			t.Fatalf("%s: %v", f.path, cmdErr)
		}
		if member && f.rel == "account.json" {
			checkAssumedIdentity(t, cli, endpoint, creds, f.account, doc)
			return
		}
		if pg == nil {
			res := cli.mustRun(t, endpoint, creds, cmd.region, cmd.argv()...)
			compareOutput(t, cmd, f.path, want, res.stdout)
			return
		}
		t.Run("default-paging", func(t *testing.T) {
			res := cli.mustRun(t, endpoint, creds, cmd.region, cmd.argv()...)
			compareOutput(t, cmd, f.path, want, res.stdout)
		})
		if checkPageSize {
			t.Run(fmt.Sprintf("page-size-%d", pg.min), func(t *testing.T) {
				res := cli.mustRun(t, endpoint, creds, cmd.region, cmd.argv("--page-size", strconv.Itoa(pg.min), "--debug")...)
				compareOutput(t, cmd, f.path, want, res.stdout)
				// --debug logs every request: the page size must really have
				// cut the result into pages.
				wantPages := max(1, (items+pg.min-1)/pg.min)
				re := regexp.MustCompile(`Making request for OperationModel\(name=` + cmd.op + `\)`)
				if got := len(re.FindAll(res.stderr, -1)); got != wantPages {
					t.Errorf("%s --page-size %d made %d requests, want %d (%d %s)", cmd, pg.min, got, wantPages, items, pg.resultKey)
				}
			})
		}
		if checkRefusal {
			below := pg.min - 1
			t.Run(fmt.Sprintf("page-size-%d-is-refused", below), func(t *testing.T) {
				res := cli.run(t, endpoint, creds, cmd.region, cmd.argv("--page-size", strconv.Itoa(below))...)
				if res.code == 0 {
					t.Fatalf("%s --page-size %d succeeded, want AWS's validation error; stdout:\n%s", cmd, below, res.stdout)
				}
				stderr := string(res.stderr)
				if !strings.Contains(strings.ToLower(stderr), strings.ToLower(pg.limitKey)) || !regexp.MustCompile(`\b`+strconv.Itoa(pg.min)+`\b`).MatchString(stderr) {
					t.Errorf("%s --page-size %d: stderr does not name %s and its minimum %d:\n%s", cmd, below, pg.limitKey, pg.min, stderr)
				}
			})
		}
	})
}

// compareOutput checks that the CLI printed exactly the file.
func compareOutput(t *testing.T, cmd cliCommand, path string, want any, stdout []byte) {
	t.Helper()
	got, err := decodeJSON(stdout)
	if err != nil {
		t.Fatalf("%s printed no JSON document: %v\n%s", cmd, err, stdout)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s prints something other than %s (-file +cli):\n%s", cmd, path, diff)
	}
}

// decodeJSON decodes one JSON document, keeping numbers as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decode JSON: data after the document")
	}
	return v, nil
}

// assumeRole enters a member account the way pdr-audit does and returns
// the session's credentials.
func assumeRole(t *testing.T, cli *cliRunner, endpoint, account string) cliCreds {
	t.Helper()
	caller := cliCreds{awssim.CallerAccessKeyID, awssim.CallerSecretAccessKey, ""}
	res := cli.mustRun(t, endpoint, caller, globalRegion, "sts", "assume-role",
		"--role-arn", "arn:aws:iam::"+account+":role/pdr-audit", "--role-session-name", "e2e")
	var out struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		AssumedRoleUser struct{ Arn string }
	}
	if err := json.Unmarshal(res.stdout, &out); err != nil {
		t.Fatalf("assume-role output: %v\n%s", err, res.stdout)
	}
	c := out.Credentials
	if c.AccessKeyId == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Fatalf("assume-role returned incomplete credentials:\n%s", res.stdout)
	}
	if want := "arn:aws:sts::" + account + ":assumed-role/pdr-audit/e2e"; out.AssumedRoleUser.Arn != want {
		t.Errorf("assume-role AssumedRoleUser.Arn = %q, want %q", out.AssumedRoleUser.Arn, want)
	}
	return cliCreds{c.AccessKeyId, c.SecretAccessKey, c.SessionToken}
}

// checkAssumedIdentity checks that a member account's credentials are that
// account's assumed role: get-caller-identity names the account of
// account.json and the role session.
func checkAssumedIdentity(t *testing.T, cli *cliRunner, endpoint string, creds cliCreds, account string, file map[string]any) {
	t.Helper()
	res := cli.mustRun(t, endpoint, creds, globalRegion, "sts", "get-caller-identity")
	var got struct{ UserId, Account, Arn string }
	if err := json.Unmarshal(res.stdout, &got); err != nil {
		t.Fatalf("get-caller-identity output: %v\n%s", err, res.stdout)
	}
	if got.Account != account || got.Account != file["Account"] {
		t.Errorf("get-caller-identity Account = %q, want %q (account.json: %v)", got.Account, account, file["Account"])
	}
	if want := "arn:aws:sts::" + account + ":assumed-role/pdr-audit/e2e"; got.Arn != want {
		t.Errorf("get-caller-identity Arn = %q, want %q", got.Arn, want)
	}
	if !strings.HasSuffix(got.UserId, ":e2e") {
		t.Errorf("get-caller-identity UserId = %q, want the role id and session name e2e", got.UserId)
	}
}

// testServerRefusesSmallPages sends too-small page sizes straight to the
// server with the Go SDK, which (unlike the CLI) does not check them
// first, and expects the error code the AWS service answers with.
func testServerRefusesSmallPages(t *testing.T, endpoint, region string) {
	cfg := awssim.SDKConfig(endpoint, region)
	tests := []struct {
		name     string
		call     func(context.Context) error
		wantCode string
	}{
		{"sdk/ec2/describe-vpcs/max-results-3-is-refused", func(ctx context.Context) error {
			_, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(3)})
			return err
		}, "InvalidParameterValue"},
		{"sdk/ec2/describe-instances/max-results-4-is-refused", func(ctx context.Context) error {
			_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)})
			return err
		}, "InvalidParameterValue"},
		{"sdk/ssm/describe-instance-information/max-results-4-is-refused", func(ctx context.Context) error {
			_, err := ssm.NewFromConfig(cfg).DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(4)})
			return err
		}, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := tt.call(ctx)
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an AWS API error %s", err, tt.wantCode)
			}
			if ae.ErrorCode() != tt.wantCode {
				t.Errorf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), tt.wantCode)
			}
		})
	}
}

// cliCreds are the credentials one CLI invocation signs with.
type cliCreds struct {
	accessKeyID, secretAccessKey, sessionToken string
}

// cliRunner runs the AWS CLI in a clean environment, a few at a time.
type cliRunner struct {
	home string
	sem  chan struct{}
}

// newCLIRunner skips the test unless /usr/bin/aws is AWS CLI v2.
func newCLIRunner(t *testing.T) *cliRunner {
	t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Skipf("AWS CLI v2 not installed at %s (%v); CI installs it", awsCLI, err)
	}
	r := &cliRunner{home: t.TempDir(), sem: make(chan struct{}, max(2, runtime.NumCPU()))}
	res := r.run(t, "", cliCreds{}, "", "--version")
	if res.code != 0 || !bytes.HasPrefix(res.stdout, []byte("aws-cli/2.")) {
		t.Skipf("%s is not AWS CLI v2 (exit %d): %s%s", awsCLI, res.code, res.stdout, res.stderr)
	}
	return r
}

// cliResult is what one CLI invocation did.
type cliResult struct {
	stdout, stderr []byte
	code           int
}

// run runs aws [--endpoint-url endpoint --region region --output json]
// args... and returns its outcome; it fails the test only when the CLI
// could not be run at all.
func (r *cliRunner) run(t *testing.T, endpoint string, creds cliCreds, region string, args ...string) cliResult {
	t.Helper()
	var argv []string
	if endpoint != "" {
		argv = append(argv, "--endpoint-url", endpoint, "--region", region, "--output", "json")
	}
	argv = append(argv, args...)
	env := []string{
		"HOME=" + r.home,
		"PATH=/usr/bin:/bin",
		"LC_ALL=C.UTF-8",
		"AWS_CONFIG_FILE=" + filepath.Join(r.home, "no-such-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(r.home, "no-such-credentials"),
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	if creds.accessKeyID != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+creds.accessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.secretAccessKey)
	}
	if creds.sessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+creds.sessionToken)
	}
	r.sem <- struct{}{}
	defer func() { <-r.sem }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLI, argv...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ctx.Err() == nil:
		res.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run aws %s: %v\n%s", strings.Join(argv, " "), err, stderr.Bytes())
	}
	return res
}

// mustRun is run for invocations that must succeed.
func (r *cliRunner) mustRun(t *testing.T, endpoint string, creds cliCreds, region string, args ...string) cliResult {
	t.Helper()
	res := r.run(t, endpoint, creds, region, args...)
	if res.code != 0 {
		t.Fatalf("aws --region %s %s: exit %d\n%s", region, strings.Join(args, " "), res.code, lastLines(res.stderr, 20))
	}
	return res
}

// lastLines keeps the end of a long output (the CLI's --debug log).
func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}

// The AWS CLI imports Security Hub findings through the simulator's
// rest-json: it prints the FailedFindings of a partial import and exits 0,
// and exits 254 with AWS's denial for another account's findings.
func TestCLIImportsSecurityHubFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cli := newCLIRunner(t)
	e, err := awssim.LoadEstate(filepath.Join(estatesRoot, "demo"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awssim.NewServer(e, awssim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = run.Shutdown(ctx)
	})
	finding := func(id, account, title string) map[string]any {
		return map[string]any{
			"SchemaVersion": "2018-10-08", "Id": id, "GeneratorId": "PDR-AG-001", "AwsAccountId": account,
			"ProductArn": "arn:aws:securityhub:eu-west-1:" + account + ":product/" + account + "/default",
			"Types":      []string{"Software and Configuration Checks"},
			"CreatedAt":  "2026-11-25T12:00:00Z", "UpdatedAt": "2026-11-25T12:00:00Z",
			"Severity": map[string]any{"Label": "HIGH"}, "Title": title, "Description": "blocked",
			"Resources": []map[string]any{{"Type": "Other", "Id": "r"}},
		}
	}
	write := func(name string, findings ...map[string]any) string {
		b, err := json.Marshal(findings)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	caller := cliCreds{awssim.CallerAccessKeyID, awssim.CallerSecretAccessKey, ""}

	res := cli.mustRun(t, run.URL, caller, "eu-west-1", "securityhub", "batch-import-findings", "--findings",
		write("partial.json", finding("pdr-audit/a", e.Management, "agent egress"), finding("pdr-audit/b", e.Management, " ")))
	var out map[string]any
	if err := json.Unmarshal(res.stdout, &out); err != nil {
		t.Fatalf("stdout %q: %v", res.stdout, err)
	}
	want := map[string]any{"FailedCount": 1.0, "SuccessCount": 1.0, "FailedFindings": []any{map[string]any{
		"Id": "pdr-audit/b", "ErrorCode": "InvalidInput",
		"ErrorMessage": "Finding does not adhere to Amazon Finding Format. data.Title should NOT be shorter than 1 characters.",
	}}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("batch-import-findings printed (-want +got):\n%s", diff)
	}
	if got := srv.SecurityHubFindings(e.Management, "eu-west-1"); len(got) != 1 || got[0]["Id"] != "pdr-audit/a" {
		t.Errorf("stored %v; want pdr-audit/a only", got)
	}

	res = cli.run(t, run.URL, caller, "eu-west-1", "securityhub", "batch-import-findings", "--findings",
		write("other.json", finding("pdr-audit/c", "444455556666", "agent egress")))
	if res.code != 254 || !strings.Contains(string(res.stderr), "An error occurred (AccessDeniedException) when calling the BatchImportFindings operation: User: ") {
		t.Errorf("another account's finding: exit %d, stderr %s; want 254 and AWS's denial", res.code, res.stderr)
	}
}
