package pdfa

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// DocumentURL is where Chromium loads Job.HTML from. The .invalid top-level
// domain never resolves (RFC 2606), so a request that escaped interception
// could not reach anything either.
const DocumentURL = "https://render.invalid/"

// A4 paper in inches, used unless the page's CSS @page says otherwise.
const paperWidth, paperHeight = 8.27, 11.69

// printChunk is how much of Chromium's PDF stream one IO.read asks for.
const printChunk = 1 << 20

type chromiumResult struct {
	blocked []string
	peakRSS int64
}

// errMemory is the cause of the context that the watchdog cancels.
var errMemory = errors.New("memory limit")

// printPage loads job.HTML in a new headless Chromium, with every request
// intercepted, and prints it to pdfPath.
func printPage(ctx context.Context, exe string, job *Job, limits Limits, dir, pdfPath string) (*chromiumResult, error) {
	profile := filepath.Join(dir, "chromium-profile")
	home := filepath.Join(dir, "chromium-home")
	for _, d := range []string{profile, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, renderErr(ReasonInvalid, "work directory: %v", err)
		}
	}
	var output tailBuffer
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(&output),
		// A HOME of its own keeps the render from reading or writing the
		// user's dot files, so one render cannot influence the next.
		chromedp.Env("HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home, "XDG_DATA_HOME="+home),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Its own process group lets the watchdog kill the whole tree;
			// Pdeathsig kills the browser if this process dies.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		}),
	}
	for _, f := range chromiumFlags() {
		opts = append(opts, chromedp.Flag(f.name, f.value))
	}

	wctx, wcancel := context.WithCancelCause(ctx)
	defer wcancel(nil)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(wctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)

	res := &chromiumResult{}
	var wd *watchdog
	pgid := 0
	defer func() {
		// Kill rather than close: the profile is scratch, and a hung
		// renderer must not delay the return.
		killGroup(pgid)
		cancelAlloc()
		cancelBrowser()
		// Every process of this render has dir in its command line
		// (profile, HOME), also one that left the process group.
		killLeftovers(pgid, dir+string(filepath.Separator))
		if wd != nil {
			wd.Stop()
		}
	}()

	// The first action starts the browser; the watchdog needs its pid.
	if err := chromedp.Do(bctx); err != nil {
		return res, chromiumFailure(ctx, wctx, err, &output)
	}
	if c := chromedp.FromContext(bctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		pgid = c.Browser.Process().Pid
	} else {
		return res, renderErr(ReasonChromium, "no browser process")
	}
	wd = startWatchdog(pgid, pgid, limits.MaxMemory, "", 0, func() { wcancel(errMemory) })
	memoryErr := func() error {
		peak, _ := wd.Stop()
		res.peakRSS = peak
		return renderErr(ReasonMemory, "chromium's processes reached %s (proportional set size), limit %s", mib(peak), mib(limits.MaxMemory))
	}

	icpt := newInterceptor(job)
	if err := chromedp.Listen(bctx, icpt.onEvent); err != nil {
		return res, chromiumFailure(ctx, wctx, err, &output)
	}
	go icpt.serve(bctx)

	err := chromedp.Do(bctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				return fmt.Errorf("disabling JavaScript: %w", err)
			}
			_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{
				Patterns: []*fetch.RequestPattern{{URLPattern: "*", RequestStage: fetch.RequestStageRequest}},
			})
			if err != nil {
				return fmt.Errorf("enabling request interception: %w", err)
			}
			return nil
		}),
		chromedp.Navigate(DocumentURL),
	)
	if err == nil {
		err = printToFile(bctx, pdfPath, limits.MaxOutput)
	}
	res.blocked = icpt.blockedURLs()
	if wd.tripped() == tripMemory || errors.Is(context.Cause(wctx), errMemory) {
		return res, memoryErr()
	}
	if err != nil {
		return res, chromiumFailure(ctx, wctx, err, &output)
	}
	peak, trip := wd.Stop()
	res.peakRSS = peak
	if trip == tripMemory {
		return res, memoryErr()
	}
	return res, nil
}

