package confluence_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// These tests run the client against two hosts: the configured API host
// and an "evil" host on another port of the same machine (127.0.0.1, so
// net/http's own hostname-based stripping of Authorization does not
// help). The evil host records everything it receives; no test may leave
// a credential, or any request at all, there.

const (
	basicAuth = "Basic YnJpZGdlQGV4YW1wbGUuY29tOmRlbW8tdG9rZW4=" // bridge@example.com:demo-token
	patAuth   = "Bearer demo-pat"
)

// hit is one request a test server received.
type hit struct {
	Method, Scheme, Host, Path, Query, Auth string
}

// hostLog records the requests a server receives.
type hostLog struct {
	mu   sync.Mutex
	hits []hit
}

func (l *hostLog) add(r *http.Request, scheme string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits = append(l.hits, hit{Method: r.Method, Scheme: scheme, Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization")})
}

func (l *hostLog) all() []hit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]hit(nil), l.hits...)
}

// evilHost starts the host that must never be reached. It answers like a
// Confluence would, so that a client that does follow a link there goes
// on happily and only the log tells.
func evilHost(t *testing.T) (*httptest.Server, *hostLog) {
	t.Helper()
	log := &hostLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r, "http")
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.Contains(r.URL.Path, "download") {
			_, _ = io.WriteString(w, "evil bytes")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"results":[{"id":"666","name":"stolen","prefix":"global","title":"x.txt"}],"_links":{}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

// assertUntouched fails when the evil host received any request; it
// names the credentials it got, which is the finding this file guards.
func assertUntouched(t *testing.T, log *hostLog) {
	t.Helper()
	for _, h := range log.all() {
		if h.Auth != "" {
			t.Errorf("the other host received the credentials %q on %s %s", h.Auth, h.Method, h.Path)
		} else {
			t.Errorf("the other host received %s %s", h.Method, h.Path)
		}
	}
}

// apiHost starts the configured host with routes; every request is
// logged, and one without the client's credentials is refused.
func apiHost(t *testing.T, tls bool, want string, routes map[string]http.HandlerFunc) (*httptest.Server, *hostLog) {
	t.Helper()
	log := &hostLog{}
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.HandleFunc(pattern, h)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		log.add(r, scheme)
		if r.Header.Get("Authorization") != want {
			http.Error(w, "no credentials", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, log
}

func newClient(t *testing.T, flavor confluence.Flavor, baseURL string, hc *http.Client) *confluence.Client {
	t.Helper()
	return downloadClient(t, flavor, baseURL, hc, nil)
}

// downloadClient is newClient with DownloadRedirectHosts (nil: the default).
func downloadClient(t *testing.T, flavor confluence.Flavor, baseURL string, hc *http.Client, hosts []string) *confluence.Client {
	t.Helper()
	cfg := confluence.Config{BaseURL: baseURL, Flavor: flavor, HTTPClient: hc, DownloadRedirectHosts: hosts,
		Retry: rest.RetryConfig{Max: 3, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond}}
	if flavor == confluence.Cloud {
		cfg.Email, cfg.APIToken = "bridge@example.com", "demo-token"
	} else {
		cfg.Token = "demo-pat"
	}
	c, err := confluence.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func authFor(flavor confluence.Flavor) string {
	if flavor == confluence.Cloud {
		return basicAuth
	}
	return patAuth
}

// labelsPage answers one list page: v2 shape on Cloud, v1 on DC.
func labelsPage(w http.ResponseWriter, name, next string) {
	links := map[string]string{}
	if next != "" {
		links["next"] = next
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"results": []map[string]string{{"id": name, "name": name, "prefix": "global"}}, "_links": links})
}

// labelsRoute is where Labels("1") starts, relative to the base URL.
func labelsRoute(flavor confluence.Flavor) string {
	if flavor == confluence.Cloud {
		return "/wiki/api/v2/pages/1/labels"
	}
	return "/rest/api/content/1/label"
}

func wantKind(t *testing.T, err error, k rest.Kind) *rest.Error {
	t.Helper()
	var re *rest.Error
	if !errors.As(err, &re) {
		t.Errorf("err = %v, want a *rest.Error of kind %s", err, k)
		return &rest.Error{}
	}
	if re.Service != "confluence" {
		t.Errorf("Service = %q", re.Service)
	}
	if re.Kind != k {
		t.Errorf("kind = %s, want %s (%v)", re.Kind, k, err)
	}
	if re.Retryable() {
		t.Errorf("a refusal is retryable: %v", err)
	}
	return re
}

// TestPaginationLinkToOtherOriginRefused answers the first list page with
// a _links.next that leads to the other host in every way a string join
// gets wrong: absolute, network-path, and "@host:port/…", which appended
// to "https://api" names the host after the @. The walk must stop with a
// typed error and the other host must see nothing.
func TestPaginationLinkToOtherOriginRefused(t *testing.T) {
	for _, flavor := range flavors {
		for _, tc := range []struct {
			name, next string // EVIL stands for the other host's host:port
			kind       rest.Kind
		}{
			{"absolute", "http://EVIL" + labelsRoute(flavor) + "?cursor=2&start=1", rest.KindForeignOrigin},
			{"network-path", "//EVIL" + labelsRoute(flavor) + "?start=1", rest.KindForeignOrigin},
			{"at-sign", "@EVIL" + labelsRoute(flavor) + "?start=1", rest.KindProtocol},
			{"opaque", "http:EVIL/x", rest.KindForeignOrigin},
			{"other-scheme", "https://EVIL/x", rest.KindForeignOrigin},
		} {
			t.Run(string(flavor)+"/"+tc.name, func(t *testing.T) {
				evil, evilLog := evilHost(t)
				next := strings.ReplaceAll(tc.next, "EVIL", strings.TrimPrefix(evil.URL, "http://"))
				api, apiLog := apiHost(t, false, authFor(flavor), map[string]http.HandlerFunc{
					"GET " + labelsRoute(flavor): func(w http.ResponseWriter, r *http.Request) { labelsPage(w, "first", next) },
				})
				c := newClient(t, flavor, api.URL, nil)
				_, err := c.Labels(context.Background(), "1")
				assertUntouched(t, evilLog)
				wantKind(t, err, tc.kind)
				if err != nil && (strings.Contains(err.Error(), "demo-token") || strings.Contains(err.Error(), "demo-pat")) {
					t.Errorf("credential in error: %v", err)
				}
				if n := len(apiLog.all()); n != 1 {
					t.Errorf("API host got %d requests, want 1 (no retries of a refusal)", n)
				}
			})
		}
	}
}

// TestPaginationStaysOnBase is the other half: links on the base's origin
// are followed, with the gateway prefix (Cloud through
// api.atlassian.com/ex/confluence/{cloudId}) and the DC context path kept,
// whether the server writes them with the prefix, without, or absolute.
func TestPaginationStaysOnBase(t *testing.T) {
	t.Run("cloud-gateway", func(t *testing.T) {
		const prefix = "/ex/confluence/cloud-1"
		route := prefix + "/wiki/api/v2/pages/1/labels"
		var base string
		api, apiLog := apiHost(t, false, basicAuth, map[string]http.HandlerFunc{
			"GET " + route: func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Query().Get("cursor") {
				case "":
					labelsPage(w, "a", "/wiki/api/v2/pages/1/labels?cursor=2&limit=1") // site-relative, as Atlassian sends it
				case "2":
					labelsPage(w, "b", prefix+"/wiki/api/v2/pages/1/labels?cursor=3") // already under the gateway prefix
				case "3":
					labelsPage(w, "c", base+route+"?cursor=4") // absolute, same origin
				default:
					labelsPage(w, "d", "")
				}
			},
		})
		base = api.URL
		c := newClient(t, confluence.Cloud, api.URL+prefix+"/wiki", nil)
		ls, err := c.Labels(context.Background(), "1")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(labelNames(ls), ","); got != "a,b,c,d" {
			t.Errorf("labels = %s", got)
		}
		var paths []string
		for _, h := range apiLog.all() {
			paths = append(paths, h.Path+"?"+h.Query)
		}
		want := []string{route + "?", route + "?cursor=2&limit=1", route + "?cursor=3", route + "?cursor=4"}
		if strings.Join(paths, " ") != strings.Join(want, " ") {
			t.Errorf("requests = %q, want %q", paths, want)
		}
	})
	t.Run("dc-context-path", func(t *testing.T) {
		const ctxPath = "/confluence"
		route := ctxPath + "/rest/api/content/1/label"
		var base string
		api, apiLog := apiHost(t, false, patAuth, map[string]http.HandlerFunc{
			"GET " + route: func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Query().Get("start") {
				case "":
					labelsPage(w, "a", "/rest/api/content/1/label?start=1") // relative to _links.base (the context path)
				case "1":
					labelsPage(w, "b", ctxPath+"/rest/api/content/1/label?start=2") // context path included
				case "2":
					labelsPage(w, "c", base+route+"?start=3") // absolute, same origin
				default:
					labelsPage(w, "d", "")
				}
			},
		})
		base = api.URL
		c := newClient(t, confluence.DataCenter, api.URL+ctxPath, nil)
		ls, err := c.Labels(context.Background(), "1")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(labelNames(ls), ","); got != "a,b,c,d" {
			t.Errorf("labels = %s", got)
		}
		if n := len(apiLog.all()); n != 4 {
			t.Errorf("requests = %+v", apiLog.all())
		}
	})
}

// TestDownloadLinkToOtherOriginRefused downloads by a stored download
// link that points elsewhere. DC without a context path is where
// "@host:port/…" used to become https://api@host:port/….
func TestDownloadLinkToOtherOriginRefused(t *testing.T) {
	for _, flavor := range flavors {
		for _, tc := range []struct {
			name, link string // EVIL stands for the other host's host:port
			kind       rest.Kind
		}{
			{"absolute", "http://EVIL/download/attachments/1/a.txt", rest.KindForeignOrigin},
			{"network-path", "//EVIL/download/attachments/1/a.txt", rest.KindForeignOrigin},
			{"at-sign", "@EVIL/download/attachments/1/a.txt", rest.KindProtocol},
		} {
			t.Run(string(flavor)+"/"+tc.name, func(t *testing.T) {
				evil, evilLog := evilHost(t)
				api, apiLog := apiHost(t, false, authFor(flavor), nil)
				c := newClient(t, flavor, api.URL, nil)
				link := strings.ReplaceAll(tc.link, "EVIL", strings.TrimPrefix(evil.URL, "http://"))
				rc, err := c.DownloadAttachment(context.Background(), "", confluence.Attachment{DownloadLink: link})
				if rc != nil {
					rc.Close()
				}
				assertUntouched(t, evilLog)
				wantKind(t, err, tc.kind)
				if n := len(apiLog.all()); n != 0 {
					t.Errorf("API host got %+v", apiLog.all())
				}
			})
		}
	}
}

// TestRedirectToOtherOriginRefused makes the API host redirect the
// attachment download, and the multipart upload (sent through the
// unretried client), to the other host. net/http would follow and, the
// host name being the same, copy Authorization along; the client must
// refuse before anything is sent.
func TestRedirectToOtherOriginRefused(t *testing.T) {
	for _, flavor := range flavors {
		for _, code := range []int{http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			t.Run(string(flavor)+"/"+http.StatusText(code), func(t *testing.T) {
				evil, evilLog := evilHost(t)
				v1 := "/rest/api"
				if flavor == confluence.Cloud {
					v1 = "/wiki/rest/api"
				}
				api, apiLog := apiHost(t, false, authFor(flavor), map[string]http.HandlerFunc{
					"GET " + v1 + "/content/1/child/attachment/att9/download": func(w http.ResponseWriter, r *http.Request) {
						http.Redirect(w, r, evil.URL+"/download/attachments/1/a.txt", code)
					},
				})
				c := newClient(t, flavor, api.URL, nil)
				rc, err := c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att9"})
				if rc != nil {
					rc.Close()
				}
				assertUntouched(t, evilLog)
				re := wantKind(t, err, rest.KindForeignOrigin)
				if re.StatusCode != code || !strings.Contains(re.Message, strings.TrimPrefix(evil.URL, "http://")) {
					t.Errorf("error = %+v", re)
				}
				if n := len(apiLog.all()); n != 1 {
					t.Errorf("API host got %d requests, want 1 (no retries of a refusal)", n)
				}
			})
		}
	}
	t.Run("upload", func(t *testing.T) {
		evil, evilLog := evilHost(t)
		api, _ := apiHost(t, false, basicAuth, map[string]http.HandlerFunc{
			"PUT /wiki/rest/api/content/1/child/attachment": func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				http.Redirect(w, r, evil.URL+"/wiki/rest/api/content/1/child/attachment", http.StatusSeeOther)
			},
		})
		c := newClient(t, confluence.Cloud, api.URL, nil)
		_, err := c.UploadAttachment(context.Background(), "1", "a.txt", "text/plain", strings.NewReader("hello"), "")
		assertUntouched(t, evilLog)
		wantKind(t, err, rest.KindForeignOrigin)
	})
}

