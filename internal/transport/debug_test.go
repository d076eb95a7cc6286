package transport

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type stubClient struct{ body string }

func (s stubClient) Do(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Amzn-Requestid", "r-1")
	rec.WriteString(s.body)
	return rec.Result(), nil
}

func TestDebugWritesCallsWithoutSecrets(t *testing.T) {
	const key, secret, token = "ASIAEXAMPLEKEY123456", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEExampleSessionToken"
	answer := `<Credentials><AccessKeyId>` + key + `</AccessKeyId><SecretAccessKey>` + secret + `</SecretAccessKey><SessionToken>` + token + `</SessionToken></Credentials>`
	var log bytes.Buffer
	c := Debug(stubClient{answer}, &log)
	req, _ := http.NewRequest("POST", "https://sts.amazonaws.com/?X-Amz-Security-Token="+token, strings.NewReader("Action=AssumeRole&RoleArn=arn:aws:iam::1:role/x"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/20261125/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef")
	req.Header.Set("X-Amz-Security-Token", token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != answer {
		t.Errorf("the caller's response body changed: %q", got)
	}
	out := log.String()
	for _, secretText := range []string{secret, token, key, "0123456789abcdef0123456789abcdef"} {
		if strings.Contains(out, secretText) {
			t.Errorf("the debug log holds %q:\n%s", secretText, out)
		}
	}
	for _, want := range []string{"--- request POST https://sts.amazonaws.com/", "Action=AssumeRole", "Credential=ASIA[redacted]/", "SignedHeaders=host;x-amz-date", "--- response 200 OK", "X-Amzn-Requestid: r-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the debug log lacks %q:\n%s", want, out)
		}
	}
}
