package main

import (
	"fmt"
	"strconv"
	"strings"
)

// field is one member of an ordered JSON object.
type field struct {
	key string
	val any
}

// object is a JSON object whose members keep the order they were added in.
// The AWS CLI prints members in the order of the botocore output shape, so
// every renderer builds objects in that order.
type object []field

// obj builds an object from alternating keys and values. A value of type
// omit is dropped, which keeps optional members readable at the call site.
func obj(kv ...any) object {
	if len(kv)%2 != 0 {
		panic("obj: odd number of arguments")
	}
	o := make(object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			panic(fmt.Sprintf("obj: key %v is not a string", kv[i]))
		}
		if _, skip := kv[i+1].(omit); skip {
			continue
		}
		o = append(o, field{k, kv[i+1]})
	}
	return o
}

// omit marks an optional member that is absent.
type omit struct{}

// opt returns v, or omit when v is the zero string.
func opt(v string) any {
	if v == "" {
		return omit{}
	}
	return v
}

// list is a JSON array.
type list []any

// encode renders v the way the AWS CLI v2 prints JSON: Python's
// json.dumps(indent=4, ensure_ascii=False) followed by a newline.
func encode(v any) []byte {
	var b strings.Builder
	writeValue(&b, v, 0)
	b.WriteByte('\n')
	return []byte(b.String())
}

func writeValue(b *strings.Builder, v any, depth int) {
	switch x := v.(type) {
	case object:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, f := range x {
			indent(b, depth+1)
			writeString(b, f.key)
			b.WriteString(": ")
			writeValue(b, f.val, depth+1)
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		indent(b, depth)
		b.WriteByte('}')
	case list:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range x {
			indent(b, depth+1)
			writeValue(b, e, depth+1)
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		indent(b, depth)
		b.WriteByte(']')
	case []string:
		l := make(list, len(x))
		for i, s := range x {
			l[i] = s
		}
		writeValue(b, l, depth)
	case string:
		writeString(b, x)
	case int:
		b.WriteString(strconv.Itoa(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("encode: unsupported type %T", v))
	}
}

func indent(b *strings.Builder, depth int) {
	for range depth {
		b.WriteString("    ")
	}
}

// writeString quotes s as Python's json module does with ensure_ascii=False:
// only the quote, the backslash and control characters are escaped.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
