package ssmcollect_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/pdr-audit/pdr-audit/internal/collect/gap"
	ssmcollect "github.com/pdr-audit/pdr-audit/internal/collect/ssm"
	"github.com/pdr-audit/pdr-audit/internal/model"
)

// Instance ids of the standard estate.
const (
	iDeb       = "i-0deb000000000001" // Ubuntu, linux-image-<release> plus a meta package
	iLost      = "i-0lost00000000001" // Linux, agent ConnectionLost, no inventory
	iMacOS     = "i-0mac000000000001" // SSM says MacOS
	iMulti     = "i-0multi0000000001" // RHEL with two kernels installed
	iPaged     = "i-0paged0000000001" // inventory long enough to need two pages
	iRPM       = "i-0rpm000000000001" // Amazon Linux, one kernel
	iRunCmd    = "i-0runcmd000000001" // uname evidence that differs from inventory
	iStopped   = "i-0stop00000000001" // stopped: no kernel recorded
	iUnmanaged = "i-0unmanaged000001" // not in SSM
	iWindows   = "i-0win000000000001" // Windows: no kernel recorded
)

// ec2Instances are the standard estate's instances as the EC2 collector
// records them.
func ec2Instances() []model.Instance {
	linux := func(id, state string) model.Instance {
		return model.Instance{ID: id, State: state, Architecture: "x86_64"}
	}
	win := linux(iWindows, "running")
	win.Platform = "windows"
	return []model.Instance{
		linux(iDeb, "running"), linux(iLost, "running"), linux(iMacOS, "running"),
		linux(iMulti, "running"), linux(iPaged, "running"), linux(iRPM, "running"),
		linux(iRunCmd, "running"), linux(iStopped, "stopped"), linux(iUnmanaged, "running"), win,
	}
}

// standardEstate is one region holding every kernel case.
func standardEstate() estate {
	paged := []map[string]any{rpm("bash", "4.2.46", "34.43.amzn1", "x86_64")}
	for n := range 70 {
		paged = append(paged, rpm("kernel-devel", "4.14.47", fmt.Sprintf("%d.amzn1", n), "x86_64"))
	}
	paged = append(paged, rpm("kernel", "4.14.200", "116.320.amzn1", "x86_64"))
	return estate{
		regionPath("ssm/describe-instance-information"): instanceInformation(
			instanceInfo(iRPM, "Online", "Linux", "Amazon Linux AMI", "2018.03"),
			instanceInfo(iDeb, "Online", "Linux", "Ubuntu", "16.04"),
			instanceInfo(iMulti, "Online", "Linux", "Red Hat Enterprise Linux Server", "7.5"),
			instanceInfo(iLost, "ConnectionLost", "Linux", "Amazon Linux", "2"),
			instanceInfo(iPaged, "Online", "Linux", "Amazon Linux AMI", "2018.03"),
			instanceInfo(iRunCmd, "Online", "Linux", "Amazon Linux AMI", "2018.03"),
			instanceInfo(iWindows, "Online", "Windows", "Microsoft Windows Server 2016 Datacenter", "10.0.14393"),
			instanceInfo(iMacOS, "Online", "MacOS", "macOS", "13.4"),
			instanceInfo(iStopped, "ConnectionLost", "Linux", "Amazon Linux", "2"),
		),
		regionPath("ssm/list-inventory-entries/" + iRPM + "/AWS_Application"): inventory(iRPM,
			rpm("bash", "4.2.46", "34.43.amzn1", "x86_64"),
			rpm("kernel", "4.14.47", "56.37.amzn1", "x86_64"),
			rpm("kernel-tools", "4.14.47", "56.37.amzn1", "x86_64"),
		),
		regionPath("ssm/list-inventory-entries/" + iDeb + "/AWS_Application"): inventory(iDeb,
			deb("linux-aws", "4.4.0.1066.68"),
			deb("linux-headers-4.4.0-1066-aws", "4.4.0-1066.76"),
			deb("linux-image-4.4.0-1066-aws", "4.4.0-1066.76"),
			deb("linux-image-aws", "4.4.0.1066.68"),
		),
		regionPath("ssm/list-inventory-entries/" + iMulti + "/AWS_Application"): inventory(iMulti,
			rpm("kernel", "3.10.0", "862.el7", "x86_64"),
			rpm("kernel", "3.10.0", "862.3.3.el7", "x86_64"),
		),
		regionPath("ssm/list-inventory-entries/" + iPaged + "/AWS_Application"): inventory(iPaged, paged...),
		regionPath("ssm/list-inventory-entries/" + iRunCmd + "/AWS_Application"): inventory(iRunCmd,
			rpm("kernel", "4.14.33", "51.37.amzn1", "x86_64"),
		),
		regionPath("ssm/list-inventory-entries/" + iWindows + "/AWS_Application"): inventory(iWindows,
			map[string]any{"Architecture": "x86_64", "Name": "Amazon SSM Agent", "Publisher": "Amazon Web Services", "Version": "3.2.1705.0"},
		),
		regionPath("ssm/get-command-invocation/" + iRunCmd): invocation(iRunCmd, "Success", "4.14.62-65.117.amzn1.x86_64\n"),
		regionPath("ssm/get-command-invocation/" + iMulti):  invocation(iMulti, "Failed", ""),
		regionPath("ssm/get-command-invocation/" + iDeb):    invocation(iDeb, "Success", "4.4.0-1066-aws\nsecond line\n"),
		regionPath("ssm/get-service-setting/default-ec2-instance-management-role"): map[string]any{"ServiceSetting": map[string]any{
			"SettingId":        ssmcollect.DHMCSettingID,
			"SettingValue":     "service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole",
			"LastModifiedDate": "2024-02-01T10:00:00+00:00",
			"LastModifiedUser": "arn:aws:iam::" + testAccount + ":user/admin",
			"ARN":              "arn:aws:ssm:" + testRegion + ":" + testAccount + ":servicesetting" + ssmcollect.DHMCSettingID,
			"Status":           "Customized",
		}},
	}
}

