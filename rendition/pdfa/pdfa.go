// Package pdfa turns one HTML page into an archival PDF/A file: headless
// Chromium (driven over the DevTools protocol with chromedp) prints the page
// to PDF, Ghostscript rewrites that PDF as PDF/A-2b (PDF/A-3b when files are
// embedded as associated files), and the result is checked with pdfcpu before
// it is moved to its place.
//
// Safety model. The HTML comes from page authors, so Chromium treats it as
// hostile:
//   - No network. Every request of the page goes through the DevTools Fetch
//     domain. The document and the caller's Resources are answered from the
//     process; every other URL is refused and reported in Result.Blocked.
//     Chromium also gets an unreachable proxy (127.0.0.1:9, loopback not
//     bypassed) and a host resolver that resolves nothing, so a request that
//     escaped interception would still go nowhere. data: URLs stay allowed:
//     they never leave the process.
//   - No JavaScript: script execution is off for the page (DevTools
//     emulation) and in Blink's settings.
//   - Limits: a wall-clock limit for the whole render, a memory limit on the
//     resident memory of Chromium's whole process tree and of Ghostscript
//     (a watchdog samples it every 100 ms and kills the process group), and a
//     limit on the size of the output. Each render runs its own browser process, which is always killed
//     and reaped before Render returns; nothing partial is ever left at the
//     output path.
//
// Chromium runs with --no-sandbox (the bridge runs as root in containers
// where the sandbox cannot start); the measures above are what keep a page
// contained.
//
// Determinism: the same Job gives byte-identical output on the same machine
// (same Chromium, Ghostscript and fonts), so a retried activity writes the
// same record. Ghostscript gets SOURCE_DATE_EPOCH from Job.Date, and the
// trailer /ID, which Ghostscript draws at random, is replaced by a value
// derived from a SHA-256 over the file.
package pdfa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Resource is a file on disk that Chromium may load, such as an image of the
// page. It is served from the process; the file is read when Chromium asks.
type Resource struct {
	Path      string // file to serve
	MediaType string // Content-Type; "" guesses from the file name's extension
}

// EmbeddedFile is a file that is embedded in the PDF as a PDF/A-3 associated
// file: listed in the catalog's /AF and in the EmbeddedFiles name tree, with
// /AFRelationship, a MIME /Subtype and /Params (ModDate, Size).
type EmbeddedFile struct {
	Name         string    // file name shown by viewers (UTF-8); unique within a Job
	MediaType    string    // MIME type; "" means application/octet-stream
	Description  string    // optional /Desc
	Path         string    // the file's bytes are read from here
	ModTime      time.Time // /Params /ModDate; zero means Job.Date
	Relationship string    // /AFRelationship: "Data" (default), "Source", "Alternative", "Supplement" or "Unspecified"
}

// Limits bound one render. A zero field takes its value from DefaultLimits.
type Limits struct {
	Timeout   time.Duration // wall clock for the whole render (Chromium and Ghostscript)
	MaxMemory int64         // bytes: resident memory of Chromium's whole process tree (PSS, so shared pages count once), and of Ghostscript
	MaxOutput int64         // bytes: Chromium's PDF and the final PDF/A file
}

// DefaultLimits returns the limits used for zero fields: 2 minutes, 1 GiB of
// memory, 512 MiB of output.
func DefaultLimits() Limits {
	return Limits{Timeout: 2 * time.Minute, MaxMemory: 1 << 30, MaxOutput: 512 << 20}
}

// withDefaults fills the zero fields of l.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = d.MaxOutput
	}
	return l
}

// Job is one page to render.
type Job struct {
	// HTML is a complete HTML document. Relative URLs resolve against the
	// internal origin https://render.invalid/ (see DocumentURL).
	HTML string
	// Resources maps a relative path as the HTML uses it (e.g. "att/0") to a
	// file. Anything else the page asks for is blocked.
	Resources map[string]Resource
	// Embed lists the files to embed; none gives PDF/A-2b, some give PDF/A-3b.
	Embed []EmbeddedFile
	// Document information and XMP metadata (UTF-8; any script).
	Title, Author, Subject, Keywords string
	// Date is written as creation and modification date. Required: the output
	// must not depend on the clock.
	Date time.Time
	// WorkDir is a scratch directory (Chromium profile, intermediate files).
	// Render works in a new directory inside it and removes that; the caller
	// removes WorkDir.
	WorkDir string
	// Limits of this render; zero fields take DefaultLimits.
	Limits Limits
	// ChromiumPath and GhostscriptPath name the programs; "" looks up
	// chromium, chromium-browser or google-chrome, and gs, in PATH.
	ChromiumPath, GhostscriptPath string
}

