package pages

import (
	"context"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// attachmentsAsOf returns the attachments as they were when the page
// version was made: for each file, its latest version created at or before
// asOf; files first attached after asOf are left out. A record of page
// version N thus holds version N's attachments, whenever the run happens.
func (a *ConfluenceActivities) attachmentsAsOf(ctx context.Context, pageID string, asOf time.Time) ([]activities.AttachmentRef, error) {
	atts, err := a.Confluence.Attachments(ctx, pageID)
	if err != nil {
		return nil, activities.BackendError("list attachments", err)
	}
	var out []activities.AttachmentRef
	for _, att := range atts {
		ref := activities.AttachmentRef{ID: att.ID, FileName: att.Title, MediaType: att.MediaType, Size: att.FileSize,
			Version: att.Version, DownloadLink: att.DownloadLink}
		if att.CreatedAt.IsZero() || att.CreatedAt.After(asOf) {
			// The current version is newer than the page version (or its
			// date is unknown): find the one that was current then.
			versions, err := a.Confluence.AttachmentVersions(ctx, att)
			if err != nil {
				return nil, activities.BackendError("list versions of attachment "+att.Title, err)
			}
			picked := pickVersion(versions, asOf)
			if picked == nil {
				continue // attached after this page version
			}
			if picked.Number != att.Version {
				// An older version: the version list gives no size, so
				// none is announced; the manifest records what was read.
				ref.Version, ref.Size, ref.DownloadLink = picked.Number, 0, ""
			}
		}
		out = append(out, ref)
	}
	return out, nil
}

// pickVersion returns the newest version created at or before asOf.
func pickVersion(versions []confluence.AttachmentVersion, asOf time.Time) *confluence.AttachmentVersion {
	var best *confluence.AttachmentVersion
	for i := range versions {
		if v := &versions[i]; !v.CreatedAt.After(asOf) && (best == nil || v.Number > best.Number) {
			best = v
		}
	}
	return best
}
