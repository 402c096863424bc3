package pdfa

import (
	"bytes"
	"context"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// requireToolsEnv is the project's switch that turns a missing external tool
// from a skip into a failure (`make test` and CI set it).
const requireToolsEnv = "XECM_REQUIRE_TOOLS"

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(requireToolsEnv) == "1" {
		t.Fatalf(format+" (%s=1)", append(args, requireToolsEnv)...)
	}
	t.Skipf(format+" (%s=1 makes this a failure)", append(args, requireToolsEnv)...)
}

// requireTools skips (or fails) when Chromium, Ghostscript or its sRGB
// profile is missing.
func requireTools(t *testing.T) {
	t.Helper()
	if err := CheckTools("", ""); err != nil {
		skipOrFail(t, "%v", err)
	}
	if _, err := findSRGBProfile(); err != nil {
		skipOrFail(t, "%v", err)
	}
}

// requireCJKFont skips (or fails) when fontconfig knows no Chinese font, since
// the golden page checks CJK glyphs.
func requireCJKFont(t *testing.T) {
	t.Helper()
	out, err := exec.Command("fc-list", ":lang=zh", "family").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		skipOrFail(t, "no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
	}
}

// Text of the golden page: right-to-left Arabic and Hebrew, and CJK.
const (
	goldenArabic = "مرحبا بالعالم"
	goldenHebrew = "שלום עולם"
	goldenCJK    = "你好世界 日本語の文書"
	goldenTitle  = "تقرير — דו״ח — 报告 <Q3> & more"
	goldenAuthor = "Zoë Ølsen / 山田太郎"
)

var testDate = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// shared holds renders that several tests look at, made once per run.
var shared struct {
	once sync.Once
	dir  string
	err  error

	golden, attach sharedRender
}

type sharedRender struct {
	once sync.Once
	out  string
	res  *Result
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func sharedDir(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() { shared.dir, shared.err = os.MkdirTemp("", "pdfa-test-") })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.dir
}

