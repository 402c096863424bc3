package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// lifecycleStatus is `lifecycle`: a page's stage, version under review,
// reviewers, decisions and deadlines, from the workflow's query.
func lifecycleStatus(ctx context.Context, args []string, stdout io.Writer) error {
	l := newLifecycleFlags("lifecycle")
	if err := l.parse(args); err != nil {
		return err
	}
	p, out, closeTemporal, err := openLifecycle(*l.page)
	if err != nil {
		return err
	}
	defer closeTemporal()
	st, err := p.LifecycleStatus(ctx, *l.page)
	if err != nil {
		return lifecycleFailure(err)
	}
	out["state"] = st
	if *l.asJSON {
		return reportLifecycle(stdout, out, true)
	}
	printLifecycle(stdout, out["workflowId"].(string), out["url"].(string), st)
	return nil
}

// printLifecycle prints a lifecycle's state for a person.
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
