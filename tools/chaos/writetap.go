package main

import (
	"net/http"
	"strings"
	"sync"
)

// writeTap stands in front of a simulator and counts the API requests
// that would change something (not GET), and how many of them were
// answered 429 or 503: the faults must hit writes too, not only reads.
type writeTap struct {
	mu                   sync.Mutex
	on                   bool
	writes, tooMany, out int
}

// start begins counting (the chaos phase); stop ends it.
func (t *writeTap) start() { t.mu.Lock(); t.on = true; t.mu.Unlock() }
func (t *writeTap) stop()  { t.mu.Lock(); t.on = false; t.mu.Unlock() }

// counts returns the writes seen while on and how many were refused with
// 429 and with 503.
func (t *writeTap) counts() (writes, tooMany, unavailable int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.writes, t.tooMany, t.out
}

func (t *writeTap) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || strings.HasPrefix(r.URL.Path, "/__sim/") || isReadPost(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		sw := &tapWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		t.mu.Lock()
		defer t.mu.Unlock()
		if !t.on {
			return
		}
		t.writes++
		switch sw.status {
		case http.StatusTooManyRequests:
			t.tooMany++
		case http.StatusServiceUnavailable:
			t.out++
		}
	})
}

// isReadPost: the POSTs that only read or log in (OTCS search, node lists, auth).
func isReadPost(path string) bool {
	for _, s := range []string{"/api/v2/search", "/api/v2/nodes/list", "/api/v1/auth", "/validation/nodes/names"} {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	return false
}

type tapWriter struct {
	http.ResponseWriter
	status int
}

func (w *tapWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *tapWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *tapWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
