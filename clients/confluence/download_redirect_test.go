package confluence_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// These tests stand in for Confluence Cloud's attachment download, which
// answers 302 to https://api.media.atlassian.com/file/{id}/binary?token=…:
// a "media" host on another port of 127.0.0.1 (so another origin, and one
// net/http itself would hand the Authorization header to) that needs no
// credentials. The client may go there for downloads only, over https
// only, to an allowed host only, and without credentials.

// mediaHit is one request the media host received, with every header
// that could carry or reveal a credential.
type mediaHit struct {
	Path, Query, Auth, Cookie, Referer string
}

type mediaLog struct {
	mu   sync.Mutex
	hits []mediaHit
}

func (l *mediaLog) all() []mediaHit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]mediaHit(nil), l.hits...)
}

// mediaHost starts a TLS host that serves "media bytes" on
// /file/abc/binary when the token is in the URL, and runs extra routes.
func mediaHost(t *testing.T, routes map[string]http.HandlerFunc) (*httptest.Server, *mediaLog) {
	t.Helper()
	log := &mediaLog{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /file/abc/binary", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") != "jwt" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "media bytes")
	})
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.mu.Lock()
		log.hits = append(log.hits, mediaHit{Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"),
			Cookie: r.Header.Get("Cookie"), Referer: r.Header.Get("Referer")})
		log.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

// assertNoCredentials fails for every media request that carried a
// credential, a cookie or a Referer.
func assertNoCredentials(t *testing.T, log *mediaLog) {
	t.Helper()
	for _, h := range log.all() {
		if h.Auth != "" || h.Cookie != "" || h.Referer != "" {
			t.Errorf("media host got %s with Authorization %q, Cookie %q, Referer %q", h.Path, h.Auth, h.Cookie, h.Referer)
		}
	}
}

func assertMediaUntouched(t *testing.T, log *mediaLog) {
	t.Helper()
	for _, h := range log.all() {
		t.Errorf("media host received %s (Authorization %q)", h.Path, h.Auth)
	}
}

func downloadRoute(flavor confluence.Flavor) string {
	if flavor == confluence.Cloud {
		return "/wiki/rest/api/content/1/child/attachment/att9/download"
	}
	return "/rest/api/content/1/child/attachment/att9/download"
}

// trustingClient trusts the httptest certificate (every httptest TLS
// server uses the same one) and keeps a cookie the API host's origin set,
// which must not travel to the media host: net/http's jar keys cookies by
// host name only, so it would.
func trustingClient(t *testing.T, tlsSrv *httptest.Server, apiURL string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(apiURL)
	jar.SetCookies(u, []*http.Cookie{{Name: "JSESSIONID", Value: "api-session"}})
	return &http.Client{Transport: tlsSrv.Client().Transport, Jar: jar}
}

// TestDownloadFollowsRedirectToMediaHost: the API 302s (or 303/307) to the
// allowed media host; the bytes arrive, the media host sees the token in
// the URL and nothing else, the API host sees the credentials as always.
func TestDownloadFollowsRedirectToMediaHost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flavor  confluence.Flavor
		apiTLS  bool
		code    int
		mediaTo string // path on the media host the API redirects to
		hosts   func(media string) []string
	}{
		{"cloud/302", confluence.Cloud, true, http.StatusFound, "/file/abc/binary?token=jwt&client=c1", hostOnly},
		{"cloud/303", confluence.Cloud, true, http.StatusSeeOther, "/file/abc/binary?token=jwt", hostOnly},
		{"cloud/307", confluence.Cloud, true, http.StatusTemporaryRedirect, "/file/abc/binary?token=jwt", hostOnly},
		{"cloud/host-port", confluence.Cloud, true, http.StatusFound, "/file/abc/binary?token=jwt", hostAndPort},
		{"cloud/two-hops-on-media", confluence.Cloud, true, http.StatusFound, "/file/abc/redirect", hostOnly},
		{"datacenter/http-base", confluence.DataCenter, false, http.StatusFound, "/file/abc/binary?token=jwt", hostOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			media, mediaLog := mediaHost(t, map[string]http.HandlerFunc{
				"GET /file/abc/redirect": func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/file/abc/binary?token=jwt", http.StatusFound)
				},
			})
			api, apiLog := apiHost(t, tc.apiTLS, authFor(tc.flavor), map[string]http.HandlerFunc{
				"GET " + downloadRoute(tc.flavor): func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, media.URL+tc.mediaTo, tc.code)
				},
			})
			hc := trustingClient(t, media, api.URL)
			c := downloadClient(t, tc.flavor, api.URL, hc, tc.hosts(media.URL))
			rc, err := c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att9"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != "media bytes" {
				t.Fatalf("download = %q, %v", b, err)
			}
			assertNoCredentials(t, mediaLog)
			if n := len(mediaLog.all()); n == 0 {
				t.Error("media host was not asked")
			}
			hits := apiLog.all()
			if len(hits) != 1 || hits[0].Auth != authFor(tc.flavor) {
				t.Errorf("API host got %+v, want one request with the credentials", hits)
			}
			if hc.CheckRedirect != nil {
				t.Error("New modified the caller's HTTPClient")
			}
		})
	}
}

