package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// submit is `submit`: start a page's review, or resubmit a newer version
// to the running lifecycle; with --wait, follow it to its end.
func submit(ctx context.Context, args []string, stdout io.Writer) error {
	l := newLifecycleFlags("submit")
	version := l.fs.Int("version", 0, "page version `N` to submit (default: the current one)")
	as := l.fs.String("as", "", "`USER` who submits, recorded as the requester (default: the CLI user)")
	wait := l.fs.Bool("wait", false, "wait until the lifecycle ends and print the record")
	if err := l.parse(args); err != nil {
		return err
	}
	if err := l.checkVersion(*version); err != nil {
		return err
	}
	p, out, closeTemporal, err := openLifecycle(*l.page)
	if err != nil {
		return err
	}
	defer closeTemporal()
	st, err := p.Submit(ctx, *l.page, *version, actor(*as))
	var nf *control.PageNotFoundError
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
			return failedError{fmt.Sprintf("%s failed: %s", out["workflowId"], workflows.DescribeFailure(werr))}
		}
		out["result"] = res
	}
	return reportLifecycle(stdout, out, *l.asJSON)
}
