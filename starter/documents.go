package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/launch"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// syncDocuments is `sync documents [--now] [--json]`: without --now it
// triggers the Schedule's next run (changes since its cursor); with --now
// it runs a full sweep at once and waits for it.
func syncDocuments(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "documents" {
		return usageError{"sync needs what to sync: documents"}
	}
	fs := flag.NewFlagSet("sync documents", flag.ContinueOnError)
	now := fs.Bool("now", false, "run a full sweep now and wait for it (default: trigger the Schedule's next run)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"sync documents takes only flags"}
	}
	p, tc, closeTemporal, err := newPublisher()
	if err != nil {
		return err
	}
	defer closeTemporal()
	if !*now {
		err := p.Temporal.ScheduleClient().GetHandle(ctx, workflows.SyncDocumentsScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{})
		if err != nil {
			return fmt.Errorf("trigger %s: %w (create it with `starter schedule documents`, or use --now)", workflows.SyncDocumentsScheduleID, err)
		}
		fmt.Fprintf(stdout, "triggered one run of schedule %s (changes since its last run)\n", workflows.SyncDocumentsScheduleID)
		return nil
	}
	st, err := p.SyncDocumentsNow(ctx, requester())
	if err != nil {
		return err
	}
	var res workflows.SyncState
	werr := st.Run.Get(ctx, &res)
	url := temporalclient.WorkflowURL(tc, st.WorkflowID)
	if *asJSON {
		out := map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": url}
		if werr != nil {
			out["error"] = describeFailure(werr)
		} else {
			out["result"] = res.Totals
		}
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, url)
		if werr == nil {
			t := res.Totals
			fmt.Fprintf(stdout, "documents read: %d\npages created: %d, updated: %d, archived: %d, panels restored: %d, flagged: %d, without approved version: %d\nback links written: %d, kept in Confluence only (hold or record): %d\n",
				t.Documents, t.Created, t.Changed, t.Archived, t.Restored, t.Flagged, t.Skipped, t.BackLinks, t.KeptInConfl)
		}
	}
	if werr != nil {
		return failedError{"sync failed: " + describeFailure(werr)}
	}
	return nil
}

// reference is `reference add --page P --node N [--wait] [--json]`: an
// operator references an OTCS document from a page without a link.
func reference(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"reference needs a subcommand: add"}
	}
	fs := flag.NewFlagSet("reference add", flag.ContinueOnError)
	page := fs.String("page", "", "Confluence page id (required)")
	node := fs.Int64("node", 0, "OTCS node id of the document (required)")
	wait := fs.Bool("wait", false, "wait for the result")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if *page == "" || *node <= 0 || len(pos) > 0 {
		return usageError{"reference add needs --page ID --node N"}
	}
	p, tc, closeTemporal, err := newPublisher()
	if err != nil {
		return err
	}
	defer closeTemporal()
	st, err := p.References(ctx, *page, 0, []int64{*node}, requester())
	var nf *launch.PageNotFoundError
	if errors.As(err, &nf) {
		return failedError{nf.Error()}
	}
	if err != nil {
		return err
	}
	url := temporalclient.WorkflowURL(tc, st.WorkflowID)
	fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, url)
	if !*wait {
		return nil
	}
	var res workflows.SyncReferencesResult
	if err := st.Run.Get(ctx, &res); err != nil {
		return failedError{"references failed: " + describeFailure(err)}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	printReferences(stdout, res.Refs)
	return nil
}

