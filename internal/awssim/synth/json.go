package synth

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"unicode/utf8"
)

// jsonWriter streams JSON the way the AWS CLI v2 prints it (Python's
// json.dumps with indent=4 and ensure_ascii=False, then a newline), so a
// generated file looks like one captured from `aws`: members in the order
// they are written, four-space indents, "[]" and "{}" for empty containers.
// Streaming keeps a 10,000-instance describe-instances.json out of memory.
type jsonWriter struct {
	w *bufio.Writer
	// stack holds, per open container, whether it is an array and whether
	// it has had an element yet.
	stack []frame
	// afterKey is set between a member's key and its value.
	afterKey bool
	err      error
}

type frame struct{ array, nonEmpty bool }

func newJSONWriter(w io.Writer) *jsonWriter {
	return &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *jsonWriter) indent() {
	j.raw("\n")
	for range len(j.stack) {
		j.raw("    ")
	}
}

// elem starts a value: after a key it goes on the key's line; in an array
// it gets a line of its own.
func (j *jsonWriter) elem() {
	if j.afterKey {
		j.afterKey = false
		return
	}
	if n := len(j.stack); n > 0 {
		top := &j.stack[n-1]
		if !top.array {
			panic("synth: a value in an object needs a key")
		}
		if top.nonEmpty {
			j.raw(",")
		}
		top.nonEmpty = true
		j.indent()
	}
}

func (j *jsonWriter) open(array bool) {
	j.elem()
	if array {
		j.raw("[")
	} else {
		j.raw("{")
	}
	j.stack = append(j.stack, frame{array: array})
}

func (j *jsonWriter) close(array bool) {
	n := len(j.stack)
	if n == 0 || j.stack[n-1].array != array {
		panic("synth: unbalanced JSON container")
	}
	top := j.stack[n-1]
	j.stack = j.stack[:n-1]
	if top.nonEmpty {
		j.indent()
	}
	if array {
		j.raw("]")
	} else {
		j.raw("}")
	}
}

func (j *jsonWriter) beginObject() { j.open(false) }
func (j *jsonWriter) endObject()   { j.close(false) }
func (j *jsonWriter) beginArray()  { j.open(true) }
func (j *jsonWriter) endArray()    { j.close(true) }

// key writes a member name; the next call writes its value.
func (j *jsonWriter) key(k string) {
	n := len(j.stack)
	if n == 0 || j.stack[n-1].array || j.afterKey {
		panic("synth: a key outside an object")
	}
	top := &j.stack[n-1]
	if top.nonEmpty {
		j.raw(",")
	}
	top.nonEmpty = true
	j.indent()
	j.quote(k)
	j.raw(": ")
	j.afterKey = true
}

func (j *jsonWriter) str(s string) {
	j.elem()
	j.quote(s)
}

func (j *jsonWriter) num(n int) {
	j.elem()
	j.raw(strconv.Itoa(n))
}

func (j *jsonWriter) boolean(b bool) {
	j.elem()
	j.raw(strconv.FormatBool(b))
}

// Member shorthands.
func (j *jsonWriter) kstr(k, v string) { j.key(k); j.str(v) }
func (j *jsonWriter) knum(k string, v int) {
	j.key(k)
	j.num(v)
}
func (j *jsonWriter) kbool(k string, v bool) {
	j.key(k)
	j.boolean(v)
}

// koptstr writes a string member only when v is not empty.
func (j *jsonWriter) koptstr(k, v string) {
	if v != "" {
		j.kstr(k, v)
	}
}

// kstrs writes a list of strings.
func (j *jsonWriter) kstrs(k string, vs []string) {
	j.key(k)
	j.beginArray()
	for _, v := range vs {
		j.str(v)
	}
	j.endArray()
}

// kempty writes an empty list member.
func (j *jsonWriter) kempty(k string) {
	j.key(k)
	j.beginArray()
	j.endArray()
}

// quote writes s as Python's json module does with ensure_ascii=False:
// only the quote, the backslash and control characters are escaped.
func (j *jsonWriter) quote(s string) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			plain = false
			break
		}
	}
	if plain && utf8.ValidString(s) {
		j.raw(`"`)
		j.raw(s)
		j.raw(`"`)
		return
	}
	j.raw(`"`)
	for _, r := range s {
		switch r {
		case '"':
			j.raw(`\"`)
		case '\\':
			j.raw(`\\`)
		case '\n':
			j.raw(`\n`)
		case '\r':
			j.raw(`\r`)
		case '\t':
			j.raw(`\t`)
		case '\b':
			j.raw(`\b`)
		case '\f':
			j.raw(`\f`)
		default:
			if r < 0x20 {
				j.raw(fmt.Sprintf(`\u%04x`, r))
			} else {
				j.raw(string(r))
			}
		}
	}
	j.raw(`"`)
}

// finish ends the document with the newline the CLI prints and flushes.
func (j *jsonWriter) finish() error {
	if len(j.stack) != 0 || j.afterKey {
		panic("synth: unfinished JSON document")
	}
	j.raw("\n")
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

// writeJSONFile creates name (and its directory) and fills it with the
// document body writes.
func writeJSONFile(name string, body func(j *jsonWriter)) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", name, err)
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	j := newJSONWriter(f)
	body(j)
	if err := j.finish(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	return nil
}
