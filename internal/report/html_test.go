package report

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pdr-audit/pdr-audit/internal/awssim"
	"github.com/pdr-audit/pdr-audit/internal/awssim/simtest"
	"github.com/pdr-audit/pdr-audit/internal/collect"
	"github.com/pdr-audit/pdr-audit/internal/finding"
	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/netpath"
	"github.com/pdr-audit/pdr-audit/internal/policy"
)

// sampleNetwork is a hand-built network view for the sample report: a
// covered zone, a zone without an appliance, a zone with a subnet only,
// an appliance-only zone, a group of agents and a blocked one, a VPC
// without appliances, and egress with a blocked and an unknown path.
func sampleNetwork() *NetworkView {
	allowed := PathCell{Verdict: netpath.Allowed}
	sg := &finding.Component{ID: "sg-0123456789abcdef0", Kind: "security-group", Direction: "egress",
		Reason: "sg-0123456789abcdef0 has no egress rule for tcp/7777 to 10.0.1.10"}
	acl := &finding.Component{ID: "acl-0123456789abcdef0", Kind: "network-acl", Direction: "egress",
		Rule: "rule 90 denies tcp 4138 to 204.110.218.96/27", Reason: "acl-0123456789abcdef0 egress rule 90 denies tcp 4138 to 204.110.218.96/27"}
	pass := &Verdict{Status: finding.Pass, Message: "2 running Threat Manager appliances"}
	return &NetworkView{
		Coverage: []RegionCoverage{
			{Account: acct, Region: "us-east-1", AZs: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, VPCs: []VPCCoverage{
				{Account: acct, Region: "us-east-1", VPCID: "vpc-0123456789abcdef0", Name: "prod <web>", Appliances: 2, Monitored: 3, HA: pass,
					Cells: []AZCell{
						{AZ: "us-east-1a", HasSubnet: true, Appliances: []string{"i-0feedfacecafe0001", "i-0feedfacecafe0002"}, Monitored: 2,
							Coverage: &Verdict{Status: finding.Pass, Message: "2 running Threat Manager appliances in vpc-0123456789abcdef0/us-east-1a"}},
						{AZ: "us-east-1b", HasSubnet: true, Monitored: 1,
							Coverage: &Verdict{Status: finding.Fail, Message: "no running Threat Manager appliance in vpc-0123456789abcdef0/us-east-1b"}},
						{AZ: "us-east-1c", HasSubnet: true},
					}},
				{Account: acct, Region: "us-east-1", VPCID: "vpc-0fedcba9876543210", Appliances: 1,
					Cells: []AZCell{{AZ: "us-east-1a"}, {AZ: "us-east-1b", HasSubnet: true, Appliances: []string{"i-0feedfacecafe0003"}}, {AZ: "us-east-1c"}}},
			}},
			{Account: acct, Region: "us-west-2", AZs: []string{"us-west-2a"}, VPCs: []VPCCoverage{
				{Account: acct, Region: "us-west-2", VPCID: "vpc-0aaaabbbbccccdddd", Name: "batch", Monitored: 1,
					HA: &Verdict{Status: finding.Fail, Message: "no running Threat Manager appliance in vpc-0aaaabbbbccccdddd (need 2)"},
					Cells: []AZCell{{AZ: "us-west-2a", HasSubnet: true, Monitored: 1,
						Coverage: &Verdict{Status: finding.Unknown, Message: "the instance list could not be read"}}}},
			}},
		},
		AgentPaths: []AgentPathTable{
			{Account: acct, Region: "us-east-1", VPCID: "vpc-0123456789abcdef0", Name: "prod <web>",
				Appliances: []Instance{{ID: "i-0feedfacecafe0001", Name: "tm-a"}, {ID: "i-0feedfacecafe0002"}},
				Ports:      []Port{{Proto: "tcp", Port: 443, Purpose: "agent updates"}, {Proto: "tcp", Port: 7777, Purpose: "agent data"}},
				Rows: []AgentPathRow{
					{Instances: []Instance{{ID: "i-0a1b2c3d4e5f60001", Name: "web-1"}}, Blocked: 1,
						Cells: []PathCell{allowed, {Verdict: netpath.Blocked, BlockedBy: sg, For: "i-0a1b2c3d4e5f60001"}, allowed, allowed}},
					{Instances: []Instance{{ID: "i-0a1b2c3d4e5f60002"}, {ID: "i-0a1b2c3d4e5f60003", Name: "web-3"}},
						Cells: []PathCell{allowed, allowed, allowed, allowed}},
				}},
			{Account: acct, Region: "us-west-2", VPCID: "vpc-0aaaabbbbccccdddd", Name: "batch",
				Ports: []Port{{Proto: "tcp", Port: 443}, {Proto: "tcp", Port: 7777}},
				Rows:  []AgentPathRow{{Instances: []Instance{{ID: "i-0a1b2c3d4e5f60004", Name: "batch-1"}}}}},
		},
		Egress: &EgressTable{Datacenter: "us",
			Paths: []Egress{{Proto: "tcp", Port: 443, To: "204.110.218.96/27", Purpose: "Updates"},
				{Proto: "tcp", Port: 4138, To: "204.110.218.96/27", Purpose: "Event transport"},
				{Proto: "tcp", Port: 80, To: "internet", Purpose: "HTTP"}},
			Rows: []EgressRow{
				{Appliance: Instance{ID: "i-0feedfacecafe0001", Name: "tm-a"}, Account: acct, Region: "us-east-1", VPCID: "vpc-0123456789abcdef0", AZ: "us-east-1a",
					Result: &Verdict{Status: finding.Fail, Message: "tcp/4138 to 204.110.218.96/27 is blocked"},
					Cells:  []PathCell{allowed, {Verdict: netpath.Blocked, BlockedBy: acl}, {Verdict: netpath.Unknown, Missing: []string{"pl-0123 entries could not be read"}}}},
			}},
	}
}

