package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// syncCost is what one SyncDocuments run cost.
type syncCost struct {
	took               time.Duration
	events, actions    int
	otcsReqs, confReqs int
	docs, changed      int
}

// documentsBench measures the change feed over a watched folder of n
// documents: the first sync, then one run with nothing changed, one with
// 1 % of the documents given a new approved version, and a full sweep
// (what polling every document would cost).
func (w *world) documentsBench(ctx context.Context, n int) error {
	for i := 0; i < n; i++ {
		d, err := w.otSim.CreateDocument(opentextsim.ApprovedProceduresFolderID, fmt.Sprintf("BENCH-%04d Procedure.pdf", i), "application/pdf", []byte("%PDF-1.4 bench"), true)
		if err != nil {
			return err
		}
		if _, err := w.otSim.AddVersion(d.ID, d.Name, "application/pdf", []byte("%PDF-1.4 bench 1.0"), true); err != nil {
			return err
		}
	}
	cmd, err := w.startWorkers()
	if err != nil {
		return err
	}
	defer stopWorkers(cmd)
	first, state, err := w.syncRun(ctx, "bench-sync-first", workflows.SyncDocumentsInput{})
	if err != nil {
		return err
	}
	// The back links the first run wrote are read once more by the next.
	if _, state, err = w.syncRun(ctx, "bench-sync-settle", workflows.SyncDocumentsInput{From: state}); err != nil {
		return err
	}
	idle, state, err := w.syncRun(ctx, "bench-sync-unchanged", workflows.SyncDocumentsInput{From: state})
	if err != nil {
		return err
	}
	changed := n / 100
	kids := w.otSim.Children(opentextsim.ApprovedProceduresFolderID)
	for i := 0; i < changed && i < len(kids); i++ {
		if _, err := w.otSim.AddVersion(kids[i].ID, kids[i].Name, "application/pdf", []byte("%PDF-1.4 bench 2.0"), true); err != nil {
			return err
		}
	}
	onePct, state, err := w.syncRun(ctx, "bench-sync-1pct", workflows.SyncDocumentsInput{From: state})
	if err != nil {
		return err
	}
	full, _, err := w.syncRun(ctx, "bench-sync-full", workflows.SyncDocumentsInput{From: state, Full: true})
	if err != nil {
		return err
	}
	if err := w.permissionsBench(ctx, kids, changed); err != nil {
		return err
	}
	fmt.Printf("| document sync, first run over %d watched documents (2 watches) | %s, %d pages created; %d Temporal actions (%d events); %d OTCS and %d Confluence requests |\n",
		first.docs, first.took.Round(time.Millisecond), first.changed, first.actions, first.events, first.otcsReqs, first.confReqs)
	for _, r := range []struct {
		name string
		c    syncCost
	}{{"0 % changed", idle}, {fmt.Sprintf("1 %% changed (%d new versions)", changed), onePct}, {"full sweep (every document read)", full}} {
		fmt.Printf("| document sync, %s | %s; %d Temporal actions (%d events); %d OTCS and %d Confluence requests; %d documents read, %d pages updated |\n",
			r.name, r.c.took.Round(time.Millisecond), r.c.actions, r.c.events, r.c.otcsReqs, r.c.confReqs, r.c.docs, r.c.changed)
	}
	return nil
}

// syncRun runs SyncDocuments once (continued-as-new runs included) and
// measures it.
func (w *world) syncRun(ctx context.Context, id string, in workflows.SyncDocumentsInput) (syncCost, *workflows.SyncState, error) {
	return w.syncRunOf(ctx, id, workflows.SyncDocuments, in)
}

// syncRunOf runs a feed workflow (SyncDocuments or SyncTemplates) once and
// measures it.
func (w *world) syncRunOf(ctx context.Context, id string, wf any, in workflows.SyncDocumentsInput) (syncCost, *workflows.SyncState, error) {
	o0, c0 := w.otSim.Requests(), w.confSim.Requests()
	start := time.Now()
	run, err := w.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}, wf, in)
	if err != nil {
		return syncCost{}, nil, err
	}
	var st workflows.SyncState
	if err := run.Get(ctx, &st); err != nil {
		return syncCost{}, nil, fmt.Errorf("%s: %w", id, err)
	}
	c := syncCost{took: time.Since(start), otcsReqs: w.otSim.Requests() - o0, confReqs: w.confSim.Requests() - c0,
		docs: st.Totals.Documents, changed: st.Totals.Created + st.Totals.Changed}
	// Every run of the chain: continued-as-new runs share the workflow id.
	runs, err := w.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", id)})
	if err != nil {
		return syncCost{}, nil, err
	}
	for _, e := range runs.GetExecutions() {
		ev, ac, err := w.historyCostRun(ctx, id, e.GetExecution().GetRunId())
		if err != nil {
			return syncCost{}, nil, err
		}
		c.events, c.actions = c.events+ev, c.actions+ac
	}
	return c, &st, nil
}

// permissionsBench measures the permission sweep over the same documents:
// once with nothing changed, once after `changed` of them lost public
// access in OTCS (readable by Legal only), per 1,000 documents.
func (w *world) permissionsBench(ctx context.Context, kids []opentextsim.Node, changed int) error {
	idle, err := w.permissionRun(ctx, "bench-permissions-unchanged")
	if err != nil {
		return err
	}
	for i := 0; i < changed && i < len(kids); i++ {
		if err := w.otSim.RestrictNode(kids[i].ID, opentextsim.LegalGroupID); err != nil {
			return err
		}
	}
	narrowed, err := w.permissionRun(ctx, "bench-permissions-1pct")
	if err != nil {
		return err
	}
	for _, r := range []struct {
		name string
		c    permissionCost
	}{{"nothing changed", idle}, {fmt.Sprintf("%d sources restricted to Legal", changed), narrowed}} {
		per := func(v int) float64 { return float64(v) * 1000 / float64(max(r.c.pages, 1)) }
		fmt.Printf("| permission sweep, %s | %s over %d document pages; %d pages restricted anew; per 1,000 documents: %.0f OTCS and %.0f Confluence requests, %.0f Temporal actions |\n",
			r.name, r.c.took.Round(time.Millisecond), r.c.pages, r.c.changed, per(r.c.otcsReqs), per(r.c.confReqs), per(r.c.actions))
	}
	return nil
}

// permissionCost is one permission sweep measured.
type permissionCost struct {
	took                        time.Duration
	pages, changed              int
	otcsReqs, confReqs, actions int
}

func (w *world) permissionRun(ctx context.Context, id string) (permissionCost, error) {
	o0, c0 := w.otSim.Requests(), w.confSim.Requests()
	start := time.Now()
	run, err := w.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}, workflows.SyncPermissions, workflows.SyncPermissionsInput{})
	if err != nil {
		return permissionCost{}, err
	}
	var tot workflows.PermissionTotals
	if err := run.Get(ctx, &tot); err != nil {
		return permissionCost{}, fmt.Errorf("%s: %w", id, err)
	}
	c := permissionCost{took: time.Since(start), pages: tot.Pages, changed: tot.Changed,
		otcsReqs: w.otSim.Requests() - o0, confReqs: w.confSim.Requests() - c0}
	runs, err := w.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", id)})
	if err != nil {
		return permissionCost{}, err
	}
	for _, e := range runs.GetExecutions() {
		_, ac, err := w.historyCostRun(ctx, id, e.GetExecution().GetRunId())
		if err != nil {
			return permissionCost{}, err
		}
		c.actions += ac
	}
	return c, nil
}