// documentsCmd is `documents --page P | --node N [--json]`: the references
// of a page, or the document page of a node, as the bridge recorded them.
func documentsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("documents", flag.ContinueOnError)
	page := fs.String("page", "", "a Confluence page: its references, or the document it stands for")
	node := fs.Int64("node", 0, "an OTCS document: its document page and who references it")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if (*page == "") == (*node == 0) || len(pos) > 0 {
		return usageError{"documents needs --page ID or --node N"}
	}
	b, err := loadBackends()
	if err != nil {
		return err
	}
	if *node != 0 {
		rules, err := mapping.LoadFile(b.mappingFile)
		if err != nil {
			return err
		}
		if rules.Documents == nil {
			return failedError{"the mapping has no documents: section"}
		}
		refs, err := b.conf.PagesWithLabel(ctx, rules.Documents.Space, activities.NodeLabel(*node))
		if err != nil {
			return err
		}
		if len(refs) == 0 {
			return failedError{fmt.Sprintf("OTCS node %d has no document page in space %s", *node, rules.Documents.Space)}
		}
		*page = refs[0].ID
	}
	p, err := b.conf.GetPage(ctx, *page, confluence.GetPageOptions{})
	if rest.IsKind(err, rest.KindNotFound) {
		return failedError{fmt.Sprintf("Confluence page %s does not exist", *page)}
	}
	if err != nil {
		return err
	}
	out := map[string]any{"pageId": p.ID, "title": p.Title, "url": p.WebURL}
	for _, key := range []string{activities.DocumentPropertyKey, activities.ReferencesPropertyKey} {
		prop, err := b.conf.GetProperty(ctx, p.ID, key)
		if rest.IsKind(err, rest.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		out[key] = json.RawMessage(prop.Value)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "Confluence page %s %q\n  url: %s\n", p.ID, p.Title, p.WebURL)
	if raw, ok := out[activities.DocumentPropertyKey].(json.RawMessage); ok {
		var rec activities.DocumentRecord
		if err := json.Unmarshal(raw, &rec); err == nil {
			d := rec.Doc
			approved := "none"
			if d.Approved != nil {
				approved = d.Approved.Label()
			}
			fmt.Fprintf(stdout, "  document page of OTCS node %d %q: approved version %s, status %s, hub %q, archived %t\n  %s\n",
				d.NodeID, d.Name, approved, d.Status, d.Hub, rec.Archived, d.NodeURL)
			for _, r := range d.Referenced {
				fmt.Fprintf(stdout, "  referenced from page %s %q (space %s)\n", r.PageID, r.Title, r.SpaceKey)
			}
		}
	}
	if raw, ok := out[activities.ReferencesPropertyKey].(json.RawMessage); ok {
		var list activities.ReferenceList
		if err := json.Unmarshal(raw, &list); err == nil {
			printReferences(stdout, list.Refs)
		}
	}
	return nil
}

func printReferences(stdout io.Writer, refs []activities.Reference) {
	if len(refs) == 0 {
		fmt.Fprintln(stdout, "  references: none")
	}
	for _, r := range refs {
		target := "document page " + r.DocumentPage + " " + strconv.Quote(r.Title)
		if r.Status != activities.RefAvailable {
			target = r.Reason
		}
		manual := ""
		if r.Manual {
			manual = " (added by an operator)"
		}
		fmt.Fprintf(stdout, "  references OTCS node %d: %s — %s%s\n", r.NodeID, r.Status, target, manual)
	}
}

// scheduleDocuments is `schedule documents`.
func scheduleDocuments(ctx context.Context, args []string, stdout io.Writer) error {
	var tc settings.Temporal
	var dc settings.Documents
	if err := settings.Load(&tc, &dc); err != nil {
		return err
	}
	fs := flag.NewFlagSet("schedule documents", flag.ContinueOnError)
	every := fs.Duration("every", dc.Every, "how often the change feed runs (env BRIDGE_DOCUMENTS_EVERY)")
	fullEvery := fs.Int("full-every", dc.FullEvery, "every Nth run is a full sweep; 0 = never (env BRIDGE_DOCUMENTS_FULL_EVERY)")
	pause := fs.Bool("pause", false, "create or leave the schedule paused")
	trigger := fs.Bool("trigger", false, "also run it once now")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *fullEvery < 0 {
		return usageError{"schedule documents takes only flags; --full-every must be 0 or more"}
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := launch.EnsureDocumentsSchedule(ctx, c, *every, *fullEvery, *pause); err != nil {
		return fmt.Errorf("schedule %s: %w", workflows.SyncDocumentsScheduleID, err)
	}
	state := "running"
	if *pause {
		state = "paused"
	}
	fmt.Fprintf(stdout, "schedule: %s every %s (%s), every %d. run a full sweep\n", workflows.SyncDocumentsScheduleID, *every, state, *fullEvery)
	if *trigger {
		if err := c.ScheduleClient().GetHandle(ctx, workflows.SyncDocumentsScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
			return fmt.Errorf("trigger %s: %w", workflows.SyncDocumentsScheduleID, err)
		}
		fmt.Fprintln(stdout, "triggered one run now")
	}
	return nil
}
