package main

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestCommandTableIsTheDispatch: every command run dispatches has a
// table entry (its usage line and summary), every table entry is a
// command run dispatches, and no command is listed twice.
func TestCommandTableIsTheDispatch(t *testing.T) {
	var listed []string
	for _, c := range commandTable {
		for _, n := range c.names() {
			if slices.Contains(listed, n) {
				t.Errorf("%q is in commandTable twice", n)
			}
			listed = append(listed, n)
			if _, ok := dispatch[n]; !ok {
				t.Errorf("%q is in commandTable but run does not dispatch it", n)
			}
		}
		if c.synopsis == "" || c.summary == "" || c.group == "" || strings.Contains(c.summary, "\n") {
			t.Errorf("%q: synopsis %q, summary %q, group %q: each is wanted, the summary on one line", c.listed(), c.synopsis, c.summary, c.group)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(dispatch)) {
		if !slices.Contains(listed, n) {
			t.Errorf("run dispatches %q, which is not in commandTable", n)
		}
	}
}

// TestEveryCommandPrintsItsTableUsage: `starter NAME -h` is routed to the
// command and starts with the table's synopsis and summary for it.
func TestEveryCommandPrintsItsTableUsage(t *testing.T) {
	for _, c := range commandTable {
		for _, n := range c.names() {
			code, out, errOut := runCLI(append(strings.Fields(n), "-h")...)
			want := "usage: starter " + n + " " + c.synopsis + "\n\n" + c.summary + "\n\nflags:\n"
			if code != exitOK || errOut != "" || !strings.HasPrefix(out, want) {
				first, _, _ := strings.Cut(errOut, "\n")
				t.Errorf("%s -h: exit %d, stderr %q..., stdout:\n%s\nwant it to start with:\n%s", n, code, first, out, want)
			}
		}
	}
}

// TestUsageListsEveryCommandUnderItsHeading: the top-level usage lists
// each entry once, under its group's heading, with its summary, and no
// line is wider than lineWidth.
func TestUsageListsEveryCommandUnderItsHeading(t *testing.T) {
	code, _, errOut := runCLI("--help")
	if code != exitOK || errOut != usage {
		t.Fatalf("--help: exit %d, stderr is not the usage:\n%s", code, errOut)
	}
	for _, line := range strings.Split(usage, "\n") {
		if len(line) > lineWidth {
			t.Errorf("usage line wider than %d: %q", lineWidth, line)
		}
	}
	last := -1
	for _, c := range commandTable {
		heading := strings.Index(usage, "\n"+c.group+"\n")
		at := strings.Index(usage, "\n  "+c.listed()+" "+c.synopsis)
		if heading < 0 || at < heading || at < last {
			t.Errorf("%q is not listed in table order under %q", c.listed(), c.group)
			continue
		}
		last = at
		// The summary follows, however it was wrapped.
		rest := strings.Join(strings.Fields(usage[at:]), " ")
		if !strings.Contains(rest, c.synopsis+" "+c.summary) {
			t.Errorf("%q: the summary %q does not follow its synopsis", c.listed(), c.summary)
		}
	}
}

// TestCommandGroupWithoutItsSubcommand: a group command with its
// subcommand missing or unknown is a usage error naming the subcommands,
// with the usage lines of that group only.
func TestCommandGroupWithoutItsSubcommand(t *testing.T) {
	cases := map[string]struct {
		args []string
		msg  string
	}{
		"schedule":      {[]string{"schedule"}, "schedule needs a subcommand: reconcile, documents, templates or permissions"},
		"sync, a flag":  {[]string{"sync", "--now"}, "sync needs a subcommand: documents, templates or permissions"},
		"mapping":       {[]string{"mapping"}, "mapping needs a subcommand: check"},
		"reference":     {[]string{"reference", "remove"}, `unknown reference command "remove" (add)`},
		"backfill frob": {[]string{"backfill", "frob", "--space", "X"}, `unknown backfill command "frob" (status, pause, resume or cancel)`},
	}
	for name, c := range cases {
		code, _, errOut := runCLI(c.args...)
		want := "starter: " + c.msg + "\n\n" + groupUsage(c.args[0])
		if code != exitUsage || errOut != want {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant:\n%s", name, code, errOut, want)
		}
	}
	if got := groupUsage("backfill"); !strings.HasPrefix(got, "usage: starter backfill --space KEY") ||
		!strings.Contains(got, "\n       starter backfill status|pause|resume|cancel --space KEY [--json]\n") || strings.Contains(got, "schedule") {
		t.Errorf("groupUsage(backfill):\n%s", got)
	}
}
