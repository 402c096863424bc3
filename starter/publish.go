package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Publisher starts publishes; it is shared by the CLI and the tests.
type Publisher struct {
	Temporal   client.Client
	Confluence *confluence.Client // resolves the current version when none is given
}

// Started describes a publish run that was started or found.
type Started struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	Existing   bool   `json:"existing"` // a run for this page version already existed
	Version    int    `json:"version"`
	run        client.WorkflowRun
}

// Publish starts PublishPage for a page version (the current one when
// version is 0). A run for the same page version, running or finished
// successfully, is reused instead of starting another.
func (p *Publisher) Publish(ctx context.Context, pageID string, version int, requestedBy string) (*Started, error) {
	if version == 0 {
		page, err := p.Confluence.GetPage(ctx, pageID, confluence.GetPageOptions{})
		if rest.IsKind(err, rest.KindNotFound) {
			return nil, failedError{fmt.Sprintf("Confluence page %s does not exist (or the bridge's account cannot see it)", pageID)}
		}
		if err != nil {
			return nil, fmt.Errorf("read current version of page %s: %w", pageID, err)
		}
		version = page.Version.Number
	}
	id := workflows.PublishPageWorkflowID(pageID, version)
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// A failed run (say, not approved yet) may be retried; a successful
		// one is final: the version is in OTCS.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.PageIDAttr.ValueSet(pageID),
			workflows.StageAttr.ValueSet(workflows.StageReading)),
		StaticSummary: fmt.Sprintf("Publish Confluence page %s v%d to OTCS", pageID, version),
		StaticDetails: fmt.Sprintf("Requested by %s. Publishes the approved version as one controlled record (one node per page, one version per page version).", requestedBy),
	}
	in := workflows.PublishPageInput{PageID: pageID, Version: version, RequestedBy: requestedBy}
	before := time.Now()
	run, err := p.Temporal.ExecuteWorkflow(ctx, opts, workflows.PublishPage, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		run = p.Temporal.GetWorkflow(ctx, id, already.RunId)
		return &Started{WorkflowID: id, RunID: already.RunId, Existing: true, Version: version, run: run}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	// USE_EXISTING hands back a running run without an error; a start time
	// well before this call tells it apart from a new one.
	existing := false
	if desc, derr := p.Temporal.DescribeWorkflowExecution(ctx, id, run.GetRunID()); derr == nil {
		existing = desc.GetWorkflowExecutionInfo().GetStartTime().AsTime().Before(before.Add(-2 * time.Second))
	}
	return &Started{WorkflowID: id, RunID: run.GetRunID(), Existing: existing, Version: version, run: run}, nil
}

func publish(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	page := fs.String("page", "", "Confluence page id (required)")
	version := fs.Int("version", 0, "approved page version (default: current)")
	wait := fs.Bool("wait", false, "wait for the result")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *page == "" || len(pos) > 0 {
		return usageError{"publish needs --page ID and takes no other arguments"}
	}
	if *version < 0 {
		return usageError{"--version must be a positive page version"}
	}
	var tc settings.Temporal
	var cc settings.Confluence
	var hc settings.HTTP
	if err := settings.Load(&tc, &cc, &hc); err != nil {
		return err
	}
	conf, err := settings.ConfluenceClient(cc, hc)
	if err != nil {
		return fmt.Errorf("confluence settings: %w", err)
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return err
	}
	defer c.Close()
	p := &Publisher{Temporal: c, Confluence: conf}
	st, err := p.Publish(ctx, *page, *version, requester())
	if err != nil {
		return err
	}
	url := temporalclient.WorkflowURL(tc, st.WorkflowID)
	if !*wait {
		if *asJSON {
			return json.NewEncoder(stdout).Encode(map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": url})
		}
		fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, url)
		return nil
	}
	var res workflows.PublishPageResult
	werr := st.run.Get(ctx, &res)
	if *asJSON {
		out := map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": url}
		if werr != nil {
			out["error"] = describeFailure(werr)
		} else {
			out["result"] = res
		}
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, url)
		if werr == nil {
			printResult(stdout, &res)
		}
	}
	if werr != nil {
		return failedError{fmt.Sprintf("%s failed: %s", st.WorkflowID, describeFailure(werr))}
	}
	return nil
}

func printResult(w io.Writer, r *workflows.PublishPageResult) {
	what := "added version"
	switch {
	case r.Created:
		what = "created record"
	case r.Reused:
		what = "already stored"
	}
	fmt.Fprintf(w, "result: %s\npage: %s v%d %q (space %s)\notcs node: %d version %d %q\notcs url: %s\nsha256: %s\nsize: %d bytes\nclassification: %s\n",
		what, r.PageID, r.PageVersion, r.Title, r.SpaceKey, r.NodeID, r.OTCSVersion, r.Name, r.URL, r.SHA256, r.Size, r.Classification)
}

// describeFailure renders a workflow failure as "Type: message".
func describeFailure(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type() + ": " + appErr.Message()
	}
	return err.Error()
}

func requester() string {
	if u := os.Getenv("USER"); u != "" {
		return "starter CLI (" + u + ")"
	}
	return "starter CLI"
}

func dialQuiet(tc settings.Temporal) (client.Client, error) {
	zl, err := logging.New("warn", os.Stderr)
	if err != nil {
		return nil, err
	}
	return temporalclient.Dial(tc, logging.NewTemporal(zl))
}
