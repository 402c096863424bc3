package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

func publish(ctx context.Context, args []string, stdout io.Writer) error {
	return startPageFlow(ctx, workflows.PublishFlow, args, stdout)
}

func file(ctx context.Context, args []string, stdout io.Writer) error {
	return startPageFlow(ctx, workflows.FileFlow, args, stdout)
}

// startPageFlow is `publish` and `file`: start (or find) the flow for a
// page version, or with --dry-run print the writes it would make.
func startPageFlow(ctx context.Context, kind workflows.PageFlow, args []string, stdout io.Writer) error {
	fs := newFlags(string(kind.Name))
	page := fs.String("page", "", "Confluence page id (required)")
	version := fs.Int("version", 0, "page version (default: current)")
	wait := fs.Bool("wait", false, "wait for the result")
	asJSON := fs.Bool("json", false, "print JSON")
	dryRun := fs.Bool("dry-run", false, "print the OTCS and Confluence writes it would make, and make none")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *page == "" || len(pos) > 0 {
		return usageFor(fs, string(kind.Name)+" needs --page ID and takes no other arguments")
	}
	if *version < 0 {
		return usageFor(fs, "--version must be a positive page version")
	}
	if *dryRun {
		return dryRunFlow(ctx, kind, *page, *version, stdout)
	}
	return startAndReport(ctx, func(p *control.Client) (*control.Started, error) {
		return p.Start(ctx, kind, *page, *version, requester())
	}, *wait, *asJSON, stdout)
}

// startAndReport connects, starts (or finds) a run with start and reports
// it; a page that does not exist is a failure, not a usage error.
func startAndReport(ctx context.Context, start func(*control.Client) (*control.Started, error), wait, asJSON bool, stdout io.Writer) error {
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return err
	}
	defer closeTemporal()
	st, err := start(p)
	var nf *control.PageNotFoundError
	if errors.As(err, &nf) {
		return failedError{nf.Error()}
	}
	if err != nil {
		return err
	}
	return report(ctx, st, tc, wait, asJSON, stdout)
}

// report prints a started (or found) run and, with wait, its result.
func report(ctx context.Context, st *control.Started, tc settings.Temporal, wait, asJSON bool, stdout io.Writer) error {
	url := temporalclient.WorkflowURL(tc, st.WorkflowID)
	if !wait {
		if asJSON {
			return json.NewEncoder(stdout).Encode(map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": url})
		}
		fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, url)
		return nil
	}
	var res workflows.PublishPageResult
	werr := st.Run.Get(ctx, &res)
	if err := printRun(stdout, st, url, asJSON, werr, res, func() { printResult(stdout, &res) }); err != nil {
		return err
	}
	if werr != nil {
		return failedError{fmt.Sprintf("%s failed: %s", st.WorkflowID, workflows.DescribeFailure(werr))}
	}
	return nil
}

// printRun prints a run that has ended: as JSON with its result (or its
// error), or as the run's lines followed by human() when it succeeded.
func printRun(stdout io.Writer, st *control.Started, url string, asJSON bool, werr error, result any, human func()) error {
	if asJSON {
		out := map[string]any{"workflowId": st.WorkflowID, "runId": st.RunID, "existing": st.Existing, "url": url}
		if werr != nil {
			out["error"] = workflows.DescribeFailure(werr)
		} else {
			out["result"] = result
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "workflow: %s\nrun: %s\nexisting: %t\nweb UI: %s\n", st.WorkflowID, st.RunID, st.Existing, url)
	if werr == nil {
		human()
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
	if r.Rendition != "" {
		fmt.Fprintf(w, "rendition: %s\n", r.Rendition)
	}
	if r.Access != "" {
		fmt.Fprintf(w, "source access: %s\n", r.Access)
	}
	for _, u := range r.Blocked {
		fmt.Fprintf(w, "left out (external, never fetched): %s\n", u)
	}
}

// describeFailure renders a workflow failure as "Type: message".
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
	return temporalclient.Dial(tc, logging.NewTemporal(zl), nil)
}
