package awssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pdr-audit/pdr-audit/internal/awssim/simmodel"
)

// The rest-json protocol (Security Hub): an operation is named by its HTTP
// method and request path, as the model's "http" member binds it; input
// members travel in the path (location "uri"), the query string
// ("querystring"), headers ("header") or, for every other member, the
// JSON body. Output members go to the JSON body with the model's status
// (200 unless the operation says otherwise). Errors carry their code in
// the X-Amzn-ErrorType header and a JSON body, with the status of the
// error's shape. Timestamps in bodies are epoch seconds, as botocore's
// rest-json serializer sends them (toJSONValue).
//
// Not served: a structure "payload" member (an operation whose body is one
// member rather than the whole input), "headers" prefix maps and
// locationName renames inside bodies; none of the served operations uses
// them.

// decodeRestJSON finds the operation a request's method and path name and
// reads its input document.
func decodeRestJSON(c *call, r *http.Request, body []byte) *APIError {
	op, labels := matchRoute(c.Model, r.Method, r.URL)
	if op == nil {
		return apiErr("UnknownOperationException", "No operation of %s is bound to %s %s.", c.Model.Metadata.ServiceID, r.Method, r.URL.Path)
	}
	c.Action = op.Name
	c.Input = map[string]any{}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&c.Input); err != nil {
			return apiErr("SerializationException", "request body: %v", err)
		}
		if c.Input == nil {
			c.Input = map[string]any{}
		}
	}
	if op.Input == nil {
		return nil
	}
	in := c.Model.Shape(op.Input.Shape)
	query := r.URL.Query()
	for _, mn := range in.SortedMembers() {
		ref := in.Members[mn]
		name := nonEmpty(ref.LocationName, mn)
		sh := c.Model.Shape(ref.Shape)
		var raw []string
		switch ref.Location {
		case "uri":
			if v, ok := labels[name]; ok {
				raw = []string{v}
			}
		case "querystring":
			raw = query[name]
		case "header":
			if v := r.Header.Get(name); v != "" {
				raw = []string{v}
			}
		default:
			continue
		}
		if len(raw) == 0 {
			continue
		}
		if sh.Type == "list" {
			items := make([]any, 0, len(raw))
			for _, s := range raw {
				v, err := restScalar(c.Model.Shape(sh.Member.Shape), s)
				if err != nil {
					return apiErr("SerializationException", "%s: %v", name, err)
				}
				items = append(items, v)
			}
			c.Input[mn] = items
			continue
		}
		v, err := restScalar(sh, raw[0])
		if err != nil {
			return apiErr("SerializationException", "%s: %v", name, err)
		}
		c.Input[mn] = v
	}
	return nil
}

// restScalar reads a path, query or header value as a document value of
// shape sh.
func restScalar(sh *simmodel.Shape, s string) (any, error) {
	switch sh.Type {
	case "integer", "long":
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return json.Number(s), nil
	case "float", "double":
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return json.Number(s), nil
	case "boolean":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean", s)
		}
		return b, nil
	}
	return s, nil
}

// matchRoute returns the operation bound to method and u's path, and the
// values of its path labels. When several templates match, the one with
// the most literal segments wins, as a router prefers /findings/import to
// /findings/{Id}.
func matchRoute(m *simmodel.Model, method string, u *url.URL) (*simmodel.Operation, map[string]string) {
	names := make([]string, 0, len(m.Operations))
	for n := range m.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	var best *simmodel.Operation
	var bestLabels map[string]string
	bestScore := -1
	for _, n := range names {
		op := m.Operations[n]
		if op.HTTP == nil || op.HTTP.Method != method {
			continue
		}
		labels, score, ok := matchTemplate(op.HTTP.RequestURI, u)
		if ok && score > bestScore {
			best, bestLabels, bestScore = op, labels, score
		}
	}
	return best, bestLabels
}

