package conversion

import (
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// requirePandoc skips a test that needs pandoc, unless the build insists
// on it (the Makefile sets XECM_REQUIRE_PANDOC=1), when it fails instead.
func requirePandoc(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pandoc"); err != nil {
		if os.Getenv("XECM_REQUIRE_PANDOC") == "1" {
			t.Fatalf("pandoc is required (XECM_REQUIRE_PANDOC=1) but not on PATH: %v", err)
		}
		t.Skip("pandoc not on PATH: install Debian's pandoc package to run this test (XECM_REQUIRE_PANDOC=1 makes this a failure)")
	}
}

// setPandoc points the package at another converter binary for one test.
func setPandoc(t *testing.T, bin string) {
	t.Helper()
	old := pandocBinary
	pandocBinary = bin
	t.Cleanup(func() { pandocBinary = old })
}

// convert runs Convert with a generous timeout.
func convert(t *testing.T, name, mimeType string, data []byte, lim Limits) (*Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return Convert(ctx, name, mimeType, strings.NewReader(string(data)), lim)
}

// mustConvert fails the test on a conversion error.
func mustConvert(t *testing.T, name, mimeType string, data []byte) *Result {
	t.Helper()
	res, err := convert(t, name, mimeType, data, Limits{})
	if err != nil {
		t.Fatalf("Convert(%s): %v", name, err)
	}
	return res
}

// dump is the golden-file form of a result: the body, then one line per
// attachment (name, type, size, sha256), then the notes.
func dump(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind: %s\n--- storage\n%s\n--- attachments\n", res.Kind, res.Storage)
	for _, a := range res.Attachments {
		fmt.Fprintf(&b, "%s %s %d %x\n", a.Name, a.MediaType, len(a.Data), sha256.Sum256(a.Data))
	}
	b.WriteString("--- notes\n")
	for _, n := range res.Notes {
		b.WriteString(n + "\n")
	}
	return b.String()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./conversion/ -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./conversion/ -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// wellFormed fails unless body parses as XML once the ac: and ri:
// prefixes are declared, as Confluence declares them.
func wellFormed(t *testing.T, body string) {
	t.Helper()
	doc := `<root xmlns:ac="http://atlassian.com/content" xmlns:ri="http://atlassian.com/resource/identifier">` + body + `</root>`
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("storage is not well-formed XML: %v\n%s", err, body)
		}
	}
}

// wantKind fails unless err is an *Error of kind k.
func wantKind(t *testing.T, err error, k ErrorKind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != k || !errors.Is(err, k) {
		t.Fatalf("error = %v (%T), want kind %q", err, err, k)
	}
	return e
}
