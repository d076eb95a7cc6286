package policy

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// toValue converts a snapshot value to the OPA value its JSON encoding
// (model.Encode) would parse to, without the JSON text: field names and
// omitempty from the json tags, nil slices, maps and pointers as null,
// map keys in sorted order, times as RFC 3339 strings. Building the value
// directly costs a fraction of encoding and parsing tens of megabytes.
func toValue(v any) (ast.Value, error) {
	return valueOf(reflect.ValueOf(v))
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

func valueOf(v reflect.Value) (ast.Value, error) {
	if !v.IsValid() {
		return ast.Null{}, nil
	}
	t := v.Type()
	if t == timeType {
		return ast.String(v.Interface().(time.Time).Format(time.RFC3339Nano)), nil
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && (t.Implements(marshalerType) || t.Implements(textType)) {
		// A type with its own encoding (none in the snapshot today):
		// take the JSON route for it alone.
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, err
		}
		return ast.ValueFromReader(strings.NewReader(string(b)))
	}
	switch t.Kind() {
	case reflect.String:
		return ast.String(v.String()), nil
	case reflect.Bool:
		return ast.Boolean(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.Number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, err
		}
		return ast.Number(string(b)), nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		return valueOf(v.Elem())
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			return ast.Null{}, nil
		}
		terms := make([]*ast.Term, v.Len())
		for i := range terms {
			x, err := valueOf(v.Index(i))
			if err != nil {
				return nil, err
			}
			terms[i] = ast.NewTerm(x)
		}
		return ast.NewArray(terms...), nil
	case reflect.Map:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("convert %s: map keys must be strings", t)
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		slices.Sort(keys)
		items := make([][2]*ast.Term, len(keys))
		for i, k := range keys {
			x, err := valueOf(v.MapIndex(reflect.ValueOf(k).Convert(t.Key())))
			if err != nil {
				return nil, err
			}
			items[i] = ast.Item(ast.StringTerm(k), ast.NewTerm(x))
		}
		return ast.NewObject(items...), nil
	case reflect.Struct:
		fields := fieldsOf(t)
		items := make([][2]*ast.Term, 0, len(fields))
		for _, f := range fields {
			fv := v.Field(f.index)
			if f.omitEmpty && fv.IsZero() {
				continue
			}
			x, err := valueOf(fv)
			if err != nil {
				return nil, err
			}
			items = append(items, ast.Item(f.name, ast.NewTerm(x)))
		}
		return ast.NewObject(items...), nil
	}
	return nil, fmt.Errorf("convert %s: unsupported kind %s", t, t.Kind())
}

// field is a struct field as encoding/json sees it.
type field struct {
	name      *ast.Term
	index     int
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type → []field

// fieldsOf returns the exported fields of a struct type with their JSON
// names (the snapshot has no embedded structs).
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, field{name: ast.InternedTerm(name), index: i, omitEmpty: slices.Contains(strings.Split(opts, ","), "omitempty")})
	}
	fieldCache.Store(t, out)
	return out
}
