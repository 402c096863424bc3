package confluence_test

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

func TestAttachmentVersions(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		up1, err := e.c.UploadAttachment(ctx, "100002", "report.pdf", "application/pdf", strings.NewReader("one"), "first")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.UploadAttachment(ctx, "100002", "report.pdf", "application/pdf", strings.NewReader("second"), "again"); err != nil {
			t.Fatal(err)
		}
		e.sim.AddAttachment("100002", "report.pdf", "application/pdf", []byte("third!")) // by 557058:admin

		vs, err := e.c.AttachmentVersions(ctx, *up1)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 3 {
			t.Fatalf("versions = %+v", vs)
		}
		for i, want := range []struct {
			n              int
			author, remark string
		}{{3, "557058:admin", ""}, {2, "557058:bridge", "again"}, {1, "557058:bridge", "first"}} {
			if v := vs[i]; v.Number != want.n || v.AuthorID != want.author || v.Message != want.remark || v.CreatedAt.IsZero() {
				t.Errorf("versions[%d] = %+v, want number %d by %s with %q", i, v, want.n, want.author, want.remark)
			}
		}
		if vs[0].CreatedAt.Before(vs[2].CreatedAt) {
			t.Errorf("newest version is older than the first: %v < %v", vs[0].CreatedAt, vs[2].CreatedAt)
		}
		// The listing's CreatedAt is the current version's.
		atts, err := e.c.Attachments(ctx, "100002")
		if err != nil || len(atts) != 1 || atts[0].Version != 3 || !atts[0].CreatedAt.Equal(vs[0].CreatedAt) {
			t.Errorf("listing = %+v (%v); current version created %v", atts, err, vs[0].CreatedAt)
		}
		if up1.CreatedAt.IsZero() || !up1.CreatedAt.Equal(vs[2].CreatedAt) {
			t.Errorf("upload answer CreatedAt = %v, version 1 created %v", up1.CreatedAt, vs[2].CreatedAt)
		}

		// Each version downloads its own bytes; 0 is the current one.
		for n, want := range map[int]string{1: "one", 2: "second", 3: "third!", 0: "third!"} {
			att := *up1
			att.Version = n
			rc, err := e.c.DownloadAttachment(ctx, "100002", att)
			if err != nil {
				t.Fatalf("version %d: %v", n, err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != want {
				t.Errorf("version %d = %q, want %q", n, b, want)
			}
		}
		att := *up1
		att.Version = 9
		if _, err := e.c.DownloadAttachment(ctx, "100002", att); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("missing version: %v", err)
		}

		if _, err := e.c.AttachmentVersions(ctx, confluence.Attachment{ID: "att1"}); !rest.IsKind(err, rest.KindNotFound) {
			t.Errorf("unknown attachment: %v", err)
		}
		if _, err := e.c.AttachmentVersions(ctx, confluence.Attachment{Title: "report.pdf"}); !rest.IsKind(err, rest.KindBadRequest) {
			t.Errorf("no id: %v", err)
		}
	})
}

// TestAttachmentVersionsPaginate needs more versions than one default page
// holds (25 on v2, 200 on v1).
func TestAttachmentVersionsPaginate(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, e *env) {
		const n = 210
		var att confluence.Attachment
		for i := 1; i <= n; i++ {
			a := e.sim.AddAttachment("200001", "log.txt", "text/plain", []byte("line "+strconv.Itoa(i)))
			att.ID = a.ID
		}
		before := e.sim.Requests()
		vs, err := e.c.AttachmentVersions(context.Background(), att)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != n {
			t.Fatalf("%d versions, want %d", len(vs), n)
		}
		for i, v := range vs {
			if v.Number != n-i {
				t.Fatalf("versions[%d].Number = %d, want %d", i, v.Number, n-i)
			}
		}
		if calls := e.sim.Requests() - before; calls < 2 {
			t.Errorf("%d requests: the list was not paged", calls)
		}
	})
}
