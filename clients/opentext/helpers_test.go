package opentext

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

type env struct {
	sim *sim.Server
	ts  *httptest.Server
	c   *Client
}

func newEnv(t *testing.T, opt sim.Options) *env {
	t.Helper()
	opt.Seed = true
	s, err := sim.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Errorf("close simulator: %v", err)
		}
	})
	e := &env{sim: s, ts: ts}
	e.c = e.client(t)
	return e
}

// client returns a new client (own ticket) against the env's simulator.
func (e *env) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(Config{
		BaseURL: e.ts.URL + "/otcs/cs.exe", Username: "bridge", Password: "bridge-secret",
		Retry: rest.RetryConfig{Max: 4, WaitMin: time.Millisecond, WaitMax: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// bytesUpload serves fixed content and counts how often it was opened.
func bytesUpload(name, content string, opens *atomic.Int32) Upload {
	return Upload{FileName: name, MimeType: "text/plain", Open: func() (io.ReadCloser, error) {
		if opens != nil {
			opens.Add(1)
		}
		return io.NopCloser(strings.NewReader(content)), nil
	}}
}

func restErr(t *testing.T, err error) *rest.Error {
	t.Helper()
	var e *rest.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *rest.Error, got %T %v", err, err)
	}
	if e.Service != "opentext" {
		t.Errorf("Service = %q", e.Service)
	}
	return e
}

func readAll(t *testing.T, rc io.ReadCloser) string {
	t.Helper()
	defer rc.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, rc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustDoc(t *testing.T, e *env, parent int64, name, content string) *Node {
	t.Helper()
	n, err := e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: parent, Name: name, File: bytesUpload(name, content, nil),
		Categories: map[string]any{"9001_1": map[string]any{}, "9001_8": "page-" + name}})
	if err != nil {
		t.Fatalf("CreateDocument %s: %v", name, err)
	}
	return n
}
