package awssim

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"
)

// roleARNAccount splits arn:aws:iam::<account>:role/<path/>name.
func roleARNAccount(arn string) (account, role string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !accountRe.MatchString(parts[4]) {
		return "", "", false
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if !ok || res == "" {
		return "", "", false
	}
	return parts[4], res[strings.LastIndex(res, "/")+1:], true
}

func getCallerIdentity(s *Server, c *call) (map[string]any, *APIError) {
	if c.Caller.Role != "" {
		return map[string]any{
			"UserId":  roleID(c.Caller.Account, c.Caller.Role) + ":" + c.Caller.Session,
			"Account": c.Caller.Account,
			"Arn":     "arn:aws:sts::" + c.Caller.Account + ":assumed-role/" + c.Caller.Role + "/" + c.Caller.Session,
		}, nil
	}
	return s.estate.Accounts[s.estate.Management].Identity, nil
}

// roleID is a stable role id (AROA…) for a role name in an account.
func roleID(account, role string) string {
	sum := sha256.Sum256([]byte(account + "/" + role))
	return "AROA" + strings.ToUpper(base32.StdEncoding.EncodeToString(sum[:]))[:17]
}

// assumeRole issues credentials for any account of the estate: the access
// key id then selects that account for every request signed with it.
func assumeRole(s *Server, c *call) (map[string]any, *APIError) {
	arn := strParam(c.Input, "RoleArn")
	session := strParam(c.Input, "RoleSessionName")
	if arn == "" || session == "" {
		return nil, apiErr("ValidationError", "RoleArn and RoleSessionName are required")
	}
	acct, role, ok := roleARNAccount(arn)
	if !ok {
		return nil, apiErr("ValidationError", "%s is invalid", arn)
	}
	callerARN, _ := s.estate.Accounts[s.estate.Management].Identity["Arn"].(string)
	if c.Caller.Role != "" {
		callerARN = "arn:aws:sts::" + c.Caller.Account + ":assumed-role/" + c.Caller.Role + "/" + c.Caller.Session
	}
	if _, known := s.estate.Accounts[acct]; !known {
		return nil, apiErr("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN, arn)
	}
	duration := int64(3600)
	if d, ok := intParam(c.Input, "DurationSeconds"); ok {
		if d < 900 || d > 43200 {
			return nil, apiErr("ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", d)
		}
		duration = d
	}
	n := s.seq.Add(1)
	seed := sha256.Sum256([]byte(arn + "|" + session + "|" + time.Duration(n).String()))
	key := "ASIA" + strings.ToUpper(base32.StdEncoding.EncodeToString(seed[:]))[:16]
	cred := credential{
		Account: acct, Role: role, Session: session,
		Secret: hex.EncodeToString(seed[8:28]),
		Token:  "FwoGZXIvYXdzE" + hex.EncodeToString(seed[:]),
	}
	s.mu.Lock()
	s.keys[key] = cred
	s.mu.Unlock()
	exp := s.opts.Now().UTC().Add(time.Duration(duration) * time.Second).Truncate(time.Second)
	return map[string]any{
		"Credentials": map[string]any{
			"AccessKeyId": key, "SecretAccessKey": cred.Secret, "SessionToken": cred.Token,
			"Expiration": exp.Format(time.RFC3339),
		},
		"AssumedRoleUser": map[string]any{
			"AssumedRoleId": roleID(acct, role) + ":" + session,
			"Arn":           "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + session,
		},
	}, nil
}

func getInstanceProfile(s *Server, c *call) (map[string]any, *APIError) {
	name := strParam(c.Input, "InstanceProfileName")
	if doc := s.world.iam(c.Account, "get-instance-profile/"+name); doc != nil {
		return doc, nil
	}
	return nil, apiErr("NoSuchEntity", "Instance Profile %s cannot be found.", name)
}

func listAttachedRolePolicies(s *Server, c *call) (map[string]any, *APIError) {
	role := strParam(c.Input, "RoleName")
	acct := s.estate.Accounts[c.Account]
	doc := s.world.iam(c.Account, "list-attached-role-policies/"+role)
	if doc == nil {
		if !roleInProfiles(acct, role) {
			return nil, apiErr("NoSuchEntity", "The role with name %s cannot be found.", role)
		}
		doc = map[string]any{"AttachedPolicies": []any{}}
	}
	all, _ := doc["AttachedPolicies"].([]any)
	prefix := strParam(c.Input, "PathPrefix")
	items := []any{}
	for _, p := range all {
		obj, _ := p.(map[string]any)
		arn := scalarString(obj["PolicyArn"])
		// arn:aws:iam::aws:policy/<path>name: the path is what lies between.
		if prefix != "" {
			_, rest, _ := strings.Cut(arn, ":policy")
			if !strings.HasPrefix(rest, prefix) {
				continue
			}
		}
		items = append(items, p)
	}
	pg, next, err := page(c, items)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{"AttachedPolicies": pg, "IsTruncated": next != ""}
	if next != "" {
		out["Marker"] = next
	}
	return out, nil
}

// roleInProfiles reports whether a role appears in one of the account's
// instance profiles: a role the estate knows, with no policies attached.
func roleInProfiles(acct *Account, role string) bool {
	for key, doc := range acct.IAM {
		if !strings.HasPrefix(key, "get-instance-profile/") {
			continue
		}
		for _, r := range lookup(doc, "InstanceProfile.Roles[]") {
			obj, _ := r.(map[string]any)
			if obj["RoleName"] == role {
				return true
			}
		}
	}
	return false
}

func listAccounts(s *Server, c *call) (map[string]any, *APIError) {
	if s.estate.ListAccounts == nil {
		return nil, apiErr("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	}
	if c.Account != s.estate.Management {
		return nil, apiErr("AccessDeniedException", "You don't have permissions to access this resource.")
	}
	all, _ := s.estate.ListAccounts["Accounts"].([]any)
	pg, next, err := page(c, all)
	if err != nil {
		return nil, err
	}
	c.Items = len(pg)
	out := map[string]any{"Accounts": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
