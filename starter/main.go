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
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
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

// handler runs one command with the arguments after its name.
type handler func(ctx context.Context, args []string, stdout io.Writer) error

// dispatch is every command as typed, as listed in commandTable.
var dispatch = map[string]handler{
	"publish":            publish,
	"approve-publish":    approvePublish,
	"file":               file,
	"status":             status,
	"show":               show,
	"evidence":           evidenceCmd, // starter/evidence.go
	"list":               list,
	"schedule reconcile": scheduleReconcile,
	"mapping check":      mappingCheck,
	"backfill":           backfillStart, // starter/backfill.go
	"backfill status":    backfillSteer("status"),
	"backfill pause":     backfillSteer("pause"),
	"backfill resume":    backfillSteer("resume"),
	"backfill cancel":    backfillSteer("cancel"),
	"close":              closeStart, // starter/close.go
	"close status":       closeStatus,
	// OpenText documents in Confluence: schedule.go, sync.go, permissions.go, reference.go, documents.go, templates.go
	"schedule documents":   feedCommand(scheduleFeed, control.DocumentsFeed),
	"schedule templates":   feedCommand(scheduleFeed, control.TemplatesFeed),
	"sync documents":       feedCommand(syncFeed, control.DocumentsFeed),
	"sync templates":       feedCommand(syncFeed, control.TemplatesFeed),
	"schedule permissions": schedulePermissions,
	"sync permissions":     syncPermissions,
	"reference add":        referenceAdd,
	"documents":            documentsCmd,
	"templates":            templatesCmd,
	// document lifecycle (flow F7): submit.go, decide.go, withdraw.go, retry.go, lifecycle_status.go
	"submit":    submit,
	"approve":   decision(true),
	"reject":    decision(false),
	"withdraw":  withdraw,
	"retry":     retry,
	"lifecycle": lifecycleStatus,
}

// lookup finds the command args name: two words ("schedule reconcile")
// before one ("backfill"), and the arguments that follow it. A command
// group with its subcommand missing or unknown is a usage error with the
// group's usage.
func lookup(args []string) (handler, []string, error) {
	word := args[0]
	subs := subcommands(word)
	if len(args) > 1 {
		if h, ok := dispatch[word+" "+args[1]]; ok {
			return h, args[2:], nil
		}
		if len(subs) > 0 && !strings.HasPrefix(args[1], "-") {
			return nil, nil, usageError{msg: fmt.Sprintf("unknown %s command %q (%s)", word, args[1], orList(subs)), usage: groupUsage(word)}
		}
	}
	if h, ok := dispatch[word]; ok {
		return h, args[1:], nil
	}
	if len(subs) > 0 {
		return nil, nil, usageError{msg: fmt.Sprintf("%s needs a subcommand: %s", word, orList(subs)), usage: groupUsage(word)}
	}
	return nil, nil, usageError{msg: fmt.Sprintf("unknown command %q", word)}
}

func main() {
	// With an OTLP endpoint set, each start is the root of the run's
	// trace; the spans are flushed before the process exits.
	var tr settings.Tracing
	if err := settings.Load(&tr); err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(exitSettings)
	}
	stopTracing, err := tracing.Setup(context.Background(), tr, "xecm-bridge-starter")
	if err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(exitSettings)
	}
	code := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := stopTracing(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starter: could not flush traces:", err)
	}
	cancel()
	os.Exit(code)
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
	if cmd, rest, lookupErr := lookup(args); lookupErr != nil {
		err = lookupErr
	} else {
		err = cmd(ctx, rest, stdout)
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
