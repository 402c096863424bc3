package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/evidence"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// evidenceCmd is `evidence --page ID [--version N] [--out FILE]`, the
// evidence pack of one record, and `evidence --verify FILE`, which checks
// a pack against both systems. Both only read (docs/evidence.md).
func evidenceCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("evidence")
	pageID := fs.String("page", "", "Confluence page id")
	version := fs.Int("version", 0, "page version (default: the current one)")
	out := fs.String("out", "", "write the pack to FILE (JSON) and its readable rendering next to it (FILE with .html)")
	format := fs.String("format", "json", "without --out: print json or html")
	verify := fs.String("verify", "", "check the pack in FILE against Confluence, OTCS and Temporal")
	asJSON := fs.Bool("json", false, "with --verify: print the report as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageFor(fs, "evidence takes no arguments besides its flags")
	case *verify != "" && (*pageID != "" || *out != "" || *version != 0):
		return usageFor(fs, "--verify FILE takes the page from the pack; give no --page, --version or --out")
	case *verify == "" && *pageID == "":
		return usageFor(fs, "evidence needs --page ID or --verify FILE")
	case *format != "json" && *format != "html":
		return usageFor(fs, fmt.Sprintf("--format is json or html, not %q", *format))
	case *version < 0:
		return usageFor(fs, "--version must be positive")
	}
	src, closeFn, err := evidenceSources()
	if err != nil {
		return err
	}
	defer closeFn()
	ctl := &control.Client{Temporal: src.Temporal}
	if *verify != "" {
		return verifyPack(ctx, ctl, src, *verify, *asJSON, stdout)
	}
	pack, err := ctl.Evidence(ctx, src, *pageID, *version)
	if err != nil {
		return evidenceError(err)
	}
	if *out == "" {
		if *format == "html" {
			return evidence.WriteHTML(stdout, pack)
		}
		return writePackJSON(stdout, pack)
	}
	htmlFile := strings.TrimSuffix(*out, filepath.Ext(*out)) + ".html"
	if htmlFile == *out {
		htmlFile = *out + ".html"
	}
	var j, h bytes.Buffer
	if err := writePackJSON(&j, pack); err != nil {
		return err
	}
	if err := evidence.WriteHTML(&h, pack); err != nil {
		return err
	}
	if err := os.WriteFile(*out, j.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(htmlFile, h.Bytes(), 0o644); err != nil {
		return err
	}
	verdict := "checksum matches"
	if !pack.Fixity.Match {
		verdict = "CHECKSUM DOES NOT MATCH"
	}
	fmt.Fprintf(stdout, "evidence of page %s v%d (OTCS node %d v%d, %s): %s, %s\n",
		pack.Source.PageID, pack.Source.Version, pack.Record.NodeID, pack.Record.Version, verdict, *out, htmlFile)
	return nil
}

func writePackJSON(w io.Writer, p *evidence.Pack) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

func verifyPack(ctx context.Context, ctl *control.Client, src evidence.Sources, file string, asJSON bool, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return usageError{msg: err.Error(), usage: usageLine("evidence")}
	}
	defer f.Close()
	pack, err := evidence.Read(f)
	if err != nil {
		return failedError{fmt.Sprintf("%s: %v", file, err)}
	}
	rep, err := ctl.VerifyEvidence(ctx, src, pack)
	if err != nil {
		return evidenceError(err)
	}
	if asJSON {
		if err := json.NewEncoder(stdout).Encode(rep); err != nil {
			return err
		}
	} else {
		for _, d := range rep.Differences {
			fmt.Fprintln(stdout, d.String())
		}
	}
	if !rep.OK() {
		return failedError{fmt.Sprintf("%s does not hold for page %s v%d: %d difference(s)", file, pack.Source.PageID, pack.Source.Version, len(rep.Differences))}
	}
	if !asJSON {
		fmt.Fprintf(stdout, "%s holds: page %s v%d, OTCS node %d v%d, SHA-256 %s\n", file, pack.Source.PageID, pack.Source.Version, pack.Record.NodeID, pack.Record.Version, pack.Fixity.Now)
	}
	return nil
}

// evidenceError: a backend that does not answer is a connection error
// (exit 3); every other typed error is a finding (exit 1).
func evidenceError(err error) error {
	var e *evidence.Error
	if errors.As(err, &e) && e.Kind != evidence.KindBackendUnavailable {
		return failedError{e.Error()}
	}
	return err
}

// evidenceSources are both backends, the mapping (for the category ids;
// a missing file only leaves the categories out) and Temporal when it
// answers.
func evidenceSources() (evidence.Sources, func(), error) {
	b, err := loadBackends()
	if err != nil {
		return evidence.Sources{}, nil, err
	}
	var cc settings.Confluence
	_ = settings.Load(&cc)
	src := evidence.Sources{Confluence: b.conf, OTCS: b.otcs, Flavor: strings.ToLower(cc.Flavor)}
	if rules, err := mapping.LoadFile(b.mappingFile); err == nil {
		src.Rules = rules
	} else {
		src.Notes = append(src.Notes, fmt.Sprintf("mapping %s not read (%v): no category values", b.mappingFile, err))
	}
	closeFn := func() {}
	c, tc, err := dialTemporal()
	if err != nil {
		src.TemporalError = err.Error()
	} else {
		src.Temporal, src.Namespace, closeFn = c, tc.Namespace, c.Close
	}
	return src, closeFn, nil
}
