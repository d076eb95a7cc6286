package awssim

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"
)

// instanceInfoKeys maps DescribeInstanceInformation filter keys to the
// member of an InstanceInformation they compare.
var instanceInfoKeys = map[string]string{
	"InstanceIds":       "InstanceId",
	"AgentVersion":      "AgentVersion",
	"PingStatus":        "PingStatus",
	"PlatformTypes":     "PlatformType",
	"ActivationIds":     "ActivationId",
	"IamRole":           "IamRole",
	"ResourceType":      "ResourceType",
	"AssociationStatus": "AssociationStatus",
}

type ssmFilter struct {
	Key    string
	Values []string
}

func describeInstanceInformation(s *Server, c *call) (map[string]any, *APIError) {
	var filters []ssmFilter
	legacy, _ := c.Input["InstanceInformationFilterList"].([]any)
	modern, _ := c.Input["Filters"].([]any)
	if len(legacy) > 0 && len(modern) > 0 {
		return nil, apiErr("InvalidFilterKey", "InstanceInformationFilterList and Filters cannot be used together.")
	}
	for _, f := range legacy {
		obj, _ := f.(map[string]any)
		filters = append(filters, ssmFilter{Key: strParam(obj, "key"), Values: strList(obj, "valueSet")})
	}
	for _, f := range modern {
		obj, _ := f.(map[string]any)
		filters = append(filters, ssmFilter{Key: strParam(obj, "Key"), Values: strList(obj, "Values")})
	}
	tagFilters := 0
	for _, f := range filters {
		_, known := instanceInfoKeys[f.Key]
		isTag := len(modern) > 0 && (f.Key == "tag-key" || (strings.HasPrefix(f.Key, "tag:") && len(f.Key) > 4))
		if !known && !isTag {
			return nil, apiErr("InvalidFilterKey", "The specified key %s is not valid.", f.Key)
		}
		if isTag {
			tagFilters++
		}
		if len(f.Values) == 0 {
			return nil, apiErr("InvalidInstanceInformationFilterValue", "The filter %s has no values.", f.Key)
		}
		if f.Key == "ResourceType" && len(f.Values) > 1 {
			return nil, apiErr("InvalidInstanceInformationFilterValue", "ResourceType filter may contain only one value.")
		}
	}
	if tagFilters > 0 && tagFilters < len(filters) {
		return nil, apiErr("ValidationException", "Cannot mix tag or inventory filter with any other filter.")
	}
	doc := s.regionFile(c, "ssm/describe-instance-information")
	all, _ := doc["InstanceInformationList"].([]any)
	// Only tag filters read the instances' tags; building the map costs a
	// walk over every instance of the region, on every page.
	var tags map[string]map[string]string
	if tagFilters > 0 {
		tags = s.instanceTags(c)
	}
	items := []any{}
	for _, it := range all {
		info, _ := it.(map[string]any)
		if instanceInfoMatches(info, filters, tags) {
			items = append(items, it)
		}
	}
	pg, next, err := page(c, items)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{"InstanceInformationList": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func instanceInfoMatches(info map[string]any, filters []ssmFilter, tags map[string]map[string]string) bool {
	id := scalarString(info["InstanceId"])
	for _, f := range filters {
		var have []string
		switch {
		case f.Key == "tag-key":
			for k := range tags[id] {
				have = append(have, k)
			}
		case strings.HasPrefix(f.Key, "tag:"):
			if v, ok := tags[id][f.Key[4:]]; ok {
				have = append(have, v)
			}
		default:
			have = []string{scalarString(info[instanceInfoKeys[f.Key]])}
		}
		match := false
		for _, v := range f.Values {
			if contains(have, v) {
				match = true
			}
		}
		if !match {
			return false
		}
	}
	return true
}

// instanceTags returns the EC2 tags of the region's instances: SSM's tag
// filters see the tags of the managed EC2 instance.
func (s *Server) instanceTags(c *call) map[string]map[string]string {
	out := map[string]map[string]string{}
	doc := s.regionFile(c, "ec2/describe-instances")
	for _, inst := range lookup(doc, "Reservations[].Instances[]") {
		obj, _ := inst.(map[string]any)
		id := scalarString(obj["InstanceId"])
		out[id] = map[string]string{}
		for _, t := range lookup(obj, "Tags[]") {
			tag, _ := t.(map[string]any)
			out[id][scalarString(tag["Key"])] = scalarString(tag["Value"])
		}
	}
	return out
}

// inventoryFile is where an estate keeps an instance's inventory of a type
// (AWS:Application → AWS_Application).
func inventoryFile(instance, typeName string) string {
	return "ssm/list-inventory-entries/" + instance + "/" + strings.ReplaceAll(typeName, ":", "_")
}

type inventoryFilter struct {
	Key    string
	Values []string
	Type   string
}

func inventoryFilters(in map[string]any) []inventoryFilter {
	arr, _ := in["Filters"].([]any)
	var out []inventoryFilter
	for _, f := range arr {
		obj, _ := f.(map[string]any)
		out = append(out, inventoryFilter{Key: strParam(obj, "Key"), Values: strList(obj, "Values"), Type: nonEmpty(strParam(obj, "Type"), "Equal")})
	}
	return out
}

// matchInventoryValue applies an inventory query operator.
func matchInventoryValue(op, have string, want []string) bool {
	for _, w := range want {
		switch op {
		case "Equal":
			if have == w {
				return true
			}
		case "NotEqual":
			if have != w {
				return true
			}
		case "BeginWith":
			if strings.HasPrefix(have, w) {
				return true
			}
		case "LessThan":
			if have < w {
				return true
			}
		case "GreaterThan":
			if have > w {
				return true
			}
		case "Exists":
			return true
		}
	}
	return false
}

func listInventoryEntries(s *Server, c *call) (map[string]any, *APIError) {
	id := strParam(c.Input, "InstanceId")
	typeName := strParam(c.Input, "TypeName")
	if id == "" || typeName == "" {
		return nil, apiErr("ValidationException", "InstanceId and TypeName are required.")
	}
	doc := s.regionFile(c, inventoryFile(id, typeName))
	if doc == nil {
		if !s.ssmKnows(c, id) {
			return nil, apiErr("InvalidResourceId", "The resource ID %s is not valid. Verify that you entered the correct ID and try again.", id)
		}
		doc = map[string]any{"TypeName": typeName, "InstanceId": id, "Entries": []any{}}
	}
	entries, _ := doc["Entries"].([]any)
	filters := inventoryFilters(c.Input)
	kept := []any{}
	for _, e := range entries {
		obj, _ := e.(map[string]any)
		ok := true
		for _, f := range filters {
			attr := f.Key
			if i := strings.LastIndex(attr, "."); i >= 0 {
				attr = attr[i+1:]
			}
			if !matchInventoryValue(f.Type, scalarString(obj[attr]), f.Values) {
				ok = false
			}
		}
		if ok {
			kept = append(kept, e)
		}
	}
	pg, next, err := page(c, kept)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{}
	for k, v := range doc {
		out[k] = v
	}
	out["Entries"] = pg
	delete(out, "NextToken")
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// ssmKnows reports whether SSM manages the instance in the call's region.
func (s *Server) ssmKnows(c *call, id string) bool {
	doc := s.regionFile(c, "ssm/describe-instance-information")
	for _, it := range lookup(doc, "InstanceInformationList[]") {
		obj, _ := it.(map[string]any)
		if obj["InstanceId"] == id {
			return true
		}
	}
	return false
}

// inventoryResultTypes are the only result types GetInventory returns;
// application inventory is read with ListInventoryEntries.
var inventoryResultTypes = []string{"AWS:InstanceInformation", "AWS:PatchSummary"}

// getInventory answers as SSM does: filters on any inventory type
// (<Type>.<Attribute>) select managed nodes, and each selected node's Data
// carries its AWS:InstanceInformation item, built from the region's
// describe-instance-information.json. Filters on an application type match
// against the per-instance inventory files ListInventoryEntries serves.
func getInventory(s *Server, c *call) (map[string]any, *APIError) {
	filters := inventoryFilters(c.Input)
	for _, ra := range lookup(c.Input, "ResultAttributes[]") {
		obj, _ := ra.(map[string]any)
		if t := strParam(obj, "TypeName"); !contains(inventoryResultTypes, t) {
			return nil, apiErr("InvalidResultAttributeException", "Result type name %s is not supported. Supported type names are: AWS:InstanceInformation, AWS:PatchSummary. Default result type name is AWS:InstanceInformation.", t)
		}
	}
	for _, f := range filters {
		t, attr, ok := strings.Cut(f.Key, ".")
		if !ok || attr == "" || !strings.Contains(t, ":") {
			return nil, apiErr("InvalidFilter", "The filter key %s is not valid: use <TypeName>.<Attribute>.", f.Key)
		}
		if f.Type == "Exists" {
			return nil, apiErr("InvalidFilter", "The Exists filter must be used with aggregators.")
		}
	}
	doc := s.regionFile(c, "ssm/describe-instance-information")
	var entities []any
	for _, it := range lookup(doc, "InstanceInformationList[]") {
		info, _ := it.(map[string]any)
		id := scalarString(info["InstanceId"])
		item := instanceInformationItem(info)
		content, _ := item["Content"].([]any)
		row, _ := content[0].(map[string]any)
		selected := true
		for _, f := range filters {
			t, attr, _ := strings.Cut(f.Key, ".")
			var rows []any
			if t == "AWS:InstanceInformation" {
				rows = []any{row}
			} else {
				inv := s.regionFile(c, inventoryFile(id, t))
				rows, _ = inv["Entries"].([]any)
			}
			matched := false
			for _, r := range rows {
				obj, _ := r.(map[string]any)
				if matchInventoryValue(f.Type, scalarString(obj[attr]), f.Values) {
					matched = true
				}
			}
			if !matched {
				selected = false
			}
		}
		if selected {
			entities = append(entities, map[string]any{"Id": id, "Data": map[string]any{"AWS:InstanceInformation": item}})
		}
	}
	if entities == nil {
		entities = []any{}
	}
	pg, next, err := page(c, entities)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{"Entities": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// instanceInformationItem is the AWS:InstanceInformation inventory item of
// a managed node.
func instanceInformationItem(info map[string]any) map[string]any {
	row := map[string]any{"InstanceStatus": "Active"}
	for src, dst := range map[string]string{
		"AgentVersion": "AgentVersion", "ComputerName": "ComputerName", "InstanceId": "InstanceId",
		"IPAddress": "IpAddress", "PlatformName": "PlatformName", "PlatformType": "PlatformType",
		"PlatformVersion": "PlatformVersion", "ResourceType": "ResourceType",
	} {
		if v, ok := info[src]; ok {
			row[dst] = scalarString(v)
		}
	}
	row["AgentType"] = "amazon-ssm-agent"
	item := map[string]any{"TypeName": "AWS:InstanceInformation", "SchemaVersion": "1.0", "Content": []any{row}}
	if t, err := timestampValue(info["LastPingDateTime"]); err == nil {
		item["CaptureTime"] = t.UTC().Format("2006-01-02T15:04:05Z")
	}
	return item
}

func sendCommand(s *Server, c *call) (map[string]any, *APIError) {
	doc := strParam(c.Input, "DocumentName")
	if doc == "" {
		return nil, apiErr("ValidationException", "1 validation error detected: Value null at 'documentName' failed to satisfy constraint: Member must not be null")
	}
	if doc != "AWS-RunShellScript" && doc != "AWS-RunPowerShellScript" {
		return nil, apiErr("InvalidDocument", "Document %s does not exist in your account.", doc)
	}
	ids := strList(c.Input, "InstanceIds")
	if len(ids) == 0 {
		return nil, apiErr("ValidationException", "InstanceIds or Targets must be given.")
	}
	for _, id := range ids {
		if !s.ssmKnows(c, id) {
			return nil, apiErr("InvalidInstanceId", "Instances [[%s]] not in a valid state for account %s", id, c.Account)
		}
	}
	now := s.opts.Now().UTC()
	cmdID := fmt.Sprintf("5a1fc0de-%04x-4000-8000-%012x", s.seq.Add(1)%0x10000, s.seq.Add(1))
	s.mu.Lock()
	if s.commands == nil {
		s.commands = map[string]commandRecord{}
	}
	s.commands[cmdID] = commandRecord{Account: c.Account, Region: c.Region, Instances: ids}
	s.mu.Unlock()
	instIDs := make([]any, len(ids))
	for i, id := range ids {
		instIDs[i] = id
	}
	cmd := map[string]any{
		"CommandId": cmdID, "DocumentName": doc, "DocumentVersion": "$DEFAULT",
		"Comment": strParam(c.Input, "Comment"), "InstanceIds": instIDs, "Targets": []any{},
		"RequestedDateTime": now.Format(time.RFC3339Nano), "ExpiresAfter": now.Add(time.Hour).Format(time.RFC3339Nano),
		"Status": "Pending", "StatusDetails": "Pending", "MaxConcurrency": "50", "MaxErrors": "0",
		"TargetCount": len(ids), "CompletedCount": 0, "ErrorCount": 0, "DeliveryTimedOutCount": 0,
		"TimeoutSeconds": 3600, "ServiceRole": "", "OutputS3Region": c.Region,
		"OutputS3BucketName": "", "OutputS3KeyPrefix": "",
		"NotificationConfig":     map[string]any{"NotificationArn": "", "NotificationEvents": []any{}, "NotificationType": ""},
		"CloudWatchOutputConfig": map[string]any{"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": false},
	}
	if p, ok := c.Input["Parameters"]; ok {
		cmd["Parameters"] = p
	}
	return map[string]any{"Command": cmd}, nil
}

// commandRecord is a command SendCommand accepted.
type commandRecord struct {
	Account, Region string
	Instances       []string
}

// getCommandInvocation answers from get-command-invocation/<instance>.json:
// what the instance printed for `uname -r`. It accepts the command ids the
// simulator issued for that instance and the id recorded in the file.
func getCommandInvocation(s *Server, c *call) (map[string]any, *APIError) {
	cmdID, id := strParam(c.Input, "CommandId"), strParam(c.Input, "InstanceId")
	doc := s.regionFile(c, "ssm/get-command-invocation/"+id)
	s.mu.Lock()
	rec, issued := s.commands[cmdID]
	s.mu.Unlock()
	issued = issued && rec.Account == c.Account && rec.Region == c.Region && contains(rec.Instances, id)
	if doc == nil && issued {
		// The command ran (SSM knows the instance), but the estate holds no
		// output for it: answer as a command that failed on the instance.
		return failedInvocation(c, cmdID, id), nil
	}
	if doc == nil || (!issued && doc["CommandId"] != cmdID) {
		return nil, apiErr("InvocationDoesNotExist", "")
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	out["CommandId"] = cmdID
	return out, nil
}

// failedInvocation is the invocation of an issued command for which the
// estate holds no output.
func failedInvocation(c *call, cmdID, instance string) map[string]any {
	now := c.server.opts.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	return map[string]any{
		"CommandId": cmdID, "InstanceId": instance, "Comment": "", "DocumentName": "AWS-RunShellScript",
		"DocumentVersion": "$DEFAULT", "PluginName": "aws:runShellScript", "ResponseCode": json.Number("1"),
		"ExecutionStartDateTime": now, "ExecutionElapsedTime": "PT0S", "ExecutionEndDateTime": now,
		"Status": "Failed", "StatusDetails": "Failed", "StandardOutputContent": "", "StandardOutputUrl": "",
		"StandardErrorContent": "the estate holds no uname -r output for this instance", "StandardErrorUrl": "",
		"CloudWatchOutputConfig": map[string]any{"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": false},
	}
}

func getServiceSetting(s *Server, c *call) (map[string]any, *APIError) {
	id := strParam(c.Input, "SettingId")
	name := path.Base(id)
	if doc := s.regionFile(c, "ssm/get-service-setting/"+name); doc != nil {
		return doc, nil
	}
	if id != "/ssm/managed-instance/default-ec2-instance-management-role" {
		return nil, apiErr("ServiceSettingNotFound", "No setting found for %s", id)
	}
	// Never set: AWS answers with the setting's default.
	return map[string]any{"ServiceSetting": map[string]any{
		"SettingId": id, "SettingValue": "$None", "Status": "Default", "LastModifiedUser": "System",
		"ARN": fmt.Sprintf("arn:aws:ssm:%s:%s:servicesetting%s", c.Region, c.Account, id),
	}}, nil
}
