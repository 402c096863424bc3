package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// referenceAdd is `reference add --page P --node N [--wait] [--json]`: an
// operator references an OTCS document from a page without a link.
func referenceAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("reference add")
	page := fs.String("page", "", "Confluence page id (required)")
	node := fs.Int64("node", 0, "OTCS node id of the document (required)")
	wait := fs.Bool("wait", false, "wait for the result")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *page == "" || *node <= 0 || len(pos) > 0 {
		return usageFor(fs, "reference add needs --page ID --node N")
	}
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return err
	}
	defer closeTemporal()
	st, err := p.References(ctx, *page, 0, []int64{*node}, requester())
	var nf *control.PageNotFoundError
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
		return failedError{"references failed: " + workflows.DescribeFailure(err)}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	printReferences(stdout, res.Refs)
	return nil
}
