package awssim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

// validateDoc checks that v is a document of shape ref exactly as the AWS
// CLI prints it: every key a member of the shape, every value of the
// member's type, every timestamp RFC 3339. path names the place for errors,
// in jq syntax (.Reservations[0].Instances[2].State).
func validateDoc(m *simmodel.Model, ref *simmodel.ShapeRef, v any, path string) error {
	s := m.Shape(ref.Shape)
	where := path
	if where == "" {
		where = "."
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, have %s", where, kind(v))
		}
		if s.Document {
			return nil
		}
		for _, k := range sortedKeys(obj) {
			mref, ok := s.Members[k]
			if !ok {
				return fmt.Errorf("%s: %q is not a field of %s", member(path, k), k, ref.Shape)
			}
			if obj[k] == nil {
				continue
			}
			if err := validateDoc(m, mref, obj[k], member(path, k)); err != nil {
				return err
			}
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want a list, have %s", where, kind(v))
		}
		for i, e := range arr {
			if err := validateDoc(m, s.Member, e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, have %s", where, kind(v))
		}
		for _, k := range sortedKeys(obj) {
			if err := validateDoc(m, s.Value, obj[k], member(path, k)); err != nil {
				return err
			}
		}
	case "integer", "long":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s: want an integer, have %s", where, kind(v))
		}
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			return fmt.Errorf("%s: want an integer, have %s", where, n)
		}
	case "float", "double":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s: want a number, have %s", where, kind(v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: want true or false, have %s", where, kind(v))
		}
	case "timestamp":
		if _, err := timestampValue(v); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	case "string", "blob":
		if _, isObj := v.(map[string]any); isObj && ref.Shape == policyDocumentShape {
			return nil
		}
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: want a string, have %s", where, kind(v))
		}
	default:
		return fmt.Errorf("%s: unsupported shape type %q", where, s.Type)
	}
	return nil
}

// member is the jq path of key k below path: path.k, or path["k"] quoted
// when k holds a character that is not printable, so that no control
// character or escape sequence of an estate reaches an error message.
func member(path, k string) string {
	if utf8.ValidString(k) && !strings.ContainsFunc(k, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return path + "." + k
	}
	return path + "[" + strconv.Quote(k) + "]"
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
