package examples

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// examplesDir is the repository's examples directory.
func examplesDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "examples")
}

// findActionlint looks for actionlint in PATH, then in $(go env GOPATH)/bin.
func findActionlint() (string, error) {
	if p, err := exec.LookPath("actionlint"); err == nil {
		return p, nil
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOPATH: %w", err)
	}
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
		p := filepath.Join(dir, "bin", "actionlint")
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("not in PATH nor in $(go env GOPATH)/bin")
}

// The scheduled workflow passes actionlint (which also runs shellcheck on
// its scripts when shellcheck is installed).
func TestGitHubActionsWorkflowPassesActionlint(t *testing.T) {
	bin, err := findActionlint()
	if err != nil {
		t.Skipf("actionlint is not installed (%v); install it with go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.7 (.ci/run does)", err)
	}
	wf := filepath.Join(examplesDir(t), "github-actions", "pdr-audit.yml")
	cmd := exec.Command(bin, "-no-color", wf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("actionlint %s: %v\n%s", wf, err, out.String())
	}
}

// The workflow does what the examples promise: a schedule, OIDC with an
// assumed role, the audit writing SARIF and Markdown, and an upload that
// runs even when the audit step fails on findings.
func TestGitHubActionsWorkflowAuditsOnAScheduleAndUploadsSARIF(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(examplesDir(t), "github-actions", "pdr-audit.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			Schedule []struct {
				Cron string `yaml:"cron"`
			} `yaml:"schedule"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Steps []struct {
				Name string            `yaml:"name"`
				Uses string            `yaml:"uses"`
				If   string            `yaml:"if"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if len(wf.On.Schedule) == 0 {
		t.Error("no schedule")
	}
	for _, s := range wf.On.Schedule {
		if err := validCron(s.Cron); err != nil {
			t.Errorf("schedule %q: %v", s.Cron, err)
		}
	}
	if wf.Permissions["id-token"] != "write" || wf.Permissions["security-events"] != "write" {
		t.Errorf("permissions %v; want id-token: write and security-events: write", wf.Permissions)
	}
	var uses, runs []string
	uploadAlways, roleSet := false, false
	for _, job := range wf.Jobs {
		for _, s := range job.Steps {
			uses = append(uses, s.Uses)
			runs = append(runs, s.Run)
			if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
				uploadAlways = s.If == "always()" && s.With["sarif_file"] == "pdr-audit.sarif"
			}
			if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
				roleSet = s.With["role-to-assume"] != ""
			}
		}
	}
	script := strings.Join(runs, "\n")
	for _, want := range []string{"go install github.com/pdr-audit/pdr-audit/cmd/pdr-audit@latest",
		"audit --regions all --format table", "--output sarif=pdr-audit.sarif --output markdown=summary.md",
		`>> "$GITHUB_STEP_SUMMARY"`} {
		if !strings.Contains(script, want) {
			t.Errorf("the workflow's scripts lack %q", want)
		}
	}
	if !slices.ContainsFunc(uses, func(u string) bool { return strings.HasPrefix(u, "actions/setup-go@") }) {
		t.Error("the workflow does not set up Go")
	}
	if !roleSet {
		t.Error("configure-aws-credentials has no role-to-assume")
	}
	if !uploadAlways {
		t.Error("upload-sarif is missing, does not upload pdr-audit.sarif, or does not run if: always()")
	}
}