func known(id, release, source string) model.Kernel {
	return model.Kernel{InstanceID: id, Release: release, Source: source}
}

func unknown(id, detail string) model.Kernel {
	return model.Kernel{InstanceID: id, Source: model.KernelUnknown, Detail: detail}
}

// collect runs Collect against a simulator serving dir.
func collect(t *testing.T, dir string, opts ssmcollect.Options) (model.Region, []model.Gap, []call) {
	t.Helper()
	s := startSim(t, dir)
	return collectWith(t, s, s.client, opts)
}

func collectWith(t *testing.T, s *sim, api ssmcollect.API, opts ssmcollect.Options) (model.Region, []model.Gap, []call) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := model.Region{Name: testRegion, Instances: ec2Instances()}
	set := &gap.Set{}
	ssmcollect.Collect(ctx, api, &r, opts, gap.Scope{Set: set, Account: testAccount, Region: testRegion})
	return r, set.List(), s.calls(t)
}

func TestCollectReadsInventoryKernelsInstancesAndDHMC(t *testing.T) {
	r, gaps, calls := collect(t, standardEstate().write(t), ssmcollect.Options{})
	if len(gaps) != 0 {
		t.Errorf("gaps = %+v, want none", gaps)
	}
	want := []model.Kernel{
		known(iDeb, "4.4.0-1066-aws", model.KernelFromInventory),
		unknown(iLost, "no kernel package in inventory"),
		unknown(iMacOS, `SSM platform type "MacOS" is not Linux`),
		unknown(iMulti, "2 kernel packages in inventory, no uname evidence"),
		known(iPaged, "4.14.200-116.320.amzn1.x86_64", model.KernelFromInventory),
		known(iRPM, "4.14.47-56.37.amzn1.x86_64", model.KernelFromInventory),
		known(iRunCmd, "4.14.33-51.37.amzn1.x86_64", model.KernelFromInventory),
		unknown(iUnmanaged, "not managed by SSM"),
	}
	if diff := cmp.Diff(want, r.Kernels); diff != "" {
		t.Errorf("kernels (-want +got):\n%s", diff)
	}
	if len(r.SSMInstances) != 9 {
		t.Errorf("%d SSM instances, want the 9 the region lists", len(r.SSMInstances))
	}
	wantRPM := model.SSMInstance{
		InstanceID: iRPM, PingStatus: "Online", LastPingAt: time.Date(2024, 3, 18, 9, 12, 44, 822000000, time.UTC),
		AgentVersion: "3.2.1705.0", PlatformType: "Linux", PlatformName: "Amazon Linux AMI", PlatformVersion: "2018.03",
		ResourceType: "EC2Instance", ComputerName: "ip-10-70-10-37.eu-west-1.compute.internal", IPAddress: "10.70.10.37",
	}
	if len(r.SSMInstances) > 0 {
		if diff := cmp.Diff(wantRPM, r.SSMInstances[0]); diff != "" {
			t.Errorf("first SSM instance (-want +got):\n%s", diff)
		}
	}
	wantDHMC := &model.ServiceSetting{
		SettingID: ssmcollect.DHMCSettingID,
		Value:     "service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole", Status: "Customized",
	}
	if diff := cmp.Diff(wantDHMC, r.DefaultHostManagement); diff != "" {
		t.Errorf("default host management (-want +got):\n%s", diff)
	}
	// One call per managed Linux instance, plus the second page of iPaged;
	// none for Windows, macOS, stopped or unmanaged instances.
	if n := count(calls, "ListInventoryEntries"); n != 7 {
		t.Errorf("%d ListInventoryEntries calls, want 7", n)
	}
	for _, action := range []string{"SendCommand", "GetCommandInvocation", "GetInventory"} {
		if n := count(calls, action); n != 0 {
			t.Errorf("%d %s calls in inventory mode, want none", n, action)
		}
	}
	for _, c := range calls {
		if c.Action == "DescribeInstanceInformation" && !c.Paginated {
			t.Errorf("DescribeInstanceInformation sent without MaxResults")
		}
	}
}

