package confluence_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// TestDownloadStreamsLargeAttachment downloads a 200 MB synthetic
// attachment and checks its digest against the simulator's while sampling
// the heap: a client that buffered the file would push HeapInuse past the
// file size, a streaming one stays near its copy buffer.
func TestDownloadStreamsLargeAttachment(t *testing.T) {
	if testing.Short() {
		t.Skip("large download")
	}
	const size = 200 << 20
	e := newEnv(t, confluence.Cloud, nil)
	att := e.sim.AddSyntheticAttachment("200001", "big.bin", "application/octet-stream", size)

	atts, err := e.c.Attachments(context.Background(), "200001")
	if err != nil || len(atts) != 1 || atts[0].FileSize != size {
		t.Fatalf("listing: %+v, %v", atts, err)
	}

	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	rc, err := e.c.DownloadAttachment(context.Background(), "200001", atts[0])
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	close(stop)
	wg.Wait()
	if err != nil || n != size {
		t.Fatalf("copied %d bytes, err %v", n, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != att.SHA256 {
		t.Errorf("sha256 = %s, simulator says %s", got, att.SHA256)
	}
	if p := peak.Load(); p > 64<<20 {
		t.Errorf("heap in use peaked at %d MiB while streaming a %d MiB file", p>>20, size>>20)
	} else {
		t.Logf("heap in use peaked at %d MiB", p>>20)
	}
}
