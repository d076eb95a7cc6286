package fault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ParseError is a faults.json that cannot be used, located as precisely as
// the problem allows.
type ParseError struct {
	File string
	// Line and Col are 1-based; 0 when unknown. Col counts characters.
	Line, Col int
	// Index is the 0-based index of the offending rule; -1 outside any rule.
	Index int
	// Key is the offending key, "" when the problem is not one key's.
	Key string
	Msg string
	// Err is the underlying error, such as a *json.SyntaxError, if any.
	Err error
}

// printableKey reports whether a key prints as itself on one line.
func printableKey(k string) bool {
	for _, r := range k {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Index >= 0 {
		fmt.Fprintf(&b, "[%d]", e.Index)
		if e.Key != "" {
			if printableKey(e.Key) {
				fmt.Fprintf(&b, ".%s", e.Key)
			} else {
				// A key with control characters would reach the terminal
				// raw: quoted, it stays one clear line.
				fmt.Fprintf(&b, "[%q]", e.Key)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Load reads and parses the faults.json at path. A missing file is an
// error that matches fs.ErrNotExist; callers for whom the file is optional
// test for it.
func Load(path string) ([]Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read faults: %w", err)
	}
	return Parse(path, data)
}

// Parse parses data, the contents of the faults.json called name (name
// only labels errors and Rule.Pos). It returns the rules in file order,
// with Account and Region defaulted to Any, or a *ParseError.
func Parse(name string, data []byte) ([]Rule, error) {
	// Validate the whole document first: the decoder's syntax errors give
	// offsets relative to its buffer, Unmarshal's are absolute. A space is
	// appended so that running out of input reads past the end of data.
	var whole json.RawMessage
	if err := json.Unmarshal(append(data[:len(data):len(data)], ' '), &whole); err != nil {
		perr := &ParseError{File: name, Index: -1, Msg: "invalid JSON: " + err.Error(), Err: err}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the bytes read up to and including the bad one;
			// beyond data, the input ended too early.
			perr.Line, perr.Col = lineCol(data, min(se.Offset-1, int64(len(data))))
		}
		return nil, perr
	}
	p := &parser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	return p.file()
}

type parser struct {
	name string
	data []byte
	dec  *json.Decoder
}

// next returns the next token and the offset of its first byte.
func (p *parser) next() (json.Token, int64, error) {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), p.data[off]) >= 0 {
		off++
	}
	tok, err := p.dec.Token()
	if err != nil {
		// The document was validated, so this is unexpected; still report it.
		return nil, off, p.errAt(off, -1, "", err, "invalid JSON: %v", err)
	}
	return tok, off, nil
}

func (p *parser) errAt(off int64, index int, key string, err error, format string, args ...any) *ParseError {
	line, col := lineCol(p.data, off)
	return &ParseError{File: p.name, Line: line, Col: col, Index: index, Key: key, Msg: fmt.Sprintf(format, args...), Err: err}
}

func (p *parser) file() ([]Rule, error) {
	tok, off, err := p.next()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, p.errAt(off, -1, "", nil, "want a JSON array of fault rules, got %s", kind(tok))
	}
	rules := []Rule{}
	for i := 0; p.dec.More(); i++ {
		r, err := p.rule(i)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	if _, _, err := p.next(); err != nil { // the closing ']'
		return nil, err
	}
	return rules, nil
}

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	actionRe  = regexp.MustCompile(`^([a-z0-9-]+):([A-Z][A-Za-z0-9]*)$`)
	codeRe    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$`)
)

var ruleKeys = "account, region, action, error, delay, body, first, rate, seed"

func (p *parser) rule(i int) (Rule, error) {
	tok, start, err := p.next()
	if err != nil {
		return Rule{}, err
	}
	if tok != json.Delim('{') {
		return Rule{}, p.errAt(start, i, "", nil, "want an object, got %s", kind(tok))
	}
	line, col := lineCol(p.data, start)
	r := Rule{Pos: Position{File: p.name, Index: i, Line: line, Col: col}}
	keyAt := map[string]int64{}
	for p.dec.More() {
		ktok, koff, err := p.next()
		if err != nil {
			return Rule{}, err
		}
		key, _ := ktok.(string) // object keys are strings in valid JSON
		if _, dup := keyAt[key]; dup {
			return Rule{}, p.errAt(koff, i, key, nil, "duplicate key")
		}
		keyAt[key] = koff
		val, voff, err := p.next()
		if err != nil {
			return Rule{}, err
		}
		bad := func(format string, args ...any) error {
			return p.errAt(voff, i, key, nil, format, args...)
		}
		switch key {
		case "account":
			s, ok := val.(string)
			if !ok {
				return Rule{}, bad("want a string, got %s", kind(val))
			}
			if s != Any && !accountRe.MatchString(s) {
				return Rule{}, bad("want a 12-digit account id or %q, got %q", Any, s)
			}
			r.Account = s
		case "region":
			s, ok := val.(string)
			if !ok {
				return Rule{}, bad("want a string, got %s", kind(val))
			}
			if s != Any && !regionRe.MatchString(s) {
				return Rule{}, bad("want a region code such as us-east-1 or %q, got %q", Any, s)
			}
			r.Region = s
		case "action":
			s, ok := val.(string)
			if !ok {
				return Rule{}, bad("want a string, got %s", kind(val))
			}
			m := actionRe.FindStringSubmatch(s)
			if m == nil {
				return Rule{}, bad("want service:Operation such as ec2:DescribeInstances, got %q", s)
			}
			if !knownService(m[1]) {
				return Rule{}, bad("unknown service %q (the simulator speaks %s)", m[1], strings.Join(services, ", "))
			}
			r.Action = s
		case "error":
			s, ok := val.(string)
			if !ok {
				return Rule{}, bad("want a string, got %s", kind(val))
			}
			if !codeRe.MatchString(s) {
				return Rule{}, bad("want an AWS error code such as UnauthorizedOperation, got %q", s)
			}
			r.Error = s
		case "delay":
			s, ok := val.(string)
			if !ok {
				return Rule{}, bad("want a duration such as \"30s\", got %s", kind(val))
			}
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return Rule{}, bad("want a positive duration such as \"30s\", got %q", s)
			}
			r.Delay = d
		case "body":
			s, ok := val.(string)
			if !ok {
				return Rule{}, bad("want a string, got %s", kind(val))
			}
			if s != BodyTruncated && s != BodyMalformed {
				return Rule{}, bad("want %q or %q, got %q", BodyTruncated, BodyMalformed, s)
			}
			r.Body = s
		case "first":
			n, ok := val.(json.Number)
			if !ok {
				return Rule{}, bad("want a number, got %s", kind(val))
			}
			v, err := strconv.ParseInt(n.String(), 10, strconv.IntSize)
			if err != nil {
				return Rule{}, bad("want a whole number of calls, got %s", n)
			}
			if v < 1 {
				return Rule{}, bad("want at least 1, got %d", v)
			}
			r.First = int(v)
		case "rate":
			n, ok := val.(json.Number)
			if !ok {
				return Rule{}, bad("want a number, got %s", kind(val))
			}
			v, err := strconv.ParseFloat(n.String(), 64)
			if err != nil || v <= 0 || v > 1 {
				return Rule{}, bad("want a fraction in (0, 1], got %s", n)
			}
			r.Rate = v
		case "seed":
			n, ok := val.(json.Number)
			if !ok {
				return Rule{}, bad("want a number, got %s", kind(val))
			}
			v, err := strconv.ParseUint(n.String(), 10, 64)
			if err != nil {
				return Rule{}, bad("want a whole number from 0 to %d, got %s", uint64(1<<64-1), n)
			}
			r.Seed = v
		default:
			return Rule{}, p.errAt(koff, i, key, nil, "unknown key (want %s)", ruleKeys)
		}
	}
	if _, _, err := p.next(); err != nil { // the closing '}'
		return Rule{}, err
	}
	if _, ok := keyAt["action"]; !ok {
		return Rule{}, p.errAt(start, i, "", nil, "missing %q", "action")
	}
	// A rule does one thing: fail the call, hold it, or spoil its body.
	var effects []string
	for _, k := range []string{"error", "delay", "body"} {
		if _, ok := keyAt[k]; ok {
			effects = append(effects, k)
		}
	}
	switch len(effects) {
	case 0:
		return Rule{}, p.errAt(start, i, "", nil, `missing "error" (or "delay" or "body")`)
	case 1:
	default:
		return Rule{}, p.errAt(keyAt[effects[1]], i, effects[1], nil, "%q and %q exclude each other", effects[0], effects[1])
	}
	if off, ok := keyAt["rate"]; ok {
		if _, ok := keyAt["first"]; ok {
			return Rule{}, p.errAt(off, i, "rate", nil, `"first" and "rate" exclude each other`)
		}
	}
	if off, ok := keyAt["seed"]; ok {
		if _, ok := keyAt["rate"]; !ok {
			return Rule{}, p.errAt(off, i, "seed", nil, `"seed" only applies to a "rate" rule`)
		}
	}
	if r.Account == "" {
		r.Account = Any
	}
	if r.Region == "" {
		r.Region = Any
	}
	return r, nil
}

// kind names the JSON type of a decoder token for error messages.
func kind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// lineCol converts a byte offset into a 1-based line and character column.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCount(before[start:])
}
