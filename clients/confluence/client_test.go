package confluence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/confluence"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
)

var flavors = []confluence.Flavor{confluence.Cloud, confluence.DataCenter}

type env struct {
	sim    *sim.Server
	srv    *httptest.Server
	c      *confluence.Client
	flavor confluence.Flavor
}

// newEnv starts a seeded simulator and a client of the given flavor. Cloud
// authenticates with Basic email:token, DC with a bearer PAT, as each
// product would.
func newEnv(t *testing.T, flavor confluence.Flavor, rt http.RoundTripper) *env {
	t.Helper()
	s := sim.New(sim.Options{Seed: true})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	s.SetBaseURL(srv.URL)
	cfg := confluence.Config{BaseURL: srv.URL, Flavor: flavor,
		Retry: rest.RetryConfig{Max: 4, WaitMin: 10 * time.Millisecond, WaitMax: 2 * time.Second}}
	if flavor == confluence.Cloud {
		cfg.Email, cfg.APIToken = "bridge@example.com", "demo-token"
	} else {
		cfg.Token = "demo-pat"
	}
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt}
	}
	c, err := confluence.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: s, srv: srv, c: c, flavor: flavor}
}

func forEachFlavor(t *testing.T, f func(t *testing.T, e *env)) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t, fl, nil))
		})
	}
}

func restErr(t *testing.T, err error) *rest.Error {
	t.Helper()
	var re *rest.Error
	if !errors.As(err, &re) {
		t.Fatalf("want *rest.Error, got %T: %v", err, err)
	}
	if re.Service != "confluence" {
		t.Errorf("Service = %q", re.Service)
	}
	return re
}

func TestNewValidates(t *testing.T) {
	cases := []confluence.Config{
		{BaseURL: "", Token: "x"},
		{BaseURL: "not a url", Token: "x"},
		{BaseURL: "ftp://host", Token: "x"},
		{BaseURL: "https://host"},                 // no credential
		{BaseURL: "https://host", Email: "a@b"},   // half a credential
		{BaseURL: "https://u:p@host", Token: "x"}, // credentials in URL
		{BaseURL: "https://host", Token: "x", Flavor: "server"},
	}
	for _, cfg := range cases {
		if _, err := confluence.New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want error", cfg)
		}
	}
	if _, err := confluence.New(confluence.Config{BaseURL: "https://acme.atlassian.net/wiki/", Email: "a@b", APIToken: "t"}); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

func TestGetPage(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{BodyFormat: "storage"})
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != "100001" || p.Title != "Records Retention Policy" || p.SpaceKey != "POL" || p.SpaceID != "98304" ||
			p.Status != "current" || p.AuthorID != "557058:alice" || p.Version.Number != 1 || p.BodyFormat != "storage" {
			t.Errorf("page = %+v", p)
		}
		if !strings.Contains(p.Body, `<ri:attachment ri:filename="signature.png" />`) {
			t.Errorf("storage body lacks the image macro: %s", p.Body)
		}
		if p.CreatedAt.IsZero() || p.Version.CreatedAt.IsZero() {
			t.Errorf("timestamps not parsed: %+v", p)
		}
		wantURL := e.srv.URL
		if e.flavor == confluence.Cloud {
			wantURL += "/wiki"
		}
		if !strings.HasPrefix(p.WebURL, wantURL+"/spaces/POL/pages/100001/") || e.c.PageURL(p) != p.WebURL {
			t.Errorf("WebURL = %q", p.WebURL)
		}

		// Rendered HTML: macros become plain HTML, the image points at the
		// download servlet.
		v, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{BodyFormat: "export_view"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v.Body, `/download/attachments/100001/signature.png"`) || strings.Contains(v.Body, "ac:") ||
			!strings.Contains(v.Body, "<table>") {
			t.Errorf("export_view = %s", v.Body)
		}

		// No body asked, no body returned.
		nb, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{})
		if err != nil || nb.Body != "" || nb.BodyFormat != "" {
			t.Errorf("no-body page = %+v, %v", nb, err)
		}

		// Historical versions.
		if _, err := e.sim.UpdatePage("100001", "Records Retention Policy v2", "<p>new</p>", "557058:bob"); err != nil {
			t.Fatal(err)
		}
		cur, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{BodyFormat: "storage"})
		if err != nil || cur.Version.Number != 2 || cur.Body != "<p>new</p>" || cur.Version.AuthorID != "557058:bob" {
			t.Errorf("current = %+v, %v", cur, err)
		}
		old, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{Version: 1, BodyFormat: "storage"})
		if err != nil || old.Version.Number != 1 || old.Title != "Records Retention Policy" || old.Status != "historical" {
			t.Errorf("version 1 = %+v, %v", old, err)
		}

		if _, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{BodyFormat: "pdf"}); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("bad body format: %v", err)
		}
	})
}

