package examples

import (
	"path/filepath"
	"testing"

	"github.com/pdr-audit/pdr-audit/internal/config"
)

// The demo's remediation configuration is one a user can copy: it loads
// with every remediation key set.
func TestTheDemoRemediationConfigLoads(t *testing.T) {
	cfg, err := config.Load(filepath.Join(examplesDir(t), "demo-remediation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Remediation
	if r.SecurityGroups != config.GroupsExisting || r.InstanceProfile == "" || r.Appliance.ImageID == "" || r.Appliance.InstanceType == "" {
		t.Errorf("remediation = %+v, want every key the demo uses", r)
	}
}
