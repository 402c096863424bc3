package rest

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

func TestHostAllowlist(t *testing.T) {
	a, err := NewHostAllowlist([]string{"API.Media.Atlassian.com.", "files.example.com:8443", "[::1]", "10.0.0.5:443"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		u  string
		ok bool
	}{
		{"https://api.media.atlassian.com/file/1/binary", true},
		{"https://api.media.atlassian.com:8443/x", true}, // a host-only entry allows every port
		{"https://API.MEDIA.ATLASSIAN.COM./x", true},
		{"https://media.atlassian.com/x", false},
		{"https://x.api.media.atlassian.com/x", false}, // no wildcards
		{"https://api.media.atlassian.com.evil.example/x", false},
		{"https://files.example.com:8443/x", true},
		{"https://files.example.com:08443/x", true},
		{"https://files.example.com/x", false}, // 443 is not 8443
		{"https://[::1]:9/x", true},
		{"https://10.0.0.5/x", true}, // the default port of https
		{"https://10.0.0.5:444/x", false},
		{"https:api.media.atlassian.com/x", false},
		{"/file/1", false},
	} {
		u, _ := url.Parse(tc.u)
		if got := a.Allows(u); got != tc.ok {
			t.Errorf("Allows(%q) = %v, want %v", tc.u, got, tc.ok)
		}
	}
	var zero HostAllowlist
	if u, _ := url.Parse("https://api.media.atlassian.com/"); zero.Allows(u) {
		t.Error("the zero allowlist allows a host")
	}
	for _, bad := range []string{"", "https://h", "h/p", "u@h", "*.h", "h:", "h:0", "h:70000", "::1", "h#f", "h%2F"} {
		if _, err := NewHostAllowlist([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestCredentialFreeRedirectsPolicy drives the CheckRedirect hook: an
// allowed https hop is followed with the credentials removed, after the
// caller's own policy ran; everything else is refused.
func TestCredentialFreeRedirectsPolicy(t *testing.T) {
	trusted, _ := url.Parse("https://acme.atlassian.net/wiki")
	allow, err := NewHostAllowlist([]string{"api.media.atlassian.com"})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	mine := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		calls++
		r.Header.Set("Authorization", "re-added by the caller's policy")
		return nil
	}}
	hc := CredentialFreeRedirects(mine, "confluence", trusted, allow)
	first, _ := http.NewRequest(http.MethodGet, "https://acme.atlassian.net/wiki/rest/api/content/1/child/attachment/a/download", nil)
	hop := func(to string, via ...*http.Request) (*http.Request, error) {
		r, _ := http.NewRequest(http.MethodGet, to, nil)
		r.Response = &http.Response{StatusCode: http.StatusFound}
		for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2", "Referer"} {
			r.Header.Set(h, "secret")
		}
		r.Header.Set("User-Agent", "ua")
		return r, hc.CheckRedirect(r, append([]*http.Request{first}, via...))
	}

	r, err := hop("https://api.media.atlassian.com/file/1/binary?token=jwt")
	if err != nil || calls != 1 {
		t.Fatalf("allowed hop: %v, caller's policy ran %d times", err, calls)
	}
	for h, v := range r.Header {
		if h != "User-Agent" {
			t.Errorf("%s: %q left on a hop off the origin", h, v)
		}
	}
	// On the origin, the credentials stay (net/http put them there).
	if r, err := hop("https://acme.atlassian.net/wiki/download/attachments/1/a.txt"); err != nil || r.Header.Get("Authorization") == "" {
		t.Errorf("same origin: %v, %q", err, r.Header.Get("Authorization"))
	}

	media, _ := http.NewRequest(http.MethodGet, "https://api.media.atlassian.com/file/1/binary", nil)
	for _, tc := range []struct{ to, msg string }{
		{"http://api.media.atlassian.com/file/1/binary", "only https"},
		{"https://cdn.example.com/file/1", "not an allowed download host"},
		{"https://user:pw@api.media.atlassian.com/file/1", "credentials are only sent to"},
		{"http://acme.atlassian.net/wiki/download/x", "only https"},
	} {
		_, err := hop(tc.to)
		if e, ok := err.(*Error); !ok || e.Kind != KindForeignOrigin || e.StatusCode != http.StatusFound || !strings.Contains(e.Message, tc.msg) ||
			strings.Contains(e.Message, "pw") || strings.Contains(e.Message, "/file/") {
			t.Errorf("%s: %#v", tc.to, err)
		}
	}
	// Back to the origin once the chain has left it.
	if _, err := hop("https://acme.atlassian.net/wiki/download/x", media); KindOf(err) != KindForeignOrigin {
		t.Errorf("back to the origin: %v", err)
	}
	// Later hops off the origin are stripped too.
	if r, err := hop("https://api.media.atlassian.com/file/1/other", media); err != nil || r.Header.Get("Authorization") != "" {
		t.Errorf("second hop: %v, %q", err, r.Header.Get("Authorization"))
	}
	ctx := WithoutRedirects(context.Background())
	r2, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.media.atlassian.com/x", nil)
	if err := hc.CheckRedirect(r2, []*http.Request{first}); KindOf(err) != KindProtocol {
		t.Errorf("WithoutRedirects: %v", err)
	}

	// At most 10, whatever the caller's policy says.
	via := make([]*http.Request, 9)
	for i := range via {
		via[i] = media
	}
	if _, err := hop("https://api.media.atlassian.com/y", via...); err == nil || err.Error() != "stopped after 10 redirects" {
		t.Errorf("11th request: %v", err)
	}

	// An empty allowlist: nothing off the origin.
	none := CredentialFreeRedirects(nil, "confluence", trusted, HostAllowlist{})
	if err := none.CheckRedirect(mustReq("https://api.media.atlassian.com/x"), []*http.Request{first}); KindOf(err) != KindForeignOrigin {
		t.Errorf("empty allowlist: %v", err)
	}
}

func mustReq(u string) *http.Request {
	r, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		panic(err)
	}
	return r
}

// TestCredentialFreeRedirectsJar: a caller's cookie jar keeps serving the
// trusted origin and serves no other, not even the same host name on
// another port (net/http's jar ignores ports); the caller's client keeps
// its own jar.
func TestCredentialFreeRedirectsJar(t *testing.T) {
	trusted, _ := url.Parse("https://127.0.0.1:8443")
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(trusted, []*http.Cookie{{Name: "s", Value: "1"}})
	mine := &http.Client{Jar: jar}
	hc := CredentialFreeRedirects(mine, "confluence", trusted, HostAllowlist{})
	if mine.Jar != jar || mine.CheckRedirect != nil {
		t.Fatal("the caller's client was modified")
	}
	if got := hc.Jar.Cookies(trusted); len(got) != 1 {
		t.Errorf("trusted origin: %v", got)
	}
	other, _ := url.Parse("https://127.0.0.1:9443/x")
	if got := jar.Cookies(other); len(got) != 1 {
		t.Fatalf("premise: net/http's jar serves %v to another port", got)
	}
	if got := hc.Jar.Cookies(other); len(got) != 0 {
		t.Errorf("other port got %v", got)
	}
	hc.Jar.SetCookies(other, []*http.Cookie{{Name: "t", Value: "2"}})
	if got := jar.Cookies(trusted); len(got) != 1 {
		t.Errorf("a foreign host set cookies for the origin: %v", got)
	}
	// SameOriginRedirects never leaves the origin, so keeps the jar as is.
	if SameOriginRedirects(mine, "confluence", trusted).Jar != jar {
		t.Error("SameOriginRedirects wrapped the jar")
	}
}
