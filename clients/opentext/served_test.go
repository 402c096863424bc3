package opentext

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// A listing carries the server's clock (its Date header), which a change
// run compares with the modify dates, unless a date has no zone: a server
// that answers in its local time cannot be compared with its Date.
func TestListingCarriesTheServersClock(t *testing.T) {
	e := newEnv(t, sim.Options{})
	at := time.Date(2026, 12, 7, 21, 30, 5, 0, time.UTC)
	e.sim.SetClock(func() time.Time { return at })
	list := ListOptions{WhereTypes: []int{TypeDocument}, Sort: "desc_modify_date"}
	np, err := e.c.ListChildren(ctx(t), sim.ApprovedProceduresFolderID, list)
	if err != nil {
		t.Fatal(err)
	}
	if len(np.Nodes) == 0 || !np.ServedAt.Equal(at) {
		t.Fatalf("served at %v with %d nodes, want %v", np.ServedAt, len(np.Nodes), at)
	}

	zone := regexp.MustCompile(`("modify_date":"[0-9T:-]+)Z"`)
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		e.sim.Handler().ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(zone.ReplaceAll(rec.Body.Bytes(), []byte(`$1"`)))
	}))
	t.Cleanup(local.Close)
	c, err := New(Config{BaseURL: local.URL + "/otcs/cs.exe", Username: "bridge", Password: "bridge-secret"})
	if err != nil {
		t.Fatal(err)
	}
	np, err = c.ListChildren(ctx(t), sim.ApprovedProceduresFolderID, list)
	if err != nil {
		t.Fatal(err)
	}
	if len(np.Nodes) == 0 || np.Nodes[0].ModifyDate.IsZero() || !np.ServedAt.IsZero() {
		t.Fatalf("local-time listing: served at %v, first modify date %v; want no served time", np.ServedAt, np.Nodes)
	}
}