func TestCollectPrefersRunCommandEvidence(t *testing.T) {
	r, gaps, calls := collect(t, standardEstate().write(t), ssmcollect.Options{KernelSource: ssmcollect.KernelSourceRunCommand, PollInterval: -1})
	// Instances without a get-command-invocation file answer with a failed
	// invocation: absence of evidence, not a failed read.
	if len(gaps) != 0 {
		t.Errorf("gaps = %+v, want none", gaps)
	}
	want := []model.Kernel{
		known(iDeb, "4.4.0-1066-aws", model.KernelFromInventory), // two output lines: not evidence
		unknown(iLost, "no kernel package in inventory; run-command: SSM agent not online"),
		unknown(iMacOS, `SSM platform type "MacOS" is not Linux`),
		unknown(iMulti, "2 kernel packages in inventory, no uname evidence; run-command: command status Failed"),
		known(iPaged, "4.14.200-116.320.amzn1.x86_64", model.KernelFromInventory),
		known(iRPM, "4.14.47-56.37.amzn1.x86_64", model.KernelFromInventory),
		known(iRunCmd, "4.14.62-65.117.amzn1.x86_64", model.KernelFromRunCommand),
		unknown(iUnmanaged, "not managed by SSM"),
	}
	if diff := cmp.Diff(want, r.Kernels); diff != "" {
		t.Errorf("kernels (-want +got):\n%s", diff)
	}
	if n := count(calls, "SendCommand"); n != 1 {
		t.Errorf("%d SendCommand calls, want 1 for 5 online Linux instances", n)
	}
	// Every invocation answers at once: one call per instance.
	if n := count(calls, "GetCommandInvocation"); n != 5 {
		t.Errorf("%d GetCommandInvocation calls, want 5", n)
	}
	// Everything but iRunCmd falls through to inventory (iPaged twice).
	if n := count(calls, "ListInventoryEntries"); n != 6 {
		t.Errorf("%d ListInventoryEntries calls, want 6", n)
	}
}

