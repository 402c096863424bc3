package records

import (
	"context"
	"fmt"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// RecordStates reads the life of the pages' records in OTCS: the node's
// newest version, its RM classification and record details, its active
// holds, or that it is gone (disposed of). Reads only; the Confluence
// queue shows the result on the pages (ShowRecordStatus).
func (a *OpenTextActivities) RecordStates(ctx context.Context, in activities.RecordStatesInput) (_ []activities.RecordState, err error) {
	defer func() { activities.Observe(ctx, "RecordStates", err) }()
	out := make([]activities.RecordState, 0, len(in.Records))
	for i, r := range in.Records {
		st, err := a.recordState(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, *st)
		activities.Heartbeat(ctx, i+1)
	}
	return out, nil
}

func (a *OpenTextActivities) recordState(ctx context.Context, r activities.PageRecord) (*activities.RecordState, error) {
	st := &activities.RecordState{PageID: r.PageID, NodeID: r.NodeID, URL: r.URL}
	if st.URL == "" {
		st.URL = a.OTCS.NodeURL(r.NodeID)
	}
	what := fmt.Sprintf("record %d of page %s", r.NodeID, r.PageID)
	if _, err := a.OTCS.GetNode(ctx, r.NodeID); rest.IsKind(err, rest.KindNotFound) {
		st.Disposed = true
		// Trash is only allowed while no other node is the page's record.
		holder, err := a.OTCS.NodeByNickname(ctx, Nickname(r.PageID))
		switch {
		case rest.IsKind(err, rest.KindNotFound):
		case err != nil:
			return nil, activities.BackendError("look up the identity of page "+r.PageID, err)
		default:
			st.OtherLive = holder.ID != 0 && holder.ID != r.NodeID
		}
		return st, nil
	} else if err != nil {
		return nil, activities.BackendError("read "+what, err)
	}
	versions, err := a.OTCS.Versions(ctx, r.NodeID)
	if err != nil {
		return nil, activities.BackendError("read the versions of "+what, err)
	}
	for _, v := range versions {
		st.Version = max(st.Version, v.Number)
	}
	rm, err := a.OTCS.RMClassifications(ctx, r.NodeID)
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return nil, activities.BackendError("read the RM classification of "+what, err)
	}
	if rm != nil && len(rm.Classifications) > 0 {
		showRM(st, rm.Classifications[0])
	}
	holds, err := a.OTCS.NodeHolds(ctx, r.NodeID)
	if err != nil {
		return nil, activities.BackendError("read the holds of "+what, err)
	}
	for _, h := range holds {
		if h.Active {
			st.Holds = append(st.Holds, activities.FirstNonBlank(h.Name, fmt.Sprint(h.ID)))
		}
	}
	return st, nil
}

// showRM puts a record's RM classification into its status, the same for
// the sweep and for the publish that filed it.
func showRM(st *activities.RecordState, c opentext.RMClassification) {
	st.Classification = activities.FirstNonBlank(c.Name, fmt.Sprint(c.ClassID))
	st.RecordDate, st.RecordStatus, st.Retention = c.RecordDate, c.Status, c.RSI
	st.Official, st.Declared = c.Official, c.Finalized
}
