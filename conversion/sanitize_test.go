package conversion

import (
	"strings"
	"testing"
)

func TestSanitizeCases(t *testing.T) {
	logo := Attachment{Name: "image1.png", MediaType: "image/png", Data: []byte("png")}
	images := map[string]Attachment{"extracted/media/image1.png": logo}
	for _, tc := range []struct{ name, in, want, notes string }{
		{"loose inline content is wrapped in a paragraph",
			"<div> Intro <b>bold</b> <figure><img src=\"./extracted/media/image1.png\"><figcaption>Logo</figcaption></figure></div><p>Next</p>",
			`<p>Intro <strong>bold</strong> <ac:image><ri:attachment ri:filename="image1.png" /></ac:image>Logo</p><p>Next</p>`, ""},
		{"unknown elements keep their content",
			"<p><span><font>plain</font> <mark>marked</mark></span></p>", "<p>plain marked</p>", ""},
		{"link schemes", `<p><a href="HTTPS://Example.com/a b">x</a><a href="#sec">y</a><a href="/rel">z</a><a href="jav&#x09;ascript:alert(1)">w</a><a href="vbscript:x">v</a><a href="ftp://h/f">u</a></p>`,
			`<p><a href="https://Example.com/a%20b">x</a>yzwvu</p>`,
			"removed unparseable link target|removed vbscript: link target|removed ftp: link target"},
		{"images that are not extracted files", `<p><img src="//cdn.example/x.png"><img src="extracted/media/other.png"><img src="../extracted/media/image1.png"></p>`,
			"<p></p>", "removed external image (not fetched): //cdn.example/x.png|removed image without an attachment: extracted/media/other.png|removed image without an attachment: ../extracted/media/image1.png"},
		{"cell spans are checked", `<table><tr><td colspan="0">a</td><td colspan=" 3 ">b</td><td rowspan="5000">c</td></tr></table>`,
			`<table><tbody><tr><td>a</td><td colspan="3">b</td><td>c</td></tr></tbody></table>`, ""},
		{"characters XML forbids are dropped", "<p title=\"x\">a\x0bb\uFFFEc</p>", "<p>abc</p>", ""},
		{"escaping", `<p>1 &lt; 2 &amp;&amp; "q" &gt; 0</p>`, `<p>1 &lt; 2 &amp;&amp; "q" &gt; 0</p>`, ""},
		{"event handlers on removed and kept elements", `<p onClick="a()" ONMOUSEOVER="b()">t</p><iframe onload="c()"></iframe>`,
			"<p>t</p>", "removed event handler attribute onclick|removed event handler attribute onmouseover|removed <iframe> element with its content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := sanitizeResult(KindHTML, []byte(tc.in), images)
			if err != nil {
				t.Fatal(err)
			}
			if res.Storage != tc.want {
				t.Errorf("storage\n got %s\nwant %s", res.Storage, tc.want)
			}
			if got := strings.Join(res.Notes, "|"); got != tc.notes {
				t.Errorf("notes\n got %s\nwant %s", got, tc.notes)
			}
			wellFormed(t, res.Storage)
		})
	}
}
