package simmodel

import (
	"bytes"
	"os"
	"testing"
)

// The committed models must be exactly what extraction from the installed
// botocore produces, so nobody edits them by hand and an update of the models
// is one command.
func TestCommittedModelsMatchBotocore(t *testing.T) {
	if _, err := os.Stat(DefaultBotocoreDir); err != nil {
		t.Skipf("botocore models not installed (%v); install awscli to run this check", err)
	}
	for _, svc := range Services {
		m, err := Extract(DefaultBotocoreDir, svc)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := data.ReadFile("data/" + svc + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("data/%s.json is stale: run go run ./internal/tools/simmodels", svc)
		}
	}
}

func TestEveryReferenceResolves(t *testing.T) {
	for _, svc := range Services {
		m := MustLoad(svc)
		for name, op := range m.Operations {
			for _, r := range op.refs() {
				if _, ok := m.Shapes[r.Shape]; !ok {
					t.Errorf("%s %s refers to missing shape %s", svc, name, r.Shape)
				}
			}
			if len(Served[svc]) == 0 {
				t.Errorf("%s serves nothing", svc)
			}
		}
		for name, s := range m.Shapes {
			for _, r := range s.refs() {
				if _, ok := m.Shapes[r.Shape]; !ok {
					t.Errorf("%s shape %s refers to missing shape %s", svc, name, r.Shape)
				}
			}
		}
	}
}

// rest-json routes by method and path, so the model keeps each operation's
// HTTP binding as botocore states it.
func TestOperationsKeepTheirHTTPBinding(t *testing.T) {
	tests := []struct {
		name, service, op, method, uri string
	}{
		{"Security Hub imports findings with POST /findings/import", "securityhub", "BatchImportFindings", "POST", "/findings/import"},
		{"query protocols post to the root", "ec2", "DescribeVpcs", "POST", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := MustLoad(tt.service).Operations[tt.op]
			if op == nil {
				t.Fatalf("%s serves no %s", tt.service, tt.op)
			}
			if op.HTTP == nil || op.HTTP.Method != tt.method || op.HTTP.RequestURI != tt.uri {
				t.Errorf("%s %s: HTTP binding %+v; want %s %s", tt.service, tt.op, op.HTTP, tt.method, tt.uri)
			}
		})
	}
	if p := MustLoad("securityhub").Metadata.Protocol; p != ProtocolRestJSON {
		t.Errorf("Security Hub speaks %q; want %q", p, ProtocolRestJSON)
	}
}
