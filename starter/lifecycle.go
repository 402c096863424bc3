package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/launch"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// lifecycleUsage describes the document-lifecycle (flow F7) subcommands.
const lifecycleUsage = `document lifecycle (draft → review → approve → classify → return):
  submit   --page ID [--version N] [--as USER] [--wait] [--json]   submit a page version for review (again: a resubmission)
  approve  --page ID --as USER [--version N] [--comment TEXT]       approve the version under review (Temporal review mode)
  reject   --page ID --as USER [--version N] --comment TEXT         reject it; the comment goes onto the page
  withdraw --page ID [--as USER] [--reason TEXT]                    cancel the review; the OTCS draft stays a draft
  retry    --page ID [--as USER]                                    declare again after a hold was released (stage Blocked)
  lifecycle --page ID [--json]                                      stage, version under review, reviewers, decisions, deadlines
`

// lifecycle runs one lifecycle subcommand (dispatched from main's switch).
func lifecycle(ctx context.Context, cmd string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	page := fs.String("page", "", "Confluence page id (required)")
	version := fs.Int("version", 0, "page version (default: submit the current one / decide on the one under review)")
	as := fs.String("as", "", "who acts (reviewer account for approve/reject)")
	comment := fs.String("comment", "", "decision comment")
	reason := fs.String("reason", "", "why the review is withdrawn")
	wait := fs.Bool("wait", false, "submit: wait until the lifecycle ends")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, lifecycleUsage)
		return err
	}
	if err != nil {
		return err
	}
	if *page == "" || len(pos) > 0 {
		return usageError{cmd + " needs --page ID and takes no other arguments\n\n" + lifecycleUsage}
	}
	if *version < 0 {
		return usageError{"--version must be a positive page version"}
	}
	if (cmd == "approve" || cmd == "reject") && *as == "" {
		return usageError{cmd + " needs --as USER (the reviewer)"}
	}
	if cmd == "reject" && strings.TrimSpace(*comment) == "" {
		return usageError{"reject needs --comment saying what to change"}
	}
	by := *as
	if by == "" {
		by = requester()
	}

	p, tc, closeTemporal, err := newPublisher()
	if err != nil {
		return err
	}
	defer closeTemporal()
	id := workflows.LifecycleWorkflowID(*page)
	out := map[string]any{"workflowId": id, "url": temporalclient.WorkflowURL(tc, id)}

	switch cmd {
	case "submit":
		st, err := p.Submit(ctx, *page, *version, by)
		var nf *launch.PageNotFoundError
		if errors.As(err, &nf) {
			return failedError{nf.Error()}
		}
		if err != nil {
			return err
		}
		out["runId"], out["existing"], out["version"] = st.RunID, st.Existing, st.Version
		if *wait {
			var res workflows.LifecycleResult
			if werr := st.Run.Get(ctx, &res); werr != nil {
				return failedError{fmt.Sprintf("%s failed: %s", id, describeFailure(werr))}
			}
			out["result"] = res
		}
	case "approve", "reject":
		r, err := p.Decide(ctx, *page, cmd == "approve", workflows.ReviewDecision{Reviewer: *as, PageVersion: *version, Comment: *comment})
		if err != nil {
			return lifecycleFailure(err)
		}
		out["decision"], out["round"], out["version"] = r.Decision, r.Round, r.PageVersion
	case "withdraw":
		if err := p.Withdraw(ctx, *page, by, *reason); err != nil {
			return lifecycleFailure(err)
		}
		out["requested"] = "withdraw"
	case "retry":
		if err := p.Retry(ctx, *page, by); err != nil {
			return lifecycleFailure(err)
		}
		out["requested"] = "retry"
	case "lifecycle":
		st, err := p.LifecycleStatus(ctx, *page)
		if err != nil {
			return lifecycleFailure(err)
		}
		out["state"] = st
		if !*asJSON {
			printLifecycle(stdout, id, out["url"].(string), st)
			return nil
		}
	default:
		return usageError{fmt.Sprintf("unknown lifecycle command %q", cmd)}
	}
	if *asJSON {
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

func lifecycleFailure(err error) error {
	var refused *launch.DecisionRefusedError
	var none *launch.NoLifecycleError
	if errors.As(err, &refused) || errors.As(err, &none) {
		return failedError{err.Error()}
	}
	return err
}

func printLifecycle(w io.Writer, id, url string, st *workflows.LifecycleState) {
	fmt.Fprintf(w, "workflow: %s\nweb UI: %s\nstage: %s (round %d, review mode %s)\npage: %s v%d %q\n",
		id, url, st.Stage, st.Round, st.Mode, st.PageID, st.PageVersion, st.Title)
	if st.NodeID != 0 {
		fmt.Fprintf(w, "otcs node: %d version %d\n", st.NodeID, st.OTCSVersion)
	}
	if st.ProcessID != 0 {
		fmt.Fprintf(w, "otcs process: %d\n", st.ProcessID)
	}
	if st.Stage == workflows.StageReview {
		fmt.Fprintf(w, "reviewers: %s\nreminder: %s\ndeadline: %s (escalated: %t)\n", strings.Join(st.Reviewers, ", "),
			st.ReminderAt.Format(time.RFC3339), st.DeadlineAt.Format(time.RFC3339), st.Escalated)
	}
	for _, d := range st.Decisions {
		fmt.Fprintf(w, "decision: round %d v%d %s by %s at %s: %s\n", d.Round, d.PageVersion, d.Decision, d.By, d.At.Format(time.RFC3339), d.Comment)
	}
	if st.Blocked != "" {
		fmt.Fprintf(w, "blocked: %s\n", st.Blocked)
	}
	if st.Note != "" {
		fmt.Fprintf(w, "note: %s\n", st.Note)
	}
}
