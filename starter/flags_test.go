package main

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// flagLine matches a flag in the output of flag.PrintDefaults.
var flagLine = regexp.MustCompile(`(?m)^  -([a-z-]+)`)

// runCLI runs the starter in-process and returns its exit code and output.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestLifecycleCommandsHaveTheirOwnFlags: each lifecycle command's -h
// lists exactly the flags it reads, so a flag meant for another command
// cannot be accepted and ignored.
func TestLifecycleCommandsHaveTheirOwnFlags(t *testing.T) {
	want := map[string][]string{
		"submit":    {"as", "json", "page", "version", "wait"},
		"approve":   {"as", "comment", "json", "page", "version"},
		"reject":    {"as", "comment", "json", "page", "version"},
		"withdraw":  {"as", "json", "page", "reason"},
		"retry":     {"as", "json", "page"},
		"lifecycle": {"json", "page"},
	}
	for cmd, flags := range want {
		code, out, errOut := runCLI(cmd, "-h")
		if code != exitOK || errOut != "" {
			t.Errorf("%s -h: exit %d, stderr %q", cmd, code, errOut)
		}
		if !strings.HasPrefix(out, "usage: starter "+cmd+" --page ID") {
			t.Errorf("%s -h does not start with its usage line:\n%s", cmd, out)
		}
		var got []string
		for _, m := range flagLine.FindAllStringSubmatch(out, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, flags) {
			t.Errorf("%s -h lists flags %v, want %v", cmd, got, flags)
		}
	}
}

// TestEveryCommandHasItsOwnHelp: -h prints the command's usage and flags
// on stdout, not the whole CLI's usage, and exits 0.
func TestEveryCommandHasItsOwnHelp(t *testing.T) {
	for _, cmd := range []string{
		"publish", "approve-publish", "file", "status", "show", "list", "schedule reconcile",
		"schedule documents", "schedule templates", "sync documents", "sync templates", "schedule permissions", "sync permissions", "mapping check",
		"backfill", "backfill status", "backfill cancel", "reference add", "documents", "templates",
	} {
		code, out, errOut := runCLI(append(strings.Fields(cmd), "-h")...)
		if code != exitOK || errOut != "" {
			t.Errorf("%s -h: exit %d, stderr %q", cmd, code, errOut)
		}
		if !strings.HasPrefix(out, "usage: starter "+cmd+" ") || !strings.Contains(out, "\nflags:\n") || strings.Contains(out, "commands:") {
			t.Errorf("%s -h does not print only its own usage:\n%s", cmd, out)
		}
	}
}

// TestFlagOfAnotherCommandExitsTwo: a flag the command does not read is a
// usage error that names the flag, with the command's own usage.
func TestFlagOfAnotherCommandExitsTwo(t *testing.T) {
	cases := map[string][]string{ // the foreign flag → the command line
		"comment":     {"retry", "--page", "1", "--comment", "x"},
		"version":     {"lifecycle", "--page", "1", "--version", "2"},
		"wait":        {"withdraw", "--page", "1", "--wait"},
		"reason":      {"submit", "--page", "1", "--reason", "x"},
		"meaning":     {"approve", "--page", "1", "--as", "r", "--meaning", "x"},
		"concurrency": {"backfill", "status", "--space", "POL", "--concurrency", "3"},
		"json":        {"show", "--page", "1", "--json"},
	}
	for flagName, args := range cases {
		code, _, errOut := runCLI(args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
		if !strings.Contains(errOut, "flag provided but not defined: -"+flagName) {
			t.Errorf("%q: stderr does not name -%s: %q", args, flagName, errOut)
		}
		if !strings.Contains(errOut, "usage: starter "+args[0]) || strings.Contains(errOut, "commands:") {
			t.Errorf("%q: stderr does not give the command's own usage: %q", args, errOut)
		}
	}
}

// TestMissingRequiredFlagExitsTwo: a required flag left out is a usage
// error, found before anything is dialled.
func TestMissingRequiredFlagExitsTwo(t *testing.T) {
	cases := map[string][]string{
		"--page":    {"submit", "--as", "bob"},
		"--as":      {"approve", "--page", "1"},
		"--comment": {"reject", "--page", "1", "--as", "r"},
		"--space":   {"backfill", "pause"},
		"--node":    {"reference", "add", "--page", "1"},
	}
	for _, cmd := range []string{"approve", "reject", "withdraw", "retry", "lifecycle"} {
		cases["--page of "+cmd] = []string{cmd, "--json"}
	}
	for missing, args := range cases {
		code, _, errOut := runCLI(args...)
		if code != exitUsage {
			t.Errorf("%q (no %s): exit %d, want %d", args, missing, code, exitUsage)
		}
		if name, _, _ := strings.Cut(missing, " "); !strings.Contains(errOut, name) {
			t.Errorf("%q: stderr does not name %s: %q", args, name, errOut)
		}
	}
}