func TestNotFound(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		before := e.sim.Requests()
		_, err := e.c.GetPage(ctx, "999999", confluence.GetPageOptions{})
		re := restErr(t, err)
		if re.Kind != rest.KindNotFound || re.StatusCode != 404 || re.Message != "No content found with id: 999999" {
			t.Errorf("error = %+v", re)
		}
		if n := e.sim.Requests() - before; n != 1 {
			t.Errorf("404 sent %d requests, want 1 (no retry)", n)
		}
		if _, err := e.c.GetProperty(ctx, "100001", "no-such-key"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("missing property: %v", err)
		}
		if _, err := e.c.GetSpaceByKey(ctx, "NOPE"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("missing space: %v", err)
		}
		if _, err := e.c.Labels(ctx, "999999"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("labels of missing page: %v", err)
		}
	})
}

func TestSpaces(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		sp, err := e.c.GetSpace(ctx, "98305")
		if err != nil || *sp != (confluence.Space{ID: "98305", Key: "ENG", Name: "Engineering"}) {
			t.Errorf("GetSpace = %+v, %v", sp, err)
		}
		sp, err = e.c.GetSpaceByKey(ctx, "POL")
		if err != nil || *sp != (confluence.Space{ID: "98304", Key: "POL", Name: "Policies"}) {
			t.Errorf("GetSpaceByKey = %+v, %v", sp, err)
		}
		if _, err := e.c.GetSpace(ctx, "12345"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("missing space id: %v", err)
		}
	})
}

func labelNames(ls []confluence.Label) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}

func TestLabels(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ls, err := e.c.Labels(ctx, "100001")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(labelNames(ls), ","); got != "approved,dept-legal,doctype-policy" {
			t.Errorf("labels = %s", got)
		}
		for _, l := range ls {
			if l.ID == "" || l.Prefix != "global" {
				t.Errorf("label = %+v", l)
			}
		}
		if err := e.c.AddLabels(ctx, "100002", "ot-linked", "approved", "draft"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(e.sim.Labels("100002"), ","); got != "draft,dept-finance,ot-linked,approved" {
			t.Errorf("after add: %s", got)
		}
		if err := e.c.RemoveLabel(ctx, "100002", "draft"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(e.sim.Labels("100002"), ","); got != "dept-finance,ot-linked,approved" {
			t.Errorf("after remove: %s", got)
		}
		if err := e.c.RemoveLabel(ctx, "100002", "draft"); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("removing an absent label: %v", err)
		}
	})
}

// TestLabelsPaginate puts more labels on a page than one default page holds
// (25 on v2, 200 on v1) and expects all of them, in order.
func TestLabelsPaginate(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		n := 30
		if e.flavor == confluence.DataCenter {
			n = 210
		}
		var want []string
		for i := 0; i < n; i++ {
			want = append(want, fmt.Sprintf("l%03d", i))
		}
		pid := e.sim.CreatePage("ENG", "Many labels", "<p/>", "557058:alice", want...).ID
		before := e.sim.Requests()
		ls, err := e.c.Labels(context.Background(), pid)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(labelNames(ls), ","); got != strings.Join(want, ",") {
			t.Errorf("got %d labels, want %d", len(ls), n)
		}
		if reqs := e.sim.Requests() - before; reqs != 2 {
			t.Errorf("listing took %d requests, want 2 pages", reqs)
		}
	})
}

