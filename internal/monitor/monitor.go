// Package monitor exports what no single worker sees of the bridge's state
// in Temporal, as gauges on the process's metrics endpoint: each task
// queue's backlog, the age of its oldest task, its pollers and the rate
// limit the server enforces on it; when each Schedule last started a run
// and whether it is paused; and how many runs have stood in a stage for
// longer than they should. The dashboard and the alerts
// (deploy/helm/xecm-bridge/files) are built on these and the SDK's own
// metrics. The workflow role runs the collector; several replicas report
// the same values, which the alerts aggregate with max.
package monitor

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// The gauges, with their tags.
const (
	QueueBacklog      = "xecm_bridge_task_queue_backlog"                  // task_queue, task_type: tasks waiting (approximate)
	QueueBacklogAge   = "xecm_bridge_task_queue_backlog_age_seconds"      // task_queue, task_type: how long the oldest has waited
	QueuePollers      = "xecm_bridge_task_queue_pollers"                  // task_queue, task_type: workers polling recently
	QueueRateLimit    = "xecm_bridge_task_queue_rate_limit"               // task_queue, task_type: tasks/s the server hands out; -1 = none
	ScheduleLastRun   = "xecm_bridge_schedule_last_run_timestamp_seconds" // schedule: when its last action started; 0 = never
	SchedulePaused    = "xecm_bridge_schedule_paused"                     // schedule: 1 paused, 0 running, -1 missing
	RunsStuck         = "xecm_bridge_runs_stuck"                          // stage: running runs started more than StuckAfter ago in that stage
	CollectorFailures = "xecm_bridge_monitor_failures"                    // what: a collection that failed (counter)
)

// Queue is one task queue and the kind of tasks its workers poll.
type Queue struct {
	Name string
	Type enumspb.TaskQueueType
}

// Queues are the bridge's task queues.
var Queues = []Queue{
	{workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW},
	{activities.ConfluenceTaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY},
	{activities.OpenTextTaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY},
}

// Schedules are the bridge's Schedules.
var Schedules = []string{
	workflows.ReconcileScheduleID, workflows.SyncDocumentsScheduleID,
	workflows.SyncTemplatesScheduleID, workflows.SyncPermissionsScheduleID,
}

// StuckStages are the stages a run should pass through in minutes: a run
// still in one long after it started is stuck (a record not stored or not
// verified, a link not written).
var StuckStages = []workflows.Stage{
	workflows.StageReading, workflows.StageUploading, workflows.StageClassifying, workflows.StageLinking,
}

// Collector measures every Every and records on Metrics.
type Collector struct {
	Client     client.Client
	Namespace  string
	Metrics    client.MetricsHandler
	Every      time.Duration // default 30 s
	StuckAfter time.Duration // default 1 h
	Now        func() time.Time
}

// Run collects until ctx ends. A failed collection is counted and retried
// at the next tick; it never stops the process.
func (c *Collector) Run(ctx context.Context) {
	every := c.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_ = c.Collect(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Collect measures once. It returns every failure, after recording what
// it could.
func (c *Collector) Collect(ctx context.Context) error {
	var errs []error
	for _, q := range Queues {
		if err := c.queue(ctx, q); err != nil {
			errs = append(errs, c.failed("task_queue", fmt.Errorf("task queue %s: %w", q.Name, err)))
		}
	}
	for _, id := range Schedules {
		if err := c.schedule(ctx, id); err != nil {
			errs = append(errs, c.failed("schedule", fmt.Errorf("schedule %s: %w", id, err)))
		}
	}
	if err := c.stuck(ctx); err != nil {
		errs = append(errs, c.failed("stuck_runs", err))
	}
	return errors.Join(errs...)
}

func (c *Collector) failed(what string, err error) error {
	c.Metrics.WithTags(map[string]string{"what": what}).Counter(CollectorFailures).Inc(1)
	return err
}

func (c *Collector) queue(ctx context.Context, q Queue) error {
	resp, err := c.Client.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     c.Namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: q.Name, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: q.Type,
		ReportStats:   true,
		ReportConfig:  true,
	})
	if err != nil {
		return err
	}
	typ := "workflow"
	if q.Type == enumspb.TASK_QUEUE_TYPE_ACTIVITY {
		typ = "activity"
	}
	m := c.Metrics.WithTags(map[string]string{"task_queue": q.Name, "task_type": typ})
	st := resp.GetStats()
	m.Gauge(QueueBacklog).Update(float64(st.GetApproximateBacklogCount()))
	m.Gauge(QueueBacklogAge).Update(st.GetApproximateBacklogAge().AsDuration().Seconds())
	m.Gauge(QueuePollers).Update(float64(len(resp.GetPollers())))
	rate := -1.0
	if rl := resp.GetEffectiveRateLimit(); rl != nil && rl.GetRequestsPerSecond() > 0 {
		rate = float64(rl.GetRequestsPerSecond())
	}
	m.Gauge(QueueRateLimit).Update(rate)
	return nil
}

func (c *Collector) schedule(ctx context.Context, id string) error {
	m := c.Metrics.WithTags(map[string]string{"schedule": id})
	d, err := c.Client.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		// Not created (yet): the alert on a Schedule that does not run sees
		// -1 and a last run of 0.
		m.Gauge(SchedulePaused).Update(-1)
		m.Gauge(ScheduleLastRun).Update(0)
		return nil
	case err != nil:
		return err
	}
	paused := 0.0
	if d.Schedule.State != nil && d.Schedule.State.Paused {
		paused = 1
	}
	m.Gauge(SchedulePaused).Update(paused)
	last := 0.0
	for _, a := range d.Info.RecentActions {
		if t := a.ActualTime; !t.IsZero() && float64(t.Unix()) > last {
			last = float64(t.Unix())
		}
	}
	m.Gauge(ScheduleLastRun).Update(last)
	return nil
}

func (c *Collector) stuck(ctx context.Context) error {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	after := c.StuckAfter
	if after <= 0 {
		after = time.Hour
	}
	before := now().Add(-after).UTC().Format(time.RFC3339)
	for _, stage := range StuckStages {
		q := fmt.Sprintf("ExecutionStatus = 'Running' AND %s = '%s' AND StartTime < '%s'", workflows.StageAttr.GetName(), stage, before)
		resp, err := c.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: c.Namespace, Query: q})
		if err != nil {
			return fmt.Errorf("count runs in stage %s: %w", stage, err)
		}
		c.Metrics.WithTags(map[string]string{"stage": string(stage)}).Gauge(RunsStuck).Update(float64(resp.GetCount()))
	}
	return nil
}
