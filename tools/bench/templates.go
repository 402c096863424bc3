package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/xecm-bridge/xecm-bridge/conversion"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// conversionBench converts a DOCX of about size bytes with pandoc, as the
// template flow does, and reports the time and the peak memory of pandoc
// (the largest child this process has waited for, so it runs before any
// other child is started) and of this process.
func conversionBench(ctx context.Context, size int) error {
	data := opentextsim.LargeDOCX(size)
	start := time.Now()
	res, err := conversion.Convert(ctx, "large.docx", conversion.MediaTypeDOCX, bytes.NewReader(data),
		conversion.Limits{MaxInput: 64 << 20, MaxOutput: 64 << 20, Timeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	took := time.Since(start)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return err
	}
	self, err := peakRSS(os.Getpid())
	if err != nil {
		return err
	}
	attached := 0
	for _, a := range res.Attachments {
		attached += len(a.Data)
	}
	fmt.Printf("| template conversion, %.1f MB DOCX (repeated text and tables, one %.1f MB image) | %s; pandoc peak RSS %d MiB; bench process peak RSS %.0f MiB (building the DOCX included); storage body %d KiB, %d attachment(s) %.1f MB |\n",
		float64(len(data))/1e6, float64(attached)/1e6, took.Round(time.Millisecond),
		ru.Maxrss/1024, float64(self)/(1<<20), len(res.Storage)/1024, len(res.Attachments), float64(attached)/1e6)
	return nil
}

// templatesBench fills the template folder with n approved Markdown
// templates, syncs them once (copies and Confluence templates made), and
// measures a run with none changed.
func (w *world) templatesBench(ctx context.Context, n int) error {
	for i := 0; i < n; i++ {
		d, err := w.otSim.CreateDocument(opentextsim.ApprovedTemplatesFolderID, fmt.Sprintf("Bench Template %03d.md", i), "text/markdown", []byte("# Draft\n"), true)
		if err != nil {
			return err
		}
		body := fmt.Sprintf("# Bench template %d\n\n| Step | Owner |\n|---|---|\n| Prepare | team |\n| Review | lead |\n\n1. One\n2. Two\n", i)
		if _, err := w.otSim.AddVersion(d.ID, d.Name, "text/markdown", []byte(body), true); err != nil {
			return err
		}
	}
	cmd, err := w.startWorkers()
	if err != nil {
		return err
	}
	defer stopWorkers(cmd)
	first, state, err := w.syncRunOf(ctx, "bench-templates-first", workflows.SyncTemplates, workflows.SyncDocumentsInput{})
	if err != nil {
		return err
	}
	idle, _, err := w.syncRunOf(ctx, "bench-templates-unchanged", workflows.SyncTemplates, workflows.SyncDocumentsInput{From: state})
	if err != nil {
		return err
	}
	fmt.Printf("| template sync, first run over %d templates | %s, %d copies and templates made; %d Temporal actions (%d events); %d OTCS and %d Confluence requests |\n",
		first.docs, first.took.Round(time.Millisecond), first.changed, first.actions, first.events, first.otcsReqs, first.confReqs)
	fmt.Printf("| template sync, none changed | %s; %d Temporal actions (%d events); %d OTCS and %d Confluence requests |\n",
		idle.took.Round(time.Millisecond), idle.actions, idle.events, idle.otcsReqs, idle.confReqs)
	return nil
}
