package ssmcollect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
)

const (
	testAccount = "111122223333"
	testRegion  = "eu-west-1"
)

// estate is a test estate being written: paths below the estate directory
// (without ".json") to the documents they hold.
type estate map[string]any

// write puts the estate in a fresh temporary directory, with account.json.
func (e estate) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]any{"account": map[string]any{
		"UserId": "AIDAEXAMPLEUSERID0001", "Account": testAccount,
		"Arn": "arn:aws:iam::" + testAccount + ":user/pdr-audit",
	}}
	for k, v := range e {
		files[k] = v
	}
	for rel, doc := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel)+".json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var b []byte
		switch d := doc.(type) {
		case string:
			b = []byte(d)
		default:
			var err error
			if b, err = json.MarshalIndent(doc, "", "    "); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// syncBuffer is a bytes.Buffer safe for the server's and the test's use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// call is one line of the simulator's calls log.
type call struct {
	Action    string `json:"action"`
	Outcome   string `json:"outcome"`
	Paginated bool   `json:"paginated"`
	Items     int    `json:"items"`
}

// sim is a simulator serving one estate, with an SSM client pointed at it.
type sim struct {
	client  *ssm.Client
	log     *syncBuffer
	running *awssim.Running
	stopped bool
}

// startSim serves the estate in dir and returns a client for testRegion.
func startSim(t *testing.T, dir string) *sim {
	t.Helper()
	est, err := awssim.LoadEstate(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	srv, err := awssim.NewServer(est, awssim.Options{CallsLog: log})
	if err != nil {
		t.Fatal(err)
	}
	running, err := awssim.Listen(srv, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{client: ssm.NewFromConfig(testConfig(running.URL)), log: log, running: running}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// testConfig is the SDK configuration for a simulator: the standard
// retryer, but with no backoff and no retry quota, so injected faults cost
// no time and never exhaust the client.
func testConfig(url string) aws.Config {
	cfg := awssim.SDKConfig(url, testRegion)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		})
	}
	return cfg
}

func (s *sim) stop(t *testing.T) {
	if s.stopped {
		return
	}
	s.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.running.Shutdown(ctx); err != nil {
		t.Errorf("simulator shutdown: %v", err)
	}
}

// calls stops the simulator (so every request is logged) and returns its
// calls log.
func (s *sim) calls(t *testing.T) []call {
	t.Helper()
	s.stop(t)
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	var out []call
	for _, line := range strings.Split(strings.TrimSpace(s.log.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var c call
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("calls log line %q: %v", line, err)
		}
		out = append(out, c)
	}
	return out
}

// count returns how many calls of action the log holds.
func count(calls []call, action string) int {
	n := 0
	for _, c := range calls {
		if c.Action == action {
			n++
		}
	}
	return n
}

// Estate document builders, in the shapes the AWS CLI prints.

func instanceInfo(id, ping, platformType, platformName, platformVersion string) map[string]any {
	return map[string]any{
		"InstanceId": id, "PingStatus": ping,
		"LastPingDateTime": "2024-03-18T09:12:44.822000+00:00",
		"AgentVersion":     "3.2.1705.0", "IsLatestVersion": false,
		"PlatformType": platformType, "PlatformName": platformName, "PlatformVersion": platformVersion,
		"ResourceType": "EC2Instance", "IPAddress": "10.70.10.37",
		"ComputerName": "ip-10-70-10-37.eu-west-1.compute.internal",
		"SourceId":     id, "SourceType": "AWS::EC2::Instance",
	}
}

func instanceInformation(infos ...map[string]any) map[string]any {
	list := make([]any, len(infos))
	for i, in := range infos {
		list[i] = in
	}
	return map[string]any{"InstanceInformationList": list}
}

func rpm(name, version, release, arch string) map[string]any {
	return map[string]any{
		"ApplicationType": "System Environment/Kernel", "Architecture": arch,
		"InstalledTime": "2024-01-08T08:41:07Z", "Name": name,
		"PackageId": name + "-" + version + "-" + release + ".src.rpm",
		"Publisher": "Amazon.com", "Release": release, "Version": version,
	}
}

func deb(name, version string) map[string]any {
	return map[string]any{
		"ApplicationType": "kernel", "Architecture": "amd64",
		"InstalledTime": "2024-01-08T08:41:07Z", "Name": name,
		"PackageId": name + "_" + version + "_amd64.deb", "Publisher": "Ubuntu Kernel Team",
		"Version": version,
	}
}

func inventory(id string, entries ...map[string]any) map[string]any {
	list := make([]any, len(entries))
	for i, e := range entries {
		list[i] = e
	}
	return map[string]any{
		"TypeName": "AWS:Application", "InstanceId": id, "SchemaVersion": "1.1",
		"CaptureTime": "2024-03-18T06:00:14Z", "Entries": list,
	}
}

func invocation(id, status, stdout string) map[string]any {
	return map[string]any{
		"CommandId": "ba68a68d-11aa-4a60-adb6-db0417d6c2dd", "InstanceId": id,
		"Comment": "pdr-audit: uname -r", "DocumentName": "AWS-RunShellScript", "DocumentVersion": "$DEFAULT",
		"PluginName": "aws:runShellScript", "ResponseCode": 0,
		"ExecutionStartDateTime": "2024-03-18T09:20:08.107Z", "ExecutionElapsedTime": "PT0.041S",
		"ExecutionEndDateTime": "2024-03-18T09:20:08.107Z",
		"Status":               status, "StatusDetails": status,
		"StandardOutputContent": stdout, "StandardOutputUrl": "",
		"StandardErrorContent": "", "StandardErrorUrl": "",
		"CloudWatchOutputConfig": map[string]any{"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": false},
	}
}

func regionPath(rel string) string { return testRegion + "/" + rel }
