package opentext

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestVersionsAndDownload(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "Policy.txt", "version one")
	if d.Type != TypeDocument || d.MimeType != "text/plain" || d.Size != int64(len("version one")) {
		t.Errorf("created = %+v", d)
	}
	v, err := e.c.AddVersion(ctx(t), d.ID, bytesUpload("Policy.txt", "version two!", nil), "second")
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 2 || v.Description != "second" || v.FileSize != 12 || v.NodeID != d.ID {
		t.Errorf("AddVersion = %+v", v)
	}
	vs, err := e.c.Versions(ctx(t), d.ID)
	if err != nil || len(vs) != 2 || vs[0].Number != 1 || vs[1].FileName != "Policy.txt" {
		t.Fatalf("Versions = %+v, %v", vs, err)
	}
	rc, err := e.c.DownloadVersion(ctx(t), d.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rc); got != "version two!" {
		t.Errorf("latest = %q", got)
	}
	rc, err = e.c.DownloadVersion(ctx(t), d.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rc); got != "version one" {
		t.Errorf("v1 = %q", got)
	}
	_, err = e.c.DownloadVersion(ctx(t), d.ID, 7)
	if restErr(t, err).StatusCode != 400 {
		t.Errorf("missing version: %v", err)
	}
}

func TestTicketExpiryReloginsOnce(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if _, err := e.c.GetNode(ctx(t), sim.EnterpriseWorkspaceID); err != nil {
		t.Fatal(err)
	}
	e.sim.ExpireTickets()
	if _, err := e.c.GetNode(ctx(t), sim.RecordsFolderID); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	// A streamed upload hit by expiry is sent again, re-opening the source.
	e.sim.ExpireTickets()
	var opens atomic.Int32
	d, err := e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: sim.MeetingNotesFolderID, Name: "Notes.txt",
		File: bytesUpload("Notes.txt", "minutes", &opens), Categories: map[string]any{"9001_8": "p1"}})
	if err != nil {
		t.Fatalf("upload after expiry: %v", err)
	}
	if opens.Load() < 2 {
		t.Errorf("Upload.Open called %d times, want a second open for the repeat", opens.Load())
	}
	vs := e.sim.Versions(d.ID)
	sum := sha256.Sum256([]byte("minutes"))
	if len(vs) != 1 || vs[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stored versions = %+v", vs)
	}
	e.sim.ExpireTickets()
	opens.Store(0)
	if _, err := e.c.AddVersion(ctx(t), d.ID, bytesUpload("Notes.txt", "minutes v2", &opens), ""); err != nil {
		t.Fatalf("AddVersion after expiry: %v", err)
	}
	if len(e.sim.Versions(d.ID)) != 2 {
		t.Errorf("versions = %d", len(e.sim.Versions(d.ID)))
	}
	// Wrong credentials: the 401 from login surfaces, without the password.
	bad, _ := New(Config{BaseURL: e.ts.URL + "/otcs/cs.exe", Username: "bridge", Password: "not-the-secret"})
	_, err = bad.GetNode(ctx(t), sim.EnterpriseWorkspaceID)
	re := restErr(t, err)
	if re.Kind != rest.KindUnauthorized || strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("bad login: %v", err)
	}
}

