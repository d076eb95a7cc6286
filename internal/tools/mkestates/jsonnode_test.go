package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// node is a JSON value that remembers the order of object members, which
// the shape checks need and encoding/json's maps forget.
type node struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys []string
	vals []*node
	str  string
	num  json.Number
	b    bool
}

func parseNode(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return n, nil
}

func readNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, kt.(string))
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{kind: 'a'}
			for dec.More() {
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		}
	case string:
		return &node{kind: 's', str: t}, nil
	case json.Number:
		return &node{kind: 'n', num: t}, nil
	case bool:
		return &node{kind: 'b', b: t}, nil
	case nil:
		return &node{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// get returns the member named key of an object node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// s returns the string value of member key, or "".
func (n *node) s(key string) string {
	if v := n.get(key); v != nil && v.kind == 's' {
		return v.str
	}
	return ""
}

// list returns the elements of array member key.
func (n *node) list(key string) []*node {
	if v := n.get(key); v != nil && v.kind == 'a' {
		return v.vals
	}
	return nil
}

// toValue converts a node back into the generator's value types so it can
// be re-encoded the way the CLI prints it.
func (n *node) toValue() (any, error) {
	switch n.kind {
	case 'o':
		o := object{}
		for i, k := range n.keys {
			v, err := n.vals[i].toValue()
			if err != nil {
				return nil, err
			}
			o = append(o, field{k, v})
		}
		return o, nil
	case 'a':
		l := list{}
		for _, e := range n.vals {
			v, err := e.toValue()
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case 's':
		return n.str, nil
	case 'n':
		i, err := strconv.Atoi(n.num.String())
		if err != nil {
			return nil, fmt.Errorf("number %s is not an integer", n.num)
		}
		return i, nil
	case 'b':
		return n.b, nil
	}
	return nil, nil
}
