package simmodel

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Protocol names as botocore spells them in a model's metadata.
const (
	ProtocolEC2      = "ec2"
	ProtocolQuery    = "query"
	ProtocolJSON     = "json"
	ProtocolRestJSON = "rest-json"
)

// Model is one AWS service's model, restricted to what the simulator serves.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
	Paginators map[string]*Paginator `json:"paginators,omitempty"`
}

// Metadata is the service-level part of a model.
type Metadata struct {
	APIVersion       string `json:"apiVersion"`
	EndpointPrefix   string `json:"endpointPrefix"`
	JSONVersion      string `json:"jsonVersion,omitempty"`
	Protocol         string `json:"protocol"`
	ServiceID        string `json:"serviceId"`
	SignatureVersion string `json:"signatureVersion,omitempty"`
	SigningName      string `json:"signingName,omitempty"`
	TargetPrefix     string `json:"targetPrefix,omitempty"`
	XMLNamespace     string `json:"xmlNamespace,omitempty"`
}

// Operation is one API action.
type Operation struct {
	Name string `json:"name"`
	// HTTP is the operation's binding to HTTP: what rest-json routes a
	// request by (method and request URI) and the status of its answer.
	HTTP   *HTTP       `json:"http,omitempty"`
	Input  *ShapeRef   `json:"input,omitempty"`
	Output *ShapeRef   `json:"output,omitempty"`
	Errors []*ShapeRef `json:"errors,omitempty"`
}

// HTTP is botocore's "http" member of an operation.
type HTTP struct {
	Method string `json:"method"`
	// RequestURI is the path template, e.g. "/findings/import" or
	// "/members/{AccountId}"; labels name input members with location
	// "uri". A "?" starts literal query parameters.
	RequestURI string `json:"requestUri"`
	// ResponseCode is the status of a successful answer; 0 means 200.
	ResponseCode int `json:"responseCode,omitempty"`
}

// ShapeRef points at a shape and carries the serialization attributes of the
// place that refers to it (a member, an input or output).
type ShapeRef struct {
	Shape         string `json:"shape"`
	LocationName  string `json:"locationName,omitempty"`
	QueryName     string `json:"queryName,omitempty"`
	Flattened     bool   `json:"flattened,omitempty"`
	XMLAttribute  bool   `json:"xmlAttribute,omitempty"`
	XMLNamespace  any    `json:"xmlNamespace,omitempty"`
	ResultWrapper string `json:"resultWrapper,omitempty"`
	Location      string `json:"location,omitempty"`
	JSONValue     bool   `json:"jsonvalue,omitempty"`
}

// Shape is a botocore shape.
type Shape struct {
	Type            string               `json:"type"`
	Members         map[string]*ShapeRef `json:"members,omitempty"`
	Required        []string             `json:"required,omitempty"`
	Member          *ShapeRef            `json:"member,omitempty"`
	Key             *ShapeRef            `json:"key,omitempty"`
	Value           *ShapeRef            `json:"value,omitempty"`
	Flattened       bool                 `json:"flattened,omitempty"`
	LocationName    string               `json:"locationName,omitempty"`
	Min             *float64             `json:"min,omitempty"`
	Max             *float64             `json:"max,omitempty"`
	Enum            []string             `json:"enum,omitempty"`
	Pattern         string               `json:"pattern,omitempty"`
	TimestampFormat string               `json:"timestampFormat,omitempty"`
	Exception       bool                 `json:"exception,omitempty"`
	Error           map[string]any       `json:"error,omitempty"`
	Document        bool                 `json:"document,omitempty"`
	Union           bool                 `json:"union,omitempty"`
	Sensitive       bool                 `json:"sensitive,omitempty"`
}

// Paginator is botocore's pagination configuration for one operation.
type Paginator struct {
	InputToken  any    `json:"input_token"`
	OutputToken any    `json:"output_token"`
	LimitKey    string `json:"limit_key,omitempty"`
	ResultKey   any    `json:"result_key,omitempty"`
	MoreResults string `json:"more_results,omitempty"`
}

// Tokens returns the paginator's first input and output token names.
func (p *Paginator) Tokens() (in, out string) {
	return first(p.InputToken), first(p.OutputToken)
}

// ResultKeys returns the paginator's result keys.
func (p *Paginator) ResultKeys() []string { return strs(p.ResultKey) }

func first(v any) string {
	s := strs(v)
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Shape returns the named shape or panics: every reference in an extracted
// model resolves, which Extract guarantees and a test checks.
func (m *Model) Shape(name string) *Shape {
	s, ok := m.Shapes[name]
	if !ok {
		panic(fmt.Sprintf("simmodel: %s has no shape %q", m.Metadata.EndpointPrefix, name))
	}
	return s
}

// SortedMembers returns a structure's member names in sorted order, so that
// everything derived from a model is deterministic.
func (s *Shape) SortedMembers() []string {
	names := make([]string, 0, len(s.Members))
	for n := range s.Members {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

//go:embed data/*.json
var data embed.FS

var (
	loadOnce sync.Once
	loaded   map[string]*Model
	loadErr  error
)

// Services lists the services the simulator serves, by endpoint prefix.
var Services = []string{"ec2", "iam", "organizations", "securityhub", "ssm", "sts"}

// Load returns the embedded model of a service ("ec2", "ssm", …).
func Load(service string) (*Model, error) {
	loadOnce.Do(func() {
		loaded = map[string]*Model{}
		for _, svc := range Services {
			b, err := data.ReadFile("data/" + svc + ".json")
			if err != nil {
				loadErr = fmt.Errorf("read embedded model %s: %w", svc, err)
				return
			}
			var m Model
			if err := json.Unmarshal(b, &m); err != nil {
				loadErr = fmt.Errorf("decode embedded model %s: %w", svc, err)
				return
			}
			loaded[svc] = &m
		}
	})
	if loadErr != nil {
		return nil, loadErr
	}
	m, ok := loaded[service]
	if !ok {
		return nil, fmt.Errorf("no model for service %q (have %s)", service, strings.Join(Services, ", "))
	}
	return m, nil
}

// MustLoad is Load for callers that run after the embedded data has been
// validated by tests; it panics on a broken build only.
func MustLoad(service string) *Model {
	m, err := Load(service)
	if err != nil {
		panic(err)
	}
	return m
}
