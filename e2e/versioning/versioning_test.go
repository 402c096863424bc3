// Package versioning runs a Worker Versioning rollout end to end on a dev
// server of its own: the bridge's task queues are fixed names, so two
// builds polling them would take the shared e2e server's runs away from
// the other tests' unversioned workers.
package versioning

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	confluencesim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// deploymentName is the Worker Deployment both builds belong to.
const deploymentName = "e2e/xecm-bridge"

// TestRolloutPinsLifecyclesAndUpgradesSweeps is a rollout from build A to build
// B: a document lifecycle started on A waits in review while B is started
// and made current; a lifecycle started then runs on B; the first one is
// still pinned to A, is approved while A runs, and every workflow task of
// its history was completed by A. A paused backfill, which auto-upgrades,
// moves from A to B when resumed. Then A drains and is deleted.
func TestRolloutPinsLifecyclesAndUpgradesSweeps(t *testing.T) {
	devserver.RequireCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	zl, _ := logging.New("error", logs)
	// Server 1.29 has Worker Deployments on by default; these only make
	// the drain and removal of the old build take seconds, not minutes:
	// the server rechecks a draining version's open pinned runs every 3
	// minutes, waits as long for visibility, and forgets pollers after 5.
	server, err := devserver.Start(ctx, logging.NewTemporal(zl), nil,
		"--dynamic-config-value", `matching.wv.VersionDrainageStatusRefreshInterval="1s"`,
		"--dynamic-config-value", `matching.wv.VersionDrainageStatusVisibilityGracePeriod="1s"`,
		"--dynamic-config-value", `matching.PollerHistoryTTL="2s"`)
	require.NoError(t, err)
	defer func() { _ = server.Stop() }()
	tc := server.Client()

	confSim := confluencesim.New(confluencesim.Options{Seed: true})
	confHTTP := httptest.NewServer(confSim.Handler())
	defer confHTTP.Close()
	confSim.SetBaseURL(confHTTP.URL)
	otSim, err := opentextsim.New(opentextsim.Options{Seed: true})
	require.NoError(t, err)
	defer otSim.Close()
	otHTTP := httptest.NewServer(otSim.Handler())
	defer otHTTP.Close()
	retry := rest.RetryConfig{Max: 3, WaitMin: 10 * time.Millisecond, WaitMax: 2 * time.Second}
	conf, err := confluence.New(confluence.Config{BaseURL: confHTTP.URL, Email: "bridge@example.com", APIToken: "demo-token", Retry: retry})
	require.NoError(t, err)
	otcs, err := opentext.New(opentext.Config{BaseURL: otHTTP.URL + "/otcs/cs.exe", Username: "bridge", Password: "bridge-secret", Retry: retry})
	require.NoError(t, err)
	rules, err := mapping.LoadFile("../../mapping.yaml")
	require.NoError(t, err)
	deps := roles.Deps{Confluence: conf, OpenText: otcs, Rules: rules}
	bridge := &control.Client{Temporal: tc, Confluence: conf}
	deployment := tc.WorkerDeploymentClient().GetHandle(deploymentName)

	// startBuild runs every role as one build and makes it current once
	// its pollers are known on all three queues.
	startBuild := func(buildID string) (stop func()) {
		t.Helper()
		cfg := settings.Worker{ConfluenceRate: 1000, OpenTextRate: 1000, ConfluenceConcurrency: 8, OpenTextConcurrency: 4, WorkflowConcurrency: 50,
			Versioning: settings.Versioning{DeploymentName: deploymentName, BuildID: buildID}}
		ws, err := roles.New(tc, roles.All, cfg, deps)
		require.NoError(t, err)
		stop = sync.OnceFunc(func() {
			for _, w := range ws {
				w.Stop()
			}
		})
		t.Cleanup(stop)
		for _, w := range ws {
			require.NoError(t, w.Start())
		}
		var last error
		require.Eventually(t, func() bool {
			_, last = deployment.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: buildID})
			return last == nil
		}, 30*time.Second, 200*time.Millisecond, "build %s never became current: %v", buildID, last)
		d, err := deployment.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
		require.NoError(t, err)
		require.Equal(t, buildID, d.Info.RoutingConfig.CurrentVersion.BuildID)
		t.Logf("build %s is current (%d versions in %s)", buildID, len(d.Info.VersionSummaries), deploymentName)
		return stop
	}
	waitReview := func(pageID string) {
		t.Helper()
		var st *workflows.LifecycleState
		require.Eventually(t, func() bool {
			st, err = bridge.LifecycleStatus(ctx, pageID)
			return err == nil && st.Stage == workflows.StageReview
		}, 30*time.Second, 50*time.Millisecond, "page %s never reached review (last: %+v, %v)", pageID, st, err)
	}
	approve := func(s *control.Started, pageID, reviewer string) *workflows.LifecycleResult {
		t.Helper()
		_, err := bridge.Decide(ctx, pageID, true, workflows.ReviewDecision{Reviewer: reviewer, PageVersion: 1, Comment: "Fine."})
		require.NoError(t, err)
		var res workflows.LifecycleResult
		require.NoError(t, s.Run.Get(ctx, &res))
		require.Equal(t, workflows.StageReturned, res.Stage)
		require.True(t, otSim.Finalized(res.NodeID), "record declared")
		return &res
	}

	stopA := startBuild("A")
	pa := confSim.CreatePage("POL", "Visitor Policy", "<p>Sign in at reception.</p>", "557058:author", "dept-security")
	runA, err := bridge.Submit(ctx, pa.ID, 0, "557058:author")
	require.NoError(t, err)
	waitReview(pa.ID)
	requireOn(t, tc, runA, "A")
	// A backfill (a sweep, auto-upgrading) that waits paused from its
	// first workflow task on.
	sweep, err := tc.SignalWithStartWorkflow(ctx, workflows.BackfillWorkflowID("POL"), workflows.BackfillPauseSignal, nil,
		client.StartWorkflowOptions{TaskQueue: workflows.TaskQueue}, workflows.Backfill, workflows.BackfillInput{SpaceKey: "POL", DryRun: true, RequestedBy: "e2e"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		v, err := tc.QueryWorkflow(ctx, sweep.GetID(), "", workflows.BackfillProgressQuery)
		var p workflows.BackfillProgress
		return err == nil && v.Get(&p) == nil && p.State == workflows.BackfillPaused
	}, 10*time.Second, 50*time.Millisecond, "the backfill never paused")

	// The visibility query docs/kubernetes.md gives for a build's open runs.
	open := fmt.Sprintf("TemporalWorkerDeploymentVersion = '%s:A' AND ExecutionStatus = 'Running'", deploymentName)
	require.Eventually(t, func() bool {
		n, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: open})
		return err == nil && n.GetCount() >= 1
	}, 10*time.Second, 100*time.Millisecond, "no run found by %s", open)

	startBuild("B")
	pb := confSim.CreatePage("POL", "Key Policy", "<p>Return keys on Fridays.</p>", "557058:author", "dept-security")
	runB, err := bridge.Submit(ctx, pb.ID, 0, "557058:author")
	require.NoError(t, err)
	waitReview(pb.ID)
	requireOn(t, tc, runB, "B")
	requireOn(t, tc, runA, "A") // B being current moved nothing that was pinned

	// The paused sweep, resumed, carries on with build B.
	require.NoError(t, tc.SignalWorkflow(ctx, sweep.GetID(), "", workflows.BackfillResumeSignal, nil))
	var progress workflows.BackfillProgress
	require.NoError(t, sweep.Get(ctx, &progress))
	require.Equal(t, workflows.BackfillDone, progress.State)
	tasks := completedBy(t, tc, sweep.GetID(), sweep.GetRunID(), enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE)
	require.Equal(t, []string{"A", "B"}, keys(tasks), "the backfill started on A and moved to B")
	t.Logf("backfill %s (dry run, %d pages): %d workflow tasks on A, then %d on B", sweep.GetID(), progress.Total, tasks["A"], tasks["B"])

	resA := approve(runA, pa.ID, "reviewer1")
	resB := approve(runB, pb.ID, "reviewer2")
	pinned := enumspb.VERSIONING_BEHAVIOR_PINNED
	tasksA, tasksB := completedBy(t, tc, runA.WorkflowID, runA.RunID, pinned), completedBy(t, tc, runB.WorkflowID, runB.RunID, pinned)
	require.Equal(t, []string{"A"}, keys(tasksA), "every workflow task of the first run was completed by build A")
	require.Equal(t, []string{"B"}, keys(tasksB), "every workflow task of the second run was completed by build B")
	t.Logf("run %s (record %d): %d workflow tasks, all on build A; run %s (record %d): %d, all on build B",
		runA.WorkflowID, resA.NodeID, tasksA["A"], runB.WorkflowID, resB.NodeID, tasksB["B"])

	// A is drained once no open run is pinned to it; then its workers stop
	// and, once the server has forgotten their polls, the version goes.
	var drainage *client.WorkerDeploymentVersionDrainageInfo
	require.Eventually(t, func() bool {
		v, err := deployment.DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: "A"})
		drainage = v.Info.DrainageInfo
		return err == nil && drainage != nil && drainage.DrainageStatus == client.WorkerDeploymentVersionDrainageStatusDrained
	}, 30*time.Second, 250*time.Millisecond, "build A never drained (last: %+v)", drainage)
	t.Logf("build A drained at %s", drainage.LastChangedTime.Format(time.RFC3339))
	stopA()
	var last error
	require.Eventually(t, func() bool {
		_, last = deployment.DeleteVersion(ctx, client.WorkerDeploymentDeleteVersionOptions{BuildID: "A"})
		return last == nil
	}, 30*time.Second, 500*time.Millisecond, "build A could not be deleted: %v", last)
	d, err := deployment.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	require.NoError(t, err)
	var left []string
	for _, v := range d.Info.VersionSummaries {
		left = append(left, v.Version.BuildID)
	}
	require.Equal(t, []string{"B"}, left, "only build B is left in the deployment")
	t.Logf("build A deleted; %s has %v, current %s", deploymentName, left, d.Info.RoutingConfig.CurrentVersion.BuildID)
}

