package control_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/evidence"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// The evidence pack through the control surface: what is not a record is
// a typed error naming why, and OTCS is not asked about it.
func TestEvidenceOfWhatIsNotARecordIsATypedError(t *testing.T) {
	otSim, err := opentextsim.New(opentextsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	otHTTP := httptest.NewServer(otSim.Handler())
	defer otHTTP.Close()
	otcs, err := opentext.New(opentext.Config{BaseURL: otHTTP.URL, Username: "bridge", Password: "bridge-secret"})
	if err != nil {
		t.Fatal(err)
	}
	src := evidence.Sources{Confluence: ctl.Confluence, OTCS: otcs}
	ctx := context.Background()
	page := confSim.CreatePage("POL", "Evidence of nothing", "<p>Never published.</p>", "557058:editor")
	before := otSim.Requests()
	cases := []struct {
		page    string
		version int
		want    evidence.Kind
	}{
		{"987654321", 0, evidence.KindUnknownPage},
		{page.ID, 7, evidence.KindUnknownVersion},
		{page.ID, 0, evidence.KindNoRecord},
	}
	for _, c := range cases {
		_, err := ctl.Evidence(ctx, src, c.page, c.version)
		if !evidence.IsKind(err, c.want) {
			t.Errorf("page %s v%d: %v, want %s", c.page, c.version, err, c.want)
		}
	}
	if got := otSim.Requests() - before; got != 0 {
		t.Errorf("%d OTCS requests for pages without a record", got)
	}
}