func TestCollectSendsCommandsInBatchesOf50(t *testing.T) {
	e := estate{}
	var infos []map[string]any
	var instances []model.Instance
	for n := range 120 {
		id := fmt.Sprintf("i-%017x", n)
		infos = append(infos, instanceInfo(id, "Online", "Linux", "Amazon Linux", "2"))
		instances = append(instances, model.Instance{ID: id, State: "running"})
		e[regionPath("ssm/get-command-invocation/"+id)] = invocation(id, "Success", fmt.Sprintf("5.10.%d-1.amzn2.x86_64\n", n))
	}
	e[regionPath("ssm/describe-instance-information")] = instanceInformation(infos...)
	s := startSim(t, e.write(t))
	ctx := context.Background()
	r := model.Region{Name: testRegion, Instances: instances}
	set := &gap.Set{}
	ssmcollect.Collect(ctx, s.client, &r, ssmcollect.Options{KernelSource: ssmcollect.KernelSourceRunCommand, PollInterval: -1},
		gap.Scope{Set: set, Account: testAccount, Region: testRegion})
	calls := s.calls(t)
	if gaps := set.List(); len(gaps) != 0 {
		t.Errorf("gaps = %+v, want none", gaps)
	}
	if len(r.SSMInstances) != 120 {
		t.Errorf("%d SSM instances, want 120", len(r.SSMInstances))
	}
	var pages []int
	for _, c := range calls {
		if c.Action == "DescribeInstanceInformation" {
			pages = append(pages, c.Items)
		}
	}
	if diff := cmp.Diff([]int{50, 50, 20}, pages); diff != "" {
		t.Errorf("DescribeInstanceInformation page sizes (-want +got):\n%s", diff)
	}
	if n := count(calls, "SendCommand"); n != 3 {
		t.Errorf("%d SendCommand calls, want 3 (50+50+20)", n)
	}
	if n := count(calls, "ListInventoryEntries"); n != 0 {
		t.Errorf("%d ListInventoryEntries calls, want none: run-command decided every kernel", n)
	}
	for n, k := range r.Kernels {
		if want := known(instances[n].ID, fmt.Sprintf("5.10.%d-1.amzn2.x86_64", n), model.KernelFromRunCommand); k != want {
			t.Errorf("kernel %d = %+v, want %+v", n, k, want)
		}
	}
}

// slowInvocations answers GetCommandInvocation with InProgress for the
// first inProgress calls per instance, then lets the simulator answer.
type slowInvocations struct {
	ssmcollect.API
	inProgress int

	mu    sync.Mutex
	calls int
}

func (s *slowInvocations) GetCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput, optFns ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if n <= s.inProgress {
		return &ssm.GetCommandInvocationOutput{CommandId: in.CommandId, InstanceId: in.InstanceId, Status: types.CommandInvocationStatusInProgress}, nil
	}
	return s.API.GetCommandInvocation(ctx, in, optFns...)
}

// neverAppears makes every GetCommandInvocation answer
// InvocationDoesNotExist.
var neverAppears = map[string]any{"account": "*", "region": "*", "action": "ssm:GetCommandInvocation", "error": "InvocationDoesNotExist"}

func withFaults(e estate, faults ...any) estate {
	out := estate{"faults": faults}
	for k, v := range e {
		out[k] = v
	}
	return out
}

