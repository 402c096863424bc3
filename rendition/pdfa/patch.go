package pdfa

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf16"
)

// Metadata. Ghostscript 10.00 cannot take non-ASCII text into PDF/A
// metadata: its check of DOCINFO strings misreads octal escapes and
// discards every value that has one ("Text string detected in DOCINFO cannot
// be represented in XMP"). So Ghostscript gets an ASCII placeholder per
// field, long enough for the real value in both of its encodings, and
// finishFile overwrites the placeholder in place: in the Info dictionary
// with a UTF-16BE hex string, in the XMP packet with escaped UTF-8. Padding
// is white space between tokens (Info) or between XML elements (XMP), so
// every byte offset, stream /Length and the xref table stay valid.

// docField is one document information entry and its placeholder.
type docField struct {
	key   string // Title, Author, Subject or Keywords
	value string // cleaned UTF-8
	token string // ASCII placeholder given to Ghostscript
}

// maxFieldRunes bounds a metadata value (a PostScript string holds at most
// 65535 bytes, and the placeholder is four times the value).
const maxFieldRunes = 4000

// minToken is the least placeholder length, so that a placeholder cannot
// occur by chance elsewhere in the file.
const minToken = 40

func docFields(job *Job) []docField {
	var out []docField
	for _, kv := range [][2]string{{"Title", job.Title}, {"Author", job.Author}, {"Subject", job.Subject}, {"Keywords", job.Keywords}} {
		v := cleanText(kv[1], maxFieldRunes)
		if v == "" {
			continue
		}
		n := max(len(infoHex(v))-2, len(xmlEscape(v)), minToken)
		out = append(out, docField{key: kv[0], value: v, token: placeholder(kv[0], v, n)})
	}
	return out
}

// placeholder derives an n-letter token from the field, so that the same Job
// gives the same intermediate file.
func placeholder(key, value string, n int) string {
	var b strings.Builder
	b.WriteString("XECMPDFA")
	seed := sha256.Sum256([]byte(key + "\x00" + value))
	for b.Len() < n {
		for _, c := range seed {
			if b.Len() == n {
				break
			}
			b.WriteByte('a' + c%26)
		}
		seed = sha256.Sum256(seed[:])
	}
	return b.String()[:n]
}

// cleanText makes s fit for metadata: valid UTF-8, no control characters
// (XML 1.0 forbids most), line breaks and tabs as spaces, at most max runes.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			r = ' '
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xfffe || r == 0xffff:
			continue
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

func utf16BOM(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xfe, 0xff
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return b
}

// infoHex is v as a PDF hex string of UTF-16BE with byte order mark.
func infoHex(v string) string {
	return "<" + strings.ToUpper(hex.EncodeToString(utf16BOM(v))) + ">"
}

func xmlEscape(v string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(v)
}

// finishFile writes the metadata values over their placeholders and then
// replaces the trailer /ID, which Ghostscript draws at random, with one
// derived from the file's content: a SHA-256 over the file with the /ID
// digits set to '0'. Neither change moves an object or the xref table.
func finishFile(path string, fields []docField) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, fd := range fields {
		if err := patchField(f, fd); err != nil {
			return err
		}
	}
	if err := patchID(f); err != nil {
		return err
	}
	return f.Close()
}

// patchField finds the field's two placeholders, "(token)" in the Info
// dictionary and "token</tag>" in the XMP packet, and overwrites both.
func patchField(f *os.File, fd docField) error {
	offs, err := findAll(f, []byte(fd.token))
	if err != nil {
		return err
	}
	if len(offs) != 2 {
		return fmt.Errorf("metadata %s: placeholder found %d times, want 2 (Info and XMP)", fd.key, len(offs))
	}
	var info, xmp bool
	n := int64(len(fd.token))
	for _, off := range offs {
		if off == 0 {
			return fmt.Errorf("metadata %s: placeholder at the start of the file", fd.key)
		}
		// Read the byte before and enough after for a closing tag.
		around := make([]byte, n+2+64)
		m, err := f.ReadAt(around, off-1)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		around = around[:m]
		after := around[1+n:]
		switch {
		case around[0] == '(' && len(after) > 0 && after[0] == ')':
			// Info: "(token)" becomes "<FEFF...>" and spaces.
			repl := infoHex(fd.value)
			repl += strings.Repeat(" ", int(n)+2-len(repl))
			if _, err := f.WriteAt([]byte(repl), off-1); err != nil {
				return err
			}
			info = true
		case bytes.HasPrefix(after, []byte("</")):
			// XMP: "token</tag>" becomes "value</tag>" and spaces, which
			// between elements are insignificant.
			end := bytes.IndexByte(after, '>')
			if end < 0 {
				return fmt.Errorf("metadata %s: XMP element not closed", fd.key)
			}
			tag := after[:end+1]
			val := xmlEscape(fd.value)
			repl := val + string(tag) + strings.Repeat(" ", int(n)-len(val))
			if _, err := f.WriteAt([]byte(repl), off); err != nil {
				return err
			}
			xmp = true
		default:
			return fmt.Errorf("metadata %s: placeholder in an unexpected place", fd.key)
		}
	}
	if !info || !xmp {
		return fmt.Errorf("metadata %s: placeholder not in both Info and XMP", fd.key)
	}
	return nil
}