func TestProperties(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p, err := e.c.GetProperty(ctx, "100001", "project")
		if err != nil {
			t.Fatal(err)
		}
		if p.Key != "project" || p.Version != 1 || p.ID == "" || string(p.Value) != `{"name":"Records Programme"}` {
			t.Errorf("seed property = %+v (%s)", p, p.Value)
		}
		type link struct {
			NodeID    int64 `json:"nodeId"`
			OTVersion int   `json:"otVersion"`
		}
		created, err := e.c.SetProperty(ctx, "100002", "otcs.link", link{NodeID: 4711, OTVersion: 1})
		if err != nil || created.Version != 1 {
			t.Fatalf("create = %+v, %v", created, err)
		}
		updated, err := e.c.SetProperty(ctx, "100002", "otcs.link", link{NodeID: 4711, OTVersion: 2})
		if err != nil || updated.Version != 2 || updated.ID != created.ID {
			t.Fatalf("update = %+v, %v", updated, err)
		}
		raw, ver, ok := e.sim.Property("100002", "otcs.link")
		var got link
		if !ok || ver != 2 || json.Unmarshal(raw, &got) != nil || got != (link{4711, 2}) {
			t.Errorf("stored = %s v%d", raw, ver)
		}
		if _, err := e.c.SetProperty(ctx, "999999", "k", 1); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("property on missing page: %v", err)
		}
	})
}

// conflictOnce makes a concurrent writer bump a property just before the
// client's first update reaches the server, so the update gets a 409.
type conflictOnce struct {
	sim       *sim.Server
	fired     bool
	conflicts int
}

func (c *conflictOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	isPropWrite := r.Method == http.MethodPut && (strings.Contains(r.URL.Path, "/properties/") || strings.Contains(r.URL.Path, "/property/"))
	if isPropWrite && !c.fired {
		c.fired = true
		if _, err := c.sim.SetProperty("100001", "project", map[string]string{"name": "someone else"}); err != nil {
			return nil, err
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusConflict {
		c.conflicts++
	}
	return resp, err
}

func TestSetPropertyConflictRetries(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			t.Parallel()
			rt := &conflictOnce{}
			e := newEnv(t, fl, rt)
			rt.sim = e.sim
			p, err := e.c.SetProperty(context.Background(), "100001", "project", map[string]string{"name": "ours"})
			if err != nil {
				t.Fatal(err)
			}
			if rt.conflicts != 1 {
				t.Errorf("saw %d conflicts, want 1", rt.conflicts)
			}
			raw, ver, _ := e.sim.Property("100001", "project")
			if p.Version != 3 || ver != 3 || string(raw) != `{"name":"ours"}` {
				t.Errorf("result v%d, stored %s v%d", p.Version, raw, ver)
			}
		})
	}
}

func TestAttachments(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		atts, err := e.c.Attachments(ctx, "100001")
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) != 2 {
			t.Fatalf("attachments = %+v", atts)
		}
		csv := atts[0]
		simAtts := e.sim.Attachments("100001")
		if csv.Title != "retention-schedule.csv" || csv.MediaType != "text/csv" || csv.Version != 1 ||
			csv.FileSize != simAtts[0].Size || csv.ID != simAtts[0].ID || !strings.HasPrefix(csv.DownloadLink, "/download/attachments/100001/") {
			t.Errorf("csv = %+v", csv)
		}
		rc, err := e.c.DownloadAttachment(ctx, "100001", csv)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if !strings.HasPrefix(string(data), "record_class,retention_years") || sha(data) != simAtts[0].SHA256 {
			t.Errorf("downloaded %q", data)
		}
		// By link only, as stored from an earlier listing.
		rc, err = e.c.DownloadAttachment(ctx, "", confluence.Attachment{DownloadLink: atts[1].DownloadLink})
		if err != nil {
			t.Fatal(err)
		}
		png, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("signature.png = %x", png)
		}

		// Upload a new file, then a new version of it.
		up, err := e.c.UploadAttachment(ctx, "100002", "report \"Q4\".pdf", "application/pdf", strings.NewReader("%PDF-1.7 one"), "first")
		if err != nil {
			t.Fatal(err)
		}
		if up.ID == "" || up.Title != `report "Q4".pdf` || up.MediaType != "application/pdf" || up.FileSize != 12 || up.Version != 1 || up.Comment != "first" {
			t.Errorf("upload = %+v", up)
		}
		up2, err := e.c.UploadAttachment(ctx, "100002", `report "Q4".pdf`, "application/pdf", strings.NewReader("%PDF-1.7 two!"), "")
		if err != nil {
			t.Fatal(err)
		}
		if up2.ID != up.ID || up2.Version != 2 || up2.FileSize != 13 {
			t.Errorf("new version = %+v", up2)
		}
		rc, err = e.c.DownloadAttachment(ctx, "100002", *up2)
		if err != nil {
			t.Fatal(err)
		}
		data, _ = io.ReadAll(rc)
		rc.Close()
		if string(data) != "%PDF-1.7 two!" {
			t.Errorf("after new version: %q", data)
		}
		if _, err := e.c.UploadAttachment(ctx, "999999", "x.txt", "text/plain", strings.NewReader("x"), ""); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("upload to missing page: %v", err)
		}
		if _, err := e.c.DownloadAttachment(ctx, "100001", confluence.Attachment{ID: "att1"}); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("download of missing attachment: %v", err)
		}
	})
}

