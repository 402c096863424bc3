// Package roles builds the Temporal workers of each role. The same binary
// runs any set of roles, so each can be scaled on its own: more OpenText
// workers during a backfill, say.
package roles

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

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

// liveness heartbeats every running activity (internal/heartbeat).
var liveness = []interceptor.WorkerInterceptor{heartbeat.Interceptor(HeartbeatEvery, heartbeat.DefaultStall)}

// New builds one worker per role, not yet started.
func New(c client.Client, roles []string, cfg settings.Worker, deps Deps) ([]worker.Worker, error) {
	var out []worker.Worker
	// One principal look-up (and its cache) for every activity struct of
	// the process, whichever queues it serves.
	principals := &access.Resolver{Rules: deps.Rules.Access, Confluence: deps.Confluence, OTCS: deps.OpenText}
	for _, r := range roles {
		switch r {
		case Workflows:
			w := worker.New(c, workflows.TaskQueue, worker.Options{
				MaxConcurrentWorkflowTaskExecutionSize: cfg.WorkflowConcurrency,
				WorkflowTaskPollerBehavior:             autoscaling(),
			})
			Register(w)
			out = append(out, w)
		case Confluence:
			w := worker.New(c, activities.ConfluenceTaskQueue, worker.Options{
				MaxConcurrentActivityExecutionSize: cfg.ConfluenceConcurrency,
				TaskQueueActivitiesPerSecond:       cfg.ConfluenceRate,
				ActivityTaskPollerBehavior:         autoscaling(),
				Interceptors:                       liveness,
				WorkerStopTimeout:                  cfg.StopTimeout,
			})
			w.RegisterActivity(&pages.ConfluenceActivities{Confluence: deps.Confluence, Rules: deps.Rules})
			w.RegisterActivity(&documentpages.DocumentPageActivities{Confluence: deps.Confluence, OTCS: deps.OpenText, Rules: deps.Rules, Access: principals})
			w.RegisterActivity(&triggers.TriggerActivities{Confluence: deps.Confluence, Rules: deps.Rules,
				Starter: &control.Client{Temporal: c, Confluence: deps.Confluence}})
			w.RegisterActivity(&triggers.BackfillActivities{Confluence: deps.Confluence, OTCS: deps.OpenText, Rules: deps.Rules,
				Starter: &control.Client{Temporal: c, Confluence: deps.Confluence}})
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
				Interceptors:                       liveness,
				WorkerStopTimeout:                  cfg.StopTimeout,
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

// Register registers every workflow on w. workflows/replay_test.go replays
// with it too, so every workflow registered here is replay-tested.
func Register(w worker.WorkflowRegistry) {
	w.RegisterWorkflow(workflows.PublishPage)
	w.RegisterWorkflow(workflows.FileRecord)
	w.RegisterWorkflow(workflows.RouteEvent)
	w.RegisterWorkflow(workflows.Reconcile)
	w.RegisterWorkflow(workflows.DocumentLifecycle)
	w.RegisterWorkflow(workflows.SyncDocuments)
	w.RegisterWorkflow(workflows.SyncReferences)
	w.RegisterWorkflow(workflows.RefreshDocumentPage)
	w.RegisterWorkflow(workflows.SyncTemplates)
	w.RegisterWorkflow(workflows.SyncLease)
	w.RegisterWorkflow(workflows.SecureRecords)
	w.RegisterWorkflow(workflows.SyncPermissions)
	w.RegisterWorkflow(workflows.Backfill)
}