// recordingTransport notes every request the client hands to the network,
// before it goes out: the only way to see a plaintext request to a TLS
// port, which the server itself just rejects.
type recordingTransport struct {
	next http.RoundTripper
	log  hostLog
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.log.add(r, r.URL.Scheme)
	return rt.next.RoundTrip(r)
}

// TestSchemeDowngradeRefused runs the API over TLS and has it point, by a
// pagination link and by a redirect, at http:// on the very same host and
// port. No request may leave over plain http. It also uses a caller's own
// HTTPClient, which must keep working and must not be modified.
func TestSchemeDowngradeRefused(t *testing.T) {
	var httpBase string
	api, _ := apiHost(t, true, basicAuth, map[string]http.HandlerFunc{
		"GET /wiki/api/v2/pages/1/labels": func(w http.ResponseWriter, r *http.Request) {
			labelsPage(w, "a", httpBase+"/wiki/api/v2/pages/1/labels?cursor=2")
		},
		"GET /wiki/rest/api/content/1/child/attachment/att9/download": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, httpBase+"/wiki/download/attachments/1/a.txt", http.StatusFound)
		},
		"GET /wiki/rest/api/content/1/child/attachment/att8/download": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/wiki/download/attachments/1/b.txt", http.StatusFound)
		},
		"GET /wiki/download/attachments/1/b.txt": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "over tls")
		},
	})
	httpBase = "http://" + strings.TrimPrefix(api.URL, "https://")
	rt := &recordingTransport{next: api.Client().Transport}
	mine := &http.Client{Transport: rt}
	c := newClient(t, confluence.Cloud, api.URL, mine)
	if mine.CheckRedirect != nil {
		t.Error("New modified the caller's HTTPClient")
	}

	_, err := c.Labels(context.Background(), "1")
	wantKind(t, err, rest.KindForeignOrigin)
	rc, err := c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att9"})
	if rc != nil {
		rc.Close()
	}
	wantKind(t, err, rest.KindForeignOrigin)

	// A same-origin redirect over TLS is still followed, credentials and all.
	rc, err = c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att8"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "over tls" {
		t.Errorf("download = %q", b)
	}

	for _, h := range rt.log.all() {
		if h.Scheme != "https" {
			t.Errorf("a request went out over %s (Authorization %q): %s %s", h.Scheme, h.Auth, h.Method, h.Path)
		}
	}
}