func hostOnly(mediaURL string) []string { return []string{"127.0.0.1"} }

func hostAndPort(mediaURL string) []string {
	return []string{"api.media.atlassian.com", strings.TrimPrefix(mediaURL, "https://")}
}

// TestDownloadRedirectRetried: a 503 from the media host is retried from
// the API (which hands out a fresh token), without credentials both times.
func TestDownloadRedirectRetried(t *testing.T) {
	var calls atomic.Int32
	media, mediaLog := mediaHost(t, map[string]http.HandlerFunc{
		"GET /file/flaky/binary": func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "second time")
		},
	})
	api, apiLog := apiHost(t, true, basicAuth, map[string]http.HandlerFunc{
		"GET " + downloadRoute(confluence.Cloud): func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, media.URL+"/file/flaky/binary?token=jwt", http.StatusFound)
		},
	})
	c := downloadClient(t, confluence.Cloud, api.URL, trustingClient(t, media, api.URL), []string{"127.0.0.1"})
	rc, err := c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att9"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "second time" {
		t.Errorf("download = %q", b)
	}
	assertNoCredentials(t, mediaLog)
	if a, m := len(apiLog.all()), len(mediaLog.all()); a != 2 || m != 2 {
		t.Errorf("API host got %d requests, media host %d; want 2 and 2", a, m)
	}
}

// TestDownloadRedirectRefused: everything that is not an https redirect
// to an allowed host, without credentials, is refused before it is sent.
func TestDownloadRedirectRefused(t *testing.T) {
	evil, evilLog := evilHost(t) // plain http on 127.0.0.1
	evilHostPort := strings.TrimPrefix(evil.URL, "http://")
	for _, tc := range []struct {
		name  string
		to    func(media, api string) string // where the API redirects the download
		hosts []string
	}{
		{"not-allowlisted-by-default", func(m, _ string) string { return m + "/file/abc/binary?token=jwt" }, nil},
		{"not-allowlisted", func(m, _ string) string { return m + "/file/abc/binary?token=jwt" }, []string{"api.media.atlassian.com"}},
		{"allowlist-empty", func(m, _ string) string { return m + "/file/abc/binary?token=jwt" }, []string{}},
		{"allowlisted-other-port", func(m, _ string) string { return m + "/file/abc/binary?token=jwt" }, []string{"127.0.0.1:1"}},
		{"http-allowlisted-host", func(_, _ string) string { return evil.URL + "/file/abc/binary?token=jwt" }, []string{"127.0.0.1"}},
		{"http-allowlisted-host-port", func(_, _ string) string { return evil.URL + "/file/abc/binary?token=jwt" }, []string{evilHostPort}},
		{"downgrade-same-host-port", func(_, a string) string {
			return "http://" + strings.TrimPrefix(a, "https://") + "/wiki/download/attachments/1/a.txt"
		}, []string{"127.0.0.1"}},
		{"user-info", func(m, _ string) string {
			return "https://bridge:pw@" + strings.TrimPrefix(m, "https://") + "/file/abc/binary?token=jwt"
		}, []string{"127.0.0.1"}},
		{"media-back-to-api", func(m, _ string) string { return m + "/file/abc/back" }, []string{"127.0.0.1"}},
		{"media-to-http", func(m, _ string) string { return m + "/file/abc/to-http" }, []string{"127.0.0.1"}},
		{"media-to-other-host", func(m, _ string) string { return m + "/file/abc/to-other" }, []string{"127.0.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var apiURL string
			media, mediaLog := mediaHost(t, map[string]http.HandlerFunc{
				"GET /file/abc/back": func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, apiURL+"/wiki/download/attachments/1/a.txt", http.StatusFound)
				},
				"GET /file/abc/to-http": func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, evil.URL+"/file/abc/binary?token=jwt", http.StatusFound)
				},
				"GET /file/abc/to-other": func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "https://files.example.invalid/x", http.StatusFound)
				},
			})
			api, apiLog := apiHost(t, true, basicAuth, map[string]http.HandlerFunc{
				"GET " + downloadRoute(confluence.Cloud): func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, tc.to(media.URL, apiURL), http.StatusFound)
				},
				"GET /wiki/download/attachments/1/a.txt": func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, "api bytes")
				},
			})
			apiURL = api.URL
			rt := &recordingTransport{next: media.Client().Transport}
			c := downloadClient(t, confluence.Cloud, api.URL, &http.Client{Transport: rt}, tc.hosts)
			rc, err := c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att9"})
			if rc != nil {
				rc.Close()
			}
			re := wantKind(t, err, rest.KindForeignOrigin)
			if re.StatusCode != http.StatusFound {
				t.Errorf("status = %d", re.StatusCode)
			}
			if strings.Contains(err.Error(), "jwt") || strings.Contains(err.Error(), "demo-token") || strings.Contains(err.Error(), "pw") {
				t.Errorf("secret in error: %v", err)
			}
			assertUntouched(t, evilLog)
			assertNoCredentials(t, mediaLog)
			if !strings.HasPrefix(tc.name, "media-") {
				assertMediaUntouched(t, mediaLog)
			}
			if n := len(apiLog.all()); n != 1 {
				t.Errorf("API host got %+v, want the download request only (no retries, no way back)", apiLog.all())
			}
			for _, h := range rt.log.all() {
				if h.Scheme != "https" {
					t.Errorf("a request went out over %s: %s %s", h.Scheme, h.Method, h.Path)
				}
			}
		})
	}
}

