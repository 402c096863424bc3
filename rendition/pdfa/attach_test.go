package pdfa

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// TestEmbeddedAttachments: two files become PDF/A-3 associated files whose
// bytes come back out unchanged.
func TestEmbeddedAttachments(t *testing.T) {
	out, res := renderAttach(t)
	job, files := attachJob(t, t.TempDir())
	info, err := Inspect(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Part != 3 || info.Conformance != "B" || res.Part != 3 {
		t.Errorf("PDF/A-%d%s (result part %d), want PDF/A-3b", info.Part, info.Conformance, res.Part)
	}
	got := slices.Sorted(slices.Values(info.Embedded))
	if want := []string{"données-μ.bin", "notes.txt"}; !slices.Equal(got, want) {
		t.Errorf("embedded %v, want %v", got, want)
	}

	ctx := readContext(t, out)
	cat, err := ctx.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	af, err := ctx.DereferenceArray(cat["AF"])
	if err != nil || len(af) != 2 {
		t.Fatalf("catalog /AF %v (%v), want two file specifications", af, err)
	}
	want := map[string]EmbeddedFile{}
	for _, e := range job.Embed {
		want[e.Name] = e
	}
	for _, ref := range af {
		fs, err := ctx.DereferenceDict(ref)
		if err != nil || fs == nil {
			t.Fatalf("/AF entry %v: %v", ref, err)
		}
		name := text(t, ctx, fs["UF"])
		e, ok := want[name]
		if !ok {
			t.Errorf("/AF names %q", name)
			continue
		}
		if r := fs.NameEntry("AFRelationship"); r == nil || *r != e.Relationship {
			t.Errorf("%s: AFRelationship %v, want %s", name, r, e.Relationship)
		}
		if d := text(t, ctx, fs["Desc"]); d != e.Description {
			t.Errorf("%s: Desc %q", name, d)
		}
		sd, _, err := ctx.DereferenceStreamDict(fs.DictEntry("EF")["F"])
		if err != nil || sd == nil {
			t.Fatalf("%s: /EF /F: %v", name, err)
		}
		if st := sd.NameEntry("Subtype"); st == nil || *st != mimeType(e.MediaType) {
			t.Errorf("%s: Subtype %v, want %s", name, st, mimeType(e.MediaType))
		}
		params := sd.DictEntry("Params")
		if size := params.IntEntry("Size"); size == nil || *size != len(files[name]) {
			t.Errorf("%s: Params Size %v, want %d", name, size, len(files[name]))
		}
		if md := text(t, ctx, params["ModDate"]); md != pdfDate(e.ModTime) {
			t.Errorf("%s: Params ModDate %q, want %q", name, md, pdfDate(e.ModTime))
		}
	}

	aa, err := ctx.ExtractAttachments(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(aa) != 2 {
		t.Fatalf("extracted %d attachments", len(aa))
	}
	for _, a := range aa {
		b, err := io.ReadAll(a.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, files[a.FileName]) {
			t.Errorf("%s: extracted %d bytes differ from the %d given", a.FileName, len(b), len(files[a.FileName]))
		}
	}
}

func text(t *testing.T, ctx *model.Context, o types.Object) string {
	t.Helper()
	if o == nil {
		return ""
	}
	s, err := ctx.DereferenceText(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
