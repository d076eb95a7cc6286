package awssim

import (
	"regexp"
	"strings"
)

// IAM writes: AttachRolePolicy and DetachRolePolicy, on the account's
// iam/list-attached-role-policies/<role> documents. A role is one the
// estate knows: it has such a document, or is in one of the account's
// instance profiles (then it starts with no policy attached).
//
// Simplification: IAM's managed policy catalogue is not in an estate, so
// any well-formed policy ARN attaches.

var policyARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/(.+/)?[\w+=,.@-]+$`)

// rolePolicies returns the document key of a role's attached policies, or
// NoSuchEntity when the account does not know the role.
func rolePolicies(t *tx, c *call, role string) (docKey, *APIError) {
	key := iamKey(c.Account, "list-attached-role-policies/"+role)
	if t.get(key) == nil {
		acct := t.w.estate.Accounts[c.Account]
		if acct == nil || !roleInProfiles(acct, role) {
			return key, apiErr("NoSuchEntity", "The role with name %s cannot be found.", role)
		}
	}
	return key, nil
}

// policyParams reads and checks RoleName and PolicyArn.
func policyParams(c *call) (role, arn string, err *APIError) {
	role, arn = strParam(c.Input, "RoleName"), strParam(c.Input, "PolicyArn")
	for _, p := range [][2]string{{"roleName", role}, {"policyArn", arn}} {
		if p[1] == "" {
			return "", "", apiErr("ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", p[0])
		}
	}
	if !policyARNRe.MatchString(arn) {
		return "", "", apiErr("InvalidInput", "ARN %s is not valid.", arn)
	}
	return role, arn, nil
}

// attachedIndex returns the index of a policy among a role's attached
// policies, or -1.
func attachedIndex(doc map[string]any, arn string) int {
	i, _ := find(doc, "AttachedPolicies", "PolicyArn", arn)
	return i
}

// attachRolePolicy attaches a managed policy to a role; attaching one
// already attached changes nothing, as in IAM.
func attachRolePolicy(s *Server, c *call) (map[string]any, *APIError) {
	role, arn, err := policyParams(c)
	if err != nil {
		return nil, err
	}
	err = s.world.write(func(t *tx) *APIError {
		key, err := rolePolicies(t, c, role)
		if err != nil {
			return err
		}
		if attachedIndex(t.get(key), arn) >= 0 {
			return nil
		}
		doc := t.edit(key)
		doc["AttachedPolicies"] = append(list(doc, "AttachedPolicies"), map[string]any{
			"PolicyName": arn[strings.LastIndex(arn, "/")+1:], "PolicyArn": arn,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// detachRolePolicy detaches a managed policy from a role.
func detachRolePolicy(s *Server, c *call) (map[string]any, *APIError) {
	role, arn, err := policyParams(c)
	if err != nil {
		return nil, err
	}
	err = s.world.write(func(t *tx) *APIError {
		key, err := rolePolicies(t, c, role)
		if err != nil {
			return err
		}
		i := attachedIndex(t.get(key), arn)
		if i < 0 {
			return apiErr("NoSuchEntity", "Policy %s was not found.", arn)
		}
		doc := t.edit(key)
		doc["AttachedPolicies"] = removeAt(list(doc, "AttachedPolicies"), i)
		if len(list(doc, "AttachedPolicies")) == 0 && t.w.estateDoc(key) == nil {
			// The role had no document: leave none, as before the attach.
			t.drop(key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}
