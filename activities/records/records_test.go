package records

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestWrongAttributeTypeIsNonRetryableAndNamesTheAttribute(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules+"        Approval Date: {value: \"next Tuesday\"}\n")
	_, err := w.ot.UploadRendition(context.Background(), activities.UploadInput{Page: *w.read(t, "100001")})
	if activitytest.ErrType(err) != activities.TypeAttributeType || !strings.Contains(err.Error(), `"Approval Date"`) {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
	folder, _ := w.OTSim.FindPath(opentextsim.EnterpriseWorkspaceID, "Controlled Documents", "Policies")
	if n := len(w.OTSim.Children(folder.ID)); n != 0 {
		t.Fatalf("nothing may be stored for a page whose metadata is wrong; found %d nodes", n)
	}
}

func TestUnknownAttributeNamesTheCategoryAttributes(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules+"        Departmnt: {value: x}\n")
	_, err := w.ot.UploadRendition(context.Background(), activities.UploadInput{Page: *w.read(t, "100001")})
	if activitytest.ErrType(err) != activities.TypeNoSuchAttribute || !strings.Contains(err.Error(), `"Departmnt"`) || !strings.Contains(err.Error(), "Department") {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
}

func TestMissingRequiredMetadataIsNonRetryable(t *testing.T) {
	w := newWorld(t, strings.Replace(activitytest.BaseRules, `{label: "dept-"}`, `{label: "division-", required: true}`, 1))
	_, err := w.ot.UploadRendition(context.Background(), activities.UploadInput{Page: *w.read(t, "100001")})
	if activitytest.ErrType(err) != activities.TypeMissingMetadata || !strings.Contains(err.Error(), "Department") {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
}

func TestRetriedUploadStoresThePageVersionOnce(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	snap := w.read(t, "100001")
	ctx := context.Background()
	first, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	// The activity ran again after its result was lost (worker crash, timeout).
	again, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reused || again.NodeID != first.NodeID || again.Version != first.Version {
		t.Fatalf("second attempt: %+v, first: %+v", again, first)
	}
	if again.SHA256 != first.SHA256 || again.Size != first.Size {
		t.Fatal("the recomputed checksum of a stored version must match the one uploaded")
	}
	if vs := w.OTSim.Versions(first.NodeID); len(vs) != 1 || vs[0].SHA256 != first.SHA256 {
		t.Fatalf("versions %+v", vs)
	}
	if err := w.ot.verifyStored(ctx, activities.VerifyInput{NodeID: first.NodeID, Version: first.Version, SHA256: first.SHA256, Size: first.Size}); err != nil {
		t.Fatal(err)
	}
	err = w.ot.verifyStored(ctx, activities.VerifyInput{NodeID: first.NodeID, Version: first.Version, SHA256: strings.Repeat("0", 64), Size: first.Size})
	if activitytest.ErrType(err) != activities.TypeChecksumMismatch {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
}

func TestSameTitleFromAnotherPageGetsItsOwnRecord(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	ctx := context.Background()
	a, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *w.read(t, "100001")})
	if err != nil {
		t.Fatal(err)
	}
	other := w.ConfSim.CreatePage("POL", "Records Retention Policy", "<p>A different page, same title.</p>", "557058:zoe", "approved", "dept-hr")
	b, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *w.read(t, other.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if b.NodeID == a.NodeID || !b.Created {
		t.Fatalf("a different page must never become a version of another page's record: %+v %+v", a, b)
	}
	if b.Name != "Records Retention Policy ("+other.ID+")" {
		t.Fatalf("name %q", b.Name)
	}
	if n := len(w.OTSim.Versions(a.NodeID)); n != 1 {
		t.Fatalf("first record has %d versions", n)
	}
}

func TestClassifyAppliesCategoryAndRMOnce(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules+"        SHA-256: {from: checksum}\n    rm: {classification: 7001, official: true}\n")
	ctx := context.Background()
	snap := w.read(t, "100001")
	up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // a retry must not re-declare or fail
		res, err := w.ot.classify(ctx, activities.ClassifyInput{Page: *snap, NodeID: up.NodeID, SHA256: up.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		if res.Classification != "POL-01 Policies and Procedures" || !res.Official {
			t.Fatalf("classification %+v", res)
		}
	}
	vals, _ := w.OTSim.CategoryValues(up.NodeID, 9001)
	if vals["9001_12"] != up.SHA256 || vals["9001_3"] != "legal" {
		t.Fatalf("category values %v", vals)
	}
	if rm := w.OTSim.RMClassifications(up.NodeID); len(rm) != 1 || rm[0].ClassID != 7001 {
		t.Fatalf("rm %+v", rm)
	}
}

// A record that lost its category (removed in OTCS by hand) gets it
// applied again: the update is refused and the refusal leads to an apply.
func TestClassifyAppliesTheCategoryWhenTheRecordLacksIt(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules+"        SHA-256: {from: checksum}\n")
	ctx := context.Background()
	snap := w.read(t, "100001")
	up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(w.OTURL+"/api/v1/auth", url.Values{"username": {"bridge"}, "password": {"bridge-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	var auth struct{ Ticket string }
	json.NewDecoder(resp.Body).Decode(&auth)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodDelete, fmt.Sprintf("%s/api/v2/nodes/%d/categories/9001", w.OTURL, up.NodeID), nil)
	req.Header.Set("OTCSTicket", auth.Ticket)
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("remove category: %v %v", resp.Status, err)
	}
	if _, ok := w.OTSim.CategoryValues(up.NodeID, 9001); ok {
		t.Fatal("category still applied")
	}
	if _, err := w.ot.classify(ctx, activities.ClassifyInput{Page: *snap, NodeID: up.NodeID, SHA256: up.SHA256}); err != nil {
		t.Fatal(err)
	}
	if vals, _ := w.OTSim.CategoryValues(up.NodeID, 9001); vals["9001_12"] != up.SHA256 || vals["9001_3"] != "legal" {
		t.Fatalf("category values %v", vals)
	}
}

// StoreRecord verifies before it classifies: when OTCS hands back other
// bytes than were uploaded (here a proxy flips one byte of every
// download), the activity fails with ChecksumMismatch and the record gets
// no checksum attribute and no RM classification.
func TestStoreRecordNeverClassifiesACorruptedRecord(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules+"        SHA-256: {from: checksum}\n    rm: {classification: 7001, official: true}\n")
	corrupting := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		w.OTSim.Handler().ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasSuffix(r.URL.Path, "/content") && len(body) > 0 {
			body[len(body)/2] ^= 1
		}
		for k, v := range rec.Header() {
			rw.Header()[k] = v
		}
		rw.WriteHeader(rec.Code)
		rw.Write(body)
	}))
	t.Cleanup(corrupting.Close)
	ot, err := opentext.New(opentext.Config{BaseURL: corrupting.URL + "/otcs/cs.exe", Username: "bridge", Password: "bridge-secret"})
	if err != nil {
		t.Fatal(err)
	}
	a := &OpenTextActivities{OTCS: ot, Confluence: w.ot.Confluence, Rules: w.ot.Rules}
	_, err = a.StoreRecord(context.Background(), activities.StoreInput{Page: *w.read(t, "100001")})
	if activitytest.ErrType(err) != activities.TypeChecksumMismatch {
		t.Fatalf("got %v", err)
	}
	node, ok := w.OTSim.NodeByNickname(Nickname("100001"))
	if !ok {
		t.Fatal("no record")
	}
	if vals, _ := w.OTSim.CategoryValues(node.ID, 9001); vals["9001_12"] != nil && vals["9001_12"] != "" {
		t.Errorf("checksum attribute written: %v", vals["9001_12"])
	}
	if rm := w.OTSim.RMClassifications(node.ID); len(rm) != 0 {
		t.Errorf("classified: %+v", rm)
	}
}