func TestCollectPollsCommandInvocations(t *testing.T) {
	const id = iRPM
	base := estate{
		regionPath("ssm/describe-instance-information"): instanceInformation(instanceInfo(id, "Online", "Linux", "Amazon Linux", "2")),
	}
	withOutput := func(extra estate) estate {
		e := estate{regionPath("ssm/get-command-invocation/" + id): invocation(id, "Success", "5.10.205-195.807.amzn2.x86_64\n")}
		for k, v := range base {
			e[k] = v
		}
		for k, v := range extra {
			e[k] = v
		}
		return e
	}
	tests := []struct {
		name       string
		estate     estate
		inProgress int
		maxPolls   int
		want       model.Kernel
		wantPolls  int // GetCommandInvocation calls the collector made
	}{
		{
			name: "an invocation in progress is polled until it succeeds", estate: withOutput(nil),
			inProgress: 2, maxPolls: 5,
			want: known(id, "5.10.205-195.807.amzn2.x86_64", model.KernelFromRunCommand), wantPolls: 3,
		},
		{
			name: "an invocation still in progress after MaxPolls falls back to inventory", estate: withOutput(nil),
			inProgress: 100, maxPolls: 3,
			want: unknown(id, "no kernel package in inventory; run-command: command still InProgress after 3 polls"), wantPolls: 3,
		},
		{
			name: "InvocationDoesNotExist right after SendCommand is retried",
			estate: withOutput(estate{"faults": []any{map[string]any{
				"account": "*", "region": "*", "action": "ssm:GetCommandInvocation", "error": "InvocationDoesNotExist", "first": 2,
			}}}),
			maxPolls: 10,
			want:     known(id, "5.10.205-195.807.amzn2.x86_64", model.KernelFromRunCommand), wantPolls: 3,
		},
		{
			name: "an invocation that never appears is no evidence and no gap", estate: withFaults(base, neverAppears),
			maxPolls: 10,
			want:     unknown(id, "no kernel package in inventory; run-command: no command invocation for the instance"), wantPolls: 4,
		},
		{
			name: "MaxPolls bounds the InvocationDoesNotExist retries", estate: withFaults(base, neverAppears),
			maxPolls: 2,
			want:     unknown(id, "no kernel package in inventory; run-command: no command invocation for the instance"), wantPolls: 2,
		},
		{
			name: "a command that failed on the instance is no evidence and no gap", estate: base,
			maxPolls: 10,
			want:     unknown(id, "no kernel package in inventory; run-command: command status Failed"), wantPolls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSim(t, tt.estate.write(t))
			api := &slowInvocations{API: s.client, inProgress: tt.inProgress}
			r, gaps, calls := collectWith(t, s, api, ssmcollect.Options{
				KernelSource: ssmcollect.KernelSourceRunCommand, PollInterval: -1, MaxPolls: tt.maxPolls,
			})
			if len(gaps) != 0 {
				t.Errorf("gaps = %+v, want none", gaps)
			}
			var got *model.Kernel
			for i := range r.Kernels {
				if r.Kernels[i].InstanceID == id {
					got = &r.Kernels[i]
				}
			}
			if got == nil || *got != tt.want {
				t.Errorf("kernel = %+v, want %+v", got, tt.want)
			}
			if api.calls != tt.wantPolls {
				t.Errorf("%d GetCommandInvocation calls, want %d", api.calls, tt.wantPolls)
			}
			if n := count(calls, "SendCommand"); n != 1 {
				t.Errorf("%d SendCommand calls, want 1", n)
			}
		})
	}
}

