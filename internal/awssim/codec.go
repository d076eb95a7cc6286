package awssim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

// Values inside the simulator are "documents": what encoding/json produces
// with UseNumber (map[string]any, []any, string, bool, json.Number), keyed by
// botocore member names — the same form the AWS CLI prints and estates hold.
// Timestamps are RFC 3339 strings. The codecs below translate documents to
// and from each wire protocol, driven only by the model's shapes.

// xmlMemberName is the element name of a structure member in an XML
// protocol (ec2 or query), as botocore's parser looks it up.
func xmlMemberName(ref *simmodel.ShapeRef, m *simmodel.Model, name string) string {
	s := m.Shape(ref.Shape)
	if s.Type == "list" && (s.Flattened || ref.Flattened) && s.Member.LocationName != "" {
		return s.Member.LocationName
	}
	if ref.LocationName != "" {
		return ref.LocationName
	}
	return name
}

// encodeXML writes doc as the XML of shape ref into buf.
func encodeXML(buf *bytes.Buffer, m *simmodel.Model, ref *simmodel.ShapeRef, name string, v any) error {
	s := m.Shape(ref.Shape)
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, have %T", name, v)
		}
		openTag(buf, name)
		for _, mn := range s.SortedMembers() {
			mv, present := obj[mn]
			if !present || mv == nil {
				continue
			}
			mref := s.Members[mn]
			if mref.XMLAttribute || mref.Location != "" {
				continue
			}
			if err := encodeXML(buf, m, mref, xmlMemberName(mref, m, mn), mv); err != nil {
				return err
			}
		}
		closeTag(buf, name)
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want a list, have %T", name, v)
		}
		itemName := s.Member.LocationName
		if s.Flattened || ref.Flattened {
			for _, e := range arr {
				if err := encodeXML(buf, m, s.Member, name, e); err != nil {
					return err
				}
			}
			return nil
		}
		if itemName == "" {
			itemName = "member"
		}
		openTag(buf, name)
		for _, e := range arr {
			if err := encodeXML(buf, m, s.Member, itemName, e); err != nil {
				return err
			}
		}
		closeTag(buf, name)
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, have %T", name, v)
		}
		keyName, valName := nonEmpty(s.Key.LocationName, "key"), nonEmpty(s.Value.LocationName, "value")
		keys := sortedKeys(obj)
		if !s.Flattened {
			openTag(buf, name)
		}
		for _, k := range keys {
			entry := "entry"
			if s.Flattened {
				entry = name
			}
			openTag(buf, entry)
			if err := encodeXML(buf, m, s.Key, keyName, k); err != nil {
				return err
			}
			if err := encodeXML(buf, m, s.Value, valName, obj[k]); err != nil {
				return err
			}
			closeTag(buf, entry)
		}
		if !s.Flattened {
			closeTag(buf, name)
		}
	default:
		text, err := scalarText(s, v, false)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		openTag(buf, name)
		_ = xml.EscapeText(buf, []byte(text))
		closeTag(buf, name)
	}
	return nil
}

func openTag(buf *bytes.Buffer, name string)  { buf.WriteString("<" + name + ">") }
func closeTag(buf *bytes.Buffer, name string) { buf.WriteString("</" + name + ">") }

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// policyDocumentShape is IAM's policy document string shape. IAM sends
// policy documents URL-encoded; the AWS CLI decodes them into JSON objects,
// so an estate holds an object where the wire carries a string.
const policyDocumentShape = "policyDocumentType"

func policyDocumentText(obj map[string]any) (string, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return url.PathEscape(string(b)), nil
}

// scalarText renders a scalar document value as XML text (or, with
// epochTimestamps, as the JSON protocol's number text for timestamps).
func scalarText(s *simmodel.Shape, v any, epochTimestamps bool) (string, error) {
	switch s.Type {
	case "string", "blob":
		if obj, isObj := v.(map[string]any); isObj {
			return policyDocumentText(obj)
		}
		str, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("want a string, have %T", v)
		}
		return str, nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return "", fmt.Errorf("want a boolean, have %T", v)
		}
		return strconv.FormatBool(b), nil
	case "integer", "long", "float", "double":
		n, err := number(v)
		if err != nil {
			return "", err
		}
		return n, nil
	case "timestamp":
		t, err := timestampValue(v)
		if err != nil {
			return "", err
		}
		if epochTimestamps {
			return epochText(t), nil
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
	}
	return "", fmt.Errorf("unsupported shape type %q", s.Type)
}

func number(v any) (string, error) {
	switch n := v.(type) {
	case json.Number:
		return n.String(), nil
	case int:
		return strconv.Itoa(n), nil
	case int64:
		return strconv.FormatInt(n, 10), nil
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("want a number, have %T", v)
}

// timestampValue reads a document timestamp: an RFC 3339 string as the CLI
// prints it, or a time.Time produced by a handler.
func timestampValue(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case string:
		ts, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339", t)
		}
		return ts, nil
	}
	return time.Time{}, fmt.Errorf("want a timestamp, have %T", v)
}

// epochText renders seconds since the epoch with millisecond precision, as
// AWS's JSON protocols send timestamps.
func epochText(t time.Time) string {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10)
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
}

