package remediate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// fuzzKey signs the plans the fuzz target re-seals.
var fuzzKey = []byte("fuzz-key-0123456789")

// planErrors are the errors DecodePlan may wrap: every refusal is one of
// them.
var planErrors = []error{ErrBadPlan, ErrModified, ErrVersion, ErrUnsigned, ErrTooOld}

// readRepoFile reads a file of the repository, relative to its root.
func readRepoFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sealedPlan is p sealed (signed with key, if any) and encoded.
func sealedPlan(t testing.TB, p *Plan, key []byte) []byte {
	t.Helper()
	if err := Seal(p, key); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := EncodePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzDecodePlan feeds arbitrary bytes to DecodePlan. Properties: it never
// panics; a refusal wraps one of the plan errors; an accepted plan
// re-encoded with EncodePlan decodes again to an equal plan, and show and
// the Terraform export handle it without panicking (the export, when it
// succeeds, is HCL that parses). Since random bytes rarely carry the right
// digest, every input that is JSON of a plan's shape is also re-sealed,
// with and without a key, so validation and the round trip are reached:
// such a plan of this format version must never be refused as modified or
// unsigned.
func FuzzDecodePlan(f *testing.F) {
	f.Add(readRepoFile(f, "testdata/golden/plan-demo.json"))
	f.Add(sealedPlan(f, testPlan(), nil))
	f.Add(sealedPlan(f, tfFullPlan(), fuzzKey))
	f.Add(sealedPlan(f, tfSkippedOnlyPlan(), nil))
	for _, s := range []string{
		`{"format_version":1}`,
		`{"format_version":1,"changes":[{"id":"c1","action":"attach-ssm-policy","role_policy":{}}]}`,
		`{"format_version":1,"changes":[{"id":"c1","action":"add-security-group-rules","security_group":{"rules":[{}]},"network_acl":{"entries":[{}]}}]}`,
		`{"format_version":1,"changes":[{"id":"c1","action":"deploy-appliance","appliance":{"tags":{"a":"${b}"}}},{"id":"c1"}]}`,
		`{"format_version":1,"execution_floor":[{"seconds":1e308,"calls":-1}]}`,
		`{"format_version":1} {}`,
		`{"format_version":2}`,
		`{"format_version":1.5}`,
		`{"format_version":null}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPlanBytes(t, data, ReadOptions{})

		var p Plan
		if json.Unmarshal(data, &p) != nil {
			return
		}
		for _, key := range [][]byte{nil, fuzzKey} {
			resealed := sealedPlan(t, &p, key)
			_, err := checkPlanBytes(t, resealed, ReadOptions{Key: key})
			if p.FormatVersion == FormatVersion && (errors.Is(err, ErrModified) || errors.Is(err, ErrUnsigned)) {
				t.Fatalf("a freshly sealed plan is refused: %v\n%s", err, resealed)
			}
		}
	})
}

// checkPlanBytes decodes data and checks the properties of FuzzDecodePlan
// on the outcome.
func checkPlanBytes(t *testing.T, data []byte, o ReadOptions) (*Plan, error) {
	t.Helper()
	p, err := DecodePlan(data, o)
	if err != nil {
		if p != nil {
			t.Fatalf("DecodePlan returned a plan with the error %v", err)
		}
		if !wrapsOneOf(err, planErrors) || !oneClearLine(err.Error()) {
			t.Fatalf("DecodePlan error %q wraps none of the plan errors or is not one clear line", err)
		}
		return nil, err
	}
	var buf bytes.Buffer
	if err := EncodePlan(&buf, p); err != nil {
		t.Fatalf("an accepted plan does not encode: %v", err)
	}
	again, err := DecodePlan(buf.Bytes(), o)
	if err != nil {
		t.Fatalf("an accepted plan, re-encoded, is refused: %v\n%s", err, buf.Bytes())
	}
	if diff := cmp.Diff(p, again, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("decode(encode(plan)) differs (-first +again):\n%s", diff)
	}
	if err := Render(io.Discard, p); err != nil {
		t.Fatalf("Render of an accepted plan: %v", err)
	}
	if tf, err := Terraform(p); err == nil {
		if _, diags := hclsyntax.ParseConfig(tf, "plan.tf", hcl.InitialPos); diags.HasErrors() {
			t.Fatalf("the Terraform export does not parse: %v\n%s", diags, tf)
		}
	}
	return p, nil
}

func wrapsOneOf(err error, targets []error) bool {
	for _, e := range targets {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// FuzzDecodeJournal feeds arbitrary bytes to DecodeJournal. Properties: it
// never panics; a refusal wraps ErrBadJournal or ErrVersion; an accepted
// journal, written as WriteJournal writes it, decodes again to an equal
// journal.
func FuzzDecodeJournal(f *testing.F) {
	f.Add(mustJSON(f, &Journal{FormatVersion: FormatVersion, ToolVersion: "dev", Plan: "plan.json", PlanDigest: "sha256:00",
		Outcome: "applied 1 of 2 changes", Entries: []Entry{
			{ChangeID: "c001", Action: AddSecurityGroupRules, Status: StatusApplied, Resource: Ref{Type: "security-group", ID: "sg-1"},
				Created: &Created{SecurityGroupID: "sg-2", EndpointIDs: []string{"vpce-1"}},
				Inverse: []Step{{Op: OpRevokeRules, GroupID: "sg-1", Rules: []SGRule{{Direction: "ingress", Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "10.0.0.0/8"}}},
					{Op: OpDeleteACLEntries, ACLID: "acl-1", Entries: []ACLEntry{{RuleNumber: 99, Protocol: "6"}}},
					{Op: OpSetInstanceGroups, InstanceID: "i-1", Groups: []string{"sg-1"}}},
				Before: State{"ingress tcp 22-22 10.0.0.0/8"}, Dedicated: &SecurityGroupChange{VPCID: "vpc-1"}},
			{ChangeID: "c002", Action: DeployAppliance, Status: StatusFailed, Error: "boom"},
		}}))
	for _, s := range []string{
		`{"format_version":1}`,
		`{"format_version":1,"entries":[{"status":"applied","inverse":[{"op":"terminate-instances"}]}]}`,
		`{"format_version":1,"entries":[{"status":"exploded"}]}`,
		`{"format_version":1,"entries":[{"status":"applied","inverse":[{"op":"rm -rf"}]}]}`,
		`{"format_version":1,"entries":[{"status":"applied","inverse":[],"created":{}}]}`,
		`{"format_version":1} []`,
		`{"format_version":0}`,
		`null`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := DecodeJournal(data)
		if err != nil {
			if j != nil {
				t.Fatalf("DecodeJournal returned a journal with the error %v", err)
			}
			if !wrapsOneOf(err, []error{ErrBadJournal, ErrVersion}) || !oneClearLine(err.Error()) {
				t.Fatalf("DecodeJournal error %q wraps neither ErrBadJournal nor ErrVersion, or is not one clear line", err)
			}
			return
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(j); err != nil {
			t.Fatalf("an accepted journal does not encode: %v", err)
		}
		again, err := DecodeJournal(buf.Bytes())
		if err != nil {
			t.Fatalf("an accepted journal, re-encoded, is refused: %v\n%s", err, buf.Bytes())
		}
		if diff := cmp.Diff(j, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("decode(encode(journal)) differs (-first +again):\n%s", diff)
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oneClearLine reports whether s is one line of valid UTF-8 that a
// terminal shows as it reads: no control character (no line break, no
// escape sequence; DEL, which terminals ignore and time.Parse's own
// messages carry, excepted) and no bidirectional override.
func oneClearLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r != 0x7f && unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
	})
}
