// Package roles builds the Temporal workers of each role. The same binary
// runs any set of roles, so each can be scaled on its own: more OpenText
// workers during a backfill, say.
package roles

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/activities/templates"
	"github.com/xecm-bridge/xecm-bridge/activities/triggers"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/heartbeat"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// The roles a worker process can take.
const (
	Workflows  = "workflows"
	Confluence = "confluence"
	OpenText   = "opentext"
)

// All is every role, in start order.
var All = []string{Workflows, Confluence, OpenText}

// Parse reads a comma-separated role list; "all" means every role.
func Parse(s string) ([]string, error) {
	seen := map[string]bool{}
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(strings.ToLower(r))
		switch r {
		case "":
		case "all":
			for _, a := range All {
				seen[a] = true
			}
		case Workflows, Confluence, OpenText:
			seen[r] = true
		default:
			return nil, fmt.Errorf("unknown worker role %q (use workflows, confluence, opentext or all)", r)
		}
	}
	var out []string
	for _, a := range All {
		if seen[a] {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no worker role given (use workflows, confluence, opentext or all)")
	}
	return out, nil
}

// Deps are what the activity roles need.
type Deps struct {
	Confluence *confluence.Client
	OpenText   *opentext.Client
	Rules      *mapping.Rules
	PDF        activities.PDFSettings // renders of rules with rendition: pdf
}

// Needs reports whether the roles need backend clients and mapping rules.
func Needs(roles []string) bool {
	for _, r := range roles {
		if r != Workflows {
			return true
		}
	}
	return false
}

// HeartbeatEvery is how often a running activity heartbeats by time; with
// the workflows' 30 s heartbeat timeouts, an activity of a worker that died
// is retried within about half a minute.
const HeartbeatEvery = 5 * time.Second

// activityInterceptors heartbeat every running activity
// (internal/heartbeat) and count every backend HTTP attempt and retry of
// its clients on the worker's metrics (internal/metrics).
var activityInterceptors = []interceptor.WorkerInterceptor{
	heartbeat.Interceptor(HeartbeatEvery, heartbeat.DefaultStall),
	metrics.BackendInterceptor(),
}

// New builds one worker per role, not yet started.
func New(c client.Client, roles []string, cfg settings.Worker, deps Deps) ([]worker.Worker, error) {
	var out []worker.Worker
	deployment, err := Deployment(cfg.Versioning)
	if err != nil {
		return nil, err
	}
	// One principal look-up (and its cache) for every activity struct of
	// the process, whichever queues it serves.
	principals := &access.Resolver{Rules: deps.Rules.Access, Confluence: deps.Confluence, OTCS: deps.OpenText}
	// The flows the trigger activities start run on this process's
	// workflows worker when it has one: started eagerly, their first
	// workflow task comes back with the start instead of through a poll.
	// Not with versioning: an eager start ignores the deployment version.
	starter := &control.Client{Temporal: c, Confluence: deps.Confluence,
		Eager: slices.Contains(roles, Workflows) && deployment == (worker.DeploymentOptions{})}
	for _, r := range roles {
		switch r {
		case Workflows:
			w := worker.New(c, workflows.TaskQueue, worker.Options{
				MaxConcurrentWorkflowTaskExecutionSize: cfg.WorkflowConcurrency,
				WorkflowTaskPollerBehavior:             autoscaling(),
				DeploymentOptions:                      deployment,
			})
			Register(w)
			out = append(out, w)
		case Confluence:
			w := worker.New(c, activities.ConfluenceTaskQueue, worker.Options{
				MaxConcurrentActivityExecutionSize: cfg.ConfluenceConcurrency,
				TaskQueueActivitiesPerSecond:       cfg.ConfluenceRate,
				ActivityTaskPollerBehavior:         autoscaling(),
				Interceptors:                       activityInterceptors,
				WorkerStopTimeout:                  cfg.StopTimeout,
				DeploymentOptions:                  deployment,
			})
			w.RegisterActivity(&pages.ConfluenceActivities{Confluence: deps.Confluence, Rules: deps.Rules})
			w.RegisterActivity(&documentpages.DocumentPageActivities{Confluence: deps.Confluence, OTCS: deps.OpenText, Rules: deps.Rules, Access: principals})
			w.RegisterActivity(&triggers.TriggerActivities{Confluence: deps.Confluence, Rules: deps.Rules, Starter: starter})
			w.RegisterActivity(&triggers.BackfillActivities{Confluence: deps.Confluence, OTCS: deps.OpenText, Rules: deps.Rules, Starter: starter, Flows: starter})
			// Templates are written into Confluence (about 30 calls per
			// template), so they run on its queue and under its rate; OTCS
			// is only read for the DOCX they carry.
			w.RegisterActivity(&templates.TemplateActivities{OTCS: deps.OpenText, Confluence: deps.Confluence, Rules: deps.Rules, Access: principals})
			out = append(out, w)
		case OpenText:
			w := worker.New(c, activities.OpenTextTaskQueue, worker.Options{
				MaxConcurrentActivityExecutionSize: cfg.OpenTextConcurrency,
				TaskQueueActivitiesPerSecond:       cfg.OpenTextRate,
				ActivityTaskPollerBehavior:         autoscaling(),
				Interceptors:                       activityInterceptors,
				WorkerStopTimeout:                  cfg.StopTimeout,
				DeploymentOptions:                  deployment,
			})
			w.RegisterActivity(&records.OpenTextActivities{OTCS: deps.OpenText, Confluence: deps.Confluence, Rules: deps.Rules, PDF: deps.PDF, Access: principals})
			w.RegisterActivity(&documentsources.DocumentSourceActivities{OTCS: deps.OpenText, Rules: deps.Rules, Access: principals})
			out = append(out, w)
		}
	}
	return out, nil
}

