package remediate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pdr-audit/pdr-audit/internal/safefile"
)

// Entry statuses in a journal.
const (
	StatusApplied        = "applied"
	StatusFailed         = "failed"
	StatusNotAttempted   = "not-attempted"
	StatusDryRunOK       = "dry-run-ok"
	StatusRolledBack     = "rolled-back"
	StatusRollbackFailed = "rollback-failed"
)

// Journal records what apply did, so rollback can undo exactly that.
type Journal struct {
	FormatVersion int    `json:"format_version"`
	ToolVersion   string `json:"tool_version"`
	// Plan is the plan file applied and PlanDigest its digest.
	Plan       string    `json:"plan"`
	PlanDigest string    `json:"plan_digest"`
	DryRun     bool      `json:"dry_run"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Outcome is one line: "applied 5 of 5 changes", "stopped at c003: …".
	Outcome string  `json:"outcome"`
	Entries []Entry `json:"entries"`
}

// Entry is what happened to one change.
type Entry struct {
	ChangeID string `json:"change_id"`
	Action   Action `json:"action"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	Resource Ref    `json:"resource"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	// Created names what the change created (group, endpoints,
	// association, instance ids).
	Created *Created `json:"created,omitempty"`
	// Inverse undoes the change, step by step in order.
	Inverse []Step `json:"inverse,omitempty"`
	// Before is the target's state before the change: what rollback
	// verifies it restored.
	Before State `json:"before"`
	// Dedicated is the dedicated group a change created and attached,
	// which rollback needs to read the state back.
	Dedicated *SecurityGroupChange `json:"dedicated,omitempty"`
}

// Created are the ids a change created.
type Created struct {
	SecurityGroupID string   `json:"security_group_id,omitempty"`
	EndpointIDs     []string `json:"endpoint_ids,omitempty"`
	AssociationID   string   `json:"association_id,omitempty"`
	InstanceID      string   `json:"instance_id,omitempty"`
}

// Step is one inverse call.
type Step struct {
	Op      string `json:"op"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// revoke-security-group-rules
	GroupID string   `json:"group_id,omitempty"`
	Rules   []SGRule `json:"rules,omitempty"`
	// delete-network-acl-entries
	ACLID   string     `json:"acl_id,omitempty"`
	Entries []ACLEntry `json:"entries,omitempty"`
	// delete-vpc-endpoints
	EndpointIDs []string `json:"endpoint_ids,omitempty"`
	// disassociate-iam-instance-profile
	AssociationID string `json:"association_id,omitempty"`
	// detach-role-policy
	RoleName  string `json:"role_name,omitempty"`
	PolicyARN string `json:"policy_arn,omitempty"`
	// terminate-instances, disassociate-iam-instance-profile,
	// set-instance-groups
	InstanceID string `json:"instance_id,omitempty"`
	// set-instance-groups: the groups to give the instance back
	Groups []string `json:"groups,omitempty"`
	// When a write's answer was lost, its ids are unknown: the step then
	// finds what the change created by these instead — the tag every
	// resource apply creates carries (ChangeTag), a group's name and VPC,
	// an instance profile's name.
	ChangeTag   string `json:"change_tag,omitempty"`
	GroupName   string `json:"group_name,omitempty"`
	VPCID       string `json:"vpc_id,omitempty"`
	ProfileName string `json:"profile_name,omitempty"`
}

// Inverse operations.
const (
	OpRevokeRules        = "revoke-security-group-rules"
	OpDeleteACLEntries   = "delete-network-acl-entries"
	OpDeleteEndpoints    = "delete-vpc-endpoints"
	OpDeleteGroup        = "delete-security-group"
	OpDisassociate       = "disassociate-iam-instance-profile"
	OpDetachPolicy       = "detach-role-policy"
	OpTerminateInstances = "terminate-instances"
	OpSetInstanceGroups  = "set-instance-groups"
)

// WriteJournal writes a journal atomically with mode 0600.
func WriteJournal(path string, j *Journal) error {
	return safefile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(j)
	})
}

// ErrBadJournal is wrapped by every error about a journal's content.
var ErrBadJournal = errors.New("not a valid journal")

// ReadJournal reads a journal file. Every error names the file.
func ReadJournal(path string) (*Journal, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	j, err := DecodeJournal(b)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return j, nil
}

// DecodeJournal parses and checks a journal.
func DecodeJournal(b []byte) (*Journal, error) {
	if err := checkVersion(b, ErrBadJournal); err != nil {
		return nil, err
	}
	var j Journal
	if err := decodeStrict(b, &j, ErrBadJournal); err != nil {
		return nil, err
	}
	for _, e := range j.Entries {
		switch e.Status {
		case StatusApplied, StatusFailed, StatusNotAttempted, StatusDryRunOK, StatusRolledBack, StatusRollbackFailed:
		default:
			return nil, fmt.Errorf("%w: change %s has the unknown status %q", ErrBadJournal, e.ChangeID, e.Status)
		}
		for _, s := range e.Inverse {
			switch s.Op {
			case OpRevokeRules, OpDeleteACLEntries, OpDeleteEndpoints, OpDeleteGroup, OpDisassociate, OpDetachPolicy, OpTerminateInstances, OpSetInstanceGroups:
			default:
				return nil, fmt.Errorf("%w: change %s has the unknown inverse step %q", ErrBadJournal, e.ChangeID, s.Op)
			}
		}
	}
	return &j, nil
}
