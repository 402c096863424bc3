package records

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/rendition"
)

// attachmentsNickname is the identity of the folder that holds a page's
// attachments when they are filed beside its PDF record.
func attachmentsNickname(pageID string) string { return Nickname(pageID) + "_attachments" }

// fileBeside files the page version's attachments as documents in the
// page's attachment folder (next to the record, found again by its
// nickname after a move), one document per attachment and one version per
// page version, each verified against the checksum the PDF's manifest
// lists. Every step looks before it writes, so a retry after a crash
// finishes the job. It returns how many attachments are filed.
func (a *OpenTextActivities) fileBeside(ctx context.Context, res *activities.UploadResult, s *pdfSource) (int, error) {
	if err := s.fetchAttachments(); err != nil {
		return 0, err
	}
	folder, err := a.attachmentFolder(ctx, res, s.doc.PageID, s.access)
	if err != nil {
		return 0, err
	}
	marker := activities.SourceMarker(s.doc.PageID, s.doc.Version)
	for i, m := range s.manifest {
		name := besideName(s.manifest, i)
		// The version is found again by page version and file name: two
		// files never share one, whatever their document names.
		prefix := fmt.Sprintf("%s attachment %s [sha256 ", marker, m.FileName)
		desc := fmt.Sprintf("%s%s %d]", prefix, m.SHA256, m.Size)
		file := fileUpload(s.files[i], m.FileName, m.MediaType)
		nodeID, version, err := a.storeOnce(ctx, folder.ID, name, prefix, desc, file)
		if err != nil {
			return 0, fmt.Errorf("attachment %q: %w", m.FileName, err)
		}
		if err := a.verifyStored(ctx, activities.VerifyInput{NodeID: nodeID, Version: version, SHA256: m.SHA256, Size: m.Size}); err != nil {
			return 0, err
		}
	}
	return len(s.manifest), nil
}

// besideName is the document name of attachment i: its file name made
// legal in OTCS, with " (i+1)" when an earlier attachment of the page
// already has that name (OTCS compares names without case, and legal names
// can meet: "a:b" and "a-b"). The attachment order is the snapshot's, so a
// retry picks the same names.
func besideName(manifest []rendition.ManifestEntry, i int) string {
	name := mapping.LegalName(manifest[i].FileName)
	for j := range i {
		if strings.EqualFold(mapping.LegalName(manifest[j].FileName), name) {
			return mapping.LegalName(fmt.Sprintf("%s (%d)", name, i+1))
		}
	}
	return name
}

// attachmentFolder finds the page's attachment folder by nickname, or
// makes it beside the record and gives it the nickname. The folder of a
// restricted page (pa) is made in the staging folder, given the record's
// access list and only then moved beside the record, so every attachment
// document made in it inherits that list; an existing one (and each
// document in it) is narrowed to the page's readers first.
func (a *OpenTextActivities) attachmentFolder(ctx context.Context, res *activities.UploadResult, pageID string, pa *access.PageAccess) (*opentext.Node, error) {
	nick := attachmentsNickname(pageID)
	folder, err := a.OTCS.NodeByNickname(ctx, nick)
	if err == nil {
		return folder, a.secureAttachments(ctx, folder, res.FolderID, pa)
	}
	if !rest.IsKind(err, rest.KindNotFound) {
		return nil, activities.BackendError("look up attachment folder", err)
	}
	parent := res.FolderID
	if pa != nil {
		staging, err := a.stagingFolder(ctx)
		if err != nil {
			return nil, err
		}
		parent = staging.ID
	}
	folder, err = a.OTCS.EnsureFolderPath(ctx, parent, []string{mapping.LegalName(res.Name + " (attachments)")})
	if err != nil {
		return nil, activities.BackendError("make attachment folder", err)
	}
	if err := a.OTCS.SetNickname(ctx, folder.ID, nick); err != nil {
		// Refused because it is taken: the holder is the folder.
		holder, lerr := a.OTCS.NodeByNickname(ctx, nick)
		if lerr != nil {
			return nil, activities.BackendError("set attachment folder nickname", err)
		}
		folder = holder
	}
	return folder, a.secureAttachments(ctx, folder, res.FolderID, pa)
}

// secureAttachments gives a restricted page's attachment folder and the
// documents in it the record's access list, and moves a folder left in
// the staging folder beside the record. Nothing to do for an open page.
func (a *OpenTextActivities) secureAttachments(ctx context.Context, folder *opentext.Node, recordFolder int64, pa *access.PageAccess) error {
	if pa == nil {
		return nil
	}
	home, staged, err := a.homeOf(ctx, folder, recordFolder)
	if err != nil {
		return err
	}
	acl, err := a.recordACL(ctx, home, pa)
	if err != nil {
		return err
	}
	if !staged {
		if acl, err = a.withinCurrent(ctx, folder.ID, acl); err != nil {
			return err
		}
	}
	if _, err := a.narrowTo(ctx, folder.ID, acl); err != nil {
		return err
	}
	for page := 1; ; page++ {
		kids, err := a.OTCS.ListChildren(ctx, folder.ID, opentext.ListOptions{Page: page, Limit: 100})
		if err != nil {
			return activities.BackendError("list the attachment documents", err)
		}
		for _, k := range kids.Nodes {
			if _, err := a.narrowTo(ctx, k.ID, acl); err != nil {
				return err
			}
		}
		if kids.PageTotal <= page || len(kids.Nodes) == 0 {
			break
		}
	}
	if !staged {
		return nil
	}
	return a.leaveStaging(ctx, folder, recordFolder)
}

// storeOnce stores file as the version of document name (in parentID)
// whose description starts with prefix: found, added as a new version, or
// created. It returns the node and version number that hold it.
func (a *OpenTextActivities) storeOnce(ctx context.Context, parentID int64, name, prefix, desc string, file opentext.Upload) (int64, int, error) {
	node, err := a.OTCS.FindChild(ctx, parentID, name)
	if err != nil {
		return 0, 0, activities.BackendError("look up "+name, err)
	}
	if node == nil {
		created, err := a.OTCS.CreateDocument(ctx, opentext.CreateDocumentRequest{ParentID: parentID, Name: name, Description: desc, File: file})
		if err == nil {
			return created.ID, 1, nil
		}
		if !rest.IsKind(err, rest.KindConflict) {
			return 0, 0, activities.BackendError("create "+name, err)
		}
		if node, err = a.OTCS.FindChild(ctx, parentID, name); err != nil || node == nil {
			return 0, 0, activities.BackendError("look up "+name, err)
		}
	}
	versions, err := a.OTCS.Versions(ctx, node.ID)
	if err != nil {
		return 0, 0, activities.BackendError("list versions of "+name, err)
	}
	for _, v := range versions {
		if strings.HasPrefix(v.Description, prefix) {
			return node.ID, v.Number, nil
		}
	}
	v, err := a.OTCS.AddVersion(ctx, node.ID, file, desc)
	if err != nil {
		return 0, 0, activities.BackendError("add version to "+name, err)
	}
	return node.ID, v.Number, nil
}

// fileUpload streams a file on disk.
func fileUpload(path, name, mediaType string) opentext.Upload {
	return opentext.Upload{FileName: name, MimeType: mediaType, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}