// chromiumFailure turns an error of chromedp into the error Render returns.
func chromiumFailure(ctx, wctx context.Context, err error, output *tailBuffer) error {
	var re *RenderError
	if errors.As(err, &re) {
		return re
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(context.Cause(wctx), errMemory) {
		return renderErr(ReasonMemory, "chromium's processes passed the memory limit")
	}
	detail := err.Error()
	if tail := output.String(); tail != "" {
		detail += "; chromium said: " + tail
	}
	return &RenderError{Reason: ReasonChromium, Detail: detail}
}

// printToFile prints the loaded page to path through a protocol stream, so
// a large PDF never sits whole in one message, and stops at maxOutput bytes.
func printToFile(ctx context.Context, path string, maxOutput int64) error {
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{
		PrintBackground:         ptr(true),
		PreferCSSPageSize:       ptr(true),
		PaperWidth:              paperWidth,
		PaperHeight:             paperHeight,
		GenerateTaggedPDF:       ptr(false), // Ghostscript drops the structure tree anyway
		GenerateDocumentOutline: ptr(false),
		TransferMode:            page.PrintToPDFTransferModeReturnAsStream,
	})
	if err != nil {
		return fmt.Errorf("printing: %w", err)
	}
	defer func() {
		// The browser keeps the stream until it is closed.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		chromedp.Call(cctx, cdpio.Close, cdpio.CloseParams{Handle: res.Stream})
	}()
	f, err := os.Create(path)
	if err != nil {
		return renderErr(ReasonInvalid, "work directory: %v", err)
	}
	defer f.Close()
	var n int64
	for {
		chunk, err := chromedp.Call(ctx, cdpio.Read, cdpio.ReadParams{Handle: res.Stream, Size: printChunk})
		if err != nil {
			return fmt.Errorf("reading the printed PDF: %w", err)
		}
		n += int64(len(chunk.Data))
		if n > maxOutput {
			return renderErr(ReasonOutputSize, "chromium's PDF passed %d bytes", maxOutput)
		}
		if _, err := f.Write(chunk.Data); err != nil {
			return renderErr(ReasonInvalid, "work directory: %v", err)
		}
		if chunk.EOF {
			break
		}
	}
	if n == 0 {
		return errors.New("chromium printed an empty PDF")
	}
	return f.Close()
}

type flag struct {
	name  string
	value any
}

// chromiumFlags are the switches of every render. Headless, quiet, and cut
// off: the proxy at the discard port refuses every connection (loopback
// included, since "<-loopback>" removes its implicit bypass), and the host
// resolver resolves nothing. Site isolation is off so that every frame,
// iframes of other sites included, is in the page's process and its requests
// pass through the page's Fetch interception.
func chromiumFlags() []flag {
	return []flag{
		{"headless", true},
		{"no-sandbox", true},
		{"no-zygote", true},
		{"disable-gpu", true},
		{"in-process-gpu", true},
		{"disable-software-rasterizer", true},
		{"enable-features", "NetworkServiceInProcess"},
		{"disable-dev-shm-usage", true},
		{"no-first-run", true},
		{"no-default-browser-check", true},
		{"disable-extensions", true},
		{"disable-background-networking", true},
		{"disable-component-update", true},
		{"disable-default-apps", true},
		{"disable-sync", true},
		{"disable-breakpad", true},
		{"disable-crash-reporter", true},
		{"disable-domain-reliability", true},
		{"disable-client-side-phishing-detection", true},
		{"metrics-recording-only", true},
		{"no-pings", true},
		{"mute-audio", true},
		{"hide-scrollbars", true},
		{"password-store", "basic"},
		{"use-mock-keychain", true},
		{"force-color-profile", "srgb"},
		{"font-render-hinting", "none"},
		{"proxy-server", "127.0.0.1:9"},
		{"proxy-bypass-list", "<-loopback>"},
		{"host-resolver-rules", "MAP * ~NOTFOUND"},
		{"blink-settings", "scriptEnabled=false"},
		{"disable-site-isolation-trials", true},
		{"disable-features", "IsolateOrigins,site-per-process,Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions,AutofillServerCommunication,CertificateTransparencyComponentUpdater"},
	}
}

func ptr[T any](v T) *T { return &v }