// autoscaling lets the worker open as many polls as its task queue keeps
// busy (the SDK's default is two per queue, which makes a burst of runs
// wait for their first workflow task): from 5 up to 100, down to 1.
func autoscaling() worker.PollerBehavior {
	return worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{})
}

// Deployment is the Worker Deployment version every worker of the process
// polls as (docs/kubernetes.md#rollouts), or the zero value (unversioned)
// when TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_WORKER_BUILD_ID are unset. A
// workflow type without a behavior of its own (Behaviors) is pinned.
func Deployment(v settings.Versioning) (worker.DeploymentOptions, error) {
	on, err := v.Enabled()
	if err != nil || !on {
		return worker.DeploymentOptions{}, err
	}
	return worker.DeploymentOptions{
		UseVersioning:             true,
		Version:                   worker.WorkerDeploymentVersion{DeploymentName: v.DeploymentName, BuildID: v.BuildID},
		DefaultVersioningBehavior: workflow.VersioningBehaviorPinned,
	}, nil
}

// Behaviors is each workflow type's versioning behavior, used when the
// workers are versioned (unversioned workers ignore it).
//
// Pinned: a run finishes on the build it started on, so a change of code
// never meets a run halfway. Runs that last minutes (publish, record,
// routing, reconcile ticks, references, access changes) lose nothing by
// it; the lifecycle, which can wait days for a review, keeps its build
// for as long, because its review and declaration must follow one script
// (an operator can move a straggler: docs/kubernetes.md#rollouts). The
// lease is pinned like the sweep that holds it, and ends with it.
//
// AutoUpgrade: the sweeps over many items, which continue as new for
// hours (a full change-feed or template sweep, the permission sweep) or
// days (a backfill, which also waits on pause/resume signals). Their
// workflow code is a loop over a cursor carried in their state; each
// item is an activity of its own. Pinned, one long sweep would keep an
// old build running until it ends, and a fix to a sweep would wait for
// the next one; upgraded, the next workflow task runs on the new build,
// which the replay gate (workflows/replay_test.go) proves can continue
// every recorded history.
var Behaviors = map[string]workflow.VersioningBehavior{
	"PublishPage":         workflow.VersioningBehaviorPinned,
	"FileRecord":          workflow.VersioningBehaviorPinned,
	"RouteEvent":          workflow.VersioningBehaviorPinned,
	"Reconcile":           workflow.VersioningBehaviorPinned,
	"DocumentLifecycle":   workflow.VersioningBehaviorPinned,
	"SyncReferences":      workflow.VersioningBehaviorPinned,
	"RefreshDocumentPage": workflow.VersioningBehaviorPinned,
	"SyncLease":           workflow.VersioningBehaviorPinned,
	"SecureRecords":       workflow.VersioningBehaviorPinned,
	"SyncDocuments":       workflow.VersioningBehaviorAutoUpgrade,
	"SyncTemplates":       workflow.VersioningBehaviorAutoUpgrade,
	"SyncPermissions":     workflow.VersioningBehaviorAutoUpgrade,
	"Backfill":            workflow.VersioningBehaviorAutoUpgrade,
	"CloseSpace":          workflow.VersioningBehaviorAutoUpgrade,
}

// Register registers every workflow on w, each with its versioning
// behavior (Behaviors). workflows/replay_test.go replays with it too, so
// every workflow registered here is replay-tested.
func Register(w worker.WorkflowRegistry) {
	for _, wf := range []struct {
		name string
		fn   any
	}{
		{"PublishPage", workflows.PublishPage},
		{"FileRecord", workflows.FileRecord},
		{"RouteEvent", workflows.RouteEvent},
		{"Reconcile", workflows.Reconcile},
		{"DocumentLifecycle", workflows.DocumentLifecycle},
		{"SyncDocuments", workflows.SyncDocuments},
		{"SyncReferences", workflows.SyncReferences},
		{"RefreshDocumentPage", workflows.RefreshDocumentPage},
		{"SyncTemplates", workflows.SyncTemplates},
		{"SyncLease", workflows.SyncLease},
		{"SecureRecords", workflows.SecureRecords},
		{"SyncPermissions", workflows.SyncPermissions},
		{"Backfill", workflows.Backfill},
		{"CloseSpace", workflows.CloseSpace},
	} {
		b, ok := Behaviors[wf.name]
		if !ok {
			panic("roles: workflow " + wf.name + " has no versioning behavior in roles.Behaviors")
		}
		// The name is the function's, as RegisterWorkflow gives it (the
		// types recorded in every history).
		w.RegisterWorkflowWithOptions(wf.fn, workflow.RegisterOptions{Name: wf.name, VersioningBehavior: b})
	}
}