func TestConcurrentCallsShareOneRelogin(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if err := e.c.Login(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.ExpireTickets()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.c.GetNode(ctx(t), sim.EnterpriseWorkspaceID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestRetriesOnInjectedFaultsWithoutDuplicates(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if err := e.c.Login(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.Faults().Set(faults.Config{RateLimitBurst: 2, RetryAfter: time.Second})
	f, err := e.c.CreateFolder(ctx(t), sim.EnterpriseWorkspaceID, "Retried")
	if err != nil {
		t.Fatalf("CreateFolder through 429s: %v", err)
	}
	e.sim.Faults().Set(faults.Config{ServerErrorBurst: 3})
	var opens atomic.Int32
	d, err := e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: f.ID, Name: "a.txt", File: bytesUpload("a.txt", "abc", &opens),
		Categories: map[string]any{"9001_8": "p"}})
	if err != nil {
		t.Fatalf("CreateDocument through 503s: %v", err)
	}
	e.sim.Faults().Set(faults.Config{ServerErrorBurst: 2})
	if _, err := e.c.AddVersion(ctx(t), d.ID, bytesUpload("a.txt", "abcd", nil), ""); err != nil {
		t.Fatalf("AddVersion through 503s: %v", err)
	}
	if got := e.sim.Faults().Injected(); got[429] != 2 || got[503] != 5 {
		t.Errorf("injected = %v", got)
	}
	if kids := e.sim.Children(f.ID); len(kids) != 1 {
		t.Errorf("children = %+v, want exactly one document", kids)
	}
	// Seeded Controlled Documents, Records and Workflow Maps, plus the test's folder.
	if n := len(e.sim.Children(sim.EnterpriseWorkspaceID)); n != 4 {
		t.Errorf("folders under 2000 = %d, want 4", n)
	}
	if vs := e.sim.Versions(d.ID); len(vs) != 2 {
		t.Errorf("versions = %d, want 2", len(vs))
	}
	// Exhausted retries end as KindUnavailable with the server's message.
	e.sim.Faults().Set(faults.Config{Down: true})
	_, err = e.c.GetNode(ctx(t), f.ID)
	if re := restErr(t, err); re.Kind != rest.KindUnavailable || re.StatusCode != 503 || !strings.Contains(re.Message, "injected") {
		t.Errorf("down: %+v", re)
	}
	e.sim.Faults().Set(faults.Config{})
}

func TestUploadSourceFailureIsNotRetried(t *testing.T) {
	e := newEnv(t, sim.Options{})
	var opens atomic.Int32
	boom := io.ErrUnexpectedEOF
	_, err := e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: sim.PoliciesFolderID, Name: "x", File: Upload{Open: func() (io.ReadCloser, error) {
		opens.Add(1)
		return nil, boom
	}}})
	if err == nil || !strings.Contains(err.Error(), boom.Error()) {
		t.Fatalf("err = %v", err)
	}
	if opens.Load() != 1 {
		t.Errorf("opened %d times", opens.Load())
	}
	if len(e.sim.Children(sim.PoliciesFolderID)) != 0 {
		t.Error("a node was created")
	}
}

// genReader is a deterministic pseudo-random stream that hashes what it hands out.
type genReader struct {
	src  *rand.ChaCha8
	left int64
	h    hash.Hash
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, _ := g.src.Read(p)
	g.h.Write(p[:n])
	g.left -= int64(n)
	return n, nil
}

func (g *genReader) Close() error { return nil }

func TestLargeStreamedUploadHasBoundedHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("300 MB upload")
	}
	const size = 300 << 20
	e := newEnv(t, sim.Options{BlobDir: t.TempDir()})
	if err := e.c.Login(ctx(t)); err != nil {
		t.Fatal(err)
	}
	var last *genReader
	up := Upload{FileName: "big.bin", MimeType: "application/octet-stream", Open: func() (io.ReadCloser, error) {
		last = &genReader{src: rand.NewChaCha8([32]byte{7}), left: size, h: sha256.New()}
		return last, nil
	}}
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	d, err := e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: sim.PoliciesFolderID, Name: "big.bin", File: up,
		Categories: map[string]any{"9001_8": "big"}})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	vs := e.sim.Versions(d.ID)
	if len(vs) != 1 || vs[0].Size != size {
		t.Fatalf("stored = %+v", vs)
	}
	if want := hex.EncodeToString(last.h.Sum(nil)); vs[0].SHA256 != want {
		t.Errorf("sha256 stored %s, sent %s", vs[0].SHA256, want)
	}
	if p := peak.Load(); p > 64<<20 {
		t.Errorf("peak HeapInuse %d MiB, want < 64 MiB for a %d MiB upload", p>>20, size>>20)
	} else {
		t.Logf("peak HeapInuse %d MiB", p>>20)
	}
}