// interceptor answers every request of the page: the document and the
// resources from the Job, everything else refused and recorded.
type interceptor struct {
	job  *Job
	html []byte

	mu        sync.Mutex
	queue     []*fetch.EventRequestPaused
	wake      chan struct{}
	docServed bool
	blocked   map[string]bool
}

func newInterceptor(job *Job) *interceptor {
	return &interceptor{job: job, html: []byte(job.HTML), wake: make(chan struct{}, 1), blocked: map[string]bool{}}
}

// onEvent runs on chromedp's reader goroutine, so it only queues.
func (i *interceptor) onEvent(ev any) {
	e, ok := ev.(*fetch.EventRequestPaused)
	if !ok {
		return
	}
	i.mu.Lock()
	i.queue = append(i.queue, e)
	i.mu.Unlock()
	select {
	case i.wake <- struct{}{}:
	default:
	}
}

// serve answers queued requests in arrival order until ctx ends.
func (i *interceptor) serve(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-i.wake:
		}
		for {
			i.mu.Lock()
			if len(i.queue) == 0 {
				i.mu.Unlock()
				break
			}
			e := i.queue[0]
			i.queue = i.queue[1:]
			i.mu.Unlock()
			i.answer(ctx, e)
		}
	}
}

func (i *interceptor) answer(ctx context.Context, e *fetch.EventRequestPaused) {
	raw := e.Request.URL
	isDoc := e.ResourceType == network.ResourceTypeDocument
	u, err := url.Parse(raw)
	if err == nil && u.Scheme == "https" && u.Host == "render.invalid" {
		if u.Path == "/" && u.RawQuery == "" && isDoc {
			i.mu.Lock()
			first := !i.docServed
			i.docServed = true
			i.mu.Unlock()
			if first {
				i.fulfil(ctx, e, "text/html; charset=utf-8", i.html)
				return
			}
		} else if r, ok := i.resource(u); ok {
			if body, err := os.ReadFile(r.Path); err == nil {
				i.fulfil(ctx, e, mediaType(r), body)
				return
			}
		}
	}
	if err == nil && u.Host == "render.invalid" && u.Path == "/favicon.ico" && e.ResourceType == network.ResourceTypeOther {
		// Chromium asks for a favicon by itself; that is not the page's doing.
		chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		return
	}
	i.mu.Lock()
	i.blocked[raw] = true
	i.mu.Unlock()
	if isDoc {
		// A refused navigation would replace the page (or an iframe) with
		// Chromium's error page; "204 No Content" cancels it instead, so a
		// meta refresh or an iframe leaves the page as it was.
		chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: e.RequestID, ResponseCode: 204})
		return
	}
	chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
}

func (i *interceptor) fulfil(ctx context.Context, e *fetch.EventRequestPaused, contentType string, body []byte) {
	chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
		RequestID:    e.RequestID,
		ResponseCode: 200,
		ResponseHeaders: []*fetch.HeaderEntry{
			{Name: "Content-Type", Value: contentType},
			{Name: "X-Content-Type-Options", Value: "nosniff"},
			{Name: "Cache-Control", Value: "no-store"},
		},
		Body: body,
	})
}

// resource finds the Job's resource for a URL on the internal origin, by
// its decoded or its escaped path, with or without the query.
func (i *interceptor) resource(u *url.URL) (Resource, bool) {
	for _, p := range []string{u.Path, u.EscapedPath()} {
		key := strings.TrimPrefix(p, "/")
		if u.RawQuery != "" {
			if r, ok := i.job.Resources[key+"?"+u.RawQuery]; ok {
				return r, true
			}
			continue
		}
		if r, ok := i.job.Resources[key]; ok {
			return r, true
		}
	}
	return Resource{}, false
}

func (i *interceptor) blockedURLs() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]string, 0, len(i.blocked))
	for u := range i.blocked {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

func mediaType(r Resource) string {
	if r.MediaType != "" {
		return r.MediaType
	}
	if t := mime.TypeByExtension(filepath.Ext(r.Path)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// tailBuffer keeps the last bytes written to it: the end of Chromium's
// output, for the error detail.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2048

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > tailSize {
		b.buf = append([]byte(nil), b.buf[len(b.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}