// matchTemplate matches a botocore request URI template ("/members/
// {AccountId}", "/tags/{ResourceArn+}", "/x?list") against u. It returns
// the labels' values and the number of literal segments.
func matchTemplate(template string, u *url.URL) (map[string]string, int, bool) {
	pathTmpl, queryTmpl, _ := strings.Cut(template, "?")
	if queryTmpl != "" {
		q := u.Query()
		for _, kv := range strings.Split(queryTmpl, "&") {
			k, v, hasValue := strings.Cut(kv, "=")
			if _, ok := q[k]; !ok || hasValue && q.Get(k) != v {
				return nil, 0, false
			}
		}
	}
	tsegs := strings.Split(strings.Trim(pathTmpl, "/"), "/")
	psegs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	labels := map[string]string{}
	literal := 0
	for i, t := range tsegs {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "+}") {
			if i >= len(psegs) {
				return nil, 0, false
			}
			rest, err := url.PathUnescape(strings.Join(psegs[i:], "/"))
			if err != nil || rest == "" {
				return nil, 0, false
			}
			labels[strings.TrimSuffix(t[1:], "+}")] = rest
			return labels, literal, true
		}
		if i >= len(psegs) {
			return nil, 0, false
		}
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			v, err := url.PathUnescape(psegs[i])
			if err != nil || v == "" {
				return nil, 0, false
			}
			labels[t[1:len(t)-1]] = v
			continue
		}
		if psegs[i] != t {
			return nil, 0, false
		}
		literal++
	}
	if len(psegs) != len(tsegs) {
		return nil, 0, false
	}
	return labels, literal, true
}

// writeRestJSON answers a rest-json call: body members as JSON, header
// members as headers, the operation's status.
func writeRestJSON(w http.ResponseWriter, c *call, out map[string]any, id string) error {
	status := http.StatusOK
	if c.Op.HTTP != nil && c.Op.HTTP.ResponseCode != 0 {
		status = c.Op.HTTP.ResponseCode
	}
	body := map[string]any{}
	if c.Op.Output != nil {
		sh := c.Model.Shape(c.Op.Output.Shape)
		bodyDoc := map[string]any{}
		for mn, v := range out {
			ref, ok := sh.Members[mn]
			if !ok || v == nil {
				continue
			}
			switch ref.Location {
			case "header":
				text, err := scalarText(c.Model.Shape(ref.Shape), v, false)
				if err != nil {
					return fmt.Errorf("%s: %w", mn, err)
				}
				w.Header().Set(nonEmpty(ref.LocationName, mn), text)
			case "statusCode":
				n, ok := intParam(out, mn)
				if !ok {
					return fmt.Errorf("%s: want an integer status", mn)
				}
				status = int(n)
			case "":
				bodyDoc[mn] = v
			}
		}
		jv, err := toJSONValue(c.Model, c.Op.Output, bodyDoc)
		if err != nil {
			return err
		}
		body, _ = jv.(map[string]any)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", id)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// writeRestJSONError answers with a rest-json error: the code in
// X-Amzn-ErrorType (which both botocore and the Go SDK read first) and a
// body with the members of the error's shape, "Code" and "Message" for
// Security Hub's (as its answers carry them, e.g. hashicorp/terraform#30285:
// Code_ "InvalidAccessException", StatusCode 401). An error the model does
// not define gets {"message": …}, as the API Gateway in front of a
// rest-json service answers its own errors. The status is the shape's
// httpStatusCode, else the fault catalog's.
func writeRestJSONError(w http.ResponseWriter, c *call, e *APIError, id string) {
	status := httpStatus(simmodel.ProtocolRestJSON, e.Code)
	body := map[string]string{"message": e.Message}
	if c != nil && c.Model != nil {
		if sh, ok := c.Model.Shapes[e.Code]; ok && sh.Exception {
			body = map[string]string{}
			msgKey, codeKey := "message", ""
			for mn := range sh.Members {
				switch strings.ToLower(mn) {
				case "message":
					msgKey = mn
				case "code":
					codeKey = mn
				}
			}
			body[msgKey] = e.Message
			if codeKey != "" {
				body[codeKey] = e.Code
			}
			if n, ok := sh.Error["httpStatusCode"].(float64); ok && n >= 400 {
				status = int(n)
			}
		}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", id)
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