func TestGoldenHTML(t *testing.T) {
	tests := []struct {
		name, file string
		network    bool
	}{
		{"the HTML report draws the summary, the coverage grid, the path matrices and every finding", "sample.html", true},
		{"the HTML report without a snapshot says the network view is not available", "sample.nonetwork.html", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			render := func() []byte {
				results, gaps, meta := sample()
				r := New(results, gaps, meta)
				if tt.network {
					r.Network = sampleNetwork()
				}
				var buf bytes.Buffer
				if err := Write(&buf, "html", r); err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			got := render()
			golden(t, tt.file, got)
			if !bytes.Equal(got, render()) {
				t.Error("two renderings of the same report differ")
			}
		})
	}
}

var (
	tagRe    = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	styleRe  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	scriptRe = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
)

// markup splits a page into its tags (with their attributes), its style
// sheets and its scripts; text is left out (html/template escapes a "<"
// in text, so no text can pass for a tag).
func markup(page string) (tags []string, styles, scripts string) {
	for _, m := range styleRe.FindAllStringSubmatch(page, -1) {
		styles += m[1]
	}
	for _, m := range scriptRe.FindAllStringSubmatch(page, -1) {
		scripts += m[1]
	}
	rest := scriptRe.ReplaceAllString(styleRe.ReplaceAllString(page, "<style>"), "<script>")
	return tagRe.FindAllString(rest, -1), styles, scripts
}

// What would make a browser fetch something: in a tag, src, srcset, an
// href that is not a fragment, an absolute URL, or an element that loads
// a resource; in a style sheet, @import or url() other than data:; in a
// script, a network API.
var (
	tagRefs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\s(?:src|srcset|poster|data|action|formaction|background)\s*=`),
		regexp.MustCompile(`(?i)\shref\s*=\s*(?:"[^#"]|[^"#\s>])`),
		regexp.MustCompile(`(?i)^<(?:link|object|embed|iframe|img|image|base|video|audio|source|frame|form|svg)\b`),
		regexp.MustCompile(`(?i)(?:https?:)?//`),
	}
	styleRefs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)@import`),
		regexp.MustCompile(`(?i)url\(\s*['"]?(?:[^d'"\s]|d[^a])`),
		regexp.MustCompile(`(?i)(?:https?:)?//`),
	}
	scriptRefs = []*regexp.Regexp{
		regexp.MustCompile(`\b(?:fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts|import\s*\()`),
		regexp.MustCompile(`(?i)https?:`),
		regexp.MustCompile(`\.(?:src|href)\s*=`),
	}
)

// externalReferences lists what in page would make a browser fetch
// something.
func externalReferences(page string) []string {
	var found []string
	tags, styles, scripts := markup(page)
	for _, tag := range tags {
		for _, re := range tagRefs {
			if re.MatchString(tag) {
				found = append(found, fmt.Sprintf("tag %s (%s)", tag, re))
			}
		}
	}
	for _, re := range styleRefs {
		if m := re.FindString(styles); m != "" {
			found = append(found, fmt.Sprintf("style %q (%s)", m, re))
		}
	}
	for _, re := range scriptRefs {
		if m := re.FindString(scripts); m != "" {
			found = append(found, fmt.Sprintf("script %q (%s)", m, re))
		}
	}
	return found
}