// cronJob is what the test reads of a CronJob manifest.
type cronJob struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Schedule    string `yaml:"schedule"`
		JobTemplate struct {
			Spec struct {
				Template struct {
					Spec podSpec `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

type podSpec struct {
	ServiceAccountName string `yaml:"serviceAccountName"`
	RestartPolicy      string `yaml:"restartPolicy"`
	SecurityContext    struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
	} `yaml:"securityContext"`
	Containers []struct {
		Name      string   `yaml:"name"`
		Image     string   `yaml:"image"`
		Command   []string `yaml:"command"`
		Args      []string `yaml:"args"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			ReadOnlyRootFilesystem *bool `yaml:"readOnlyRootFilesystem"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []map[string]any `yaml:"volumes"`
}

// The CronJob manifest has what Kubernetes requires of a batch/v1 CronJob
// and what the example promises: a nightly schedule, a service account
// with an IRSA role, a non-root read-only container with resources, and
// reports written to a volume.
func TestKubernetesCronJobIsValid(t *testing.T) {
	f, err := os.Open(filepath.Join(examplesDir(t), "kubernetes", "cronjob.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var jobs []cronJob
	irsa := false
	for {
		var node yaml.Node
		if err := dec.Decode(&node); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("cronjob.yaml: %v", err)
		}
		var head struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
		}
		if err := node.Decode(&head); err != nil {
			t.Fatal(err)
		}
		switch head.Kind {
		case "CronJob":
			var cj cronJob
			if err := node.Decode(&cj); err != nil {
				t.Fatalf("CronJob: %v", err)
			}
			jobs = append(jobs, cj)
		case "ServiceAccount":
			irsa = strings.HasPrefix(head.Metadata.Annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::")
		}
	}
	if len(jobs) != 1 {
		t.Fatalf("%d CronJobs in cronjob.yaml, want 1", len(jobs))
	}
	cj := jobs[0]
	if cj.APIVersion != "batch/v1" || cj.Metadata.Name == "" {
		t.Errorf("apiVersion %q, metadata.name %q; want batch/v1 and a name", cj.APIVersion, cj.Metadata.Name)
	}
	if err := validCron(cj.Spec.Schedule); err != nil {
		t.Errorf("spec.schedule %q: %v", cj.Spec.Schedule, err)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if pod.RestartPolicy != "OnFailure" && pod.RestartPolicy != "Never" {
		t.Errorf("restartPolicy %q; a Job's must be OnFailure or Never", pod.RestartPolicy)
	}
	if pod.ServiceAccountName == "" || !irsa {
		t.Errorf("serviceAccountName %q, IRSA annotation found %v; want both", pod.ServiceAccountName, irsa)
	}
	if r := pod.SecurityContext.RunAsNonRoot; r == nil || !*r {
		t.Error("the pod does not set runAsNonRoot: true")
	}
	if len(pod.Containers) == 0 {
		t.Fatal("no containers")
	}
	c := pod.Containers[0]
	if c.Name == "" || c.Image == "" || len(c.Command) == 0 || len(c.Args) == 0 {
		t.Errorf("container name %q, image %q, command %q, args %q; want all set", c.Name, c.Image, c.Command, c.Args)
	}
	if !strings.Contains(strings.Join(c.Args, " "), "pdr-audit audit") {
		t.Errorf("the container does not run pdr-audit audit: %q", c.Args)
	}
	if len(c.Resources.Requests) == 0 || len(c.Resources.Limits) == 0 {
		t.Error("the container has no resource requests or limits")
	}
	if r := c.SecurityContext.ReadOnlyRootFilesystem; r == nil || !*r {
		t.Error("the container does not set readOnlyRootFilesystem: true")
	}
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		if name, ok := v["name"].(string); ok {
			volumes[name] = true
		}
	}
	reports := false
	for _, m := range c.VolumeMounts {
		if !volumes[m.Name] {
			t.Errorf("volume mount %q names no volume", m.Name)
		}
		reports = reports || m.MountPath == "/reports"
	}
	if !reports {
		t.Error("no volume is mounted at /reports, where the reports are written")
	}
}

// cronFields are the bounds of the five fields of a cron schedule.
var cronFields = []struct {
	name     string
	min, max int
}{{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31}, {"month", 1, 12}, {"day of week", 0, 7}}

// validCron checks a five-field cron schedule (numbers, *, ranges, steps
// and lists).
func validCron(s string) error {
	fields := strings.Fields(s)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("%d fields, want 5 (minute hour day-of-month month day-of-week)", len(fields))
	}
	for i, f := range fields {
		b := cronFields[i]
		for _, part := range strings.Split(f, ",") {
			rng, step, hasStep := strings.Cut(part, "/")
			if hasStep {
				if n, err := strconv.Atoi(step); err != nil || n < 1 {
					return fmt.Errorf("%s: bad step %q", b.name, step)
				}
			}
			if rng == "*" {
				continue
			}
			lo, hi, isRange := strings.Cut(rng, "-")
			if !isRange {
				hi = lo
			}
			a, errA := strconv.Atoi(lo)
			z, errZ := strconv.Atoi(hi)
			if errA != nil || errZ != nil || a < b.min || z > b.max || a > z {
				return fmt.Errorf("%s: %q is not within %d-%d", b.name, rng, b.min, b.max)
			}
		}
	}
	return nil
}

func TestValidCron(t *testing.T) {
	tests := []struct {
		schedule string
		ok       bool
	}{
		{"17 3 * * *", true},
		{"*/15 0-6,22-23 1 1-12/2 0-7", true},
		{"0 3 * *", false},
		{"60 3 * * *", false},
		{"0 3 0 * *", false},
		{"0 3 * * 8", false},
		{"0 5-3 * * *", false},
		{"*/0 * * * *", false},
		{"@daily", false},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			if err := validCron(tt.schedule); (err == nil) != tt.ok {
				t.Errorf("validCron(%q) = %v, want ok %v", tt.schedule, err, tt.ok)
			}
		})
	}
}
