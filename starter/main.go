// Command starter is the operator's CLI: it starts publishes and reports on
// them. Exit codes: 0 success, 1 the workflow failed, 2 usage error,
// 3 configuration or connection error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Exit codes a script can rely on.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitSettings = 3
)

// usageError is a mistake in the command line; usage, when set, is the
// command's own usage, printed instead of the whole CLI's.
type usageError struct{ msg, usage string }

func (e usageError) Error() string { return e.msg }

// failedError is a workflow that ended without success.
type failedError struct{ msg string }

func (e failedError) Error() string { return e.msg }

const usage = `usage: starter <command> [flags]

commands:
  publish --page ID [--version N] [--wait] [--json] [--dry-run]
                                      publish an approved page version to OTCS (--dry-run: print the writes, make none)
  approve-publish --page ID --version N --as USER [--meaning TEXT] [--wait] [--json]
                                      record USER's approval of that page version, then publish it
  file --page ID [--version N] [--wait] [--json] [--dry-run]
                                      file a page a record rule recognises (meeting notes, decision log) as a record
  status WORKFLOW_ID [--json]         state of a run (stage, result or failure)
  show --page ID                      what the bridge recorded for a page (Confluence and OTCS)
  list [--space KEY] [--page ID] [--stage S] [--node N] [--limit N] [--json]
                                      list runs from Temporal visibility
  schedule reconcile [--every 5m] [--lookback 24h] [--pause] [--trigger]
                                      create or update the reconciliation Schedule (catches missed webhooks)
  mapping check [--file mapping.yaml] validate a mapping file against the live OTCS category definitions
  backfill --space KEY [--since DATE] [--concurrency N] [--batch N] [--dry-run] [--wait] [--json]
                                      decide every page of a space and start what each needs (publish, file, review)
  backfill status|pause|resume|cancel --space KEY [--json]
                                      progress of a space's backfill, or pause, resume or cancel it

OpenText documents in Confluence (flows F2, F6, F8, a documents: section in the mapping):
  schedule documents|templates [--every 10m] [--full-every 24] [--pause] [--trigger]
                                      create or update a change-feed Schedule (SyncDocuments, SyncTemplates)
  sync documents|templates [--now] [--json]
                                      trigger the Schedule's next run; --now: a full sweep now, waiting for it
  schedule permissions [--every 1h] [--pause] [--trigger]
                                      create or update the permission sweep's Schedule (SyncPermissions)
  sync permissions [--now] [--json]   trigger the sweep's next run; --now: re-apply OTCS permissions to every
                                      document page now, waiting for it
  reference add --page ID --node N [--wait] [--json]
                                      reference an OTCS document from a page without a link
  documents --page ID | --node N [--json]
                                      a page's references, or a document's page and who references it
  templates [--json]                  approved OTCS templates: OTCS version, controlled copy, Confluence template, state

document lifecycle (flow F7, spaces with a review: rule):
  submit --page ID [--version N] [--as USER] [--wait] [--json]
                                      start a review, or resubmit a newer version
  approve --page ID --as USER [--version N] [--comment TEXT] [--json]
                                      a reviewer approves (Temporal review mode)
  reject --page ID --as USER [--version N] --comment TEXT [--json]
                                      a reviewer requests changes; the comment goes onto the page
  withdraw --page ID [--as USER] [--reason TEXT] [--json]
                                      the author cancels the review; the OTCS draft stays a draft
  retry --page ID [--as USER] [--json]
                                      declare again after a hold was released (stage Blocked)
  lifecycle --page ID [--json]        stage, version, reviewers, decisions, deadlines

"starter COMMAND -h" lists the flags of one command.

Settings come from the environment (TEMPORAL_*, CONFLUENCE_*, OTCS_*); see the README.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	ctx, cancel := context.WithTimeout(ctx, 24*time.Hour)
	defer cancel()
	var err error
	switch args[0] {
	case "publish":
		err = publish(ctx, args[1:], stdout)
	case "approve-publish":
		err = approvePublish(ctx, args[1:], stdout)
	case "status":
		err = status(ctx, args[1:], stdout)
	case "show":
		err = show(ctx, args[1:], stdout)
	case "file":
		err = file(ctx, args[1:], stdout)
	case "list":
		err = list(ctx, args[1:], stdout)
	case "schedule":
		err = schedule(ctx, args[1:], stdout)
	case "mapping":
		err = mappingCmd(ctx, args[1:], stdout)
	case "backfill": // starter/backfill.go
		err = backfillCmd(ctx, args[1:], stdout)
	case "sync":
		err = syncFeed(ctx, args[1:], stdout)
	case "reference":
		err = reference(ctx, args[1:], stdout)
	case "documents":
		err = documentsCmd(ctx, args[1:], stdout)
	case "templates":
		err = templatesCmd(ctx, args[1:], stdout)
	case "submit": // document lifecycle (flow F7): submit.go, decide.go, withdraw.go, retry.go, lifecycle_status.go
		err = submit(ctx, args[1:], stdout)
	case "approve", "reject":
		err = decide(ctx, args[0] == "approve", args[1:], stdout)
	case "withdraw":
		err = withdraw(ctx, args[1:], stdout)
	case "retry":
		err = retry(ctx, args[1:], stdout)
	case "lifecycle":
		err = lifecycleStatus(ctx, args[1:], stdout)
	default:
		err = usageError{msg: fmt.Sprintf("unknown command %q", args[0])}
	}
	var ue usageError
	var fe failedError
	var he helpError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &he):
		fmt.Fprint(stdout, he.usage)
		return exitOK
	case errors.As(err, &ue):
		text := ue.usage
		if text == "" {
			text = usage
		}
		fmt.Fprintf(stderr, "starter: %s\n\n%s", ue.msg, text)
		return exitUsage
	case errors.As(err, &fe):
		fmt.Fprintf(stderr, "starter: %s\n", fe.msg)
		return exitFailed
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	default:
		fmt.Fprintf(stderr, "starter: %v\n", err)
		return exitSettings
	}
}