// TestDownloadRedirectLimit: at most 10 redirects, none with credentials.
func TestDownloadRedirectLimit(t *testing.T) {
	media, mediaLog := mediaHost(t, map[string]http.HandlerFunc{
		"GET /loop/{n}": func(w http.ResponseWriter, r *http.Request) {
			var n int
			_, _ = fmt.Sscan(r.PathValue("n"), &n)
			http.Redirect(w, r, fmt.Sprintf("/loop/%d", n+1), http.StatusFound)
		},
	})
	api, _ := apiHost(t, true, basicAuth, map[string]http.HandlerFunc{
		"GET " + downloadRoute(confluence.Cloud): func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, media.URL+"/loop/1", http.StatusFound)
		},
	})
	c := downloadClient(t, confluence.Cloud, api.URL, &http.Client{Transport: media.Client().Transport}, []string{"127.0.0.1"})
	rc, err := c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att9"})
	if rc != nil {
		rc.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("err = %v", err)
	}
	assertNoCredentials(t, mediaLog)
	if n := len(mediaLog.all()); n != 9 {
		t.Errorf("media host got %d requests, want 9 (the API's redirect and 9 more make 10)", n)
	}
}

// TestMediaHostOnlyForDownloads: with the media host allowed, every other
// request still keeps to the origin: a pagination link, a redirected API
// call and a redirected upload are refused, and the media host hears of
// none of them.
func TestMediaHostOnlyForDownloads(t *testing.T) {
	media, mediaLog := mediaHost(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			labelsPage(w, "stolen", "")
		},
	})
	api, _ := apiHost(t, true, basicAuth, map[string]http.HandlerFunc{
		"GET /wiki/api/v2/pages/1/labels": func(w http.ResponseWriter, r *http.Request) {
			labelsPage(w, "a", media.URL+"/wiki/api/v2/pages/1/labels?cursor=2")
		},
		"GET /wiki/api/v2/pages/2/labels": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, media.URL+"/wiki/api/v2/pages/2/labels", http.StatusFound)
		},
		"PUT /wiki/rest/api/content/1/child/attachment": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			http.Redirect(w, r, media.URL+"/wiki/rest/api/content/1/child/attachment", http.StatusSeeOther)
		},
	})
	c := downloadClient(t, confluence.Cloud, api.URL, &http.Client{Transport: media.Client().Transport}, []string{"127.0.0.1"})
	_, err := c.Labels(context.Background(), "1")
	wantKind(t, err, rest.KindForeignOrigin)
	_, err = c.Labels(context.Background(), "2")
	wantKind(t, err, rest.KindForeignOrigin)
	_, err = c.UploadAttachment(context.Background(), "1", "a.txt", "text/plain", strings.NewReader("hello"), "")
	wantKind(t, err, rest.KindForeignOrigin)
	// A stored download link is requested directly, never to another origin.
	rc, err := c.DownloadAttachment(context.Background(), "", confluence.Attachment{DownloadLink: media.URL + "/file/abc/binary?token=jwt"})
	if rc != nil {
		rc.Close()
	}
	wantKind(t, err, rest.KindForeignOrigin)
	assertMediaUntouched(t, mediaLog)
}

// TestNewValidatesDownloadRedirectHosts: entries are host names or
// host:port, nothing else.
func TestNewValidatesDownloadRedirectHosts(t *testing.T) {
	base := confluence.Config{BaseURL: "https://acme.atlassian.net", Email: "a@b.c", APIToken: "t"}
	for _, ok := range [][]string{nil, {}, {"api.media.atlassian.com"}, {"Files.Example.COM.", "127.0.0.1:8443", "[::1]", "[::1]:443"}} {
		cfg := base
		cfg.DownloadRedirectHosts = ok
		if _, err := confluence.New(cfg); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", " ", "https://api.media.atlassian.com", "api.media.atlassian.com/file", "user@host",
		"*.atlassian.com", "host:", "host:0", "host:65536", "host:https", "::1", "host?x", "a b"} {
		cfg := base
		cfg.DownloadRedirectHosts = []string{"api.media.atlassian.com", bad}
		if _, err := confluence.New(cfg); err == nil || !strings.Contains(err.Error(), "DownloadRedirectHosts") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	if got := confluence.DefaultDownloadRedirectHosts(); len(got) != 1 || got[0] != "api.media.atlassian.com" {
		t.Errorf("default = %q", got)
	}
}
