package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// renditionRun is one filing of the long page, measured.
type renditionRun struct {
	took        time.Duration
	workerPeak  int64 // VmHWM of the worker process
	renderPeak  int64 // highest PSS sum of the worker's descendants other than Ghostscript (Chromium's tree)
	gsPeak      int64 // highest PSS of a Ghostscript process
	size        int64
	description string
}

// renditionBench files a long page (about 50 printed pages, 20 images) as
// MHTML (the publish rule) and as PDF/A (the meeting-notes rule), each with
// a fresh worker process, and prints seconds per page and peak memory of
// the worker and of the renderer processes.
func (w *world) renditionBench(ctx context.Context, images int) error {
	body, files := longPage(images)
	mhtml, err := w.renditionOnce(ctx, "Rendition benchmark policy", []string{"approved", "dept-bench"}, body, files, false)
	if err != nil {
		return fmt.Errorf("MHTML: %w", err)
	}
	pdf, err := w.renditionOnce(ctx, "Rendition benchmark meeting notes", []string{"meeting-notes", "dept-bench"}, body, files, true)
	if err != nil {
		return fmt.Errorf("PDF: %w", err)
	}
	pages := 0
	if f := strings.Fields(pdf.description); len(f) >= 3 {
		pages, _ = strconv.Atoi(f[1])
	}
	perPage := func(r renditionRun) string {
		if pages == 0 {
			return "?"
		}
		return fmt.Sprintf("%.3f s", r.took.Seconds()/float64(pages))
	}
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	fmt.Printf("| long page (%d printed pages, %d PNG images as attachments, %.1f MiB): MHTML record | %s per page (%.1f s in all, first filing through Temporal); file %.1f MiB; worker peak RSS %.1f MiB |\n",
		pages, images, mib(totalSize(files)), perPage(mhtml), mhtml.took.Seconds(), mib(mhtml.size), mib(mhtml.workerPeak))
	fmt.Printf("| the same page: PDF/A record (%s) | %s per page (%.1f s in all, %.1f× the MHTML time); file %.1f MiB; worker peak RSS %.1f MiB; renderer peak: Chromium's process tree %.1f MiB, Ghostscript %.1f MiB (proportional set size) |\n",
		pdf.description, perPage(pdf), pdf.took.Seconds(), pdf.took.Seconds()/mhtml.took.Seconds(), mib(pdf.size), mib(pdf.workerPeak), mib(pdf.renderPeak), mib(pdf.gsPeak))
	return nil
}

func (w *world) renditionOnce(ctx context.Context, title string, labels []string, body string, files map[string][]byte, asRecord bool) (renditionRun, error) {
	p := w.confSim.CreatePage("POL", title, body, "557058:bench", labels...)
	for _, name := range sortedNames(files) {
		w.confSim.AddAttachment(p.ID, name, "image/png", files[name])
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := w.confSim.UpdatePage(p.ID, title, body, "557058:bench"); err != nil {
		return renditionRun{}, err
	}
	cmd, err := w.startWorkers()
	if err != nil {
		return renditionRun{}, err
	}
	defer stopWorkers(cmd)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var renderPeak, gsPeak int64
	wg.Add(1)
	go func() { // the renderer runs as children of the worker
		defer wg.Done()
		for {
			chromium, gs := descendantsPSS(cmd.Process.Pid)
			renderPeak, gsPeak = max(renderPeak, chromium), max(gsPeak, gs)
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	flow := w.publisher.Publish
	if asRecord {
		flow = w.publisher.File
	}
	var res workflows.PublishPageResult
	st, err := flow(ctx, p.ID, 0, "bench")
	if err == nil {
		err = st.Run.Get(ctx, &res)
	}
	if err != nil {
		close(stop)
		return renditionRun{}, err
	}
	took := time.Since(start)
	close(stop)
	wg.Wait()
	peak, err := peakRSS(cmd.Process.Pid)
	return renditionRun{took: took, workerPeak: peak, renderPeak: renderPeak, gsPeak: gsPeak, size: res.Size, description: res.Rendition}, err
}

// descendantsPSS sums the proportional set size (pages shared between
// processes counted once, as the render limit counts them) of every
// descendant of pid: Ghostscript apart, the rest (Chromium's tree).
func descendantsPSS(pid int) (other, gs int64) {
	parents, names := map[int]int{}, map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || end < open {
			continue
		}
		names[id] = string(stat[open+1 : end])
		if f := strings.Fields(string(stat[end+1:])); len(f) > 1 {
			parents[id], _ = strconv.Atoi(f[1])
		}
	}
	for id := range parents {
		for p := parents[id]; p > 1; p = parents[p] {
			if p != pid {
				continue
			}
			n, _ := procField("/proc/"+strconv.Itoa(id)+"/smaps_rollup", "Pss:")
			if names[id] == "gs" {
				gs += n
			} else {
				other += n
			}
			break
		}
	}
	return other, gs
}

// longPage is a body of about 50 A4 pages with images images (attachments
// of about 200 KiB each) among its sections.
func longPage(images int) (string, map[string][]byte) {
	files := map[string][]byte{}
	var b strings.Builder
	para := strings.Repeat("Records are kept for the period the schedule names, reviewed by their owners and disposed of only when no hold applies. ", 5)
	for s := range images {
		name := fmt.Sprintf("figure-%02d.png", s+1)
		files[name] = benchImage(s)
		fmt.Fprintf(&b, "<h2>Section %d</h2>", s+1)
		for range 15 {
			b.WriteString("<p>" + para + "</p>")
		}
		fmt.Fprintf(&b, `<ac:image><ri:attachment ri:filename="%s" /></ac:image>`, name)
		b.WriteString("<table><tbody><tr><th>Class</th><th>Years</th></tr><tr><td>Contracts</td><td>10</td></tr><tr><td>Invoices</td><td>7</td></tr></tbody></table>")
	}
	return b.String(), files
}

// benchImage is a 640×400 PNG with enough detail not to compress away.
func benchImage(seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 400))
	x := uint32(seed*7919 + 1)
	for py := range 400 {
		for px := range 640 {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			img.Set(px, py, color.RGBA{R: uint8(px/3) ^ uint8(x&15), G: uint8(py/2) ^ uint8(x>>4&15), B: uint8(seed * 12), A: 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func totalSize(files map[string][]byte) int64 {
	var n int64
	for _, f := range files {
		n += int64(len(f))
	}
	return n
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
