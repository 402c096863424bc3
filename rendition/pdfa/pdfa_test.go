package pdfa

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestGoldenStructure: a page with RTL and CJK text, a table and an image
// becomes PDF/A-2b with the non-Latin metadata intact and every font
// embedded, and the text's glyphs came from real fonts.
func TestGoldenStructure(t *testing.T) {
	out, res := renderGolden(t)
	info, err := Inspect(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Part != 2 || info.Conformance != "B" || res.Part != 2 {
		t.Errorf("PDF/A-%d%s (result part %d), want PDF/A-2b", info.Part, info.Conformance, res.Part)
	}
	if info.Pages < 1 || res.Pages != info.Pages {
		t.Errorf("pages: inspect %d, result %d", info.Pages, res.Pages)
	}
	if info.Title != goldenTitle || info.Author != goldenAuthor || info.Subject != "Golden page" || info.Keywords != "golden, تقرير, 报告" {
		t.Errorf("metadata did not round-trip: %+v", info)
	}
	if len(info.Embedded) != 0 {
		t.Errorf("embedded files %v, want none", info.Embedded)
	}
	if len(res.Blocked) != 0 {
		t.Errorf("blocked %v, want none (the image is a resource)", res.Blocked)
	}
	if res.Size <= 0 || res.Size != fileSize(t, out) {
		t.Errorf("size %d, file has %d", res.Size, fileSize(t, out))
	}

	ctx := readContext(t, out)
	fonts := fontDicts(ctx)
	if len(fonts) == 0 {
		t.Fatal("no fonts")
	}
	for _, d := range fonts {
		sub := *d.NameEntry("Subtype")
		switch sub {
		case "Type3":
			// Glyphs are content streams in the file: embedded by nature.
			if _, ok := d.Find("CharProcs"); !ok {
				t.Errorf("Type3 font without CharProcs")
			}
		case "Type0":
			// Checked through its descendant, which is also in the list.
		default:
			fd, err := ctx.DereferenceDict(d["FontDescriptor"])
			if err != nil || fd == nil {
				t.Errorf("%s font %v has no FontDescriptor", sub, d.NameEntry("BaseFont"))
				continue
			}
			_, f1 := fd.Find("FontFile")
			_, f2 := fd.Find("FontFile2")
			_, f3 := fd.Find("FontFile3")
			if !f1 && !f2 && !f3 {
				t.Errorf("font %s is not embedded", *fd.NameEntry("FontName"))
			}
		}
	}

	// Every letter of the RTL and CJK lines must be mapped by some font:
	// Chromium found a font with the glyph. Arabic maps to presentation
	// forms and some CJK glyphs to Kangxi radicals, so compare after NFKC.
	mapped, notdef := toUnicodeText(t, ctx)
	if notdef {
		t.Error("a font maps glyph 0 (.notdef): some character had no glyph")
	}
	have := norm.NFKC.String(mapped)
	for _, s := range []string{goldenArabic, goldenHebrew, goldenCJK} {
		for _, r := range s {
			if r != ' ' && !strings.ContainsRune(have, r) {
				t.Errorf("no glyph mapped to %q (U+%04X) of %q", r, r, s)
			}
		}
	}
	// Ghostscript 10.00's default interpreter garbled Hebrew ToUnicode
	// ranges; the exact Hebrew letters must be there, not only after NFKC.
	for _, r := range goldenHebrew {
		if r != ' ' && !strings.ContainsRune(mapped, r) {
			t.Errorf("Hebrew %q (U+%04X) not mapped exactly", r, r)
		}
	}
	t.Logf("fonts: %v", info.Fonts)
}

// TestDeterminism: the same Job, rendered again in another work directory,
// gives the same bytes, with and without embedded files.
func TestDeterminism(t *testing.T) {
	t.Run("golden", func(t *testing.T) {
		first, _ := renderGolden(t)
		again := filepath.Join(t.TempDir(), "again.pdf")
		if _, err := Render(context.Background(), goldenJob(t, filepath.Join(t.TempDir(), "other-work")), again); err != nil {
			t.Fatal(err)
		}
		sameBytes(t, first, again)
	})
	t.Run("attachments", func(t *testing.T) {
		first, _ := renderAttach(t)
		again := filepath.Join(t.TempDir(), "again.pdf")
		job, _ := attachJob(t, filepath.Join(t.TempDir(), "w"))
		if _, err := Render(context.Background(), job, again); err != nil {
			t.Fatal(err)
		}
		sameBytes(t, first, again)
	})
}

func sameBytes(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		n := 0
		for n < len(x) && n < len(y) && x[n] == y[n] {
			n++
		}
		t.Fatalf("renders differ (%d and %d bytes), first difference at byte %d: %q vs %q",
			len(x), len(y), n, x[n:min(n+40, len(x))], y[n:min(n+40, len(y))])
	}
}

// TestArtefactPNG renders the golden PDF's first page to a PNG for a person
// to look at: in $XECM_ARTEFACTS when set, else in the test's temp dir.
func TestArtefactPNG(t *testing.T) {
	out, _ := renderGolden(t)
	dir := os.Getenv("XECM_ARTEFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(dir, "pdfa-golden-page1.png")
	cmd := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-r60",
		"-dFirstPage=1", "-dLastPage=1", "-sOutputFile="+pngPath, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gs png16m: %v: %s", err, b)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	// A4 at 60 dpi is 496 x 701 pixels.
	if cfg.Width < 450 || cfg.Height < 650 {
		t.Errorf("PNG is %dx%d, want about 496x701", cfg.Width, cfg.Height)
	}
	t.Logf("first page as PNG: %s (%d bytes)", pngPath, fileSize(t, pngPath))
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
