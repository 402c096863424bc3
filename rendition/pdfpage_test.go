package rendition

import (
	"reflect"
	"strings"
	"testing"
)

// The page's own images point at local resources; every other URL that
// would load something is listed as blocked and named in the header.
func TestPDFPageLocalisesOwnImagesAndListsTheRest(t *testing.T) {
	doc := Document{PageID: "42", Title: "Richtlinie – سياسة", SpaceKey: "POL", URL: "https://wiki.example.com/wiki/spaces/POL/pages/42",
		BodyHTML: `<p>x</p><img src="/wiki/download/attachments/42/chart%201.png?version=2&amp;api=v2">` +
			`<img src="https://wiki.example.com/wiki/download/thumbnails/42/logo.png">` +
			`<img src="https://evil.example.net/wiki/download/attachments/42/chart%201.png">` +
			`<img src="/wiki/download/attachments/43/other.png">` +
			`<iframe src="https://video.example.org/embed"></iframe><script src="https://cdn.example.org/x.js"></script>` +
			`<link rel="stylesheet" href="https://cdn.example.org/s.css"><div style="background:url('https://t.example.org/bg.png')"></div>` +
			`<style>p{background:url(https://t.example.org/css.png)} a>b{}</style><img srcset="https://t.example.org/2x.png 2x">` +
			`<img src="data:image/png;base64,AAAA">`}
	manifest := []ManifestEntry{{FileName: "chart 1.png", MediaType: "image/png", Size: 10, Version: 2, SHA256: "ab12"}, {FileName: "logo.png", MediaType: "image/png", Size: 5, Version: 1, SHA256: "cd34"}}
	src := PDFPage(doc, manifest, Embedded)
	if want := map[string]int{"att/0": 0, "att/1": 1}; !reflect.DeepEqual(src.Images, want) {
		t.Errorf("images %v, want %v", src.Images, want)
	}
	want := []string{"/wiki/download/attachments/43/other.png", "https://cdn.example.org/s.css", "https://cdn.example.org/x.js",
		"https://evil.example.net/wiki/download/attachments/42/chart%201.png", "https://t.example.org/2x.png", "https://t.example.org/bg.png",
		"https://t.example.org/css.png", "https://video.example.org/embed"}
	if !reflect.DeepEqual(src.Blocked, want) {
		t.Errorf("blocked\n%q\nwant\n%q", src.Blocked, want)
	}
	for _, s := range []string{`src="att/0"`, `src="att/1"`, "ab12", "cd34", "Attachments (embedded)", "https://video.example.org/embed", "Richtlinie – سياسة", "a>b{}"} {
		if !strings.Contains(src.HTML, s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	if strings.Contains(src.HTML, "2x.png 2x") {
		t.Error("srcset kept")
	}
}
