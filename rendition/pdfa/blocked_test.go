package pdfa

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// TestBlockedContent: a page that reaches for the network through every
// common element gets nothing: the server sees no connection at all, the
// refused URLs are reported, and no script runs.
func TestBlockedContent(t *testing.T) {
	requireTools(t)
	var requests, conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		t.Errorf("the server got a request: %s", r.URL)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	html := strings.ReplaceAll(`<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=SRV/refresh">
<link rel="stylesheet" href="SRV/style.css">
<link rel="preconnect" href="SRV">
<link rel="prefetch" href="SRV/prefetch">
<script src="SRV/script.js"></script>
<style>
  @import url("SRV/import.css");
  @font-face { font-family: Remote; src: url(SRV/font.woff2); }
  body { background-image: url(SRV/background.png); }
  h1 { font-family: Remote, sans-serif; }
</style>
</head><body>
<h1>VISIBLE-MARKER</h1>
<script>document.write("INLINE-SCRIPT-RAN")</script>
<img src="SRV/x.png"> <img src="SRV/x.png">
<img src="missing.png">
<img src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==">
<iframe src="SRV/frame"></iframe>
<iframe src="https://example.org/other-site"></iframe>
<object data="SRV/object.pdf"></object>
</body></html>`, "SRV", srv.URL)

	out := filepath.Join(t.TempDir(), "blocked.pdf")
	res, err := Render(context.Background(), Job{HTML: html, Title: "blocked", Date: testDate, WorkDir: t.TempDir()}, out)
	if err != nil {
		t.Fatal(err)
	}
	if n, c := requests.Load(), conns.Load(); n != 0 || c != 0 {
		t.Errorf("the server saw %d requests on %d connections, want none", n, c)
	}
	want := []string{
		srv.URL + "/background.png",
		srv.URL + "/font.woff2",
		srv.URL + "/frame",
		srv.URL + "/import.css",
		srv.URL + "/object.pdf",
		srv.URL + "/prefetch",
		srv.URL + "/refresh",
		srv.URL + "/style.css",
		srv.URL + "/x.png",
		"https://example.org/other-site",
		"https://render.invalid/missing.png",
	}
	if !slices.IsSorted(res.Blocked) || len(slices.Compact(slices.Clone(res.Blocked))) != len(res.Blocked) {
		t.Errorf("Blocked is not sorted and unique: %v", res.Blocked)
	}
	for _, u := range want {
		if !slices.Contains(res.Blocked, u) {
			t.Errorf("Blocked lacks %s", u)
		}
	}
	for _, u := range res.Blocked {
		if !slices.Contains(want, u) && u != srv.URL+"/script.js" {
			t.Errorf("Blocked has unexpected %s", u)
		}
	}
	// With scripts off Chromium does not even ask for script.js; the
	// server's count above covers it either way.
	text := pdfText(t, out)
	if !strings.Contains(text, "VISIBLE-MARKER") {
		t.Errorf("page text lacks the heading: %q", text)
	}
	if strings.Contains(text, "INLINE-SCRIPT-RAN") {
		t.Error("the inline script ran")
	}
	t.Logf("blocked: %v", res.Blocked)
}