// findAll returns the offsets of every occurrence of tok in f.
func findAll(f *os.File, tok []byte) ([]int64, error) {
	const chunk = 4 << 20
	overlap := len(tok) - 1
	buf := make([]byte, chunk+overlap)
	seen := map[int64]bool{}
	var out []int64
	for start := int64(0); ; start += chunk {
		m, err := f.ReadAt(buf, start)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		data := buf[:m]
		for i := 0; ; {
			j := bytes.Index(data[i:], tok)
			if j < 0 {
				break
			}
			off := start + int64(i+j)
			if !seen[off] {
				seen[off] = true
				out = append(out, off)
			}
			i += j + 1
		}
		if m < len(buf) {
			return out, nil
		}
	}
}

// idDigits is how many hex digits each /ID string gets: 16 bytes, as
// Ghostscript's own MD5 identifier has.
const idDigits = 32

// patchID sets the trailer /ID to a digest of the file. Ghostscript writes
// each /ID string in whichever PostScript form is shorter for its random
// bytes (psdf_write_string): usually hex, now and then a literal "(...)"
// with escapes. The trailer follows every object and the cross-reference
// table, and startxref points before it, so the /ID array can be rewritten
// in a different length: it always becomes two hex strings of idDigits
// digits, first as zeros for the digest, then as the digest.
func patchID(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	const tailLen = 64 << 10
	start := max(st.Size()-tailLen, 0)
	tail := make([]byte, st.Size()-start)
	if _, err := f.ReadAt(tail, start); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	from, to, err := findTrailerID(tail)
	if err != nil {
		return err
	}
	zeros := strings.Repeat("0", idDigits)
	rewritten := append([]byte("/ID [<"+zeros+"><"+zeros+">]"), tail[to:]...)
	if _, err := f.WriteAt(rewritten, start+int64(from)); err != nil {
		return err
	}
	size := start + int64(from) + int64(len(rewritten))
	if err := f.Truncate(size); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
		return err
	}
	sum := []byte(strings.ToUpper(hex.EncodeToString(h.Sum(nil)))[:idDigits])
	for _, at := range []int{len("/ID [<"), len("/ID [<") + idDigits + len("><")} {
		if _, err := f.WriteAt(sum, start+int64(from+at)); err != nil {
			return err
		}
	}
	return nil
}

// findTrailerID returns where the /ID entry of the last trailer in tail
// starts and where its array ends.
func findTrailerID(tail []byte) (from, to int, err error) {
	t := bytes.LastIndex(tail, []byte("trailer"))
	if t < 0 {
		return 0, 0, errors.New("no trailer in the file's last 64 KiB")
	}
	i := bytes.Index(tail[t:], []byte("/ID"))
	if i < 0 {
		return 0, 0, errors.New("no /ID in the trailer")
	}
	from = t + i
	p := skipSpace(tail, from+len("/ID"))
	if p >= len(tail) || tail[p] != '[' {
		return 0, 0, errors.New("trailer /ID is not an array")
	}
	p++
	for range 2 {
		p = skipSpace(tail, p)
		if p, err = skipString(tail, p); err != nil {
			return 0, 0, fmt.Errorf("trailer /ID: %w", err)
		}
	}
	p = skipSpace(tail, p)
	if p >= len(tail) || tail[p] != ']' {
		return 0, 0, errors.New("trailer /ID is not an array of two strings")
	}
	return from, p + 1, nil
}

// pdfSpace are PDF's white-space characters.
const pdfSpace = "\x00\t\n\f\r "

// skipSpace returns the first index at or after p that is not PDF white space.
func skipSpace(b []byte, p int) int {
	for p < len(b) && strings.IndexByte(pdfSpace, b[p]) >= 0 {
		p++
	}
	return p
}

// skipString returns the index after the PDF string that starts at p: hex
// "<...>", or literal "(...)" with balanced parentheses and backslash
// escapes.
func skipString(b []byte, p int) (int, error) {
	if p >= len(b) {
		return 0, errors.New("string expected")
	}
	switch b[p] {
	case '<':
		end := bytes.IndexByte(b[p:], '>')
		if end < 0 {
			return 0, errors.New("unterminated hex string")
		}
		return p + end + 1, nil
	case '(':
		depth := 0
		for q := p; q < len(b); q++ {
			switch b[q] {
			case '\\':
				q++
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					return q + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated literal string")
	}
	return 0, fmt.Errorf("string expected, found %q", b[p])
}
