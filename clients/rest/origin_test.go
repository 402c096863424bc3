package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	trusted, _ := url.Parse("https://Wiki.Example.com/confluence")
	for _, tc := range []struct {
		u    string
		same bool
	}{
		{"https://wiki.example.com/rest/api", true},
		{"https://WIKI.example.com:443/x", true}, // host case and the default port do not matter
		{"HTTPS://wiki.example.com/x", true},
		{"http://wiki.example.com/x", false}, // downgrade
		{"https://wiki.example.com:8443/x", false},
		{"https://evil.example.com/x", false},
		{"https://wiki.example.com.evil.example/x", false},
		{"https://sub.wiki.example.com/x", false}, // net/http would send Authorization here; we do not
		{"https://wiki.example.com@evil.example/x", false},
		{"https:wiki.example.com/x", false}, // opaque: no host
		{"/rest/api", false},                // relative: not a place to send anything
		{"//wiki.example.com/x", false},     // no scheme
	} {
		u, err := url.Parse(tc.u)
		if err != nil {
			t.Fatal(err)
		}
		if got := SameOrigin(u, trusted); got != tc.same {
			t.Errorf("SameOrigin(%q) = %v, want %v", tc.u, got, tc.same)
		}
	}
	plain, _ := url.Parse("http://otcs.example/otcs/cs.exe")
	if u, _ := url.Parse("http://otcs.example:80/x"); !SameOrigin(u, plain) {
		t.Error("http default port not recognised")
	}
}

// TestSameOriginRedirectsPolicy drives the CheckRedirect hook directly:
// another origin is a KindForeignOrigin *Error that names only the origin,
// the caller's client is left alone and its own policy still applies.
func TestSameOriginRedirectsPolicy(t *testing.T) {
	trusted, _ := url.Parse("https://wiki.example.com/confluence")
	calls := 0
	mine := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { calls++; return nil }}
	hc := SameOriginRedirects(mine, "confluence", trusted)
	if hc == mine {
		t.Fatal("returned the caller's client")
	}
	first, _ := http.NewRequest(http.MethodGet, "https://wiki.example.com/confluence/rest/api/x?secret=1", nil)
	redirect := func(ctx context.Context, to string) error {
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, to, nil)
		r.Response = &http.Response{StatusCode: http.StatusFound}
		return hc.CheckRedirect(r, []*http.Request{first})
	}
	ctx := context.Background()
	err := redirect(ctx, "https://evil.example/steal?token=abc")
	e, ok := err.(*Error)
	if !ok || e.Kind != KindForeignOrigin || e.StatusCode != http.StatusFound || e.Path != "/confluence/rest/api/x" || e.Retryable() {
		t.Fatalf("err = %#v", err)
	}
	if want := "refused redirect to https://evil.example: credentials are only sent to https://wiki.example.com"; e.Message != want {
		t.Errorf("message = %q", e.Message)
	}
	if err := redirect(ctx, "http://wiki.example.com/confluence/x"); KindOf(err) != KindForeignOrigin {
		t.Errorf("downgrade: %v", err)
	}
	if calls != 0 {
		t.Error("the caller's policy ran for a refused redirect")
	}
	if err := redirect(ctx, "https://wiki.example.com/confluence/download/x"); err != nil || calls != 1 {
		t.Errorf("same origin: %v, caller's policy ran %d times", err, calls)
	}
	if err := redirect(WithoutRedirects(ctx), "https://wiki.example.com/x"); KindOf(err) != KindProtocol {
		t.Errorf("WithoutRedirects: %v", err)
	}

	// Without a policy of the caller's, net/http's limit of 10 holds.
	def := SameOriginRedirects(nil, "opentext", trusted)
	via := make([]*http.Request, 10)
	for i := range via {
		via[i] = first
	}
	r, _ := http.NewRequest(http.MethodGet, "https://wiki.example.com/y", nil)
	if err := def.CheckRedirect(r, via); err == nil || err.Error() != "stopped after 10 redirects" {
		t.Errorf("11th redirect: %v", err)
	}
}

// TestRefusalNotRetried: the retry policy gives up at once on a refusal
// of our own, however it is wrapped.
func TestRefusalNotRetried(t *testing.T) {
	refusal := &url.Error{Op: "Get", URL: "https://wiki.example.com/x", Err: &Error{Kind: KindForeignOrigin}}
	if retry, _ := checkRetry(context.Background(), nil, fmt.Errorf("wrapped: %w", refusal)); retry {
		t.Error("a refused redirect would be retried")
	}
	if retry, _ := checkRetry(context.Background(), nil, &url.Error{Op: "Get", URL: "x", Err: fmt.Errorf("connection reset")}); !retry {
		t.Error("a transport error is no longer retried")
	}
}
