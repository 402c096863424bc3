package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := [][]string{
		{},
		{"frobnicate"},
		{"publish"},
		{"publish", "--page"},
		{"publish", "--page", "1", "extra"},
		{"publish", "--page", "1", "--version", "-3"},
		{"status"},
		{"status", "a", "b"},
		{"show"},
	}
	for _, args := range cases {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, exitUsage, errOut.String())
		}
		if !strings.Contains(errOut.String(), "usage: starter") {
			t.Errorf("%q: no usage text in %q", args, errOut.String())
		}
	}
}

func TestHelpExitsZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

func TestUnreachableTemporalExitsThree(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"status", "publish:1:v1"}, &out, &errOut); code != exitSettings {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "127.0.0.1:1") {
		t.Fatalf("stderr %q does not name the address", errOut.String())
	}
}
