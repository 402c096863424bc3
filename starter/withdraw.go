package main

import (
	"context"
	"io"
)

// withdraw is `withdraw`: the author cancels the review; the OTCS draft
// stays a draft.
func withdraw(ctx context.Context, args []string, stdout io.Writer) error {
	l := newLifecycleFlags("withdraw")
	as := l.fs.String("as", "", "`USER` who withdraws (default: the CLI user)")
	reason := l.fs.String("reason", "", "why the review is withdrawn (`TEXT`)")
	if err := l.parse(args); err != nil {
		return err
	}
	p, out, closeTemporal, err := openLifecycle(*l.page)
	if err != nil {
		return err
	}
	defer closeTemporal()
	if err := p.Withdraw(ctx, *l.page, actor(*as), *reason); err != nil {
		return lifecycleFailure(err)
	}
	out["requested"] = "withdraw"
	return reportLifecycle(stdout, out, *l.asJSON)
}
