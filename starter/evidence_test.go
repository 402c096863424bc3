package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/evidence"
	"github.com/xecm-bridge/xecm-bridge/internal/simtest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// evidenceWorld is both simulators with page 100001 published by the
// activities of a publish (ReadPage, StoreRecord, WriteBack) called
// directly, and the starter's environment pointing at them; Temporal is
// unreachable, so packs have no trail.
func evidenceWorld(t *testing.T) (*simtest.World, *activities.StoreResult) {
	t.Helper()
	w := simtest.Start(t)
	rules, err := mapping.LoadFile("../mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conf := &pages.ConfluenceActivities{Confluence: w.Conf, Rules: rules}
	ot := &records.OpenTextActivities{OTCS: w.OTCS, Confluence: w.Conf, Rules: rules}
	// An operator's approval, as `starter approve-publish` records it.
	snap, err := conf.ReadPage(ctx, activities.ReadPageInput{PageID: "100001", Version: 1, Approval: &activities.Approval{
		PageVersion: 1, By: "557058:board", At: time.Now().UTC(), Source: activities.ApprovalByOperator, Signal: "approved by 557058:board, recorded by test"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := ot.StoreRecord(ctx, activities.StoreInput{Page: *snap})
	if err != nil {
		t.Fatal(err)
	}
	link := activities.RecordLink{NodeID: st.Upload.NodeID, Version: st.Upload.Version, PageVersion: snap.Version, URL: st.Upload.URL,
		SHA256: st.Upload.SHA256, Classification: st.Classify.Classification, PublishedAt: time.Now().UTC(),
		WorkflowID: workflows.PublishPageWorkflowID(snap.PageID, snap.Version)}
	if _, err := conf.WriteBack(ctx, activities.WriteBackInput{PageID: snap.PageID, Label: snap.PublishedLabel, Record: link,
		Property: snap.RecordProperty, Readers: snap.Readers, SpaceID: snap.SpaceID, SpaceKey: snap.SpaceKey}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONFLUENCE_BASE_URL", w.ConfURL)
	t.Setenv("CONFLUENCE_EMAIL", simtest.ConfluenceEmail)
	t.Setenv("CONFLUENCE_API_TOKEN", simtest.ConfluenceToken)
	t.Setenv("OTCS_BASE_URL", w.OTURL)
	t.Setenv("OTCS_USERNAME", simtest.OTCSUser)
	t.Setenv("OTCS_PASSWORD", simtest.OTCSPassword)
	t.Setenv("BRIDGE_MAPPING_FILE", "../mapping.yaml")
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	return w, st
}

func runStarter(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestEvidencePackOfAPublishedRecordHoldsUntilItsBytesChange writes the
// pack of a published page, checks its fields against the simulators,
// verifies it, then changes one byte of the stored version in OTCS: the
// check fails with the checksum reason. Nothing is written to either
// system by the command.
func TestEvidencePackOfAPublishedRecordHoldsUntilItsBytesChange(t *testing.T) {
	w, st := evidenceWorld(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "pack.json")
	otWrites := len(w.OTSim.Writes())
	_, propVersion, _ := w.ConfSim.Property("100001", activities.RecordPropertyKey)

	code, out, errOut := runStarter(t, "evidence", "--page", "100001", "--out", file)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pack evidence.Pack
	if err := json.Unmarshal(raw, &pack); err != nil {
		t.Fatal(err)
	}
	vs := w.OTSim.Versions(st.Upload.NodeID)
	if len(vs) != 1 {
		t.Fatalf("versions %+v", vs)
	}
	stored, err := os.ReadFile(vs[0].BlobPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(stored)
	want := hex.EncodeToString(sum[:])
	vals, _ := w.OTSim.CategoryValues(st.Upload.NodeID, 9001)
	node, _ := w.OTSim.Node(st.Upload.NodeID)
	switch {
	case pack.Record.NodeID != st.Upload.NodeID || pack.Record.Version != 1 || pack.Record.Name != node.Name:
		t.Errorf("record %+v, want node %d %q version 1", pack.Record, node.ID, node.Name)
	case pack.Fixity.Now != want || pack.Fixity.Recorded != want || pack.Fixity.Category != want || !pack.Fixity.Match || pack.Fixity.NowSize != int64(len(stored)):
		t.Errorf("fixity %+v, want %s (%d bytes) everywhere", pack.Fixity, want, len(stored))
	case pack.Approval.From != evidence.ApprovalFromLog || pack.Approval.By != "557058:board" || pack.Approval.By != vals["9001_10"] || pack.Approval.Source != activities.ApprovalByOperator:
		t.Errorf("approval %+v, category Approved By %v", pack.Approval, vals["9001_10"])
	case pack.Record.FolderPath != "Enterprise Workspace/Controlled Documents/Policies":
		t.Errorf("folder path %q", pack.Record.FolderPath)
	case len(pack.Record.RM) != 1 || pack.Record.RM[0].ClassID != 7001:
		t.Errorf("RM %+v", pack.Record.RM)
	case len(pack.Record.Categories) != 1 || pack.Record.Categories[0].Values["Source Page ID"] != vals["9001_8"] || pack.Record.Categories[0].Values["SHA-256"] != want:
		t.Errorf("categories %+v, simulator %v", pack.Record.Categories, vals)
	case pack.Source.PageID != "100001" || pack.Source.SpaceKey != "POL" || pack.Source.Title != "Records Retention Policy" || pack.Source.VersionAuthor != "557058:alice":
		t.Errorf("source %+v", pack.Source)
	case len(pack.Access.Now) == 0:
		t.Errorf("no current permissions")
	case pack.Trail.Reachable || len(pack.Trail.Runs) != 0 || !strings.Contains(pack.Trail.Error, "Temporal not reachable"):
		t.Errorf("trail %+v with Temporal unreachable", pack.Trail)
	case pack.Digest != evidence.Digest(&pack):
		t.Errorf("digest %s, content hashes to %s", pack.Digest, evidence.Digest(&pack))
	}
	if html, err := os.ReadFile(filepath.Join(dir, "pack.html")); err != nil || !strings.Contains(string(html), want) || !strings.Contains(string(html), pack.Approval.By) {
		t.Errorf("pack.html (%v) lacks the checksum or the approver", err)
	}

	if code, out, errOut := runStarter(t, "evidence", "--verify", file); code != exitOK || !strings.Contains(out, "holds") {
		t.Fatalf("verify of an untouched record: exit %d: %s%s", code, out, errOut)
	}
	if n := len(w.OTSim.Writes()); n != otWrites {
		t.Errorf("evidence wrote to OTCS: %d writes, %d before", n, otWrites)
	}
	if _, v, _ := w.ConfSim.Property("100001", activities.RecordPropertyKey); v != propVersion {
		t.Errorf("evidence wrote the record property: version %d, was %d", v, propVersion)
	}

	// One byte of the stored version changes in OTCS.
	stored[len(stored)/2] ^= 0x01
	if err := os.WriteFile(vs[0].BlobPath, stored, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runStarter(t, "evidence", "--verify", file)
	if code != exitFailed {
		t.Fatalf("verify of a changed record: exit %d, want %d: %s%s", code, exitFailed, out, errOut)
	}
	if !strings.Contains(out, "fixity.now: checksum:") || !strings.Contains(out, "fixity.recorded: checksum:") {
		t.Errorf("differences %q do not give the checksum reason", out)
	}
	if !strings.Contains(errOut, "does not hold") {
		t.Errorf("stderr %q", errOut)
	}

	// A pack edited by hand no longer matches its digest.
	edited := strings.Replace(string(raw), `"pageId": "100001"`, `"pageId": "100001" `, 1)
	edited = strings.Replace(edited, pack.Approval.By, "557058:mallory", 1)
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, out, _ := runStarter(t, "evidence", "--verify", file); !strings.Contains(out, "digest:") || !strings.Contains(out, "approval.by:") {
		t.Errorf("an edited pack: %q", out)
	}
}

// TestEvidenceErrorsAreTyped: an unknown page, a page without a record, a
// version without a record and OTCS down each give their own error and
// exit code, without a stack trace.
func TestEvidenceErrorsAreTyped(t *testing.T) {
	w, _ := evidenceWorld(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"evidence", "--page", "999999"}, exitFailed, "UnknownPage: Confluence page 999999 does not exist"},
		{[]string{"evidence", "--page", "100002"}, exitFailed, "NoRecord: Confluence page 100002 has no record"},
		{[]string{"evidence", "--page", "100001", "--version", "7"}, exitFailed, "UnknownVersion"},
		{[]string{"evidence", "--verify", filepath.Join(t.TempDir(), "none.json")}, exitUsage, "no such file"},
	}
	for _, c := range cases {
		code, out, errOut := runStarter(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "goroutine") {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit %d and %q", c.args, code, errOut, out, c.code, c.want)
		}
	}

	// A second version of the page that was never published.
	p, _ := w.ConfSim.Page("100001")
	if _, err := w.ConfSim.UpdatePage("100001", p.Title, p.Body+"<p>more</p>", "557058:bob"); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runStarter(t, "evidence", "--page", "100001")
	if code != exitFailed || !strings.Contains(errOut, "NoRecordForVersion") || !strings.Contains(errOut, "page versions it holds: 1") {
		t.Errorf("unpublished version: exit %d, %q", code, errOut)
	}
	if code, out, errOut := runStarter(t, "evidence", "--page", "100001", "--version", "1", "--format", "html"); code != exitOK || !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Errorf("version 1 as HTML: exit %d, %.80q %s", code, out, errOut)
	}

	// OTCS down: a connection error, not a finding.
	t.Setenv("OTCS_BASE_URL", "http://127.0.0.1:1/otcs/cs.exe")
	code, _, errOut = runStarter(t, "evidence", "--page", "100001", "--version", "1")
	if code != exitSettings || !strings.Contains(errOut, "BackendUnavailable: OTCS") {
		t.Errorf("OTCS down: exit %d, %q", code, errOut)
	}
}