// Result describes a finished render.
type Result struct {
	Pages   int      // page count of the output
	Size    int64    // bytes of the output
	Part    int      // PDF/A part: 2, or 3 with embedded files
	Blocked []string // URLs the page asked for and was refused, sorted, without duplicates

	ChromiumPeakRSS    int64         // highest resident memory (PSS) of Chromium's process tree that the watchdog saw
	GhostscriptPeakRSS int64         // Ghostscript's peak RSS (from the kernel)
	ChromiumTime       time.Duration // start of Chromium to the PDF on disk
	GhostscriptTime    time.Duration // Ghostscript's run
}

// Reasons of a RenderError.
const (
	ReasonTimeout     = "timeout"     // Limits.Timeout passed
	ReasonMemory      = "memory"      // Limits.MaxMemory exceeded; the process was killed
	ReasonOutputSize  = "output-size" // Limits.MaxOutput exceeded
	ReasonChromium    = "chromium"    // Chromium failed or crashed
	ReasonGhostscript = "ghostscript" // Ghostscript failed, or its output is not the PDF/A asked for
	ReasonInvalid     = "invalid"     // the Job itself is unusable (missing file, bad field)
)

// RenderError is a render that failed; Reason is one of the Reason constants.
type RenderError struct {
	Reason string
	Detail string
}

// Error says what happened.
func (e *RenderError) Error() string {
	var what string
	switch e.Reason {
	case ReasonTimeout:
		what = "the render took longer than its time limit"
	case ReasonMemory:
		what = "the render used more memory than its limit and was killed"
	case ReasonOutputSize:
		what = "the PDF is larger than the output limit"
	case ReasonChromium:
		what = "chromium failed"
	case ReasonGhostscript:
		what = "ghostscript failed"
	case ReasonInvalid:
		what = "invalid render job"
	default:
		what = "render failed (" + e.Reason + ")"
	}
	if e.Detail == "" {
		return "pdfa: " + what
	}
	return "pdfa: " + what + ": " + e.Detail
}

// mib formats a byte count in MiB, rounded up.
func mib(n int64) string { return fmt.Sprintf("%d MiB", (n+(1<<20)-1)>>20) }

func renderErr(reason, format string, args ...any) *RenderError {
	return &RenderError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Render prints job's HTML with Chromium, converts it to PDF/A with
// Ghostscript, checks the result with Inspect and moves it to out. On any
// error out is left untouched. Errors are *MissingToolError, *RenderError, or
// the context's error when ctx ends (a deadline of ctx itself included; only
// Limits.Timeout gives ReasonTimeout).
func Render(ctx context.Context, job Job, out string) (*Result, error) {
	limits := job.Limits.withDefaults()
	if err := job.validate(out, limits); err != nil {
		return nil, err
	}
	tools, err := findTools(job.ChromiumPath, job.GhostscriptPath)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(job.WorkDir, 0o700); err != nil {
		return nil, renderErr(ReasonInvalid, "work directory: %v", err)
	}
	dir, err := os.MkdirTemp(job.WorkDir, "pdfa-")
	if err != nil {
		return nil, renderErr(ReasonInvalid, "work directory: %v", err)
	}
	// Absolute, because the watchdog finds stray processes by this path.
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, renderErr(ReasonInvalid, "work directory: %v", err)
	}
	defer os.RemoveAll(dir)

	rctx, cancel := context.WithTimeoutCause(ctx, limits.Timeout, errLimit)
	defer cancel()
	res, err := render(rctx, &job, tools, limits, dir, out)
	if err != nil {
		// The time limit is ours only when the caller's context is still live.
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(context.Cause(rctx), errLimit) && !isReason(err, ReasonMemory) && !isReason(err, ReasonOutputSize) {
			return nil, renderErr(ReasonTimeout, "limit %s", limits.Timeout)
		}
		return nil, err
	}
	return res, nil
}

// errLimit is the cause of the context that carries Limits.Timeout.
var errLimit = errors.New("render time limit")

