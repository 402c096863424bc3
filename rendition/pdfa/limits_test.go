package pdfa

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bigTable is a page that Chromium needs seconds and gigabytes for: about
// 200 printed pages at 10,000 rows.
func bigTable(rows int) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><meta charset=\"utf-8\"></head><body><table>")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "<tr><td>%d</td><td>row %d</td><td>some text in a cell</td></tr>", i, i)
	}
	b.WriteString("</table></body></html>")
	return b.String()
}

// TestLimits: a page past its time, memory or output limit is killed with a
// typed error; no output file and no process is left behind.
func TestLimits(t *testing.T) {
	requireTools(t)
	simple := `<!doctype html><html><body><h1>Small page</h1><p>Some text.</p></body></html>`
	huge := bigTable(10000)
	cases := []struct {
		name   string
		html   string
		limits Limits
		reason string
	}{
		// 10,000 rows take Chromium several seconds; memory is not the limit here.
		{"timeout", huge, Limits{Timeout: 1500 * time.Millisecond, MaxMemory: 64 << 30}, ReasonTimeout},
		{"timeout-at-once", simple, Limits{Timeout: time.Millisecond}, ReasonTimeout},
		// A simple page needs about 400 MiB (PSS) of Chromium; 10,000 rows
		// need over 1.5 GiB.
		{"memory-huge-page", huge, Limits{MaxMemory: 700 << 20}, ReasonMemory},
		{"memory-tiny-limit", simple, Limits{MaxMemory: 20 << 20}, ReasonMemory},
		{"output-size", simple, Limits{MaxOutput: 4 << 10}, ReasonOutputSize},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			out := filepath.Join(t.TempDir(), "out.pdf")
			start := time.Now()
			res, err := Render(context.Background(), Job{HTML: c.html, Date: testDate, WorkDir: work, Limits: c.limits}, out)
			took := time.Since(start)
			var re *RenderError
			if !errors.As(err, &re) || re.Reason != c.reason {
				t.Fatalf("got %v (%T), want a RenderError %q", err, err, c.reason)
			}
			if res != nil {
				t.Errorf("result %+v with an error", res)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output file exists after the error (%v)", err)
			}
			if stray := strayProcesses(work); len(stray) > 0 {
				t.Errorf("processes left running: %v", stray)
			}
			if left, _ := os.ReadDir(work); len(left) > 0 {
				t.Errorf("work directory not cleaned: %v", left)
			}
			limit := c.limits.withDefaults().Timeout
			if took > limit+5*time.Second {
				t.Errorf("took %s; the limit is %s", took, limit)
			}
			t.Logf("%s after %s", err, took.Round(time.Millisecond))
		})
	}
}