// TestAttachmentsPaginate needs more attachments than one default page
// (50 on both APIs) holds.
func TestAttachmentsPaginate(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		for i := 0; i < 60; i++ {
			e.sim.AddAttachment("200001", fmt.Sprintf("f%02d.txt", i), "text/plain", []byte{byte(i)})
		}
		atts, err := e.c.Attachments(context.Background(), "200001")
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) != 60 || atts[0].Title != "f00.txt" || atts[59].Title != "f59.txt" {
			t.Errorf("got %d attachments", len(atts))
		}
	})
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "abc"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestUploadReaderError(t *testing.T) {
	e := newEnv(t, confluence.Cloud, nil)
	_, err := e.c.UploadAttachment(context.Background(), "100002", "x.bin", "", &failingReader{n: 2}, "")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v", err)
	}
	if len(e.sim.Attachments("100002")) != 0 {
		t.Error("a failed upload left an attachment")
	}
}

func TestRetriesTransientErrors(t *testing.T) {
	e := newEnv(t, confluence.Cloud, nil)
	ctx := context.Background()

	// One 429 with Retry-After: 1 (the injector's default), then success.
	e.sim.Faults().Set(faults.Config{RateLimitBurst: 1, RetryAfter: time.Second})
	before := e.sim.Requests()
	p, err := e.c.GetPage(ctx, "100003", confluence.GetPageOptions{})
	if err != nil || p.Title != "2026-11-20 Records Committee meeting notes" {
		t.Fatalf("after 429: %+v, %v", p, err)
	}
	if n := e.sim.Requests() - before; n != 3 { // 429, page, space lookup
		t.Errorf("requests = %d, want 3", n)
	}

	// A burst of 503s (each with Retry-After: 1), then success.
	e.sim.Faults().Set(faults.Config{ServerErrorBurst: 2})
	before = e.sim.Requests()
	if _, err := e.c.Labels(ctx, "100003"); err != nil {
		t.Fatalf("after 503 burst: %v", err)
	}
	if n := e.sim.Requests() - before; n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}

	// More failures than retries: the last answer surfaces, typed.
	one, err := confluence.New(confluence.Config{BaseURL: e.srv.URL, Email: "bridge@example.com", APIToken: "demo-token",
		Retry: rest.RetryConfig{Max: 1, WaitMin: 10 * time.Millisecond, WaitMax: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Faults().Set(faults.Config{Down: true})
	before = e.sim.Requests()
	_, err = one.GetSpace(ctx, "98304")
	re := restErr(t, err)
	if re.Kind != rest.KindUnavailable || re.StatusCode != 503 || re.Code != "SERVICE_UNAVAILABLE" || re.RetryAfter != time.Second ||
		!strings.Contains(re.Message, "injected") || !re.Retryable() {
		t.Errorf("down: %+v", re)
	}
	if n := e.sim.Requests() - before; n != 2 {
		t.Errorf("requests = %d, want 2 (one retry)", n)
	}
	e.sim.Faults().Set(faults.Config{})
}

func TestBadRequestNotRetried(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		before := e.sim.Requests()
		err := e.c.AddLabels(context.Background(), "100001", "has space")
		re := restErr(t, err)
		if re.Kind != rest.KindBadRequest || re.StatusCode != 400 || !strings.Contains(re.Message, "space") {
			t.Errorf("error = %+v", re)
		}
		if n := e.sim.Requests() - before; n != 1 {
			t.Errorf("a 400 was sent %d times", n)
		}
	})
}