func isReason(err error, reason string) bool {
	var re *RenderError
	return errors.As(err, &re) && re.Reason == reason
}

func render(ctx context.Context, job *Job, tools toolPaths, limits Limits, dir, out string) (*Result, error) {
	res := &Result{Part: 2}
	if len(job.Embed) > 0 {
		res.Part = 3
	}

	printed := filepath.Join(dir, "chromium.pdf")
	start := time.Now()
	cr, err := printPage(ctx, tools.chromium, job, limits, dir, printed)
	res.ChromiumTime = time.Since(start)
	if cr != nil {
		res.Blocked = cr.blocked
		res.ChromiumPeakRSS = cr.peakRSS
	}
	if err != nil {
		return nil, err
	}

	archived := filepath.Join(dir, "pdfa.pdf")
	start = time.Now()
	peak, err := convertPDFA(ctx, tools.ghostscript, job, res.Part, limits, dir, printed, archived)
	res.GhostscriptTime = time.Since(start)
	res.GhostscriptPeakRSS = peak
	if err != nil {
		return nil, err
	}

	info, err := Inspect(archived)
	if err != nil {
		return nil, renderErr(ReasonGhostscript, "the converted file fails the PDF/A check: %v", err)
	}
	if info.Part != res.Part || info.Conformance != "B" {
		return nil, renderErr(ReasonGhostscript, "the converted file declares PDF/A-%d%s, want PDF/A-%db", info.Part, strings.ToLower(info.Conformance), res.Part)
	}
	if len(info.Embedded) != len(job.Embed) {
		return nil, renderErr(ReasonGhostscript, "the converted file has %d embedded files, want %d", len(info.Embedded), len(job.Embed))
	}
	st, err := os.Stat(archived)
	if err != nil {
		return nil, renderErr(ReasonGhostscript, "%v", err)
	}
	if st.Size() > limits.MaxOutput {
		return nil, renderErr(ReasonOutputSize, "PDF/A file of %d bytes, limit %d", st.Size(), limits.MaxOutput)
	}
	res.Pages, res.Size = info.Pages, st.Size()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := moveFile(archived, out); err != nil {
		return nil, fmt.Errorf("pdfa: writing %s: %w", out, err)
	}
	return res, nil
}

// validate checks the Job before any process starts.
func (job *Job) validate(out string, limits Limits) error {
	switch {
	case strings.TrimSpace(job.HTML) == "":
		return renderErr(ReasonInvalid, "empty HTML")
	case job.WorkDir == "":
		return renderErr(ReasonInvalid, "no WorkDir")
	case out == "":
		return renderErr(ReasonInvalid, "no output path")
	case job.Date.IsZero():
		return renderErr(ReasonInvalid, "no Date (the output must not depend on the clock)")
	case job.Date.Unix() < 0:
		return renderErr(ReasonInvalid, "Date %s is before 1970", job.Date)
	}
	for key, r := range job.Resources {
		if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "://") {
			return renderErr(ReasonInvalid, "resource key %q is not a relative path", key)
		}
		size, err := regularFile(r.Path)
		if err != nil {
			return renderErr(ReasonInvalid, "resource %q: %v", key, err)
		}
		// A resource is read whole when Chromium asks for it; one larger
		// than the output limit could not fit the PDF anyway.
		if size > limits.MaxOutput {
			return renderErr(ReasonInvalid, "resource %q has %d bytes, more than the output limit %d", key, size, limits.MaxOutput)
		}
	}
	names := map[string]bool{}
	for i, e := range job.Embed {
		if e.Name == "" {
			return renderErr(ReasonInvalid, "embedded file %d has no name", i)
		}
		if names[e.Name] {
			return renderErr(ReasonInvalid, "embedded file name %q is used twice", e.Name)
		}
		names[e.Name] = true
		if _, ok := afRelationships[e.relationship()]; !ok {
			return renderErr(ReasonInvalid, "embedded file %q: unknown relationship %q", e.Name, e.Relationship)
		}
		if _, err := regularFile(e.Path); err != nil {
			return renderErr(ReasonInvalid, "embedded file %q: %v", e.Name, err)
		}
	}
	return nil
}

// regularFile returns the size of the regular file at path.
func regularFile(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is not a regular file", path)
	}
	return st.Size(), nil
}

// moveFile renames src to dst, copying through a temporary file next to dst
// when they are on different file systems, so dst appears whole or not at all.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