// requireOn checks that a run is pinned to a build, as the server sees it.
func requireOn(t *testing.T, tc client.Client, s *control.Started, buildID string) {
	t.Helper()
	var d *workflowservice.DescribeWorkflowExecutionResponse
	require.Eventually(t, func() bool {
		var err error
		d, err = tc.DescribeWorkflowExecution(context.Background(), s.WorkflowID, s.RunID)
		return err == nil && d.GetWorkflowExecutionInfo().GetVersioningInfo().GetDeploymentVersion().GetBuildId() != ""
	}, 10*time.Second, 50*time.Millisecond, "run %s has no versioning info", s.WorkflowID)
	vi := d.GetWorkflowExecutionInfo().GetVersioningInfo()
	require.Equal(t, deploymentName, vi.GetDeploymentVersion().GetDeploymentName())
	require.Equal(t, buildID, vi.GetDeploymentVersion().GetBuildId(), "run %s", s.WorkflowID)
	require.Equal(t, enumspb.VERSIONING_BEHAVIOR_PINNED, vi.GetBehavior(), "run %s", s.WorkflowID)
	t.Logf("%s: on %s/%s, %s", s.WorkflowID, vi.GetDeploymentVersion().GetDeploymentName(), vi.GetDeploymentVersion().GetBuildId(), vi.GetBehavior())
}

// completedBy counts a run's completed workflow tasks per build id; each
// must have been completed with the behavior.
func completedBy(t *testing.T, tc client.Client, workflowID, runID string, behavior enumspb.VersioningBehavior) map[string]int {
	t.Helper()
	out := map[string]int{}
	it := tc.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			require.Equal(t, deploymentName, a.GetDeploymentVersion().GetDeploymentName())
			require.Equal(t, behavior, a.GetVersioningBehavior(), "%s: workflow task %d", workflowID, ev.GetEventId())
			out[a.GetDeploymentVersion().GetBuildId()]++
		}
	}
	return out
}

func keys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }
