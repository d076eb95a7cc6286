package awssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

// Estate is a loaded, validated estate directory (see ESTATES.md): one
// account, or an organization of accounts. It is immutable once loaded.
type Estate struct {
	// Dir is the directory the estate was read from.
	Dir string
	// Management is the account whose credentials callers hold: the only
	// account of a single-account estate, the management account of an
	// organization.
	Management string
	// Accounts maps account ids to their data.
	Accounts map[string]*Account
	// ListAccounts is organizations/list-accounts.json of an organization
	// estate, nil otherwise.
	ListAccounts map[string]any
	// FaultFiles holds the raw faults.json files, keyed by the account they
	// belong to ("" for the estate's top level).
	FaultFiles map[string]FaultFile
}

// FaultFile is one faults.json as read from disk.
type FaultFile struct {
	Path string
	Data []byte
}

// Account is one account's part of an estate.
type Account struct {
	ID string
	// Identity is account.json (sts get-caller-identity output).
	Identity map[string]any
	// Regions maps region codes to their files.
	Regions map[string]*Region
	// IAM maps "get-instance-profile/<name>" and
	// "list-attached-role-policies/<role>" to their documents.
	IAM map[string]map[string]any
}

// Region is one region's files of an account, keyed by their path below
// the region directory without ".json" ("ec2/describe-vpcs",
// "ssm/list-inventory-entries/i-0abc/AWS_Application").
type Region struct {
	Name  string
	Files map[string]map[string]any
}

// SortedRegions returns the account's region codes in order.
func (a *Account) SortedRegions() []string {
	out := make([]string, 0, len(a.Regions))
	for r := range a.Regions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// SortedAccounts returns the estate's account ids in order.
func (e *Estate) SortedAccounts() []string {
	out := make([]string, 0, len(e.Accounts))
	for id := range e.Accounts {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// ErrBadEstate is wrapped by every error LoadEstate returns for an estate
// whose content is wrong (as opposed to one that could not be read).
var ErrBadEstate = errors.New("bad estate")

var (
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
)

// estateFile says which operation's output a file of an estate holds.
type estateFile struct {
	pattern string // path.Match pattern below the region (or account) dir
	service string
	op      string
}

// regionFiles lists every file an estate's region directory may hold.
var regionFiles = []estateFile{
	{"ec2/describe-vpcs", "ec2", "DescribeVpcs"},
	{"ec2/describe-subnets", "ec2", "DescribeSubnets"},
	{"ec2/describe-security-groups", "ec2", "DescribeSecurityGroups"},
	{"ec2/describe-network-acls", "ec2", "DescribeNetworkAcls"},
	{"ec2/describe-route-tables", "ec2", "DescribeRouteTables"},
	{"ec2/describe-instances", "ec2", "DescribeInstances"},
	{"ec2/describe-nat-gateways", "ec2", "DescribeNatGateways"},
	{"ec2/describe-internet-gateways", "ec2", "DescribeInternetGateways"},
	{"ec2/describe-vpc-endpoints", "ec2", "DescribeVpcEndpoints"},
	{"ec2/describe-managed-prefix-lists", "ec2", "DescribeManagedPrefixLists"},
	{"ec2/describe-images", "ec2", "DescribeImages"},
	{"ec2/get-managed-prefix-list-entries/*", "ec2", "GetManagedPrefixListEntries"},
	{"ssm/describe-instance-information", "ssm", "DescribeInstanceInformation"},
	{"ssm/list-inventory-entries/*/*", "ssm", "ListInventoryEntries"},
	{"ssm/get-command-invocation/*", "ssm", "GetCommandInvocation"},
	{"ssm/get-service-setting/*", "ssm", "GetServiceSetting"},
}

// accountFiles lists the files at an account's top level (besides regions).
var accountFiles = []estateFile{
	{"account", "sts", "GetCallerIdentity"},
	{"iam/get-instance-profile/*", "iam", "GetInstanceProfile"},
	{"iam/list-attached-role-policies/*", "iam", "ListAttachedRolePolicies"},
}

func matchFile(table []estateFile, rel string) (estateFile, bool) {
	for _, f := range table {
		if ok, _ := path.Match(f.pattern, rel); ok {
			return f, true
		}
	}
	return estateFile{}, false
}

// LoadEstate reads and validates an estate directory. Every JSON file must
// parse, be a file the estate format defines, and match the AWS output shape
// of its operation; otherwise the error names the file and, for syntax
// errors, the line and column. Nothing is served from a partly valid estate.
func LoadEstate(dir string) (*Estate, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("estate %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("estate %s: not a directory: %w", dir, ErrBadEstate)
	}
	e := &Estate{Dir: dir, Accounts: map[string]*Account{}, FaultFiles: map[string]FaultFile{}}
	orgFile := filepath.Join(dir, "organizations", "list-accounts.json")
	if _, err := os.Stat(orgFile); err == nil {
		if err := e.loadOrganization(dir, orgFile); err != nil {
			return nil, err
		}
		return e, nil
	}
	acct, err := loadAccount(dir, "", e.FaultFiles)
	if err != nil {
		return nil, err
	}
	e.Management = acct.ID
	e.Accounts[acct.ID] = acct
	return e, nil
}

func (e *Estate) loadOrganization(dir, orgFile string) error {
	doc, err := readDoc(orgFile, "organizations", "ListAccounts")
	if err != nil {
		return err
	}
	e.ListAccounts = doc
	listed := map[string]bool{}
	accts, _ := doc["Accounts"].([]any)
	for _, a := range accts {
		obj, _ := a.(map[string]any)
		id, _ := obj["Id"].(string)
		listed[id] = true
		arn, _ := obj["Arn"].(string)
		// arn:aws:organizations::<management-id>:account/o-…/<id>
		if parts := strings.Split(arn, ":"); len(parts) >= 5 && accountRe.MatchString(parts[4]) {
			if e.Management != "" && e.Management != parts[4] {
				return fmt.Errorf("%s: accounts name two management accounts (%s, %s): %w", orgFile, e.Management, parts[4], ErrBadEstate)
			}
			e.Management = parts[4]
		}
	}
	if e.Management == "" {
		return fmt.Errorf("%s: no account ARN names the management account: %w", orgFile, ErrBadEstate)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("estate %s: %w", dir, err)
	}
	for _, ent := range entries {
		switch name := ent.Name(); {
		case name == "organizations" || name == "accounts" || isDoc(name):
		case name == "faults.json":
			if err := e.readFaults(filepath.Join(dir, name), ""); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: not part of an organization estate (want organizations/, accounts/, faults.json): %w", filepath.Join(dir, name), ErrBadEstate)
		}
	}
	acctDir := filepath.Join(dir, "accounts")
	dirs, err := os.ReadDir(acctDir)
	if err != nil {
		return fmt.Errorf("organization estate %s: %w", dir, err)
	}
	for _, d := range dirs {
		p := filepath.Join(acctDir, d.Name())
		if !d.IsDir() || !accountRe.MatchString(d.Name()) {
			return fmt.Errorf("%s: want a directory named by a 12-digit account id: %w", p, ErrBadEstate)
		}
		if !listed[d.Name()] {
			return fmt.Errorf("%s: account %s is not in organizations/list-accounts.json: %w", p, d.Name(), ErrBadEstate)
		}
		acct, err := loadAccount(p, d.Name(), e.FaultFiles)
		if err != nil {
			return err
		}
		e.Accounts[acct.ID] = acct
	}
	if _, ok := e.Accounts[e.Management]; !ok {
		return fmt.Errorf("%s: no directory for the management account %s: %w", acctDir, e.Management, ErrBadEstate)
	}
	return nil
}

func (e *Estate) readFaults(p, account string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	e.FaultFiles[account] = FaultFile{Path: p, Data: b}
	return nil
}

func isDoc(name string) bool {
	return strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".txt")
}

// loadAccount reads one single-account estate directory. wantID, when set,
// is the account id its account.json must carry.
func loadAccount(dir, wantID string, faults map[string]FaultFile) (*Account, error) {
	a := &Account{Regions: map[string]*Region{}, IAM: map[string]map[string]any{}}
	identityPath := filepath.Join(dir, "account.json")
	doc, err := readDoc(identityPath, "sts", "GetCallerIdentity")
	if err != nil {
		return nil, err
	}
	a.Identity = doc
	a.ID, _ = doc["Account"].(string)
	if !accountRe.MatchString(a.ID) {
		return nil, fmt.Errorf("%s: Account %q is not a 12-digit account id: %w", identityPath, a.ID, ErrBadEstate)
	}
	if wantID != "" && a.ID != wantID {
		return nil, fmt.Errorf("%s: Account is %s but the directory is named %s: %w", identityPath, a.ID, wantID, ErrBadEstate)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read estate %s: %w", p, err)
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && !strings.Contains(rel, "/") && rel != "iam" && !regionRe.MatchString(rel) {
				return fmt.Errorf("%s: not a region code nor iam/: %w", p, ErrBadEstate)
			}
			return nil
		}
		if isDoc(d.Name()) || rel == "account.json" {
			return nil
		}
		if rel == "faults.json" {
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			faults[a.ID] = FaultFile{Path: p, Data: b}
			return nil
		}
		if !strings.HasSuffix(rel, ".json") {
			return fmt.Errorf("%s: not a JSON file of the estate format: %w", p, ErrBadEstate)
		}
		key := strings.TrimSuffix(rel, ".json")
		if f, ok := matchFile(accountFiles, key); ok {
			doc, err := readDoc(p, f.service, f.op)
			if err != nil {
				return err
			}
			a.IAM[strings.TrimPrefix(key, "iam/")] = doc
			return nil
		}
		region, sub, _ := strings.Cut(key, "/")
		f, ok := matchFile(regionFiles, sub)
		if !ok || !regionRe.MatchString(region) {
			return fmt.Errorf("%s: not a file of the estate format: %w", p, ErrBadEstate)
		}
		doc, err := readDoc(p, f.service, f.op)
		if err != nil {
			return err
		}
		r := a.Regions[region]
		if r == nil {
			r = &Region{Name: region, Files: map[string]map[string]any{}}
			a.Regions[region] = r
		}
		r.Files[sub] = doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A region directory with no files still counts as a region.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read estate %s: %w", dir, err)
	}
	for _, ent := range entries {
		if ent.IsDir() && regionRe.MatchString(ent.Name()) && a.Regions[ent.Name()] == nil {
			a.Regions[ent.Name()] = &Region{Name: ent.Name(), Files: map[string]map[string]any{}}
		}
	}
	return a, nil
}

// readDoc parses one estate file and checks it against the output shape of
// service's operation op.
func readDoc(p, service, op string) (map[string]any, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	doc, err := parseDoc(p, b)
	if err != nil {
		return nil, err
	}
	m := simmodel.MustLoad(service)
	out := m.Operations[op].Output
	if err := validateDoc(m, out, doc, ""); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", p, err, ErrBadEstate)
	}
	return doc, nil
}

// parseDoc decodes a JSON object with numbers kept exact, naming the line
// and column of a syntax error.
func parseDoc(name string, b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, jsonError(b, err), ErrBadEstate)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: %w: %w", name, jsonError(b, errors.New("data after the top-level value")), ErrBadEstate)
	}
	if doc == nil {
		return nil, fmt.Errorf("%s: want a JSON object, have null: %w", name, ErrBadEstate)
	}
	return doc, nil
}

// jsonError adds a line:column position to a JSON decoding error.
func jsonError(b []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read, the offending one included.
		off = max(se.Offset-1, 0)
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		off = int64(len(b))
	}
	if off < 0 {
		return err
	}
	line, col := Position(b, off)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// Position converts a byte offset into a 1-based line and column.
func Position(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col = 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
