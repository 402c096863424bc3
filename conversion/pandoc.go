package conversion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// pandocBinary is the converter looked up on PATH; tests point it elsewhere
// to simulate a missing or hanging pandoc.
var pandocBinary = "pandoc"

// missingMsg tells an operator how to fix a missing converter.
const missingMsg = "pandoc is not installed or not on PATH; install Debian's pandoc package (apt-get install pandoc, 2.15 or later)"

// pandocArgs is the command line for one DOCX; see the comments for why
// each flag is there. Paths are relative to the private work directory.
func pandocArgs(lim Limits, input, mediaDir string) []string {
	return []string{
		// GHC runtime options: cap the heap so a hostile document makes
		// pandoc fail instead of exhausting the worker's memory.
		"+RTS", "-M" + strconv.FormatInt(lim.MaxMemory, 10), "-RTS",
		// Readers and writers may only read the files named here: no
		// includes, no network, no other files.
		"--sandbox",
		// Warnings (e.g. missing translations, unreadable in the sandbox)
		// are noise; errors still reach stderr.
		"--quiet",
		"--from=docx",
		// An HTML fragment (no --standalone): the sanitiser takes it from
		// there, so pandoc needs no storage-format knowledge.
		"--to=html5",
		// No hard line breaks inside paragraphs, so text is not reflowed.
		"--wrap=none",
		// Write embedded images as files the body can refer to; the src
		// attributes then name media/<name> under mediaDir.
		"--extract-media=" + mediaDir,
		input,
	}
}

// pandocEnv is the whole environment pandoc gets: nothing of the worker's
// (credentials, proxies) leaks in, HOME points at an empty directory so no
// user data directory or defaults file applies, and the locale is UTF-8 so
// non-ASCII text and messages survive.
func pandocEnv(home, tmp string) []string {
	return []string{"HOME=" + home, "TMPDIR=" + tmp, "LANG=C.UTF-8", "LC_ALL=C.UTF-8"}
}

// lookPandoc resolves the binary or explains how to install it.
func lookPandoc() (string, error) {
	p, err := exec.LookPath(pandocBinary)
	if err != nil {
		return "", &Error{Kind: ErrConverterMissing, Msg: missingMsg, Err: err}
	}
	return p, nil
}

// Available reports whether pandoc can run with the options Convert uses
// (heap cap and --sandbox), for worker start-up checks. It returns pandoc's
// version line, e.g. "pandoc 2.17.1.1".
func Available(ctx context.Context) (string, error) {
	bin, err := lookPandoc()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	home, err := os.MkdirTemp("", "xecm-pandoc-check-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(home)
	cmd := exec.CommandContext(ctx, bin, "+RTS", "-M"+strconv.FormatInt(DefaultMaxMemory, 10), "-RTS", "--sandbox", "--version")
	cmd.Env, cmd.Dir = pandocEnv(home, home), home
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", &Error{Kind: ErrConverterMissing, Msg: "pandoc cannot run with --sandbox: " + trimMessage(errOut.String()) + "; " + missingMsg, Err: err}
	}
	version, _, _ := strings.Cut(out.String(), "\n")
	return strings.TrimSpace(version), nil
}

// contextError maps a finished context to the error Convert returns: our
// own deadline (or the caller's) is ErrTimeout, cancellation stays
// context.Canceled so workflow engines see it as such.
func contextError(ctx context.Context, fileName string) error {
	switch err := ctx.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: ErrTimeout, File: fileName, Msg: "the conversion did not finish in time", Err: err}
	default:
		return fmt.Errorf("conversion of %q: %w", fileName, err)
	}
}

// trimMessage keeps the start of a converter message, on one line, short
// enough for logs and workflow failure details.
func trimMessage(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	const max = 500
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "..."
	}
	return s
}

// cappedBuffer collects output up to max bytes; past that it records the
// overflow and calls stop, which kills the producer at once instead of
// letting it write on into a closed pipe.
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int64
	overflow bool
	stop     func()
}

// errCapped tells exec's copier to give up; the process is already being
// killed.
var errCapped = errors.New("output limit reached")

// Write implements io.Writer.
func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.overflow || int64(c.buf.Len()+len(p)) > c.max {
		c.overflow = true
		if c.stop != nil {
			c.stop()
		}
		return 0, errCapped
	}
	return c.buf.Write(p)
}
