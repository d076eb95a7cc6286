package awssim

import (
	"strings"
)

// Filters in EC2's Describe* calls: every filter must match (AND); a filter
// matches when any of its values matches any of the resource's values for
// that filter name (OR). Values may use the wildcards * (any run of
// characters) and ? (one character); a backslash escapes them. Matching is
// case-sensitive, as AWS documents for EC2 filters.

// ec2Filter is one Filter of a request.
type ec2Filter struct {
	Name   string
	Values []string
}

func requestFilters(in map[string]any, member string) []ec2Filter {
	arr, _ := in[member].([]any)
	out := make([]ec2Filter, 0, len(arr))
	for _, e := range arr {
		obj, _ := e.(map[string]any)
		f := ec2Filter{Name: strParam(obj, "Name"), Values: strList(obj, "Values")}
		out = append(out, f)
	}
	return out
}

// filterTable maps a filter name to the paths, in the resource document,
// of the values it compares (see lookup for the path syntax). Names ending
// in ":" are prefixes (tag:<key>).
type filterTable map[string][]string

// resolve returns the paths for a filter name, or false if the operation
// does not support it.
func (t filterTable) resolve(name string) ([]string, bool) {
	if strings.HasPrefix(name, "tag:") && len(name) > len("tag:") {
		if _, ok := t["tag:"]; ok {
			return []string{"tag:" + name[len("tag:"):]}, true
		}
		return nil, false
	}
	p, ok := t[name]
	return p, ok
}

// values returns every value of the resource document at the given paths.
func values(doc map[string]any, paths []string) []string {
	var out []string
	for _, p := range paths {
		if key, ok := strings.CutPrefix(p, "tag:"); ok {
			for _, t := range lookup(doc, "Tags[]") {
				tag, _ := t.(map[string]any)
				if k, _ := tag["Key"].(string); k == key {
					if v, ok := tag["Value"].(string); ok {
						out = append(out, v)
					}
				}
			}
			continue
		}
		for _, v := range lookup(doc, p) {
			if s := scalarString(v); s != "" || v != nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// lookup walks a dotted path; a segment ending in [] flattens a list.
// "Attachments[].VpcId" yields the VpcId of every attachment.
func lookup(doc any, path string) []any {
	cur := []any{doc}
	for _, seg := range strings.Split(path, ".") {
		flatten := strings.HasSuffix(seg, "[]")
		seg = strings.TrimSuffix(seg, "[]")
		var next []any
		for _, c := range cur {
			obj, ok := c.(map[string]any)
			if !ok {
				continue
			}
			v, ok := obj[seg]
			if !ok || v == nil {
				continue
			}
			if flatten {
				arr, _ := v.([]any)
				next = append(next, arr...)
			} else {
				next = append(next, v)
			}
		}
		cur = next
	}
	return cur
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		if t {
			return "true"
		}
		return "false"
	case nil:
		return ""
	}
	s, err := number(v)
	if err != nil {
		return ""
	}
	return s
}

// matchAll reports whether the resource document passes every filter.
func matchAll(doc map[string]any, table filterTable, filters []ec2Filter) bool {
	for _, f := range filters {
		paths, _ := table.resolve(f.Name)
		have := values(doc, paths)
		if !anyMatch(f.Values, have) {
			return false
		}
	}
	return true
}

func anyMatch(patterns, have []string) bool {
	for _, p := range patterns {
		for _, h := range have {
			if wildcardMatch(p, h) {
				return true
			}
		}
	}
	return false
}

// wildcardMatch matches s against an EC2 filter value pattern.
func wildcardMatch(pattern, s string) bool {
	p := []rune(pattern)
	r := []rune(s)
	var match func(i, j int) bool
	memo := map[[2]int]bool{}
	match = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var res bool
		switch {
		case i == len(p):
			res = j == len(r)
		case p[i] == '*':
			res = match(i+1, j) || (j < len(r) && match(i, j+1))
		case p[i] == '?':
			// EC2 documents ? as "zero or one character".
			res = match(i+1, j) || (j < len(r) && match(i+1, j+1))
		case p[i] == '\\' && i+1 < len(p):
			res = j < len(r) && r[j] == p[i+1] && match(i+2, j+1)
		default:
			res = j < len(r) && r[j] == p[i] && match(i+1, j+1)
		}
		memo[key] = res
		return res
	}
	return match(0, 0)
}