// toJSONValue converts a document into the value the awsJson1_1 and
// rest-json protocols send for shape ref (timestamps become epoch seconds
// unless the shape names another format).
func toJSONValue(m *simmodel.Model, ref *simmodel.ShapeRef, v any) (any, error) {
	s := m.Shape(ref.Shape)
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want an object, have %T", v)
		}
		if s.Document {
			return obj, nil
		}
		out := make(map[string]any, len(obj))
		for mn, mv := range obj {
			mref, ok := s.Members[mn]
			if !ok || mv == nil {
				continue
			}
			jv, err := toJSONValue(m, mref, mv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mn, err)
			}
			out[nonEmpty(mref.LocationName, mn)] = jv
		}
		return out, nil
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("want a list, have %T", v)
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			jv, err := toJSONValue(m, s.Member, e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = jv
		}
		return out, nil
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want an object, have %T", v)
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			jv, err := toJSONValue(m, s.Value, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = jv
		}
		return out, nil
	case "timestamp":
		t, err := timestampValue(v)
		if err != nil {
			return nil, err
		}
		// A shape may ask for another format than the JSON protocols'
		// default (epoch seconds), as botocore's serializers honour.
		switch s.TimestampFormat {
		case "iso8601":
			return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
		case "rfc822":
			return t.UTC().Format(http.TimeFormat), nil
		}
		return json.Number(epochText(t)), nil
	}
	return v, nil
}

// decodeQuery reads an ec2 or query protocol request's form values into a
// document of the input shape, following botocore's serializers: ec2 names
// members by queryName, else by capitalized locationName, else by member
// name, and flattens every list (Name.1, Name.2); query names members by
// locationName or member name and wraps lists in .member.N unless flattened.
func decodeQuery(m *simmodel.Model, shapeName string, form url.Values) (map[string]any, error) {
	d := queryDecoder{m: m, form: form, ec2: m.Metadata.Protocol == simmodel.ProtocolEC2}
	v, err := d.structure(m.Shape(shapeName), "")
	if err != nil {
		return nil, err
	}
	if v == nil {
		return map[string]any{}, nil
	}
	return v, nil
}

type queryDecoder struct {
	m    *simmodel.Model
	form url.Values
	ec2  bool
}

func (d *queryDecoder) hasPrefix(prefix string) bool {
	if _, ok := d.form[prefix]; ok {
		return true
	}
	for k := range d.form {
		if strings.HasPrefix(k, prefix+".") {
			return true
		}
	}
	return false
}

func (d *queryDecoder) memberName(ref *simmodel.ShapeRef, name string) string {
	if d.ec2 {
		if ref.QueryName != "" {
			return ref.QueryName
		}
		if ref.LocationName != "" {
			return strings.ToUpper(ref.LocationName[:1]) + ref.LocationName[1:]
		}
		return name
	}
	return nonEmpty(ref.LocationName, name)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (d *queryDecoder) structure(s *simmodel.Shape, prefix string) (map[string]any, error) {
	out := map[string]any{}
	for _, mn := range s.SortedMembers() {
		ref := s.Members[mn]
		key := join(prefix, d.memberName(ref, mn))
		v, err := d.value(ref, key)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[mn] = v
		}
	}
	if len(out) == 0 && prefix != "" {
		return nil, nil
	}
	return out, nil
}

func (d *queryDecoder) value(ref *simmodel.ShapeRef, key string) (any, error) {
	s := d.m.Shape(ref.Shape)
	if !d.hasPrefix(key) {
		return nil, nil
	}
	switch s.Type {
	case "structure":
		v, err := d.structure(s, key)
		if v == nil || err != nil {
			return nil, err
		}
		return v, nil
	case "list":
		if vals, ok := d.form[key]; ok && len(vals) == 1 && vals[0] == "" {
			return []any{}, nil
		}
		base := key
		if !d.ec2 && !s.Flattened && !ref.Flattened {
			base = key + "." + nonEmpty(s.Member.LocationName, "member")
		}
		var out []any
		for i := 1; ; i++ {
			ik := base + "." + strconv.Itoa(i)
			if !d.hasPrefix(ik) {
				break
			}
			e, err := d.value(s.Member, ik)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	case "map":
		base := key
		if !s.Flattened {
			base = key + ".entry"
		}
		out := map[string]any{}
		for i := 1; ; i++ {
			ik := base + "." + strconv.Itoa(i)
			if !d.hasPrefix(ik) {
				break
			}
			k := d.form.Get(ik + "." + nonEmpty(s.Key.LocationName, "key"))
			v, err := d.value(s.Value, ik+"."+nonEmpty(s.Value.LocationName, "value"))
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	text := d.form.Get(key)
	switch s.Type {
	case "boolean":
		switch text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("parameter %s: %q is not a boolean", key, text)
	case "integer", "long":
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return nil, fmt.Errorf("parameter %s: %q is not an integer", key, text)
		}
		return json.Number(text), nil
	case "float", "double":
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return nil, fmt.Errorf("parameter %s: %q is not a number", key, text)
		}
		return json.Number(text), nil
	}
	return text, nil
}

// intParam reads an integer member of a request document.
func intParam(in map[string]any, name string) (int64, bool) {
	v, ok := in[name]
	if !ok {
		return 0, false
	}
	s, err := number(v)
	if err != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// strParam reads a string member of a request document.
func strParam(in map[string]any, name string) string {
	s, _ := in[name].(string)
	return s
}

// strList reads a list-of-strings member of a request document.
func strList(in map[string]any, name string) []string {
	arr, _ := in[name].([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
