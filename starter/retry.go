package main

import (
	"context"
	"io"
)

// retry is `retry`: declare the record again after an operator released
// the hold that blocked it (stage Blocked).
func retry(ctx context.Context, args []string, stdout io.Writer) error {
	l := newLifecycleFlags("retry")
	as := l.fs.String("as", "", "`USER` who asks for the retry (default: the CLI user)")
	if err := l.parse(args); err != nil {
		return err
	}
	p, out, closeTemporal, err := openLifecycle(*l.page)
	if err != nil {
		return err
	}
	defer closeTemporal()
	if err := p.Retry(ctx, *l.page, actor(*as)); err != nil {
		return lifecycleFailure(err)
	}
	out["requested"] = "retry"
	return reportLifecycle(stdout, out, *l.asJSON)
}
