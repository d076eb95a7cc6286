package remediate

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/model"
	"github.com/pdr-audit/pdr-audit/internal/safefile"
)

// SnapshotDigest is the digest a plan records of the snapshot it was made
// from: sha256 over the snapshot's canonical encoding.
func SnapshotDigest(s *model.Snapshot) (string, error) {
	var buf bytes.Buffer
	if err := model.Encode(&buf, s); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// computeDigest is sha256 over the plan's JSON without Digest and
// Signature: every change, the skipped list, the snapshot digest, the
// versions and the creation time.
func computeDigest(p *Plan) (string, error) {
	c := *p
	c.Digest, c.Signature = "", ""
	b, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

func sign(digest string, key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(digest))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// Seal sets the plan's digest and, with a key, its signature.
func Seal(p *Plan, key []byte) error {
	d, err := computeDigest(p)
	if err != nil {
		return fmt.Errorf("plan digest: %w", err)
	}
	p.Digest = d
	p.Signature = ""
	if len(key) > 0 {
		p.Signature = sign(d, key)
	}
	return nil
}

// WritePlan seals the plan and writes it atomically with mode 0600.
func WritePlan(path string, p *Plan, key []byte) error {
	if err := Seal(p, key); err != nil {
		return err
	}
	return safefile.Write(path, func(w io.Writer) error { return EncodePlan(w, p) })
}

// EncodePlan writes the plan as indented JSON.
func EncodePlan(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// Errors a plan file is refused with.
var (
	ErrBadPlan  = errors.New("not a valid plan")
	ErrModified = errors.New("plan was modified after it was written")
	ErrVersion  = errors.New("plan from another version")
	ErrUnsigned = errors.New("plan signature missing or invalid")
	ErrTooOld   = errors.New("plan is too old")
)

// ReadOptions say what a plan must satisfy to be read.
type ReadOptions struct {
	// ToolVersion, when set, must equal the plan's.
	ToolVersion string
	// Key, when set, requires a valid signature.
	Key []byte
	// MaxAge, when positive, refuses plans created longer ago than it.
	MaxAge time.Duration
	Now    time.Time
}

// ReadPlan reads and checks a plan file. Every error names the file.
func ReadPlan(path string, o ReadOptions) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	p, err := DecodePlan(b, o)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	return p, nil
}

// DecodePlan parses and checks a plan.
func DecodePlan(b []byte, o ReadOptions) (*Plan, error) {
	if err := checkVersion(b, ErrBadPlan); err != nil {
		return nil, err
	}
	var p Plan
	if err := decodeStrict(b, &p, ErrBadPlan); err != nil {
		return nil, err
	}
	want, err := computeDigest(&p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlan, err)
	}
	if p.Digest != want {
		return nil, ErrModified
	}
	if len(o.Key) > 0 && (p.Signature == "" || !hmac.Equal([]byte(p.Signature), []byte(sign(p.Digest, o.Key)))) {
		return nil, ErrUnsigned
	}
	if o.ToolVersion != "" && p.ToolVersion != o.ToolVersion {
		return nil, fmt.Errorf("%w: written by pdr-audit %s, this is %s", ErrVersion, p.ToolVersion, o.ToolVersion)
	}
	if o.MaxAge > 0 && o.Now.Sub(p.CreatedAt) > o.MaxAge {
		return nil, fmt.Errorf("%w: created %s, more than %s ago", ErrTooOld, p.CreatedAt.Format(time.RFC3339), o.MaxAge)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlan, err)
	}
	return &p, nil
}

// checkVersion reads a plan's or journal's format_version first, so a
// file of another version is refused as that and not for a field this
// version does not know; bad wraps what is not such a file at all.
func checkVersion(b []byte, bad error) error {
	var head struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("%w: %v", bad, err)
	}
	if head.FormatVersion == nil {
		return fmt.Errorf("%w: no format_version", bad)
	}
	if *head.FormatVersion != FormatVersion {
		return fmt.Errorf("%w: format version %d, this pdr-audit reads %d", ErrVersion, *head.FormatVersion, FormatVersion)
	}
	return nil
}

// decodeStrict decodes one JSON document into v, refusing unknown fields
// and anything after it; bad wraps every error.
func decodeStrict(b []byte, v any, bad error) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", bad, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the document", bad)
	}
	return nil
}

// validate checks that each change carries exactly the payload its action
// needs.
func (p *Plan) validate() error {
	seen := map[string]bool{}
	for _, c := range p.Changes {
		if c.ID == "" || seen[c.ID] {
			return fmt.Errorf("change id %q is empty or repeated", c.ID)
		}
		seen[c.ID] = true
		set := 0
		for _, ok := range []bool{c.SecurityGroup != nil, c.NetworkACL != nil, c.Endpoints != nil,
			c.InstanceProfile != nil, c.RolePolicy != nil, c.Appliance != nil} {
			if ok {
				set++
			}
		}
		var ok bool
		switch c.Action {
		case AddSecurityGroupRules:
			ok = c.SecurityGroup != nil && len(c.SecurityGroup.Rules) > 0
		case AddNetworkACLEntries:
			ok = c.NetworkACL != nil && len(c.NetworkACL.Entries) > 0
		case CreateSSMEndpoints:
			ok = c.Endpoints != nil && len(c.Endpoints.Services) > 0
		case AssociateInstanceProfile:
			ok = c.InstanceProfile != nil
		case AttachSSMPolicy:
			ok = c.RolePolicy != nil
		case DeployAppliance:
			ok = c.Appliance != nil
		default:
			return fmt.Errorf("change %s: unknown action %q", c.ID, c.Action)
		}
		if !ok || set != 1 {
			return fmt.Errorf("change %s: action %s needs exactly its own details", c.ID, c.Action)
		}
	}
	return nil
}
