package main

import (
	"fmt"
	"slices"
	"strings"
)

// command is one line of the CLI's usage: a command as typed, its
// arguments and what it does. The top-level usage, each command's -h and
// the usage of a command group ("starter backfill frob") are all built
// from commandTable, so a synopsis is written once.
type command struct {
	name string // as typed: "publish", "schedule reconcile"
	// alts, when set, are subcommands of name that share the synopsis and
	// summary: the commands are "name alt" for each (backfill
	// status|pause|resume|cancel), listed on one line.
	alts     []string
	synopsis string // its arguments, after "starter NAME"
	summary  string // one line: what it does
	group    string // the heading it is listed under
}

// The headings of the top-level usage, in this order.
const (
	groupCore      = "commands:"
	groupDocuments = "OpenText documents in Confluence (flows F2, F6, F8, a documents: section in the mapping):"
	groupLifecycle = "document lifecycle (flow F7, spaces with a review: rule):"
)

// commandTable is every command, in the order the usage lists them. Each
// command is in dispatch (main.go) under the same name, and the reverse
// (TestCommandTableIsTheDispatch).
var commandTable = []command{
	{name: "publish", synopsis: "--page ID [--version N] [--wait] [--json] [--dry-run]", group: groupCore,
		summary: "publish an approved page version to OTCS (--dry-run: print the writes, make none)"},
	{name: "approve-publish", synopsis: "--page ID --version N --as USER [--meaning TEXT] [--wait] [--json]", group: groupCore,
		summary: "record USER's approval of that page version, then publish it"},
	{name: "file", synopsis: "--page ID [--version N] [--wait] [--json] [--dry-run]", group: groupCore,
		summary: "file a page a record rule recognises (meeting notes, decision log) as a record"},
	{name: "status", synopsis: "WORKFLOW_ID [--json]", group: groupCore,
		summary: "state of a run (stage, result or failure)"},
	{name: "show", synopsis: "--page ID", group: groupCore,
		summary: "what the bridge recorded for a page (Confluence and OTCS)"},
	{name: "evidence", synopsis: "--page ID [--version N] [--out FILE | --format json|html] | --verify FILE [--json]", group: groupCore,
		summary: "the evidence pack of a record (source, approval, record, fixity, access, trail); --verify checks one"},
	{name: "list", synopsis: "[--space KEY] [--page ID] [--stage S] [--node N] [--limit N] [--json]", group: groupCore,
		summary: "list runs from Temporal visibility"},
	{name: "schedule reconcile", synopsis: "[--every 5m] [--lookback 24h] [--pause] [--trigger]", group: groupCore,
		summary: "create or update the reconciliation Schedule (catches missed webhooks)"},
	{name: "mapping check", synopsis: "[--file mapping.yaml]", group: groupCore,
		summary: "validate a mapping file against the live OTCS category definitions"},
	{name: "backfill", synopsis: "--space KEY [--since DATE] [--concurrency N] [--batch N] [--dry-run] [--wait] [--json]", group: groupCore,
		summary: "decide every page of a space and start what each needs (publish, file, review)"},
	{name: "backfill", alts: []string{"status", "pause", "resume", "cancel"}, synopsis: "--space KEY [--json]", group: groupCore,
		summary: "progress of a space's backfill, or pause, resume or cancel it"},
	{name: "close", synopsis: "--space KEY | --page ID [--concurrency N] [--batch N] [--wait] [--json]", group: groupCore,
		summary: "close a space: file what has no record, seal its record set in OTCS, make it read-only if mapped so"},
	{name: "close status", synopsis: "--space KEY | --page ID [--json]", group: groupCore,
		summary: "progress or result of a space's closure"},

	{name: "schedule", alts: []string{"documents", "templates"}, synopsis: "[--every D] [--full-every N] [--pause] [--trigger]", group: groupDocuments,
		summary: "create or update a change-feed Schedule (SyncDocuments, SyncTemplates)"},
	{name: "sync", alts: []string{"documents", "templates"}, synopsis: "[--now] [--json]", group: groupDocuments,
		summary: "trigger the Schedule's next run; --now: a full sweep now, waiting for it"},
	{name: "schedule permissions", synopsis: "[--every D] [--pause] [--trigger]", group: groupDocuments,
		summary: "create or update the permission sweep's Schedule (SyncPermissions)"},
	{name: "sync permissions", synopsis: "[--now] [--json]", group: groupDocuments,
		summary: "trigger the sweep's next run; --now: re-apply OTCS permissions to every document page now, waiting for it"},
	{name: "reference add", synopsis: "--page ID --node N [--wait] [--json]", group: groupDocuments,
		summary: "reference an OTCS document from a page without a link"},
	{name: "documents", synopsis: "--page ID | --node N [--json]", group: groupDocuments,
		summary: "a page's references, or a document's page and who references it"},
	{name: "templates", synopsis: "[--json]", group: groupDocuments,
		summary: "approved OTCS templates: OTCS version, controlled copy, Confluence template, state"},

	{name: "submit", synopsis: "--page ID [--version N] [--as USER] [--wait] [--json]", group: groupLifecycle,
		summary: "start a review, or resubmit a newer version"},
	{name: "approve", synopsis: "--page ID --as USER [--version N] [--comment TEXT] [--json]", group: groupLifecycle,
		summary: "a reviewer approves (Temporal review mode)"},
	{name: "reject", synopsis: "--page ID --as USER [--version N] --comment TEXT [--json]", group: groupLifecycle,
		summary: "a reviewer requests changes; the comment goes onto the page"},
	{name: "withdraw", synopsis: "--page ID [--as USER] [--reason TEXT] [--json]", group: groupLifecycle,
		summary: "the author cancels the review; the OTCS draft stays a draft"},
	{name: "retry", synopsis: "--page ID [--as USER] [--json]", group: groupLifecycle,
		summary: "declare again after a hold was released (stage Blocked)"},
	{name: "lifecycle", synopsis: "--page ID [--json]", group: groupLifecycle,
		summary: "stage, version, reviewers, decisions, deadlines"},
}