// StoreRecord on a clean OTCS: one version, verified, classified; run
// again (a retry after a crash at any point) it adds nothing.
func TestStoreRecordStoresVerifiesAndClassifiesOnce(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules+"        SHA-256: {from: checksum}\n    rm: {classification: 7001, official: true}\n")
	snap := w.read(t, "100001")
	for i := 0; i < 2; i++ {
		st, err := w.ot.StoreRecord(context.Background(), activities.StoreInput{Page: *snap})
		if err != nil {
			t.Fatal(err)
		}
		if vals, _ := w.OTSim.CategoryValues(st.Upload.NodeID, 9001); vals["9001_12"] != st.Upload.SHA256 {
			t.Fatalf("checksum attribute %v, stored %s", vals["9001_12"], st.Upload.SHA256)
		}
		if rm := w.OTSim.RMClassifications(st.Upload.NodeID); len(rm) != 1 || st.Classify.Classification != "POL-01 Policies and Procedures" {
			t.Fatalf("classification %+v / %+v", rm, st.Classify)
		}
		if vs := w.OTSim.Versions(st.Upload.NodeID); len(vs) != 1 || vs[0].SHA256 != st.Upload.SHA256 {
			t.Fatalf("versions %+v", vs)
		}
	}
}

// WriteBack retried after the worker died between the property and the
// label: the state ReadPage saw ("no record property") is stale, the
// write re-reads, and the retry finishes both steps.
func TestWriteBackRetryAfterCrashFinishesPropertyAndLabel(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	snap := w.read(t, "100001")
	if !snap.RecordProperty.Known || snap.RecordProperty.ID != "" {
		t.Fatalf("ReadPage saw %+v, want a known absence", snap.RecordProperty)
	}
	in := activities.WriteBackInput{PageID: "100001", Label: snap.PublishedLabel, Property: snap.RecordProperty,
		Record: activities.RecordLink{NodeID: 40001, Version: 1, PageVersion: snap.Version, SHA256: "abc"}}
	// The first attempt wrote the property, then the worker died.
	if _, err := w.conf.Confluence.SetProperty(context.Background(), "100001", activities.RecordPropertyKey, in.Record); err != nil {
		t.Fatal(err)
	}
	if _, err := w.conf.WriteBack(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	raw, ver, ok := w.ConfSim.Property("100001", activities.RecordPropertyKey)
	var got activities.RecordLink
	if !ok || ver != 2 || json.Unmarshal(raw, &got) != nil || got.NodeID != 40001 {
		t.Fatalf("property %s v%d", raw, ver)
	}
	if !slices.Contains(w.ConfSim.Labels("100001"), snap.PublishedLabel) {
		t.Fatalf("labels %v", w.ConfSim.Labels("100001"))
	}
}
