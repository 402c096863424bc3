package records

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Record sets at project closure, the OTCS side:
//
//   - OpenRecordSet: find or make the set (a folder) and its parts folder
//   - StageRecordSetPart: one batch of members as a CSV part
//   - SealRecordSet: the manifest built from the parts, stored in the set,
//     checked, RM-classified as the publish rule classifies records; then
//     the parts are removed
//
// The set is an ordinary folder (subtype 0) named "Record set <KEY>" in
// the mapping's closure.folder: a second closure finds it by name, and a
// set with a manifest is sealed and never changed again.

// partsFolderName is the staging folder of manifest parts inside a set.
const partsFolderName = "Manifest parts"

// partName is the name of the n-th manifest part.
func partName(n int) string { return fmt.Sprintf("part-%05d.csv", n) }

// OpenRecordSet finds or creates the space's record set. A sealed set (its
// manifest exists) is returned as it is; otherwise the parts folder is
// found or made, and with Fresh emptied of an earlier closure's parts.
func (a *OpenTextActivities) OpenRecordSet(ctx context.Context, in activities.OpenRecordSetInput) (_ *activities.RecordSet, err error) {
	defer func() { activities.Observe(ctx, "OpenRecordSet", err) }()
	space, err := a.Rules.ForSpace(in.SpaceKey)
	if err != nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "%v", err)
	}
	path := append(space.Closure.FolderPath(in.SpaceKey), mapping.RecordSetTreeName(in.SpaceKey, in.RootPageID))
	set, err := a.OTCS.EnsureFolderPath(ctx, a.Rules.Root, path)
	if err != nil {
		a.OTCS.ForgetFolders()
		return nil, activities.BackendError("find or create the record set folder "+strings.Join(path, "/"), err)
	}
	out := &activities.RecordSet{SpaceKey: in.SpaceKey, FolderID: set.ID, URL: a.OTCS.NodeURL(set.ID)}
	manifest, err := a.OTCS.FindChild(ctx, set.ID, activities.ManifestName)
	if err != nil {
		return nil, activities.BackendError("look for the manifest", err)
	}
	if manifest != nil {
		if err := a.describeSealed(ctx, out, manifest); err != nil {
			return nil, err
		}
		return out, nil
	}
	parts, err := a.OTCS.FindChild(ctx, set.ID, partsFolderName)
	if err != nil {
		return nil, activities.BackendError("look for the manifest parts", err)
	}
	if parts != nil && in.Fresh {
		// Parts of an unfinished closure: this one lists the space anew.
		if err := a.OTCS.DeleteNode(ctx, parts.ID); err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return nil, activities.BackendError("discard the earlier manifest parts", err)
		}
		parts = nil
	}
	if parts == nil {
		parts, err = a.OTCS.CreateFolder(ctx, set.ID, partsFolderName)
		if rest.IsKind(err, rest.KindConflict) {
			parts, err = a.OTCS.FindChild(ctx, set.ID, partsFolderName)
			if err == nil && parts == nil {
				err = fmt.Errorf("folder %q reported as existing but not found", partsFolderName)
			}
		}
		if err != nil {
			return nil, activities.BackendError("create the manifest parts folder", err)
		}
	}
	out.PartsID = parts.ID
	return out, nil
}

// describeSealed fills in a sealed set from its manifest: rows, checksum
// and RM classification, read back from OTCS.
func (a *OpenTextActivities) describeSealed(ctx context.Context, out *activities.RecordSet, manifest *opentext.Node) error {
	data, err := a.readAll(ctx, manifest.ID)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return activities.NonRetryable(activities.TypeInvalidState, "the manifest of record set %d is not CSV: %v", out.FolderID, err)
	}
	out.Sealed, out.ManifestID, out.SHA256, out.Members = true, manifest.ID, hex.EncodeToString(sum[:]), max(len(rows)-1, 0)
	state, err := a.OTCS.RMClassifications(ctx, manifest.ID)
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return activities.BackendError("read RM classification of the manifest", err)
	}
	if state != nil && len(state.Classifications) > 0 {
		out.Classification = describeRM(state.Classifications[0])
	}
	return nil
}

