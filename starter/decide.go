package main

import (
	"context"
	"io"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// decision is `approve` (approve=true) or `reject`.
func decision(approve bool) handler {
	return func(ctx context.Context, args []string, stdout io.Writer) error {
		return decide(ctx, approve, args, stdout)
	}
}

// decide is `approve` and `reject`: a reviewer's decision on the version
// under review, sent as a workflow Update (Temporal review mode).
func decide(ctx context.Context, approve bool, args []string, stdout io.Writer) error {
	name, commentHelp := "reject", "`TEXT`: what to change (required; it goes onto the page)"
	if approve {
		name, commentHelp = "approve", "approval comment `TEXT`"
	}
	l := newLifecycleFlags(name)
	as := l.fs.String("as", "", "the reviewer's account `USER` (required)")
	version := l.fs.Int("version", 0, "the page version `N` decided on (default: the one under review)")
	comment := l.fs.String("comment", "", commentHelp)
	if err := l.parse(args); err != nil {
		return err
	}
	if err := l.checkVersion(*version); err != nil {
		return err
	}
	if *as == "" {
		return usageFor(l.fs, name+" needs --as USER (the reviewer)")
	}
	if !approve && strings.TrimSpace(*comment) == "" {
		return usageFor(l.fs, "reject needs --comment saying what to change")
	}
	p, out, closeTemporal, err := openLifecycle(*l.page)
	if err != nil {
		return err
	}
	defer closeTemporal()
	r, err := p.Decide(ctx, *l.page, approve, workflows.ReviewDecision{Reviewer: *as, PageVersion: *version, Comment: *comment})
	if err != nil {
		return lifecycleFailure(err)
	}
	out["decision"], out["round"], out["version"] = r.Decision, r.Round, r.PageVersion
	return reportLifecycle(stdout, out, *l.asJSON)
}
