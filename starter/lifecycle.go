package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// What the document-lifecycle commands (flow F7) share. Each command has
// its own file and flag set: submit.go, decide.go (approve, reject),
// withdraw.go, retry.go and lifecycle_status.go.

// lifecycleFlags are the flags every lifecycle command has.
type lifecycleFlags struct {
	fs     *flag.FlagSet
	page   *string
	asJSON *bool
}

// newLifecycleFlags starts a lifecycle command's flag set with --page and
// --json; the command adds the flags only it reads.
func newLifecycleFlags(name string) lifecycleFlags {
	fs := newFlags(name)
	return lifecycleFlags{
		fs:     fs,
		page:   fs.String("page", "", "Confluence page `ID` (required)"),
		asJSON: fs.Bool("json", false, "print JSON"),
	}
}

// parse parses args; the page is required and nothing but flags is taken.
func (l lifecycleFlags) parse(args []string) error {
	pos, err := parseFlags(l.fs, args)
	if err != nil {
		return err
	}
	if *l.page == "" || len(pos) > 0 {
		return usageFor(l.fs, l.fs.Name()+" needs --page ID and takes no other arguments")
	}
	return nil
}

// checkVersion refuses a negative --version (0 means "the default one").
func (l lifecycleFlags) checkVersion(version int) error {
	if version < 0 {
		return usageFor(l.fs, "--version must be a positive page version")
	}
	return nil
}

// actor is --as, or the CLI user when it is not given.
func actor(as string) string {
	if as == "" {
		return requester()
	}
	return as
}

// openLifecycle connects for a lifecycle command on page and starts its
// report with the workflow id and Web UI link.
func openLifecycle(page string) (*control.Client, map[string]any, func(), error) {
	p, tc, closeTemporal, err := newControl()
	if err != nil {
		return nil, nil, nil, err
	}
	id := workflows.LifecycleWorkflowID(page)
	return p, map[string]any{"workflowId": id, "url": temporalclient.WorkflowURL(tc, id)}, closeTemporal, nil
}

// reportLifecycle prints a lifecycle command's report: JSON, or one
// "key: value" line per field in a fixed order, then a final result.
func reportLifecycle(stdout io.Writer, out map[string]any, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	for _, k := range []string{"workflowId", "runId", "existing", "version", "decision", "round", "requested", "url"} {
		if v, ok := out[k]; ok {
			fmt.Fprintf(stdout, "%s: %v\n", k, v)
		}
	}
	if res, ok := out["result"].(workflows.LifecycleResult); ok {
		fmt.Fprintf(stdout, "stage: %s\notcs node: %d version %d\nclassification: %s\nsha256: %s\n", res.Stage, res.NodeID, res.OTCSVersion, res.Classification, res.SHA256)
	}
	return nil
}

// lifecycleFailure turns a refused decision or a missing lifecycle into
// exit code 1: the command was right, the workflow said no.
func lifecycleFailure(err error) error {
	var refused *control.DecisionRefusedError
	var none *control.NoLifecycleError
	if errors.As(err, &refused) || errors.As(err, &none) {
		return failedError{err.Error()}
	}
	return err
}
