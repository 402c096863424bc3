package records

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
)

func TestRecordOfAVersionHoldsThatVersionsAttachments(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Procurement policy", "<p>v1</p>", "557058:editor", "approved", "dept-legal")
	w.ConfSim.AddAttachment(page.ID, "terms.txt", "text/plain", []byte("terms as approved in version one"))
	time.Sleep(5 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>v2</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	// After version 2: the file changes and another file is added.
	w.ConfSim.AddAttachment(page.ID, "terms.txt", "text/plain", []byte("terms changed later, never approved"))
	w.ConfSim.AddAttachment(page.ID, "later.txt", "text/plain", []byte("attached after version two"))

	snap := w.readAs(t, page.ID, 2, activities.PurposePublish)
	if len(snap.Attachments) != 1 || snap.Attachments[0].FileName != "terms.txt" || snap.Attachments[0].Version != 1 {
		t.Fatalf("version 2's record holds terms.txt version 1 only: %+v", snap.Attachments)
	}
	up, err := w.ot.UploadRendition(ctx, activities.UploadInput{Page: snap})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ot.verifyStored(ctx, activities.VerifyInput{NodeID: up.NodeID, Version: up.Version, SHA256: up.SHA256, Size: up.Size}); err != nil {
		t.Fatal(err)
	}
	body, err := w.ot.OTCS.DownloadVersion(ctx, up.NodeID, up.Version)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	raw, _ := io.ReadAll(body)
	stored := strings.ReplaceAll(string(raw), "\r\n", "")
	if !strings.Contains(stored, base64.StdEncoding.EncodeToString([]byte("terms as approved in version one"))) {
		t.Fatal("the record must hold the attachment as it was at version 2")
	}
	for _, later := range []string{"terms changed later, never approved", "attached after version two"} {
		if strings.Contains(stored, base64.StdEncoding.EncodeToString([]byte(later))) {
			t.Fatalf("the record must not hold %q", later)
		}
	}
	// A version made after the changes holds the current files.
	time.Sleep(5 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>v3</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	cur := w.ConfSim.Attachments(page.ID)
	v3 := w.readAs(t, page.ID, 3, activities.PurposePublish)
	if len(v3.Attachments) != 2 || len(cur) != 2 {
		t.Fatalf("version 3 attachments %+v", v3.Attachments)
	}
	for _, a := range v3.Attachments {
		if a.FileName == "terms.txt" && a.Version != 2 {
			t.Fatalf("version 3 holds terms.txt version 2: %+v", a)
		}
	}
}
