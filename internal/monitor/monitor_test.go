package monitor_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/internal/monitor"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

var tc client.Client

func TestMain(m *testing.M) {
	flag.Parse()
	devserver.Main("monitor", func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		zl, _ := logging.New("error", io.Discard)
		server, err := devserver.Start(ctx, logging.NewTemporal(zl), nil)
		if err != nil {
			return 0, err
		}
		defer server.Stop()
		tc = server.Client()
		return m.Run(), nil
	})
}

// sane is a tag value as the Prometheus exposition shows it: the SDK's
// sanitiser (which the bridge's gauges share) turns "-" into "_".
func sane(v string) string { return strings.ReplaceAll(v, "-", "_") }

// scrape returns the value of the series whose name and labels match.
func scrape(t *testing.T, url, series string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + series + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	return v, err == nil
}

// TestCollectorReportsQueuesSchedulesAndStuckRuns against a real server:
// a workflow nobody polls is backlog on the workflow queue, which has no
// pollers; an activity worker with a rate is a poller and its rate the
// queue's limit; a paused Schedule reads 1, a missing one -1; and a run
// standing in Uploading counts as stuck once StuckAfter has passed.
func TestCollectorReportsQueuesSchedulesAndStuckRuns(t *testing.T) {
	ctx := context.Background()
	ms, err := metrics.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	url := "http://" + ms.Addr + "/metrics"

	// Nobody polls the workflow queue here: the run waits, in Uploading.
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: "monitor-stuck", TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.StageAttr.ValueSet(string(workflows.StageUploading))),
	}, "PublishPage", workflows.PublishPageInput{PageID: "1", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.TerminateWorkflow(ctx, run.GetID(), "", "test over")

	w := worker.New(tc, activities.ConfluenceTaskQueue, worker.Options{TaskQueueActivitiesPerSecond: 7})
	w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "Noop"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := control.EnsureReconcileSchedule(ctx, tc, 5*time.Minute, workflows.ReconcileInput{Lookback: time.Hour}, true); err != nil {
		t.Fatal(err)
	}
	// Let the worker's polls reach the server, so the rate and the poller show.
	time.Sleep(2 * time.Second)

	col := &monitor.Collector{Client: tc, Namespace: "default", Metrics: ms.Handler,
		StuckAfter: time.Hour, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
	want := map[string]func(float64) bool{
		fmt.Sprintf(`%s\{task_queue="%s",task_type="workflow"\}`, monitor.QueueBacklog, sane(workflows.TaskQueue)):            func(v float64) bool { return v >= 1 },
		fmt.Sprintf(`%s\{task_queue="%s",task_type="workflow"\}`, monitor.QueuePollers, sane(workflows.TaskQueue)):            func(v float64) bool { return v == 0 },
		fmt.Sprintf(`%s\{task_queue="%s",task_type="activity"\}`, monitor.QueuePollers, sane(activities.ConfluenceTaskQueue)): func(v float64) bool { return v >= 1 },
		fmt.Sprintf(`%s\{task_queue="%s",task_type="activity"\}`, monitor.QueueRateLimit, sane(activities.ConfluenceTaskQueue)): func(v float64) bool {
			return v == 7
		},
		fmt.Sprintf(`%s\{schedule="%s"\}`, monitor.SchedulePaused, sane(workflows.ReconcileScheduleID)):     func(v float64) bool { return v == 1 },
		fmt.Sprintf(`%s\{schedule="%s"\}`, monitor.SchedulePaused, sane(workflows.SyncDocumentsScheduleID)): func(v float64) bool { return v == -1 },
		fmt.Sprintf(`%s\{stage="Uploading"\}`, monitor.RunsStuck):                                           func(v float64) bool { return v == 1 },
		fmt.Sprintf(`%s\{stage="Linking"\}`, monitor.RunsStuck):                                             func(v float64) bool { return v == 0 },
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := col.Collect(ctx); err != nil {
			t.Fatalf("collect: %v", err)
		}
		time.Sleep(1200 * time.Millisecond) // the reporter flushes every second
		var missing []string
		for series, ok := range want {
			if v, found := scrape(t, url, series); !found || !ok(v) {
				missing = append(missing, fmt.Sprintf("%s = %v (found %v)", series, v, found))
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %v", missing)
		}
	}
	// Not old enough yet: nothing is stuck by the real clock.
	col.Now = nil
	if err := col.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	if v, _ := scrape(t, url, fmt.Sprintf(`%s\{stage="Uploading"\}`, monitor.RunsStuck)); v != 0 {
		t.Errorf("a run started just now counts as stuck: %v", v)
	}
}