func TestCollectRecordsGaps(t *testing.T) {
	fault := func(action, code string) estate {
		return estate{"faults": []any{map[string]any{"account": "*", "region": "*", "action": action, "error": code}}}
	}
	managedLinux := []string{iDeb, iLost, iMulti, iPaged, iRPM, iRunCmd}
	tests := []struct {
		name     string
		faults   estate
		source   string
		wantGaps []model.Gap
		check    func(t *testing.T, r model.Region, calls []call)
	}{
		{
			name:     "denied DescribeInstanceInformation leaves kernels unknown without reading inventory",
			faults:   fault("ssm:DescribeInstanceInformation", "AccessDeniedException"),
			wantGaps: []model.Gap{{API: "ssm:DescribeInstanceInformation", Class: model.GapDenied, Code: "AccessDeniedException"}},
			check: func(t *testing.T, r model.Region, calls []call) {
				if r.SSMInstances != nil {
					t.Errorf("SSM instances = %+v, want nil (unreadable, not empty)", r.SSMInstances)
				}
				if len(r.Kernels) != 8 {
					t.Errorf("%d kernels, want one per running non-Windows instance (8)", len(r.Kernels))
				}
				for _, k := range r.Kernels {
					if want := unknown(k.InstanceID, "SSM instance information unreadable"); k != want {
						t.Errorf("kernel = %+v, want %+v", k, want)
					}
				}
				if n := count(calls, "ListInventoryEntries") + count(calls, "SendCommand"); n != 0 {
					t.Errorf("%d kernel calls, want none", n)
				}
				if r.DefaultHostManagement == nil {
					t.Errorf("default host management not read")
				}
			},
		},
		{
			name:     "denied DescribeInstanceInformation sends no command in run-command mode",
			faults:   fault("ssm:DescribeInstanceInformation", "AccessDeniedException"),
			source:   ssmcollect.KernelSourceRunCommand,
			wantGaps: []model.Gap{{API: "ssm:DescribeInstanceInformation", Class: model.GapDenied, Code: "AccessDeniedException"}},
			check: func(t *testing.T, r model.Region, calls []call) {
				if n := count(calls, "SendCommand") + count(calls, "ListInventoryEntries"); n != 0 {
					t.Errorf("%d kernel calls, want none", n)
				}
			},
		},
		{
			name:   "unreadable inventory is a gap per instance and an unknown kernel",
			faults: fault("ssm:ListInventoryEntries", "AccessDeniedException"),
			wantGaps: func() []model.Gap {
				var g []model.Gap
				for _, id := range managedLinux {
					g = append(g, model.Gap{API: "ssm:ListInventoryEntries", Resource: id, Class: model.GapDenied, Code: "AccessDeniedException"})
				}
				return g
			}(),
			check: func(t *testing.T, r model.Region, calls []call) {
				for _, k := range r.Kernels {
					if k.InstanceID == iRPM && k != unknown(iRPM, "SSM inventory unreadable") {
						t.Errorf("kernel = %+v, want unknown: SSM inventory unreadable", k)
					}
				}
			},
		},
		{
			name:   "throttled inventory is a throttled gap after the retries",
			faults: fault("ssm:ListInventoryEntries", "ThrottlingException"),
			wantGaps: func() []model.Gap {
				var g []model.Gap
				for _, id := range managedLinux {
					g = append(g, model.Gap{API: "ssm:ListInventoryEntries", Resource: id, Class: model.GapThrottled, Code: "ThrottlingException"})
				}
				return g
			}(),
			check: func(t *testing.T, r model.Region, calls []call) {
				// The SDK's standard retryer makes 3 attempts per read.
				if n := count(calls, "ListInventoryEntries"); n != 3*len(managedLinux) {
					t.Errorf("%d ListInventoryEntries calls, want %d", n, 3*len(managedLinux))
				}
			},
		},
		{
			name:     "an unreadable DHMC setting is nil and a gap",
			faults:   fault("ssm:GetServiceSetting", "AccessDeniedException"),
			wantGaps: []model.Gap{{API: "ssm:GetServiceSetting", Class: model.GapDenied, Code: "AccessDeniedException"}},
			check: func(t *testing.T, r model.Region, calls []call) {
				if r.DefaultHostManagement != nil {
					t.Errorf("default host management = %+v, want nil", r.DefaultHostManagement)
				}
			},
		},
		{
			name:     "a denied SendCommand falls back to inventory",
			faults:   fault("ssm:SendCommand", "AccessDeniedException"),
			source:   ssmcollect.KernelSourceRunCommand,
			wantGaps: []model.Gap{{API: "ssm:SendCommand", Class: model.GapDenied, Code: "AccessDeniedException"}},
			check: func(t *testing.T, r model.Region, calls []call) {
				for _, k := range r.Kernels {
					switch k.InstanceID {
					case iRunCmd:
						if k != known(iRunCmd, "4.14.33-51.37.amzn1.x86_64", model.KernelFromInventory) {
							t.Errorf("kernel = %+v, want the inventory's", k)
						}
					case iMulti:
						if want := unknown(iMulti, "2 kernel packages in inventory, no uname evidence; run-command: SendCommand failed"); k != want {
							t.Errorf("kernel = %+v, want %+v", k, want)
						}
					}
				}
				if n := count(calls, "GetCommandInvocation"); n != 0 {
					t.Errorf("%d GetCommandInvocation calls, want none", n)
				}
			},
		},
		{
			name:   "a failing GetCommandInvocation is a gap per instance",
			faults: fault("ssm:GetCommandInvocation", "InternalServerError"),
			source: ssmcollect.KernelSourceRunCommand,
			wantGaps: func() []model.Gap {
				var g []model.Gap
				for _, id := range []string{iDeb, iMulti, iPaged, iRPM, iRunCmd} {
					g = append(g, model.Gap{API: "ssm:GetCommandInvocation", Resource: id, Class: model.GapError, Code: "InternalServerError"})
				}
				return g
			}(),
			check: func(t *testing.T, r model.Region, calls []call) {
				for _, k := range r.Kernels {
					if k.InstanceID == iRunCmd && k != known(iRunCmd, "4.14.33-51.37.amzn1.x86_64", model.KernelFromInventory) {
						t.Errorf("kernel = %+v, want the inventory's", k)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := standardEstate()
			for k, v := range tt.faults {
				e[k] = v
			}
			r, gaps, calls := collect(t, e.write(t), ssmcollect.Options{KernelSource: tt.source, PollInterval: -1})
			for i := range gaps {
				if gaps[i].Account != testAccount || gaps[i].Region != testRegion || gaps[i].Message == "" {
					t.Errorf("gap %+v: want account %s, region %s and a message", gaps[i], testAccount, testRegion)
				}
				gaps[i].Account, gaps[i].Region, gaps[i].Message = "", "", ""
			}
			if diff := cmp.Diff(tt.wantGaps, gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			tt.check(t, r, calls)
		})
	}
}

func TestCollectWithKernelSourceNoneReadsNoKernels(t *testing.T) {
	r, gaps, calls := collect(t, standardEstate().write(t), ssmcollect.Options{KernelSource: ssmcollect.KernelSourceNone})
	if len(gaps) != 0 {
		t.Errorf("gaps = %+v, want none", gaps)
	}
	if len(r.Kernels) != 8 {
		t.Errorf("%d kernels, want 8", len(r.Kernels))
	}
	for _, k := range r.Kernels {
		if want := unknown(k.InstanceID, "kernel source none"); k != want {
			t.Errorf("kernel = %+v, want %+v", k, want)
		}
	}
	for _, action := range []string{"ListInventoryEntries", "SendCommand", "GetCommandInvocation"} {
		if n := count(calls, action); n != 0 {
			t.Errorf("%d %s calls, want none", n, action)
		}
	}
	if len(r.SSMInstances) != 9 {
		t.Errorf("%d SSM instances, want 9: SSM is still read", len(r.SSMInstances))
	}
}

func TestCollectReadsTheDefaultDHMCWhenNeverSet(t *testing.T) {
	r, gaps, _ := collect(t, estate{regionPath("ssm/describe-instance-information"): instanceInformation()}.write(t), ssmcollect.Options{})
	if len(gaps) != 0 {
		t.Errorf("gaps = %+v, want none", gaps)
	}
	want := &model.ServiceSetting{SettingID: ssmcollect.DHMCSettingID, Value: "$None", Status: "Default"}
	if diff := cmp.Diff(want, r.DefaultHostManagement); diff != "" {
		t.Errorf("default host management (-want +got):\n%s", diff)
	}
	if r.SSMInstances == nil || len(r.SSMInstances) != 0 {
		t.Errorf("SSM instances = %#v, want an empty, non-nil list", r.SSMInstances)
	}
	if r.Kernels == nil {
		t.Errorf("kernels = nil, want an empty list")
	}
}
