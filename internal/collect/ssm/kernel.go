package ssmcollect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

const (
	// sendCommandBatch is SendCommand's limit on InstanceIds.
	sendCommandBatch = 50
	// notFoundRetries is how many InvocationDoesNotExist answers are
	// retried per instance: AWS gives it briefly right after SendCommand.
	notFoundRetries = 3
	// inventoryPageLimit is ListInventoryEntries' maximum MaxResults.
	inventoryPageLimit = 50
	// maxInventoryPages stops a NextToken chain that never ends (10,000
	// entries, the most an inventory type holds, is 200 pages).
	maxInventoryPages = 1000

	unameComment = "pdr-audit: uname -r"
)

// Unknown-kernel details that are not about inventory.
const (
	detailSourceNone     = "kernel source none"
	detailSSMUnreadable  = "SSM instance information unreadable"
	detailNotManaged     = "not managed by SSM"
	detailAgentOffline   = "SSM agent not online"
	detailInventoryError = "SSM inventory unreadable"
)

// collectKernels decides the kernel of every running non-Windows instance.
func collectKernels(ctx context.Context, api API, instances []model.Instance, infos []model.SSMInstance, ssmRead bool, opts Options, gaps gap.Scope) []model.Kernel {
	byID := make(map[string]model.SSMInstance, len(infos))
	for _, in := range infos {
		byID[in.InstanceID] = in
	}
	kernels := []model.Kernel{}
	// open indexes kernels still to decide; note holds why run-command did
	// not decide one.
	var open []int
	note := map[string]string{}
	for _, inst := range instances {
		if inst.State != "running" || strings.EqualFold(inst.Platform, "windows") {
			continue
		}
		k := model.Kernel{InstanceID: inst.ID, Source: model.KernelUnknown}
		info, managed := byID[inst.ID]
		switch {
		case opts.KernelSource == KernelSourceNone:
			k.Detail = detailSourceNone
		case !ValidKernelSource(opts.KernelSource):
			k.Detail = fmt.Sprintf("kernel source %q not supported", opts.KernelSource)
		case !ssmRead:
			k.Detail = detailSSMUnreadable
		case !managed:
			k.Detail = detailNotManaged
		case info.PlatformType != string(types.PlatformTypeLinux):
			k.Detail = fmt.Sprintf("SSM platform type %q is not Linux", info.PlatformType)
		default:
			open = append(open, len(kernels))
		}
		kernels = append(kernels, k)
	}

	if opts.KernelSource == KernelSourceRunCommand && len(open) > 0 {
		var online []string
		for _, i := range open {
			id := kernels[i].InstanceID
			if byID[id].PingStatus == string(types.PingStatusOnline) {
				online = append(online, id)
			} else {
				note[id] = detailAgentOffline
			}
		}
		released, notes := runUname(ctx, api, online, opts, gaps)
		for id, n := range notes {
			note[id] = n
		}
		var still []int
		for _, i := range open {
			if rel, ok := released[kernels[i].InstanceID]; ok {
				kernels[i].Release, kernels[i].Source = rel, model.KernelFromRunCommand
				continue
			}
			still = append(still, i)
		}
		open = still
	}

	// One listing per instance, several at once: each instance's chain is
	// independent, and the account-region's pacer keeps the calls within
	// SSM's bucket, so the phase follows the bucket rather than k × latency.
	// Each worker writes only its own kernels[i].
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(inventoryWorkers, len(open)) {
		wg.Go(func() {
			for i := range work {
				inventoryKernel(ctx, api, &kernels[i], note, gaps)
			}
		})
	}
	for _, i := range open {
		work <- i
	}
	close(work)
	wg.Wait()
	return kernels
}

// inventoryWorkers is how many instances' inventories are read at once.
const inventoryWorkers = 16

// inventoryKernel fills k from the instance's kernel packages in inventory.
func inventoryKernel(ctx context.Context, api API, k *model.Kernel, note map[string]string, gaps gap.Scope) {
	entries, err := listKernelPackages(ctx, api, k.InstanceID)
	var detail string
	switch {
	case err != nil:
		gaps.Add("ssm:ListInventoryEntries", k.InstanceID, err)
		detail = detailInventoryError
	default:
		var rel string
		rel, detail = ReleaseFromInventory(entries)
		if rel != "" {
			k.Release, k.Source = rel, model.KernelFromInventory
			return
		}
	}
	if n := note[k.InstanceID]; n != "" {
		detail += "; run-command: " + n
	}
	k.Detail = detail
}

