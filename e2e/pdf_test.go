package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	pngenc "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xecm-bridge/xecm-bridge/rendition/pdfa"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Meeting notes are filed as PDF/A (mapping.yaml: rendition: pdf) on the
// dev server: one node, a PDF/A-3b file with both attachments embedded,
// the stored bytes' SHA-256 equal to the one the run recorded, and a
// second filing of the same version adds nothing.
func TestMeetingNotesWithAttachmentsAreFiledAsPDFA(t *testing.T) {
	ctx := context.Background()
	body := `<h1>Quality board – مجلس الجودة</h1><p>Decisions: 品質管理 approved.</p><ac:image><ri:attachment ri:filename="board.png" /></ac:image>`
	p := h.confSim.CreatePage("POL", "2026-11-30 Quality board meeting notes", body, "557058:alice", "meeting-notes", "dept-quality")
	img := image.NewRGBA(image.Rect(0, 0, 60, 30))
	for x := range 60 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{R: uint8(4 * x), G: 120, B: uint8(8 * y), A: 255})
		}
	}
	var png bytes.Buffer
	require.NoError(t, pngenc.Encode(&png, img))
	h.confSim.AddAttachment(p.ID, "board.png", "image/png", png.Bytes())
	h.confSim.AddAttachment(p.ID, "actions.csv", "text/csv", []byte("action,owner\npublish,alice\n"))
	time.Sleep(2 * time.Millisecond)
	_, err := h.confSim.UpdatePage(p.ID, p.Title, body, "557058:alice") // the version that holds both attachments
	require.NoError(t, err)

	st, err := h.publisher.File(ctx, p.ID, 0, "e2e test")
	require.NoError(t, err)
	var res workflows.FileRecordResult
	require.NoError(t, st.Run.Get(ctx, &res))
	require.Contains(t, res.Rendition, "PDF/A-3b")
	require.Equal(t, res.NodeID, recordLink(t, p.ID).NodeID)

	rc, err := h.otcs.DownloadVersion(ctx, res.NodeID, res.OTCSVersion)
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	require.Equal(t, res.SHA256, hex.EncodeToString(sum[:]), "stored bytes match the recorded checksum")
	path := filepath.Join(t.TempDir(), "record.pdf")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	info, err := pdfa.Inspect(path)
	require.NoError(t, err)
	slices.Sort(info.Embedded)
	require.Equal(t, 3, info.Part)
	require.Equal(t, "B", info.Conformance)
	require.Equal(t, []string{"actions.csv", "board.png"}, info.Embedded)
	require.Equal(t, p.Title, info.Title)
	node, _ := h.otSim.Node(res.NodeID)
	require.Equal(t, "application/pdf", node.MimeType)

	again, err := h.publisher.File(ctx, p.ID, 0, "e2e test")
	require.NoError(t, err)
	require.True(t, again.Existing)
	require.Len(t, h.otSim.Versions(res.NodeID), 1)
}
