package records

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/rendition/pdfa"
)

// requireRenderTools skips without Chromium and Ghostscript, unless the
// suite demands every tool (make test sets XECM_REQUIRE_TOOLS=1).
func requireRenderTools(t *testing.T) {
	t.Helper()
	if err := pdfa.CheckTools("", ""); err != nil {
		if os.Getenv("XECM_REQUIRE_TOOLS") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// pdfRules are activitytest.BaseRules with the publish rule filing PDF/A.
var pdfRules = strings.Replace(activitytest.BaseRules, "    folder: Controlled Documents/Policies\n", "    rendition: pdf\n    folder: Controlled Documents/Policies\n", 1)

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		for y := range 20 {
			img.Set(x, y, color.RGBA{R: uint8(6 * x), G: 90, B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfPage makes an approved page with an image attachment shown in the
// body, a CSV attachment, and an image from another host that must never
// be fetched; it returns the page id and the count of external requests.
func pdfPage(t *testing.T, w *world) (string, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	ext := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(ext.Close)
	body := `<h1>Richtlinie – سياسة الاحتفاظ</h1><p>Text with an RTL line: שלום עולם.</p>` +
		`<ac:image><ri:attachment ri:filename="chart.png" /></ac:image>` +
		`<ac:image><ri:url ri:value="` + ext.URL + `/tracker.png" /></ac:image>`
	p := w.ConfSim.CreatePage("POL", "Retention – الاحتفاظ", body, "557058:author", "approved", "dept-legal")
	w.ConfSim.AddAttachment(p.ID, "chart.png", "image/png", pngBytes(t))
	w.ConfSim.AddAttachment(p.ID, "schedule.csv", "text/csv", []byte("class,years\nPOL,7\n"))
	// The version to publish comes after the attachments (a rendition holds
	// the attachments as of its page version).
	time.Sleep(2 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(p.ID, p.Title, body, "557058:author"); err != nil {
		t.Fatal(err)
	}
	return p.ID, &hits
}

// storedPDF downloads a stored version as a third party would and opens
// it with the PDF/A inspector.
func storedPDF(t *testing.T, w *world, nodeID int64, version int) *pdfa.Info {
	t.Helper()
	rc, err := w.ot.OTCS.DownloadVersion(context.Background(), nodeID, version)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, _ := io.ReadAll(rc)
	path := filepath.Join(t.TempDir(), "stored.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := pdfa.Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// A PDF record: PDF/A-3b with both attachments embedded, the external
// image never fetched and reported, the checksum verified, and a retry
// that finds the version stored adds nothing and reports the same bytes.
func TestPDFRecordEmbedsAttachmentsAndRetriesWithoutAnotherVersion(t *testing.T) {
	requireRenderTools(t)
	w := newWorld(t, pdfRules)
	ctx := context.Background()
	pageID, hits := pdfPage(t, w)
	snap := w.read(t, pageID)
	up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if !up.Created || !strings.HasPrefix(up.Rendition, "PDF/A-3b") || len(up.Blocked) != 1 || !strings.HasSuffix(up.Blocked[0], "/tracker.png") {
		t.Fatalf("result %+v", up)
	}
	if hits.Load() != 0 {
		t.Fatalf("the external image was fetched %d times", hits.Load())
	}
	info := storedPDF(t, w, up.NodeID, up.Version)
	slices.Sort(info.Embedded)
	if info.Part != 3 || info.Conformance != "B" || info.Title != "Retention – الاحتفاظ" || strings.Join(info.Embedded, ",") != "chart.png,schedule.csv" || info.Pages < 1 {
		t.Fatalf("stored PDF %+v", info)
	}
	vs := w.OTSim.Versions(up.NodeID)
	if len(vs) != 1 || vs[0].SHA256 != up.SHA256 || !strings.Contains(vs[0].Description, "[sha256 "+up.SHA256) {
		t.Fatalf("versions %+v, uploaded %s", vs, up.SHA256)
	}
	// The worker died after the upload: the retry finds the version.
	again, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reused || again.SHA256 != up.SHA256 || again.NodeID != up.NodeID || len(w.OTSim.Versions(up.NodeID)) != 1 || again.Rendition != "PDF/A" {
		t.Fatalf("retry %+v", again)
	}
}

// Attachments above the embedding limit are filed beside the record: one
// document per attachment in the page's attachment folder, one version
// per page version, each verified; a retry adds nothing.
func TestPDFAttachmentsAboveTheLimitAreFiledBeside(t *testing.T) {
	requireRenderTools(t)
	w := newWorld(t, pdfRules)
	w.ot.PDF.EmbedLimit = 100 // bytes: the PNG alone is larger
	ctx := context.Background()
	pageID, _ := pdfPage(t, w)
	up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *w.read(t, pageID), Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if info := storedPDF(t, w, up.NodeID, up.Version); info.Part != 2 || len(info.Embedded) != 0 {
		t.Fatalf("stored PDF %+v", info)
	}
	folder, ok := w.OTSim.NodeByNickname(attachmentsNickname(pageID))
	if !ok || folder.ParentID != up.FolderID {
		t.Fatalf("attachment folder %+v %v", folder, ok)
	}
	check := func(wantVersions int) {
		t.Helper()
		kids := w.OTSim.Children(folder.ID)
		if len(kids) != 2 {
			t.Fatalf("attachment documents %+v", kids)
		}
		for _, k := range kids {
			vs := w.OTSim.Versions(k.ID)
			if len(vs) != wantVersions || !strings.Contains(vs[len(vs)-1].Description, "[sha256 "+vs[len(vs)-1].SHA256) {
				t.Fatalf("%s: versions %+v", k.Name, vs)
			}
		}
	}
	check(1)
	// The state a worker leaves when it dies between the two attachments:
	// the folder holds one of them. The retry files the other, once.
	if err := w.ot.OTCS.DeleteNode(ctx, w.OTSim.Children(folder.ID)[1].ID); err != nil {
		t.Fatal(err)
	}
	again, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *w.read(t, pageID), Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reused || again.SHA256 != up.SHA256 {
		t.Fatalf("retry %+v", again)
	}
	check(1)
	if _, err := w.ConfSim.UpdatePage(pageID, "Retention – الاحتفاظ", "<p>Second version.</p>", "557058:author"); err != nil {
		t.Fatal(err)
	}
	up2, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *w.read(t, pageID), Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if up2.NodeID != up.NodeID || up2.Version != up.Version+1 {
		t.Fatalf("second version %+v", up2)
	}
	check(2)
}

// A render that passes its limit fails with RenditionFailed naming the
// page, and nothing reaches OTCS; a missing tool says which.
func TestPDFRenderFailureUploadsNothing(t *testing.T) {
	requireRenderTools(t)
	w := newWorld(t, pdfRules)
	w.ot.PDF.Limits = pdfa.Limits{Timeout: 50 * time.Millisecond}
	ctx := context.Background()
	pageID, _ := pdfPage(t, w)
	snap := w.read(t, pageID)
	_, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if activitytest.ErrType(err) != activities.TypeRenditionFailed || !strings.Contains(err.Error(), pageID) || !strings.Contains(err.Error(), "time limit") {
		t.Fatalf("got %v", err)
	}
	w.ot.PDF.Limits = pdfa.Limits{}
	w.ot.PDF.Chromium = "/nonexistent/chromium"
	_, err = w.ot.UploadRendition(ctx, activities.UploadInput{Page: *snap})
	if activitytest.ErrType(err) != activities.TypeRenditionFailed || !strings.Contains(err.Error(), "chromium") {
		t.Fatalf("got %v", err)
	}
	if _, ok := w.OTSim.NodeByNickname(Nickname(pageID)); ok {
		t.Fatal("a node was made for a rendition that failed")
	}
}

// The dry run names the rendition the record would be: PDF/A-3b with the
// attachments embedded, or PDF/A-2b with them filed beside.
func TestDryRunNamesThePDFRendition(t *testing.T) {
	w := newWorld(t, pdfRules)
	ctx := context.Background()
	pageID, _ := pdfPage(t, w)
	snap := w.read(t, pageID)
	plan, err := PlanWrites(ctx, w.ot, snap)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(plan.Writes, "\n")
	if !strings.Contains(all, ".pdf\" (PDF/A-3b rendition, attachments embedded of page v2 with 2 attachment(s))") {
		t.Errorf("plan:\n%s", all)
	}
	w.ot.PDF.EmbedLimit = 100
	plan, _ = PlanWrites(ctx, w.ot, snap)
	if all := strings.Join(plan.Writes, "\n"); !strings.Contains(all, "PDF/A-2b rendition, attachments filed beside in a folder") {
		t.Errorf("plan:\n%s", all)
	}
	if _, ok := w.OTSim.NodeByNickname(Nickname(pageID)); ok {
		t.Fatal("the dry run wrote a node")
	}
}

// Two attachments whose names meet once made legal in OTCS ("a:b.csv" and
// "a-b.csv") are filed as two documents, each holding its own bytes.
func TestPDFAttachmentsWhoseNamesMeetGetTheirOwnDocuments(t *testing.T) {
	requireRenderTools(t)
	w := newWorld(t, pdfRules)
	w.ot.PDF.EmbedLimit = 1
	p := w.ConfSim.CreatePage("POL", "Names that meet", "<p>Two files.</p>", "557058:author", "approved", "dept-legal")
	w.ConfSim.AddAttachment(p.ID, "a:b.csv", "text/csv", []byte("first\n"))
	w.ConfSim.AddAttachment(p.ID, "a-b.csv", "text/csv", []byte("second file\n"))
	time.Sleep(2 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(p.ID, p.Title, "<p>Two files.</p>", "557058:author"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ot.UploadRendition(context.Background(), activities.UploadInput{Page: *w.read(t, p.ID), Verify: true}); err != nil {
		t.Fatal(err)
	}
	folder, _ := w.OTSim.NodeByNickname(attachmentsNickname(p.ID))
	sizes := map[string]int64{}
	for _, k := range w.OTSim.Children(folder.ID) {
		vs := w.OTSim.Versions(k.ID)
		if len(vs) != 1 {
			t.Fatalf("%s: versions %+v", k.Name, vs)
		}
		sizes[k.Name] = vs[0].Size
	}
	if len(sizes) != 2 || sizes["a-b.csv"] != 6 || sizes["a-b.csv (2)"] != 12 {
		t.Fatalf("documents %v", sizes)
	}
}
