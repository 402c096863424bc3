package pdfa

import (
	"context"
	"fmt"
	"mime"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// convertPDFA rewrites Chromium's PDF in as PDF/A-<part>b at out with
// Ghostscript, then sets the document metadata and the file identifier (see
// patch.go). It returns Ghostscript's peak RSS.
func convertPDFA(ctx context.Context, exe string, job *Job, part int, limits Limits, dir, in, out string) (int64, error) {
	icc, err := findSRGBProfile()
	if err != nil {
		return 0, err
	}
	fields := docFields(job)
	pre := filepath.Join(dir, "pdfa_def.ps")
	post := filepath.Join(dir, "pdfa_info.ps")
	if err := os.WriteFile(pre, []byte(outputIntentPS(icc)), 0o600); err != nil {
		return 0, renderErr(ReasonInvalid, "work directory: %v", err)
	}
	postPS, err := docInfoPS(job, fields)
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(post, []byte(postPS), 0o600); err != nil {
		return 0, renderErr(ReasonInvalid, "work directory: %v", err)
	}

	args := []string{
		"-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOOUTERSAVE", "-dPDFSTOPONERROR",
		"-sDEVICE=pdfwrite",
		"-dPDFA=" + strconv.Itoa(part),
		"-dPDFACompatibilityPolicy=1",
		"-sColorConversionStrategy=RGB",
		"-sProcessColorModel=DeviceRGB",
		"-dAutoRotatePages=/None",
		"--permit-file-read=" + icc,
	}
	if legacyInterpreter(exe) {
		args = append(args, "-dNEWPDF=false")
	}
	for _, e := range job.Embed {
		p, _ := filepath.Abs(e.Path)
		args = append(args, "--permit-file-read="+p)
	}
	args = append(args, "-sOutputFile="+out, "-f", pre, in, post)

	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { killGroup(cmd.Process.Pid); return nil }
	cmd.WaitDelay = 2 * time.Second
	cmd.Env = gsEnv(job.Date)
	cmd.Dir = dir
	var output tailBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		return 0, renderErr(ReasonGhostscript, "starting %s: %v", exe, err)
	}
	wd := startWatchdog(cmd.Process.Pid, cmd.Process.Pid, limits.MaxMemory, out, limits.MaxOutput, nil)
	waitErr := cmd.Wait()
	peak, trip := wd.Stop()
	killGroup(cmd.Process.Pid)
	// The kernel's own peak is exact; the watchdog samples only every
	// watchInterval and misses most of a short run.
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss<<10 > peak {
		peak = ru.Maxrss << 10
	}
	switch {
	case trip == tripMemory:
		return peak, renderErr(ReasonMemory, "ghostscript reached %s, limit %s", mib(peak), mib(limits.MaxMemory))
	case trip == tripOutput:
		return peak, renderErr(ReasonOutputSize, "ghostscript's output passed %d bytes", limits.MaxOutput)
	case ctx.Err() != nil:
		return peak, ctx.Err()
	case waitErr != nil:
		return peak, renderErr(ReasonGhostscript, "%v: %s", waitErr, output.String())
	}
	if err := finishFile(out, fields); err != nil {
		return peak, renderErr(ReasonGhostscript, "%v (ghostscript said: %s)", err, output.String())
	}
	return peak, nil
}

// legacyInterpreter reports whether exe is Ghostscript 10.00, whose new PDF
// interpreter garbles ToUnicode ranges that Chromium writes (Hebrew U+05D8
// came out as U+00DD), so text extraction and search of the record would be
// wrong although the glyphs are right. Its legacy interpreter maps them
// correctly. The answer is cached per executable.
func legacyInterpreter(exe string) bool {
	if v, ok := gsVersions.Load(exe); ok {
		return strings.HasPrefix(v.(string), "10.00")
	}
	out, err := exec.Command(exe, "--version").Output()
	v := strings.TrimSpace(string(out))
	if err != nil {
		v = ""
	}
	gsVersions.Store(exe, v)
	return strings.HasPrefix(v, "10.00")
}

var gsVersions sync.Map

// gsEnv is this process's environment with SOURCE_DATE_EPOCH, which makes
// Ghostscript write date as CreationDate, ModDate and the XMP dates, and
// without GS_OPTIONS, which would add switches.
func gsEnv(date time.Time) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GS_OPTIONS=") || strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "SOURCE_DATE_EPOCH="+strconv.FormatInt(date.Unix(), 10))
}