// TestSameOriginRedirectKeepsCredentials: the v1 download answers 302 to
// the download servlet on the same host, which needs the credentials too.
func TestSameOriginRedirectKeepsCredentials(t *testing.T) {
	for _, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			ctxPath := ""
			if flavor == confluence.Cloud {
				ctxPath = "/wiki"
			}
			api, apiLog := apiHost(t, false, authFor(flavor), map[string]http.HandlerFunc{
				"GET " + ctxPath + "/rest/api/content/1/child/attachment/att9/download": func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, ctxPath+"/download/attachments/1/a.txt?version=1", http.StatusFound)
				},
				"GET " + ctxPath + "/download/attachments/1/a.txt": func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, "hello")
				},
			})
			for _, hc := range []*http.Client{nil, {}} {
				c := newClient(t, flavor, api.URL, hc)
				rc, err := c.DownloadAttachment(context.Background(), "1", confluence.Attachment{ID: "att9"})
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				if string(b) != "hello" {
					t.Errorf("download = %q", b)
				}
				// By the stored link, relative to the context path.
				rc, err = c.DownloadAttachment(context.Background(), "", confluence.Attachment{DownloadLink: "/download/attachments/1/a.txt?version=1"})
				if err != nil {
					t.Fatal(err)
				}
				b, _ = io.ReadAll(rc)
				rc.Close()
				if string(b) != "hello" {
					t.Errorf("download by link = %q", b)
				}
			}
			for _, h := range apiLog.all() {
				if h.Auth != authFor(flavor) {
					t.Errorf("%s %s without the credentials", h.Method, h.Path)
				}
			}
			if n := len(apiLog.all()); n != 6 {
				t.Errorf("API host got %d requests, want 6", n)
			}
		})
	}
}

// TestLinkResolutionKeepsEscapes checks that resolving through net/url
// does not decode what the server encoded (a cursor with %2F and +).
func TestLinkResolutionKeepsEscapes(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	api, _ := apiHost(t, false, basicAuth, map[string]http.HandlerFunc{
		"GET /wiki/api/v2/pages/1/labels": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.URL.RawQuery)
			mu.Unlock()
			if r.URL.Query().Get("cursor") == "" {
				labelsPage(w, "a", "/wiki/api/v2/pages/1/labels?cursor="+url.QueryEscape("a/b+c=")+"&limit=1")
				return
			}
			labelsPage(w, "b", "")
		},
	})
	c := newClient(t, confluence.Cloud, api.URL, nil)
	if _, err := c.Labels(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1] != "cursor=a%2Fb%2Bc%3D&limit=1" {
		t.Errorf("queries = %q", seen)
	}
}
