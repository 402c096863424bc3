package pdfa

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMissingTools: a missing Chromium or Ghostscript is a MissingToolError
// that names the tool and its package, from CheckTools and from Render.
func TestMissingTools(t *testing.T) {
	err := CheckTools("/nonexistent/chromium", "")
	var mt *MissingToolError
	if !errors.As(err, &mt) || mt.Tool != "chromium" {
		t.Fatalf("CheckTools: %v (%T), want a MissingToolError for chromium", err, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "chromium is not installed") || !strings.Contains(msg, "apt-get install chromium") {
		t.Errorf("message %q", msg)
	}

	out := filepath.Join(t.TempDir(), "out.pdf")
	job := Job{HTML: "<p>x</p>", Date: testDate, WorkDir: t.TempDir(), ChromiumPath: "/nonexistent/chromium"}
	if _, err := Render(context.Background(), job, out); !errors.As(err, &mt) || mt.Tool != "chromium" {
		t.Errorf("Render without chromium: %v, want a MissingToolError for chromium", err)
	}

	if err := CheckTools("", ""); err != nil && errors.As(err, &mt) && mt.Tool == "chromium" {
		skipOrFail(t, "%v", err)
	}
	err = CheckTools("", "/nonexistent/gs")
	if !errors.As(err, &mt) || mt.Tool != "ghostscript" || !strings.Contains(err.Error(), "apt-get install ghostscript") {
		t.Errorf("CheckTools without gs: %v, want a MissingToolError for ghostscript", err)
	}
	job.ChromiumPath, job.GhostscriptPath = "", "/nonexistent/gs"
	if _, err := Render(context.Background(), job, out); !errors.As(err, &mt) || mt.Tool != "ghostscript" {
		t.Errorf("Render without gs: %v, want a MissingToolError for ghostscript", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output written despite the missing tool")
	}
}

// TestInvalidJob: a Job that cannot work is refused before any process
// starts.
func TestInvalidJob(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	ok := Job{HTML: "<p>x</p>", Date: testDate, WorkDir: dir}
	for name, mutate := range map[string]func(*Job){
		"no html":           func(j *Job) { j.HTML = " " },
		"no date":           func(j *Job) { j.Date = time.Time{} },
		"date before 1970":  func(j *Job) { j.Date = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) },
		"no work dir":       func(j *Job) { j.WorkDir = "" },
		"missing resource":  func(j *Job) { j.Resources = map[string]Resource{"a.png": {Path: filepath.Join(dir, "nope.png")}} },
		"absolute resource": func(j *Job) { j.Resources = map[string]Resource{"/a.png": {Path: file}} },
		"missing embed":     func(j *Job) { j.Embed = []EmbeddedFile{{Name: "a", Path: filepath.Join(dir, "nope")}} },
		"duplicate embed":   func(j *Job) { j.Embed = []EmbeddedFile{{Name: "a", Path: file}, {Name: "a", Path: file}} },
		"bad relationship":  func(j *Job) { j.Embed = []EmbeddedFile{{Name: "a", Path: file, Relationship: "Owner"}} },
	} {
		j := ok
		mutate(&j)
		_, err := Render(context.Background(), j, filepath.Join(dir, "out.pdf"))
		var re *RenderError
		if !errors.As(err, &re) || re.Reason != ReasonInvalid {
			t.Errorf("%s: %v, want a RenderError %q", name, err, ReasonInvalid)
		}
	}
}
