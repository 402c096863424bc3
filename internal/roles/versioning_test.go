package roles

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

// registrations records what Register registers.
type registrations map[string]workflow.RegisterOptions

func (r registrations) RegisterWorkflow(w any) { r[funcName(w)] = workflow.RegisterOptions{} }
func (r registrations) RegisterWorkflowWithOptions(w any, o workflow.RegisterOptions) {
	if o.Name != funcName(w) {
		panic("registered " + funcName(w) + " as " + o.Name)
	}
	r[o.Name] = o
}
func (r registrations) RegisterDynamicWorkflow(any, workflow.DynamicRegisterOptions) {}

func funcName(w any) string {
	full := runtime.FuncForPC(reflect.ValueOf(w).Pointer()).Name()
	return full[strings.LastIndex(full, ".")+1:]
}

// TestEveryWorkflowHasItsVersioningBehavior: each registered workflow is
// registered under its function's name (the type in recorded histories)
// with an explicit behavior, and exactly the sweeps auto-upgrade.
func TestEveryWorkflowHasItsVersioningBehavior(t *testing.T) {
	got := registrations{}
	Register(got)
	if len(got) != len(Behaviors) {
		t.Errorf("Register registers %d workflows, Behaviors names %d", len(got), len(Behaviors))
	}
	var upgrade []string
	for name, o := range got {
		switch o.VersioningBehavior {
		case workflow.VersioningBehaviorAutoUpgrade:
			upgrade = append(upgrade, name)
		case workflow.VersioningBehaviorPinned:
		default:
			t.Errorf("%s has no versioning behavior", name)
		}
	}
	slices.Sort(upgrade)
	if want := []string{"Backfill", "CloseSpace", "SyncDocuments", "SyncPermissions", "SyncTemplates"}; !slices.Equal(upgrade, want) {
		t.Errorf("auto-upgrading workflows %v, want %v", upgrade, want)
	}
}

// TestDeploymentOptions: unversioned when unset, pinned by default when
// set, and refused when only one half is set.
func TestDeploymentOptions(t *testing.T) {
	off, err := Deployment(settings.Versioning{})
	if err != nil || off.UseVersioning {
		t.Fatalf("unset: %+v, %v", off, err)
	}
	on, err := Deployment(settings.Versioning{DeploymentName: "records/bridge-worker-workflows", BuildID: "1.4.0"})
	if err != nil || !on.UseVersioning || on.Version.DeploymentName != "records/bridge-worker-workflows" ||
		on.Version.BuildID != "1.4.0" || on.DefaultVersioningBehavior != workflow.VersioningBehaviorPinned {
		t.Fatalf("set: %+v, %v", on, err)
	}
	for _, v := range []settings.Versioning{{DeploymentName: "d"}, {BuildID: "b"}} {
		if _, err := Deployment(v); err == nil || !strings.Contains(err.Error(), "TEMPORAL_WORKER_BUILD_ID") {
			t.Errorf("%+v: err %v, want a refusal naming both variables", v, err)
		}
	}
	if _, err := Deployment(settings.Versioning{DeploymentName: "bridge.workers", BuildID: "1"}); err == nil {
		t.Error("a deployment name with a '.' was accepted; the server refuses it")
	}
}
