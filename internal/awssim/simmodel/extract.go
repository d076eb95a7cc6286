package simmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// DefaultBotocoreDir is where Debian's awscli package installs botocore's
// service models.
const DefaultBotocoreDir = "/usr/lib/python3/dist-packages/awscli/botocore/data"

// Served lists, per service, the operations the simulator answers. Extending
// the simulator starts here: add the operation, re-run the extraction.
var Served = map[string][]string{
	"ec2": {
		"DescribeImages", "DescribeInstances", "DescribeInternetGateways",
		"DescribeManagedPrefixLists", "DescribeNatGateways", "DescribeNetworkAcls",
		"DescribeRegions", "DescribeRouteTables", "DescribeSecurityGroups",
		"DescribeSubnets", "DescribeVpcEndpoints", "DescribeVpcs",
		"GetManagedPrefixListEntries",
		// Write operations, for remediation (apply and rollback).
		"AssociateIamInstanceProfile", "AuthorizeSecurityGroupEgress",
		"AuthorizeSecurityGroupIngress", "CreateNetworkAclEntry", "CreateSecurityGroup",
		"CreateVpcEndpoint", "DeleteNetworkAclEntry", "DeleteSecurityGroup",
		"DeleteVpcEndpoints", "DescribeIamInstanceProfileAssociations",
		"DisassociateIamInstanceProfile", "ModifyInstanceAttribute",
		"RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RunInstances",
		"TerminateInstances",
	},
	"ssm": {
		"DescribeInstanceInformation", "GetCommandInvocation", "GetInventory",
		"GetServiceSetting", "ListInventoryEntries", "SendCommand",
	},
	"sts": {"AssumeRole", "GetCallerIdentity"},
	"iam": {
		"AttachRolePolicy", "DetachRolePolicy", "GetInstanceProfile",
		"ListAttachedRolePolicies",
	},
	"securityhub":   {"BatchImportFindings"},
	"organizations": {"ListAccounts"},
}

// Extract reads one service's botocore model and paginators from dir and
// returns the part the simulator serves.
func Extract(botocoreDir, service string) (*Model, error) {
	svcDir := filepath.Join(botocoreDir, service)
	versions, err := os.ReadDir(svcDir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", svcDir, err)
	}
	var version string
	for _, v := range versions {
		if v.IsDir() && v.Name() > version {
			version = v.Name()
		}
	}
	if version == "" {
		return nil, fmt.Errorf("no model version under %s", svcDir)
	}
	var full Model
	if err := readJSON(filepath.Join(svcDir, version, "service-2.json"), &full); err != nil {
		return nil, err
	}
	var pag struct {
		Pagination map[string]*Paginator `json:"pagination"`
	}
	if err := readJSON(filepath.Join(svcDir, version, "paginators-1.json"), &pag); err != nil {
		return nil, err
	}
	out := &Model{
		Metadata:   full.Metadata,
		Operations: map[string]*Operation{},
		Shapes:     map[string]*Shape{},
		Paginators: map[string]*Paginator{},
	}
	var visit func(name string) error
	visit = func(name string) error {
		if _, done := out.Shapes[name]; done {
			return nil
		}
		s, ok := full.Shapes[name]
		if !ok {
			return fmt.Errorf("%s: shape %q is referenced but not defined", service, name)
		}
		out.Shapes[name] = s
		for _, ref := range s.refs() {
			if err := visit(ref.Shape); err != nil {
				return err
			}
		}
		return nil
	}
	for _, opName := range Served[service] {
		op, ok := full.Operations[opName]
		if !ok {
			return nil, fmt.Errorf("%s: botocore has no operation %s", service, opName)
		}
		// The operation keeps its HTTP binding: rest-json routes requests
		// by method and request URI.
		if full.Metadata.Protocol == ProtocolRestJSON && (op.HTTP == nil || op.HTTP.Method == "" || op.HTTP.RequestURI == "") {
			return nil, fmt.Errorf("%s: %s has no HTTP method and request URI, which rest-json routes by", service, opName)
		}
		out.Operations[opName] = op
		for _, ref := range op.refs() {
			if err := visit(ref.Shape); err != nil {
				return nil, err
			}
		}
		if p, ok := pag.Pagination[opName]; ok {
			out.Paginators[opName] = p
		}
	}
	return out, nil
}

func (s *Shape) refs() []*ShapeRef {
	var refs []*ShapeRef
	for _, n := range s.SortedMembers() {
		refs = append(refs, s.Members[n])
	}
	for _, r := range []*ShapeRef{s.Member, s.Key, s.Value} {
		if r != nil {
			refs = append(refs, r)
		}
	}
	return refs
}

func (o *Operation) refs() []*ShapeRef {
	refs := append([]*ShapeRef{}, o.Errors...)
	for _, r := range []*ShapeRef{o.Input, o.Output} {
		if r != nil {
			refs = append(refs, r)
		}
	}
	return refs
}

// Marshal renders a model the way it is committed: indented, keys sorted.
func Marshal(m *Model) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteAll extracts every served service and writes <out>/<service>.json.
func WriteAll(botocoreDir, outDir string) error {
	svcs := append([]string{}, Services...)
	sort.Strings(svcs)
	for _, svc := range svcs {
		m, err := Extract(botocoreDir, svc)
		if err != nil {
			return err
		}
		b, err := Marshal(m)
		if err != nil {
			return fmt.Errorf("encode %s: %w", svc, err)
		}
		if err := os.WriteFile(filepath.Join(outDir, svc+".json"), b, 0o644); err != nil {
			return fmt.Errorf("write model %s: %w", svc, err)
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}