// StageRecordSetPart stores one batch of members as a CSV part (no
// header) in the parts folder. A part already there is the same batch
// staged by an earlier attempt (the workflow hands the same members to a
// retry), so it is kept.
func (a *OpenTextActivities) StageRecordSetPart(ctx context.Context, in activities.RecordSetPartInput) (_ *activities.RecordSetPartResult, err error) {
	defer func() { activities.Observe(ctx, "StageRecordSetPart", err) }()
	name := partName(in.Part)
	if n, err := a.OTCS.FindChild(ctx, in.PartsID, name); err != nil {
		return nil, activities.BackendError("look for manifest "+name, err)
	} else if n != nil {
		return &activities.RecordSetPartResult{NodeID: n.ID, Existing: true}, nil
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, m := range in.Members {
		_ = w.Write(manifestRow(m))
	}
	w.Flush()
	data := buf.Bytes()
	node, err := a.OTCS.CreateDocument(ctx, opentext.CreateDocumentRequest{
		ParentID: in.PartsID, Name: name,
		Description: fmt.Sprintf("Manifest part %d of the record set of space %s: %d records", in.Part, in.SpaceKey, len(in.Members)),
		File:        bytesUpload(name, data),
	})
	if rest.IsKind(err, rest.KindConflict) {
		// A create whose answer was lost: the part is there.
		if n, ferr := a.OTCS.FindChild(ctx, in.PartsID, name); ferr == nil && n != nil {
			return &activities.RecordSetPartResult{NodeID: n.ID, Existing: true}, nil
		}
	}
	if err != nil {
		return nil, activities.BackendError("stage manifest "+name, err)
	}
	return &activities.RecordSetPartResult{NodeID: node.ID}, nil
}

// SealRecordSet builds the manifest from the parts (a header, then every
// part's rows in order), stores it in the set, checks the stored bytes
// against the checksum, applies the publish rule's RM classification and
// removes the parts. Each step looks for what an earlier attempt did
// first: a manifest already there is the one a crashed attempt stored.
func (a *OpenTextActivities) SealRecordSet(ctx context.Context, in activities.SealRecordSetInput) (_ *activities.RecordSet, err error) {
	defer func() { activities.Observe(ctx, "SealRecordSet", err) }()
	space, err := a.Rules.ForSpace(in.SpaceKey)
	if err != nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "%v", err)
	}
	out := &activities.RecordSet{SpaceKey: in.SpaceKey, FolderID: in.FolderID, URL: a.OTCS.NodeURL(in.FolderID)}
	manifest, err := a.OTCS.FindChild(ctx, in.FolderID, activities.ManifestName)
	if err != nil {
		return nil, activities.BackendError("look for the manifest", err)
	}
	if manifest == nil {
		data, err := a.buildManifest(ctx, in)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		manifest, err = a.OTCS.CreateDocument(ctx, opentext.CreateDocumentRequest{
			ParentID: in.FolderID, Name: activities.ManifestName,
			Description: fmt.Sprintf("Record set of Confluence space %s%s, closed %s: %d records, SHA-256 %s",
				in.SpaceKey, treeOf(in.RootPageID), in.ClosedAt.UTC().Format(time.RFC3339), in.Members, hex.EncodeToString(sum[:])),
			File: bytesUpload(activities.ManifestName, data),
		})
		if rest.IsKind(err, rest.KindConflict) {
			manifest, err = a.OTCS.FindChild(ctx, in.FolderID, activities.ManifestName)
			if err == nil && manifest == nil {
				err = fmt.Errorf("manifest reported as existing but not found")
			}
		}
		if err != nil {
			return nil, activities.BackendError("store the manifest", err)
		}
	}
	// Fixity, as every record gets: the stored bytes are read back.
	if err := a.describeSealed(ctx, out, manifest); err != nil {
		return nil, err
	}
	if out.Members != in.Members {
		return nil, activities.NonRetryable(activities.TypeChecksumMismatch, "the manifest of space %s holds %d records, the closure staged %d", in.SpaceKey, out.Members, in.Members)
	}
	if rm := space.Target.RM; rm != nil && out.Classification == "" {
		state, err := a.OTCS.RMClassifications(ctx, manifest.ID)
		if err != nil {
			return nil, activities.BackendError("read RM classification of the manifest", err)
		}
		if _, err := a.OTCS.ApplyRMClassification(ctx, manifest.ID, opentext.RMClassifyRequest{
			ClassID: rm.ClassID, Official: rm.Official, Status: rm.Status,
			RecordDate: in.ClosedAt.UTC().Format("2006-01-02T15:04:05"), MetadataToken: state.MetadataToken,
		}); err != nil {
			return nil, activities.BackendError("apply RM classification to the manifest", err)
		}
		if err := a.describeSealed(ctx, out, manifest); err != nil {
			return nil, err
		}
		if out.Classification == "" {
			return nil, activities.NonRetryable(activities.TypeBackendRejected, "OTCS accepted RM classification %d for the manifest %d but does not report it", rm.ClassID, manifest.ID)
		}
	}
	if in.PartsID != 0 {
		if err := a.OTCS.DeleteNode(ctx, in.PartsID); err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return nil, activities.BackendError("remove the manifest parts", err)
		}
	}
	return out, nil
}

// buildManifest reads the parts in order; a missing part means the
// closure's state and OTCS disagree, which a retry does not fix.
func (a *OpenTextActivities) buildManifest(ctx context.Context, in activities.SealRecordSetInput) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(activities.ManifestHeader)
	w.Flush()
	for n := 1; n <= in.Parts; n++ {
		part, err := a.OTCS.FindChild(ctx, in.PartsID, partName(n))
		if err != nil {
			return nil, activities.BackendError("look for manifest "+partName(n), err)
		}
		if part == nil {
			return nil, activities.NonRetryable(activities.TypeInvalidState, "manifest %s of space %s is missing from folder %d", partName(n), in.SpaceKey, in.PartsID)
		}
		data, err := a.readAll(ctx, part.ID)
		if err != nil {
			return nil, err
		}
		buf.Write(data)
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, n)
		}
	}
	return buf.Bytes(), nil
}

// readAll reads a document's latest version (parts and manifests are a
// few hundred KB at most: some 150 bytes a record).
func (a *OpenTextActivities) readAll(ctx context.Context, nodeID int64) ([]byte, error) {
	rc, err := a.OTCS.DownloadVersion(ctx, nodeID, 0)
	if err != nil {
		return nil, activities.BackendError(fmt.Sprintf("read document %d", nodeID), err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, activities.BackendError(fmt.Sprintf("read document %d", nodeID), err)
	}
	return data, nil
}

// manifestRow is a member as a manifest row (ManifestHeader's columns).
func manifestRow(m activities.RecordSetMember) []string {
	return []string{m.PageID, m.Title, strconv.Itoa(m.PageVersion), strconv.FormatInt(m.NodeID, 10), strconv.Itoa(m.OTCSVersion), m.SHA256}
}

// bytesUpload is a small document's content, streamed again per attempt.
func bytesUpload(name string, data []byte) opentext.Upload {
	return opentext.Upload{FileName: name, MimeType: "text/csv", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// treeOf names a page tree in a description ("" for a whole space).
func treeOf(rootPageID string) string {
	if rootPageID == "" {
		return ""
	}
	return ", page tree " + rootPageID
}
