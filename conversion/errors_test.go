package conversion

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// noPandoc is a binary name that is never on PATH.
const noPandoc = "xecm-no-such-pandoc"

func TestCorruptDOCX(t *testing.T) {
	requirePandoc(t)
	junk := make([]byte, 4096)
	rand.NewChaCha8([32]byte{1}).Read(junk) // fixed seed: the same junk every run
	_, err := convert(t, "broken.docx", "", junk, Limits{})
	e := wantKind(t, err, ErrConversionFailed)
	if e.File != "broken.docx" || !strings.Contains(e.Msg, "pandoc: couldn't unpack docx container") {
		t.Errorf("error: %v", err)
	}
}

func TestZipThatIsNotDOCX(t *testing.T) {
	requirePandoc(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("notes.txt")
	w.Write([]byte("not a word document"))
	zw.Close()
	_, err := convert(t, "notes.docx", MediaTypeDOCX, buf.Bytes(), Limits{})
	if e := wantKind(t, err, ErrConversionFailed); !strings.Contains(e.Msg, "pandoc: ") {
		t.Errorf("message lacks pandoc's: %v", err)
	}
}

// Encrypted OOXML is an OLE compound file, not a zip.
func TestEncryptedDOCX(t *testing.T) {
	requirePandoc(t)
	data := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, bytes.Repeat([]byte("EncryptedPackage"), 64)...)
	_, err := convert(t, "secret.docx", MediaTypeDOCX, data, Limits{})
	if e := wantKind(t, err, ErrConversionFailed); !strings.Contains(e.Msg, "password-protected") || !strings.Contains(e.Msg, "pandoc: ") {
		t.Errorf("error: %v", err)
	}
}

// Oversized input is refused before any converter runs: with pandoc
// "missing", reaching it would give ErrConverterMissing instead.
func TestTooLarge(t *testing.T) {
	setPandoc(t, noPandoc)
	docx := opentext.PolicyTemplateDOCX()
	_, err := convert(t, "big.docx", MediaTypeDOCX, docx, Limits{MaxInput: int64(len(docx)) - 1})
	wantKind(t, err, ErrTooLarge)
	_, err = convert(t, "big.html", "text/html", []byte("<p>12345</p>"), Limits{MaxInput: 5})
	wantKind(t, err, ErrTooLarge)

	// A small zip whose entries unpack to more than MaxUnpacked.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	w.Write(make([]byte, 1<<20))
	zw.Close()
	_, err = convert(t, "bomb.docx", MediaTypeDOCX, buf.Bytes(), Limits{MaxUnpacked: 1 << 19})
	if e := wantKind(t, err, ErrTooLarge); !strings.Contains(e.Msg, "unpacked") {
		t.Errorf("error: %v", err)
	}
}

func TestOutputTooLarge(t *testing.T) {
	page := []byte("<p>" + strings.Repeat("x", 200) + "</p>")
	_, err := convert(t, "long.html", "text/html", page, Limits{MaxOutput: 100})
	wantKind(t, err, ErrOutputTooLarge)

	t.Run("pandoc", func(t *testing.T) {
		requirePandoc(t)
		_, err := convert(t, "p.docx", MediaTypeDOCX, opentext.PolicyTemplateDOCX(), Limits{MaxOutput: 50})
		wantKind(t, err, ErrOutputTooLarge)
	})
}

func TestTimeout(t *testing.T) {
	t.Run("tiny limit", func(t *testing.T) {
		requirePandoc(t)
		_, err := convert(t, "p.docx", MediaTypeDOCX, opentext.PolicyTemplateDOCX(), Limits{Timeout: time.Nanosecond})
		wantKind(t, err, ErrTimeout)
	})
	t.Run("hanging converter", func(t *testing.T) {
		// A stand-in that never finishes shows the process is killed at
		// the deadline rather than waited for.
		script := filepath.Join(t.TempDir(), "slow-pandoc")
		if err := os.WriteFile(script, []byte("#!/bin/sh\nPATH=/usr/bin:/bin exec sleep 60\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		setPandoc(t, script)
		start := time.Now()
		_, err := convert(t, "p.docx", MediaTypeDOCX, opentext.PolicyTemplateDOCX(), Limits{Timeout: 300 * time.Millisecond})
		wantKind(t, err, ErrTimeout)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Convert(ctx, "a.html", "text/html", strings.NewReader("<p>x</p>"), Limits{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v", err)
		}
	})
}

func TestConverterMissing(t *testing.T) {
	setPandoc(t, noPandoc)
	_, err := convert(t, "p.docx", MediaTypeDOCX, opentext.PolicyTemplateDOCX(), Limits{})
	if e := wantKind(t, err, ErrConverterMissing); !strings.Contains(e.Msg, "Debian's pandoc package") || e.File != "p.docx" {
		t.Errorf("error: %v", err)
	}
	if _, err := Available(context.Background()); !errors.Is(err, ErrConverterMissing) {
		t.Errorf("Available: %v", err)
	}
	// HTML and Markdown need no pandoc.
	if _, err := convert(t, "a.md", "", []byte("# x"), Limits{}); err != nil {
		t.Errorf("markdown without pandoc: %v", err)
	}
}

func TestAvailable(t *testing.T) {
	requirePandoc(t)
	v, err := Available(context.Background())
	if err != nil || !strings.HasPrefix(v, "pandoc ") {
		t.Errorf("Available() = %q, %v", v, err)
	}
}

func TestErrorFormat(t *testing.T) {
	err := error(&Error{Kind: ErrConversionFailed, File: "a.docx", Msg: "pandoc: bad", Err: os.ErrInvalid})
	if got := err.Error(); got != `conversion of "a.docx": conversion failed: pandoc: bad` {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(err, os.ErrInvalid) || !errors.Is(err, ErrConversionFailed) || errors.Is(err, ErrTimeout) {
		t.Error("errors.Is does not see the kind or the cause")
	}
}
