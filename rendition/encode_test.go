package rendition

import (
	"mime"
	"strings"
	"testing"
)

// If a text part ever held the candidate boundary, the next candidate of
// the same seed is taken: still deterministic, never a broken file.
func TestPickBoundarySkipsCandidatesFoundInText(t *testing.T) {
	seed := []byte("seed")
	c0, c1 := boundaryCandidate(seed, 0), boundaryCandidate(seed, 1)
	if c0 == c1 {
		t.Fatal("candidates repeat")
	}
	if b, err := pickBoundary(seed, "nothing here"); err != nil || b != c0 {
		t.Fatalf("got %q %v, want %q", b, err, c0)
	}
	if b, err := pickBoundary(seed, "x", "body\r\n--"+c0+"\r\n"); err != nil || b != c1 {
		t.Fatalf("got %q %v, want %q", b, err, c1)
	}
	var all strings.Builder
	for i := range maxBoundaryCandidates {
		all.WriteString(boundaryCandidate(seed, i))
	}
	if _, err := pickBoundary(seed, all.String()); err == nil {
		t.Fatal("want an error when every candidate occurs in the text")
	}
}

// Header values built from Confluence text stay single-line ASCII.
func TestHeaderValueEncoders(t *testing.T) {
	for _, s := range []string{"plain title", "a\r\nb", "x\x00y\x7f\u0085z\u2028", "=?utf-8?q?fake?=", "Prüfung " + strings.Repeat("ä", 300), "bad \xff utf-8"} {
		v := encodeText(s)
		for _, line := range strings.Split(v, "\r\n") {
			if !printableASCII(line) || len(line) > 900 {
				t.Errorf("encodeText(%q) line %q", s, line)
			}
		}
		dec, err := new(mime.WordDecoder).DecodeHeader(strings.ReplaceAll(v, "\r\n", ""))
		if err != nil || strings.ContainsAny(dec, "\r\n\x00\x7f") {
			t.Errorf("encodeText(%q) decodes to %q (%v)", s, dec, err)
		}
	}
	if dec, _ := new(mime.WordDecoder).DecodeHeader(encodeText("=?utf-8?q?fake?=")); dec != "=?utf-8?q?fake?=" {
		t.Errorf("a title that looks like an encoded-word decodes to %q", dec)
	}
	for _, mt := range []string{"text/plain\r\nX: 1", "text/plain; name=\"a\r\nb\"", "nonsense", "", "a/b; c"} {
		if got := cleanMediaType(mt); !printableASCII(got) || strings.Contains(got, "X:") {
			t.Errorf("cleanMediaType(%q) = %q", mt, got)
		}
	}
	if got := cleanMediaType("Text/CSV; Charset=UTF-8"); got != "text/csv; charset=UTF-8" {
		t.Errorf("cleanMediaType keeps a valid type: %q", got)
	}
	if got := contentDisposition("../etc/passwd"); strings.Contains(got, `filename="../`) || !strings.Contains(got, "filename*=UTF-8''..%2Fetc%2Fpasswd") {
		t.Errorf("contentDisposition keeps a path in the ASCII fallback: %q", got)
	}
	if got := contentDisposition("plain name.pdf"); got != `attachment; filename="plain name.pdf"` {
		t.Errorf("contentDisposition of a plain name: %q", got)
	}
	if got := escapeURI("https://wiki.example.com/pages/viewpage.action?pageId=1&x=%20#top"); got != "https://wiki.example.com/pages/viewpage.action?pageId=1&x=%20#top" {
		t.Errorf("escapeURI changed a valid URL: %q", got)
	}
}