// names are the commands an entry stands for, as typed.
func (c command) names() []string {
	if len(c.alts) == 0 {
		return []string{c.name}
	}
	out := make([]string, len(c.alts))
	for i, a := range c.alts {
		out[i] = c.name + " " + a
	}
	return out
}

// listed is how the entry is listed: "backfill status|pause|resume|cancel".
func (c command) listed() string {
	if len(c.alts) == 0 {
		return c.name
	}
	return c.name + " " + strings.Join(c.alts, "|")
}

// commandNamed is the table entry of a command as typed.
func commandNamed(name string) (command, bool) {
	for _, c := range commandTable {
		if slices.Contains(c.names(), name) {
			return c, true
		}
	}
	return command{}, false
}

// subcommands are the words that follow word in the table's commands
// ("schedule": reconcile, documents, templates, permissions), in order.
func subcommands(word string) []string {
	var out []string
	for _, c := range commandTable {
		for _, n := range c.names() {
			if w, sub, ok := strings.Cut(n, " "); ok && w == word && !slices.Contains(out, sub) {
				out = append(out, sub)
			}
		}
	}
	return out
}

// Layout of the command list: a summary starts at summaryColumn (on the
// next line when the command and synopsis reach it) and wraps before
// lineWidth.
const (
	summaryColumn = 38
	lineWidth     = 120
)

// usage is the whole CLI's usage, printed for `starter`, `starter -h` and
// a mistake that is not one command's.
var usage = buildUsage()

func buildUsage() string {
	var b strings.Builder
	b.WriteString("usage: starter <command> [flags]\n")
	group := ""
	for _, c := range commandTable {
		if c.group != group {
			group = c.group
			b.WriteString("\n" + group + "\n")
		}
		writeListed(&b, c)
	}
	b.WriteString("\n\"starter COMMAND -h\" lists the flags of one command.\n")
	b.WriteString("\nSettings come from the environment (TEMPORAL_*, CONFLUENCE_*, OTCS_*); see docs/configuration.md.\n")
	return b.String()
}

// writeListed writes one entry of the command list.
func writeListed(b *strings.Builder, c command) {
	line := "  " + c.listed() + " " + c.synopsis
	indent := strings.Repeat(" ", summaryColumn)
	if len(line) < summaryColumn {
		line += strings.Repeat(" ", summaryColumn-len(line))
	} else {
		b.WriteString(line + "\n")
		line = indent
	}
	for i, word := range strings.Fields(c.summary) {
		if i > 0 && len(line)+1+len(word) > lineWidth {
			b.WriteString(line + "\n")
			line = indent + word
			continue
		}
		if i > 0 {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
}

// usageLine is the first line of a command's -h: "usage: starter NAME
// SYNOPSIS", then its summary. A name missing from the table is a bug
// the tests catch.
func usageLine(name string) string {
	c, ok := commandNamed(name)
	if !ok {
		panic(fmt.Sprintf("starter: command %q is not in commandTable", name))
	}
	return "usage: starter " + name + " " + c.synopsis + "\n\n" + c.summary + "\n"
}

// groupUsage is the usage of the commands that start with word, for a
// subcommand missing or unknown: one "starter NAME SYNOPSIS" line each.
func groupUsage(word string) string {
	var b strings.Builder
	prefix := "usage: "
	for _, c := range commandTable {
		if w, _, _ := strings.Cut(c.name, " "); w == word {
			b.WriteString(prefix + "starter " + c.listed() + " " + c.synopsis + "\n")
			prefix = "       "
		}
	}
	b.WriteString("\n\"starter COMMAND -h\" lists the flags of one command.\n")
	return b.String()
}

// orList is "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
