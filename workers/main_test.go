package main

import (
	"os"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// A worker that would upload PDF renditions refuses to start without the
// renderer, naming the tool and the rules that need it; other roles, and
// mappings without a PDF rule, do not care.
func TestWorkerRefusesToStartWithoutTheRendererForPDFRules(t *testing.T) {
	rules, err := mapping.LoadFile("../mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	missing := settings.Render{Chromium: "/nonexistent/chromium"}
	err = checkRenderTools([]string{roles.OpenText}, rules, missing)
	if err == nil || !strings.Contains(err.Error(), "chromium") || !strings.Contains(err.Error(), "spaces.POL.records[Meeting Notes]") {
		t.Fatalf("got %v", err)
	}
	if err := checkRenderTools([]string{roles.Workflows, roles.Confluence}, rules, missing); err != nil {
		t.Fatalf("a worker without the opentext role: %v", err)
	}
	plain, err := mapping.Parse("m.yaml", []byte(strings.ReplaceAll(mustRead(t), "rendition: pdf", "rendition: mhtml")))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkRenderTools([]string{roles.OpenText}, plain, missing); err != nil {
		t.Fatalf("a mapping without PDF rules: %v", err)
	}
}

func mustRead(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