func TestBadCredentials(t *testing.T) {
	s := sim.New(sim.Options{Seed: true})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, cfg := range []confluence.Config{
		{BaseURL: srv.URL, Email: "bridge@example.com", APIToken: "wrong-secret-123"},
		{BaseURL: srv.URL, Flavor: confluence.DataCenter, Token: "wrong-secret-123"},
	} {
		c, err := confluence.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		before := s.Requests()
		_, err = c.GetPage(context.Background(), "100001", confluence.GetPageOptions{})
		re := restErr(t, err)
		if re.Kind != rest.KindUnauthorized || re.StatusCode != 401 || re.Message == "" {
			t.Errorf("error = %+v", re)
		}
		if strings.Contains(err.Error(), "wrong-secret-123") {
			t.Error("the credential leaked into the error")
		}
		if n := s.Requests() - before; n != 1 {
			t.Errorf("a 401 was sent %d times", n)
		}
	}
}

func TestContextCancel(t *testing.T) {
	e := newEnv(t, confluence.Cloud, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// GetPage includes labels and properties on Cloud when they fit (50), and
// says when they did not; SetPropertyFrom writes from a state read before
// and falls back to reading when that state is stale.
func TestIncludesAndSetPropertyFrom(t *testing.T) {
	e := newEnv(t, confluence.Cloud, nil)
	ctx := context.Background()
	p, err := e.c.GetPage(ctx, "100001", confluence.GetPageOptions{IncludeLabels: true, IncludeProperties: true})
	if err != nil {
		t.Fatal(err)
	}
	if !p.LabelsIncluded || !p.PropertiesIncluded || len(p.Properties) != 1 || p.Properties[0].Key != "project" || p.Properties[0].Version != 1 || len(p.Labels) == 0 {
		t.Fatalf("included: labels %v %+v, properties %v %+v", p.LabelsIncluded, p.Labels, p.PropertiesIncluded, p.Properties)
	}
	before := e.sim.Requests()
	cur := p.Properties[0]
	if got, err := e.c.SetPropertyFrom(ctx, "100001", "project", &cur, map[string]string{"name": "v2"}); err != nil || got.Version != 2 {
		t.Fatalf("write from a fresh state: %+v %v", got, err)
	}
	if n := e.sim.Requests() - before; n != 1 {
		t.Errorf("write from a fresh state took %d requests, want 1", n)
	}
	// Stale: the state says version 1, the page has 2 → 409, re-read, write.
	if got, err := e.c.SetPropertyFrom(ctx, "100001", "project", &cur, map[string]string{"name": "v3"}); err != nil || got.Version != 3 {
		t.Fatalf("write from a stale version: %+v %v", got, err)
	}
	// Stale: the state says absent, the property exists → create refused, re-read, update.
	if got, err := e.c.SetPropertyFrom(ctx, "100001", "project", nil, map[string]string{"name": "v4"}); err != nil || got.Version != 4 {
		t.Fatalf("write from a stale absence: %+v %v", got, err)
	}
	if raw, ver, _ := e.sim.Property("100001", "project"); ver != 4 || string(raw) != `{"name":"v4"}` {
		t.Errorf("stored %s v%d", raw, ver)
	}
	for i := range 50 {
		if _, err := e.sim.SetProperty("100001", fmt.Sprintf("k%02d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	if p, err = e.c.GetPage(ctx, "100001", confluence.GetPageOptions{IncludeProperties: true}); err != nil || p.PropertiesIncluded || p.Properties != nil {
		t.Errorf("51 properties reported as included whole: %v %+v", p.PropertiesIncluded, err)
	}
}
