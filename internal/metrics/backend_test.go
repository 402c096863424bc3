package metrics

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBackendObserverExports: attempts are counted by backend and class,
// retries by backend, under the names the dashboard and alerts use.
func TestBackendObserverExports(t *testing.T) {
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := BackendObserver{Handler: s.Handler}
	o.Response("opentext", 429, nil)
	o.Response("opentext", 429, nil)
	o.Response("confluence", 200, nil)
	o.Response("confluence", 0, errors.New("connection refused"))
	o.Retry("opentext")
	want := []string{
		`xecm_bridge_backend_responses_total{backend="opentext",class="429"} 2`,
		`xecm_bridge_backend_responses_total{backend="confluence",class="2xx"} 1`,
		`xecm_bridge_backend_responses_total{backend="confluence",class="error"} 1`,
		`xecm_bridge_backend_retries_total{backend="opentext"} 1`,
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + s.Addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var missing []string
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scrape lacks %v:\n%s", missing, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
