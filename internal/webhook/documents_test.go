package webhook

import (
	"net/http"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// With a documents: section, events of the document pages' space and of
// connected spaces reach a RouteEvent run; removing a label starts
// something only when it is a document page's source-changed flag.
func TestDocumentSpacesAndSourceChangedFlag(t *testing.T) {
	rules, err := mapping.Parse("rules.yaml", []byte(rulesYAML+`
documents:
  space: DOCS
  bridge_account: "557058:bridge"
  watch:
    - name: Project Apollo
      workspace: 2300
      connect: APOLLO
`))
	if err != nil {
		t.Fatal(err)
	}
	h, router := newReceiverWith(t, func(c *Config) { c.Rules = rules })
	for _, tc := range []struct {
		name, body string
		routed     bool
		reason     string
	}{
		{"page edited in the documents space", `{"timestamp":1768246501113,"event":"page_updated","page":{"id":"300001","spaceKey":"DOCS"}}`, true, ""},
		{"page created in a connected space", `{"timestamp":1768246501113,"event":"page_created","page":{"id":"300002","spaceKey":"APOLLO"}}`, true, ""},
		{"flag cleared", `{"timestamp":1768246501113,"event":"label_removed","label":"source-changed","page":{"id":"300003","spaceKey":"DOCS"}}`, true, ""},
		{"other label removed", `{"timestamp":1768246501113,"event":"label_removed","label":"draft","page":{"id":"300004","spaceKey":"DOCS"}}`, false, `removing label "draft" starts no flow`},
		{"unmapped space", `{"timestamp":1768246501113,"event":"page_updated","page":{"id":"300005","spaceKey":"ENG"}}`, false, "space ENG is not mapped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(router.routed)
			rec, a := post(h, tc.body, signed(tc.body))
			routed := len(router.routed) > before
			if routed != tc.routed || (tc.routed && rec.Code != http.StatusAccepted) || (!tc.routed && a.Reason != tc.reason) {
				t.Fatalf("%d %+v, routed %t", rec.Code, a, routed)
			}
		})
	}
}
