package conversion

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"time"
)

// oleMagic starts an OLE compound file. Encrypted (password-protected)
// OOXML is stored in one, as are legacy .doc files, so a DOCX starting
// with it cannot be read without the password or a different reader.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Names inside the private work directory.
const (
	workInput = "input.docx"
	workMedia = "extracted"
)

// convertDOCX runs pandoc on data and sanitises its HTML.
func convertDOCX(ctx context.Context, fileName string, data []byte, lim Limits) (*Result, error) {
	if err := checkUnpacked(data, lim.MaxUnpacked); err != nil {
		return nil, err
	}
	bin, err := lookPandoc()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "xecm-conversion-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	home := filepath.Join(work, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(work, workInput), data, 0o600); err != nil {
		return nil, err
	}
	html, err := runPandoc(ctx, bin, work, home, fileName, data, lim)
	if err != nil {
		return nil, err
	}
	images, err := collectMedia(work, lim.MaxOutput)
	if err != nil {
		return nil, err
	}
	return sanitizeResult(KindDOCX, html, images)
}

// checkUnpacked refuses a zip whose entries declare more than max bytes in
// total. Inputs that are not zips pass: pandoc reports them properly.
func checkUnpacked(data []byte, max int64) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(max) {
			return &Error{Kind: ErrTooLarge, Msg: fmt.Sprintf("unpacked content exceeds %d bytes", max)}
		}
	}
	return nil
}

// runPandoc runs pandoc in work and returns its HTML.
func runPandoc(ctx context.Context, bin, work, home, fileName string, data []byte, lim Limits) ([]byte, error) {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(runCtx, bin, pandocArgs(lim, workInput, workMedia)...)
	cmd.Dir, cmd.Env = work, pandocEnv(home, work)
	// Give pandoc a moment after the kill to release its pipes; never
	// wait on them forever.
	cmd.WaitDelay = 2 * time.Second
	stdout := &cappedBuffer{max: 2 * lim.MaxOutput, stop: stop} // HTML carries more markup than storage
	stderr := &headBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case stdout.overflow:
		return nil, &Error{Kind: ErrOutputTooLarge, Msg: fmt.Sprintf("pandoc wrote more than %d bytes", stdout.max)}
	case ctx.Err() != nil:
		return nil, contextError(ctx, fileName)
	case err == nil:
		return stdout.buf.Bytes(), nil
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		// It never started (permissions, a broken binary).
		return nil, &Error{Kind: ErrConverterMissing, Msg: "pandoc could not start: " + err.Error() + "; " + missingMsg, Err: err}
	}
	msg := trimMessage(stderr.buf.String())
	if msg == "" {
		msg = exitErr.String()
	}
	if bytes.HasPrefix(data, oleMagic) {
		msg = "the file is an OLE compound document, i.e. a password-protected DOCX or a legacy Word file; remove the password or save it as .docx (pandoc: " + msg + ")"
	} else {
		msg = "pandoc: " + msg
	}
	return nil, &Error{Kind: ErrConversionFailed, Msg: msg, Err: err}
}

// collectMedia reads the images pandoc extracted, keyed by their path
// relative to the work directory (how pandoc's src attributes name them).
// Attachment names are the files' base names, made unique by a content
// hash prefix when two directories hold the same name.
func collectMedia(work string, max int64) (map[string]Attachment, error) {
	images := map[string]Attachment{}
	used := map[string]bool{}
	var total int64
	root := filepath.Join(work, workMedia)
	// WalkDir visits in lexical order, so names are assigned the same way
	// every time.
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return fs.SkipAll // no images
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if total += info.Size(); total > max {
			return &Error{Kind: ErrOutputTooLarge, Msg: fmt.Sprintf("extracted images exceed %d bytes", max)}
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(work, p)
		if err != nil {
			return err
		}
		name := attachmentFileName(path.Base(filepath.ToSlash(rel)))
		if used[name] {
			sum := sha256.Sum256(b)
			name = hex.EncodeToString(sum[:4]) + "-" + name
		}
		used[name] = true
		mt := mediaTypeOf(name, b)
		if mt == "image/svg+xml" {
			b = sanitizeSVG(b)
		}
		images[filepath.ToSlash(rel)] = Attachment{Name: name, MediaType: mt, Data: b}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return images, nil
}

// headBuffer keeps the first max bytes written and discards the rest
// without failing, so a chatty stderr never stops the process.
type headBuffer struct {
	buf bytes.Buffer
	max int
}

// Write implements io.Writer.
func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