// outputIntentPS is the PostScript run before the input: the sRGB
// OutputIntent that PDF/A requires. Strings are hex so no path can break out.
func outputIntentPS(icc string) string {
	return `%!PS
% rendition/pdfa: PDF/A OutputIntent (sRGB)
/pdfa_icc ` + psHex([]byte(icc)) + ` def
[/_objdef {pdfa_icc_stream} /type /stream /OBJ pdfmark
[{pdfa_icc_stream} << /N 3 >> /PUT pdfmark
[{pdfa_icc_stream} pdfa_icc (r) file /PUT pdfmark
[/_objdef {pdfa_output_intent} /type /dict /OBJ pdfmark
[{pdfa_output_intent} <<
  /Type /OutputIntent
  /S /GTS_PDFA1
  /DestOutputProfile {pdfa_icc_stream}
  /OutputConditionIdentifier (sRGB)
  /Info (sRGB IEC61966-2.1)
>> /PUT pdfmark
[{Catalog} << /OutputIntents [ {pdfa_output_intent} ] >> /PUT pdfmark
`
}

// afRelationships are the /AFRelationship values of PDF/A-3.
var afRelationships = map[string]struct{}{
	"Data": {}, "Source": {}, "Alternative": {}, "Supplement": {}, "Unspecified": {},
}

func (e EmbeddedFile) relationship() string {
	if e.Relationship == "" {
		return "Data"
	}
	return e.Relationship
}

// docInfoPS is the PostScript run after the input, so that it overrides the
// input's document information: the metadata placeholders and the embedded
// files.
func docInfoPS(job *Job, fields []docField) (string, error) {
	var b strings.Builder
	b.WriteString("%!PS\n% rendition/pdfa: document information and associated files\n[")
	for _, f := range fields {
		fmt.Fprintf(&b, "/%s (%s) ", f.key, f.token)
	}
	b.WriteString("/Creator (xecm-bridge rendition/pdfa) /DOCINFO pdfmark\n")

	var af []string
	for i, e := range job.Embed {
		path, _ := filepath.Abs(e.Path)
		st, err := os.Stat(path)
		if err != nil {
			return "", renderErr(ReasonInvalid, "embedded file %q: %v", e.Name, err)
		}
		mod := e.ModTime
		if mod.IsZero() {
			mod = job.Date
		}
		ef := fmt.Sprintf("{pdfa_ef%d}", i)
		fs := fmt.Sprintf("{pdfa_fs%d}", i)
		name := psText(cleanText(e.Name, 1024))
		fmt.Fprintf(&b, "[/_objdef %s /type /stream /OBJ pdfmark\n", ef)
		fmt.Fprintf(&b, "[%s << /Type /EmbeddedFile /Subtype %s cvn /Params << /ModDate (%s) /Size %d >> >> /PUT pdfmark\n",
			ef, psHex([]byte(mimeType(e.MediaType))), pdfDate(mod), st.Size())
		fmt.Fprintf(&b, "[%s %s (r) file /PUT pdfmark\n", ef, psHex([]byte(path)))
		fmt.Fprintf(&b, "[%s /CLOSE pdfmark\n", ef)
		fmt.Fprintf(&b, "[/_objdef %s /type /dict /OBJ pdfmark\n", fs)
		fmt.Fprintf(&b, "[%s << /Type /Filespec /F %s /UF %s", fs, psHex([]byte(asciiFileName(e.Name))), name)
		if d := cleanText(e.Description, 4096); d != "" {
			fmt.Fprintf(&b, " /Desc %s", psText(d))
		}
		fmt.Fprintf(&b, " /AFRelationship /%s /EF << /F %s /UF %s >> >> /PUT pdfmark\n", e.relationship(), ef, ef)
		fmt.Fprintf(&b, "[/Name %s /FS %s /EMBED pdfmark\n", name, fs)
		af = append(af, fs)
	}
	if len(af) > 0 {
		fmt.Fprintf(&b, "[{Catalog} << /AF [ %s ] >> /PUT pdfmark\n", strings.Join(af, " "))
	}
	return b.String(), nil
}

// mimeType normalises a media type to the type/subtype that /Subtype names.
func mimeType(mt string) string {
	if t, _, err := mime.ParseMediaType(mt); err == nil && strings.Count(t, "/") == 1 {
		return t
	}
	return "application/octet-stream"
}

// pdfDate formats t as a PDF date in UTC.
func pdfDate(t time.Time) string {
	return t.UTC().Format("D:20060102150405") + "+00'00'"
}

// psHex is a PostScript hex string: any bytes, nothing to escape.
func psHex(b []byte) string {
	return "<" + strings.ToUpper(fmt.Sprintf("%x", b)) + ">"
}

// psText is a PDF text string (UTF-16BE with byte order mark) as a
// PostScript hex string.
func psText(s string) string {
	return psHex(utf16BOM(s))
}

// asciiFileName is the /F fallback name for readers without /UF: printable
// ASCII, anything else as '_'.
func asciiFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