// writePNG writes a small deterministic picture: a colour gradient.
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 120; x++ {
			img.Set(x, y, color.RGBA{uint8(2 * x), uint8(6 * y), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goldenJob is a page with a heading, RTL paragraphs, CJK, a table and an
// image resource, and a non-Latin title.
func goldenJob(t *testing.T, workDir string) Job {
	t.Helper()
	dir := sharedDir(t)
	img := filepath.Join(dir, "picture.png")
	if _, err := os.Stat(img); err != nil {
		writePNG(t, img)
	}
	html := `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>golden</title>
<style>
  body { font-family: sans-serif; margin: 0 1cm; }
  table { border-collapse: collapse; } td, th { border: 1px solid #444; padding: 2px 6px; }
  .rtl { direction: rtl; text-align: right; }
</style></head>
<body>
<h1>Quarterly report</h1>
<p>A paragraph of plain English text with <b>bold</b> and <i>italic</i> words.</p>
<p class="rtl" lang="ar" dir="rtl">` + goldenArabic + `</p>
<p class="rtl" lang="he" dir="rtl">` + goldenHebrew + `</p>
<p lang="zh">` + goldenCJK + `</p>
<table><tr><th>Item</th><th>Amount</th></tr><tr><td>One</td><td>1</td></tr><tr><td>Two</td><td>2</td></tr></table>
<p><img src="att/0" alt="gradient" width="240" height="80"></p>
</body></html>`
	return Job{
		HTML:      html,
		Resources: map[string]Resource{"att/0": {Path: img, MediaType: "image/png"}},
		Title:     goldenTitle,
		Author:    goldenAuthor,
		Subject:   "Golden page",
		Keywords:  "golden, تقرير, 报告",
		Date:      testDate,
		WorkDir:   workDir,
	}
}

// attachJob is a short page with a text file and a binary file embedded.
func attachJob(t *testing.T, workDir string) (Job, map[string][]byte) {
	t.Helper()
	dir := sharedDir(t)
	files := map[string][]byte{
		"notes.txt":     []byte("Attachment one.\nSecond line: Grüße, שלום, 你好.\n"),
		"données-μ.bin": binaryBytes(),
	}
	var embed []EmbeddedFile
	for _, f := range []struct{ name, mt, rel string }{
		{"notes.txt", "text/plain; charset=utf-8", "Data"},
		{"données-μ.bin", "", "Source"},
	} {
		p := filepath.Join(dir, "attach-"+strconv.Itoa(len(embed)))
		if err := os.WriteFile(p, files[f.name], 0o644); err != nil {
			t.Fatal(err)
		}
		embed = append(embed, EmbeddedFile{Name: f.name, MediaType: f.mt, Description: "file " + f.name,
			Path: p, ModTime: testDate.Add(-time.Hour), Relationship: f.rel})
	}
	return Job{
		HTML:    `<!doctype html><html><head><meta charset="utf-8"></head><body><h1>Page with attachments</h1><p>See the embedded files.</p></body></html>`,
		Embed:   embed,
		Title:   "Attachments",
		Date:    testDate,
		WorkDir: workDir,
	}, files
}

// binaryBytes is every byte value, then a fixed pseudo-random tail.
func binaryBytes() []byte {
	b := make([]byte, 0, 1280)
	for i := 0; i < 256; i++ {
		b = append(b, byte(i))
	}
	x := uint32(2463534242)
	for len(b) < cap(b) {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b = append(b, byte(x))
	}
	return b
}

func (s *sharedRender) get(t *testing.T, name string, job func(workDir string) Job) (string, *Result) {
	t.Helper()
	s.once.Do(func() {
		dir := sharedDir(t)
		s.out = filepath.Join(dir, name+".pdf")
		start := time.Now()
		s.res, s.err = Render(context.Background(), job(filepath.Join(dir, name+"-work")), s.out)
		if s.res != nil {
			t.Logf("%s: rendered in %s: chromium %s (peak %s), ghostscript %s (peak %s), %d pages, %d bytes",
				name, time.Since(start).Round(time.Millisecond), s.res.ChromiumTime.Round(time.Millisecond), mib(s.res.ChromiumPeakRSS),
				s.res.GhostscriptTime.Round(time.Millisecond), mib(s.res.GhostscriptPeakRSS), s.res.Pages, s.res.Size)
		}
	})
	if s.err != nil {
		t.Fatalf("%s render: %v", name, s.err)
	}
	return s.out, s.res
}

func renderGolden(t *testing.T) (string, *Result) {
	t.Helper()
	requireTools(t)
	requireCJKFont(t)
	return shared.golden.get(t, "golden", func(wd string) Job { return goldenJob(t, wd) })
}

func renderAttach(t *testing.T) (string, *Result) {
	t.Helper()
	requireTools(t)
	return shared.attach.get(t, "attach", func(wd string) Job { j, _ := attachJob(t, wd); return j })
}

func readContext(t *testing.T, path string) *model.Context {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, err := api.ReadContext(f, pdfcpuConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := api.ValidateContext(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// fontDicts returns every font dictionary of the file.
func fontDicts(ctx *model.Context) []types.Dict {
	var out []types.Dict
	for _, e := range ctx.Table {
		if e == nil || e.Free || e.Object == nil {
			continue
		}
		if d, ok := e.Object.(types.Dict); ok {
			if t := d.NameEntry("Type"); t != nil && *t == "Font" {
				out = append(out, d)
			}
		}
	}
	return out
}

var (
	cmapPair  = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	cmapRange = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
)

// toUnicodeText returns all text that the fonts' ToUnicode maps map to, and
// reports whether any composite font maps glyph 0 (.notdef, a missing glyph).
func toUnicodeText(t *testing.T, ctx *model.Context) (string, bool) {
	t.Helper()
	var text strings.Builder
	notdef := false
	for _, d := range fontDicts(ctx) {
		o, ok := d.Find("ToUnicode")
		if !ok {
			continue
		}
		sd, _, err := ctx.DereferenceStreamDict(o)
		if err != nil || sd == nil {
			t.Fatalf("ToUnicode: %v", err)
		}
		if err := sd.Decode(); err != nil {
			t.Fatal(err)
		}
		composite := d.NameEntry("Subtype") != nil && *d.NameEntry("Subtype") == "Type0"
		for _, sec := range strings.Split(string(sd.Content), "endbf") {
			switch {
			case strings.Contains(sec, "beginbfrange"):
				for _, m := range cmapRange.FindAllStringSubmatch(sec[strings.Index(sec, "beginbfrange"):], -1) {
					lo, _ := strconv.ParseUint(m[1], 16, 32)
					hi, _ := strconv.ParseUint(m[2], 16, 32)
					if composite && lo == 0 {
						notdef = true
					}
					dst := utf16Hex(m[3])
					for c := lo; c <= hi && len(dst) > 0; c++ {
						text.WriteString(string(dst))
						dst[len(dst)-1]++
					}
				}
			case strings.Contains(sec, "beginbfchar"):
				for _, m := range cmapPair.FindAllStringSubmatch(sec[strings.Index(sec, "beginbfchar"):], -1) {
					if src, _ := strconv.ParseUint(m[1], 16, 32); composite && src == 0 {
						notdef = true
					}
					text.WriteString(string(utf16Hex(m[2])))
				}
			}
		}
	}
	return text.String(), notdef
}

func utf16Hex(h string) []rune {
	b, err := hex.DecodeString(h)
	if err != nil || len(b)%2 != 0 {
		return nil
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return utf16.Decode(u)
}

// pdfText extracts the text of a PDF with Ghostscript's txtwrite device.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=txtwrite", "-sOutputFile=-", path).Output()
	if err != nil {
		t.Fatalf("gs txtwrite: %v", err)
	}
	return string(out)
}

// strayProcesses lists processes whose command line mentions dir.
func strayProcesses(dir string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(cmd, []byte(dir)) {
			continue
		}
		if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i > 0 && len(st) > i+2 && st[i+2] == 'Z' {
				continue // killed, waiting for its parent (init) to reap it
			}
		}
		out = append(out, e.Name()+": "+string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
	}
	return out
}