// listKernelPackages reads an instance's AWS:Application inventory entries
// whose names begin with "kernel" or "linux-image-", following NextToken.
func listKernelPackages(ctx context.Context, api API, instanceID string) ([]map[string]string, error) {
	in := &ssm.ListInventoryEntriesInput{
		InstanceId: aws.String(instanceID),
		TypeName:   aws.String("AWS:Application"),
		Filters: []types.InventoryFilter{{
			Key:    aws.String("AWS:Application.Name"),
			Values: []string{"kernel", debianImagePrefix},
			Type:   types.InventoryQueryOperatorTypeBeginWith,
		}},
		MaxResults: aws.Int32(inventoryPageLimit),
	}
	var entries []map[string]string
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page == maxInventoryPages {
			return nil, fmt.Errorf("list inventory entries of %s: still a NextToken after %d pages", instanceID, page)
		}
		out, err := api.ListInventoryEntries(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list inventory entries of %s: %w", instanceID, err)
		}
		entries = append(entries, out.Entries...)
		tok := aws.ToString(out.NextToken)
		if tok == "" {
			return entries, nil
		}
		if seen[tok] {
			return nil, fmt.Errorf("list inventory entries of %s: the same NextToken came back twice", instanceID)
		}
		seen[tok] = true
		in.NextToken = aws.String(tok)
	}
}

// invocation is one instance's `uname -r` being awaited.
type invocation struct {
	instanceID, commandID string
	polls, notFound       int
}

// runUname runs `uname -r` on the instances through AWS-RunShellScript and
// returns the releases they printed, and for the others why not.
func runUname(ctx context.Context, api API, ids []string, opts Options, gaps gap.Scope) (released, notes map[string]string) {
	released, notes = map[string]string{}, map[string]string{}
	var pending []*invocation
	for start := 0; start < len(ids); start += sendCommandBatch {
		batch := ids[start:min(start+sendCommandBatch, len(ids))]
		out, err := api.SendCommand(ctx, &ssm.SendCommandInput{
			DocumentName: aws.String("AWS-RunShellScript"),
			InstanceIds:  batch,
			Parameters:   map[string][]string{"commands": {"uname -r"}},
			Comment:      aws.String(unameComment),
		})
		if err == nil && (out.Command == nil || aws.ToString(out.Command.CommandId) == "") {
			err = errors.New("SendCommand answered without a command id")
		}
		if err != nil {
			gaps.Add("ssm:SendCommand", "", fmt.Errorf("send uname -r to %d instances: %w", len(batch), err))
			for _, id := range batch {
				notes[id] = "SendCommand failed"
			}
			if class, _, _ := gap.Classify(err); class == model.GapDenied {
				// Every further batch would be denied the same way.
				for _, id := range ids[start+len(batch):] {
					notes[id] = "SendCommand failed"
				}
				break
			}
			continue
		}
		cmd := aws.ToString(out.Command.CommandId)
		for _, id := range batch {
			pending = append(pending, &invocation{instanceID: id, commandID: cmd})
		}
	}

	for round := 0; len(pending) > 0; round++ {
		if round > 0 {
			sleep(ctx, opts.PollInterval)
		}
		var next []*invocation
		for _, inv := range pending {
			inv.polls++
			if pollInvocation(ctx, api, inv, opts, gaps, released, notes) {
				next = append(next, inv)
			}
		}
		pending = next
	}
	return released, notes
}

// pollInvocation asks for one instance's invocation once; it reports
// whether to ask again, and otherwise records the release or a note.
func pollInvocation(ctx context.Context, api API, inv *invocation, opts Options, gaps gap.Scope, released, notes map[string]string) (again bool) {
	out, err := api.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{
		CommandId:  aws.String(inv.commandID),
		InstanceId: aws.String(inv.instanceID),
	})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "InvocationDoesNotExist" {
			if inv.notFound < notFoundRetries && inv.polls < opts.MaxPolls {
				inv.notFound++
				return true
			}
			notes[inv.instanceID] = "no command invocation for the instance"
			return false
		}
		gaps.Add("ssm:GetCommandInvocation", inv.instanceID, fmt.Errorf("get invocation of command %s: %w", inv.commandID, err))
		notes[inv.instanceID] = "GetCommandInvocation failed"
		return false
	}
	switch out.Status {
	case types.CommandInvocationStatusPending, types.CommandInvocationStatusInProgress, types.CommandInvocationStatusDelayed:
		if inv.polls < opts.MaxPolls {
			return true
		}
		notes[inv.instanceID] = fmt.Sprintf("command still %s after %d polls", out.Status, inv.polls)
	case types.CommandInvocationStatusSuccess:
		if rel, ok := ReleaseFromUname(aws.ToString(out.StandardOutputContent)); ok {
			released[inv.instanceID] = rel
		} else {
			notes[inv.instanceID] = "output is not one uname -r line"
		}
	default:
		notes[inv.instanceID] = fmt.Sprintf("command status %s", out.Status)
	}
	return false
}

// sleep waits d, or until ctx is done; a non-positive d does not wait.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