func TestExternalReferencesAreFound(t *testing.T) {
	for _, page := range []string{
		`<img src="x.png">`,
		`<p><a href="https://example.com/">x</a></p>`,
		`<link rel="stylesheet" href="a.css">`,
		`<style>@import "a.css";</style>`,
		`<style>body { background: url(https://example.com/x.png) }</style>`,
		`<style>body { background: url('x.png') }</style>`,
		`<script>fetch("/x")</script>`,
		`<script>new Image().src = "x"</script>`,
		`<iframe></iframe>`,
	} {
		if len(externalReferences(page)) == 0 {
			t.Errorf("no external reference found in %s", page)
		}
	}
	for _, page := range []string{
		`<p><a href="#findings">x</a> https://example.com/ in text, &lt;img src=x&gt;</p>`,
		`<style>body { background: url(data:image/png;base64,AAAA) }</style>`,
	} {
		if found := externalReferences(page); len(found) != 0 {
			t.Errorf("%s: found %v, want nothing", page, found)
		}
	}
}

func TestHTMLHasNoExternalReferences(t *testing.T) {
	results, gaps, meta := sample()
	// A message that looks like markup, a style and a URL stays text.
	results[0].Message = `see <a href="https://evil.example/x">here</a> <img src=x onerror=alert(1)> url(//evil.example/y) @import`
	r := New(results, gaps, meta)
	r.Network = sampleNetwork()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	tags, styles, scripts := markup(page)
	if len(tags) < 100 || styles == "" || scripts == "" {
		t.Fatalf("found %d tags, %d bytes of style and %d of script; the page is not what the test expects", len(tags), len(styles), len(scripts))
	}
	for _, f := range externalReferences(page) {
		t.Errorf("the page refers to something outside it: %s", f)
	}
	if !strings.Contains(page, "see &lt;a href=&#34;https://evil.example/x&#34;&gt;here&lt;/a&gt; &lt;img src=x onerror=alert(1)&gt;") {
		t.Error("a message with markup is not escaped as text")
	}
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-`) {
		t.Error("the page has no Content-Security-Policy forbidding every fetch")
	}
	// The policy's hashes are those of the inline style sheet and script.
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy meta element")
	}
	for _, part := range []string{"style-src " + cspHash(htmlCSS) + ";", "script-src " + cspHash(htmlJS) + ";"} {
		if !strings.Contains(html.UnescapeString(csp[1]), part) {
			t.Errorf("the Content-Security-Policy %q lacks %s", html.UnescapeString(csp[1]), part)
		}
	}
	if styles != htmlCSS || scripts != htmlJS {
		t.Error("the style sheet or script is not inlined verbatim (the CSP hashes would not match)")
	}
}

func TestHTMLWithoutJavaScriptShowsEveryResult(t *testing.T) {
	results, gaps, meta := sample()
	r := New(results, gaps, meta)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(page, "<tr data-status="); n != len(results) {
		t.Errorf("the findings table has %d rows, want every one of the %d results", n, len(results))
	}
	tags, _, _ := markup(page)
	for _, tag := range tags {
		if strings.Contains(tag, "filtered") || regexp.MustCompile(`\shidden\b|display:\s*none`).MatchString(tag) {
			t.Errorf("%s is hidden in the markup; only the script may hide rows", tag)
		}
	}
	if !strings.Contains(page, "Coverage is incomplete") {
		t.Error("a report with a gap and unknown results has no incomplete-coverage banner")
	}
	if !strings.Contains(page, "Not available: this report was built without the snapshot") {
		t.Error("a report without a network view does not say so")
	}
}

var (
	demoOnce   sync.Once
	demoReport *Report
	demoSnap   *model.Snapshot
	// demoNetwork is the demo profile's network data, as the engine gives it.
	demoNetwork []byte
	demoErr     error
)

// demo audits testdata/estates/demo in-process the way `pdr-audit audit
// --estate` does (import through the simulator, the catalog under
// pdr-2020-03), and builds its network view.
func demo(t *testing.T) (*Report, *model.Snapshot) {
	t.Helper()
	demoOnce.Do(func() {
		ctx := context.Background()
		est, err := awssim.LoadEstate(filepath.Join(simtest.EstatesDir(t), "demo"))
		if err != nil {
			demoErr = err
			return
		}
		now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
		srv, err := awssim.NewServer(est, awssim.Options{PersistentFaultsOnly: true, Now: now})
		if err != nil {
			demoErr = err
			return
		}
		cfg := awssim.SDKConfig(awssim.InProcessEndpoint, "us-east-1")
		cfg.HTTPClient = awssim.InProcessClient(srv)
		cfg.RetryMaxAttempts = 1
		cfg.Credentials = aws.NewCredentialsCache(cfg.Credentials)
		snap, err := collect.Collect(ctx, cfg, collect.Options{
			Regions: []string{collect.AllRegions}, KernelSource: "run-command", PollInterval: -1, Now: now,
			Tool: model.Tool{Name: "pdr-audit", Version: "test"}, Source: "import",
		})
		if err != nil {
			demoErr = err
			return
		}
		engine, err := policy.New(ctx, policy.Options{Profile: "pdr-2020-03", Datacenter: "us"})
		if err != nil {
			demoErr = err
			return
		}
		results, err := engine.Evaluate(ctx, snap)
		if err != nil {
			demoErr = err
			return
		}
		var rules []Rule
		for _, r := range engine.Rules() {
			rules = append(rules, Rule{ID: r.ID, Title: r.Title, Severity: finding.Severity(r.Severity), ResourceKind: r.ResourceKind})
		}
		demoReport = New(results, snap.Gaps, Meta{Tool: Tool{Name: "pdr-audit", Version: "test"}, Profile: engine.Profile(),
			Datacenter: "us", GeneratedAt: now(), Rules: rules})
		demoNetwork = engine.NetworkRequirements()
		demoReport.Network = NewNetworkView(snap, demoReport, demoNetwork)
		demoSnap = snap
	})
	if demoErr != nil {
		t.Fatalf("audit the demo estate: %v", demoErr)
	}
	return demoReport, demoSnap
}

// artifactDir is where the browser test leaves the page and its
// screenshot: $PDR_AUDIT_ARTIFACTS when set, else a temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("PDR_AUDIT_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// chromium runs headless Chromium on page with extra flags and returns its
// standard output.
func chromium(t *testing.T, bin, page string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, extra...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// The demo report opened in a real browser: the script builds the filter
// controls and hides passing rows, the coverage grid has a row per VPC,
// and the counts are the report's. A screenshot is left as an artifact.
func TestHTMLRendersInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the HTML report is not checked in a browser")
	}
	r, _ := demo(t)
	dir := artifactDir(t)
	page := filepath.Join(dir, "demo-report.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := chromium(t, bin, page, "--dump-dom")

	for _, id := range []string{"filter-status", "filter-severity", "filter-rule", "filter-text", "filter-reset"} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("the rendered page has no #%s: the script did not build the filter controls", id)
		}
	}
	if strings.Contains(buf.String(), `id="filter-status"`) {
		t.Error("the filter controls are in the markup; they should come from the script")
	}
	rows := regexp.MustCompile(`<tr [^>]*data-status="([a-z]+)"[^>]*>`).FindAllStringSubmatch(dom, -1)
	if len(rows) != r.Summary.Total {
		t.Errorf("the findings table has %d rows, want %d", len(rows), r.Summary.Total)
	}
	hidden := 0
	for _, m := range rows {
		filtered := strings.Contains(m[0], `class="filtered"`)
		if filtered {
			hidden++
		}
		if filtered != (m[1] == "pass") {
			t.Errorf("row %s: filtered %v; by default only passing rows are hidden", m[0], filtered)
		}
	}
	if hidden != r.Summary.ByStatus.Pass {
		t.Errorf("%d rows hidden, want the %d passes", hidden, r.Summary.ByStatus.Pass)
	}
	if want := fmt.Sprintf("Showing %d of %d results.", r.Summary.Total-r.Summary.ByStatus.Pass, r.Summary.Total); !strings.Contains(dom, want) {
		t.Errorf("the page does not say %q", want)
	}
	for _, s := range displayStatuses {
		want := fmt.Sprintf(`<span class="n" id="count-%s">%d</span>`, s, r.Summary.ByStatus.Of(s))
		if !strings.Contains(dom, want) {
			t.Errorf("the summary card of %s is not %q", s, want)
		}
	}
	vpcs := 0
	for _, rc := range r.Network.Coverage {
		vpcs += len(rc.VPCs)
		for _, v := range rc.VPCs {
			if !strings.Contains(dom, `<tr class="vpc" data-vpc="`+v.VPCID+`">`) {
				t.Errorf("the coverage grid has no row for %s", v.VPCID)
			}
		}
	}
	if got := strings.Count(dom, `<tr class="vpc"`); got != vpcs || vpcs == 0 {
		t.Errorf("the coverage grid has %d VPC rows, want %d (one per VPC, at least one)", got, vpcs)
	}
	if got, want := strings.Count(dom, `<table class="matrix agent"`), len(r.Network.AgentPaths); got != want {
		t.Errorf("%d agent → appliance tables, want %d", got, want)
	}

	shot := filepath.Join(dir, "demo-report.png")
	chromium(t, bin, page, "--screenshot="+shot, "--window-size=1400,2000", "--hide-scrollbars")
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("HTML report: %s; screenshot: %s", page, shot)
}

func TestDemoHTMLIsSelfContained(t *testing.T) {
	r, _ := demo(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, f := range externalReferences(buf.String()) {
		t.Errorf("the demo report refers to something outside it: %s", f)
	}
	// Building the view and rendering again gives the same bytes.
	_, snap := demo(t)
	again := *r
	again.Network = NewNetworkView(snap, &again, demoNetwork)
	var buf2 bytes.Buffer
	if err := WriteHTML(&buf2, &again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Error("two renderings of the demo report differ")
	}
}
