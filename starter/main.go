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

// usageError is a mistake in the command line.
type usageError struct{ msg string }

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
  reference add --page ID --node N [--wait] [--json]
                                      reference an OTCS document from a page without a link
  documents --page ID | --node N [--json]
                                      a page's references, or a document's page and who references it
  templates [--json]                  approved OTCS templates: OTCS version, controlled copy, Confluence template, state

document lifecycle (flow F7, spaces with a review: rule):
  submit --page ID [--as USER] [--wait]                      start a review, or resubmit a newer version
  approve --page ID --as USER [--version N] [--comment TEXT] a reviewer approves (Temporal review mode)
  reject --page ID --as USER [--version N] --comment TEXT    a reviewer requests changes
  withdraw --page ID [--reason TEXT]                         the author cancels the review
  retry --page ID                                            declare again after a hold was released
  lifecycle --page ID [--json]                               stage, version, reviewers, decisions, deadlines

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
	case "submit", "approve", "reject", "withdraw", "retry", "lifecycle": // document lifecycle, starter/lifecycle.go
		err = lifecycle(ctx, args[0], args[1:], stdout)
	default:
		err = usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	var ue usageError
	var fe failedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "starter: %s\n\n%s", ue.msg, usage)
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

// parseFlags parses a subcommand's flags, allowing positional arguments
// before or after them.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
