package transport

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Debug wraps next so that every request and response is written to w, one
// block per call, with credentials redacted: the Authorization header keeps
// only its algorithm, the access key id's first four characters and the
// signed header names; X-Amz-Security-Token and any header, query or form
// value named like a secret is replaced by "[redacted]". Bodies are
// written up to 4 KiB.
func Debug(next aws.HTTPClient, w io.Writer) aws.HTTPClient {
	return &debugClient{next: next, w: w}
}

type debugClient struct {
	next aws.HTTPClient
	mu   sync.Mutex
	w    io.Writer
}

const debugBodyLimit = 4 << 10

func (d *debugClient) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		body = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	start := time.Now()
	resp, err := d.next.Do(req)
	var b strings.Builder
	fmt.Fprintf(&b, "--- request %s %s\n", req.Method, Redact(req.URL.String()))
	writeHeaders(&b, req.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "%s\n", Redact(clip(string(body))))
	}
	if err != nil {
		fmt.Fprintf(&b, "--- error after %s: %s\n", time.Since(start).Round(time.Millisecond), Redact(err.Error()))
	} else {
		respBody, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
		fmt.Fprintf(&b, "--- response %s after %s\n", resp.Status, time.Since(start).Round(time.Millisecond))
		writeHeaders(&b, resp.Header)
		if len(respBody) > 0 {
			fmt.Fprintf(&b, "%s\n", Redact(clip(string(respBody))))
		}
		if rerr != nil {
			fmt.Fprintf(&b, "--- reading the body failed: %v\n", rerr)
		}
	}
	d.mu.Lock()
	_, _ = io.WriteString(d.w, b.String())
	d.mu.Unlock()
	return resp, err
}

func clip(s string) string {
	if len(s) > debugBodyLimit {
		return s[:debugBodyLimit] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

func writeHeaders(b *strings.Builder, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, redactHeader(k, v))
		}
	}
}

var (
	credentialRe = regexp.MustCompile(`Credential=([A-Z0-9]{4})[A-Z0-9]*/`)
	signatureRe  = regexp.MustCompile(`Signature=[0-9a-fA-F]+`)
	// secretRe finds name=value or "name":"value" pairs whose name says
	// it is a secret, in URLs, form bodies, JSON and XML.
	secretRe = regexp.MustCompile(`(?i)((?:secret|token|password|accesskeyid)[a-z_]*)(=|":\s*"|>)([^&"<\s]+)`)
)

func redactHeader(name, v string) string {
	switch strings.ToLower(name) {
	case "authorization":
		v = credentialRe.ReplaceAllString(v, "Credential=${1}[redacted]/")
		return signatureRe.ReplaceAllString(v, "Signature=[redacted]")
	case "x-amz-security-token", "cookie", "set-cookie":
		return "[redacted]"
	}
	return Redact(v)
}

// Redact replaces secrets in text: values of fields named like a secret,
// token or password (URL queries, forms, JSON, XML), and signatures.
func Redact(s string) string {
	s = signatureRe.ReplaceAllString(s, "Signature=[redacted]")
	s = credentialRe.ReplaceAllString(s, "Credential=${1}[redacted]/")
	return secretRe.ReplaceAllString(s, "${1}${2}[redacted]")
}
