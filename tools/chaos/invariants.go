package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// check is one invariant: how many pages (or runs) it was checked on and
// on how many it held.
type check struct {
	Name          string
	Checked, Held int
}

const (
	categoryID    = 9001      // "Confluence Page" in mapping.yaml and the OTCS seed
	identityAttr  = "9001_8"  // Source Page ID
	checksumAttr  = "9001_12" // SHA-256
	publishedLbl  = "otcs-published"
	workspaceRoot = 2000 // mapping.yaml otcs.root
	typeDocument  = 144
)

var targetFolder = []string{"Controlled Documents", "Policies"} // mapping.yaml spaces.POL.folder

// checkInvariants reads the simulators' state (and Temporal's, for the
// runs) and records every broken invariant.
func (w *world) checkInvariants(ctx context.Context, pages []seededPage, res *Result) {
	ot := w.otSim
	// Every document under the workspace, by the page it claims to be.
	byPage := map[string][]opentextsim.Node{}
	var walk func(id int64)
	walk = func(id int64) {
		for _, n := range ot.Children(id) {
			if n.Type == typeDocument {
				for _, pid := range claimedPages(ot, n) {
					byPage[pid] = append(byPage[pid], n)
				}
			}
			walk(n.ID)
		}
	}
	walk(workspaceRoot)
	folder, ok := ot.FindPath(workspaceRoot, targetFolder...)
	if !ok {
		res.violate("OTCS: the target folder %s does not exist", strings.Join(targetFolder, "/"))
	}
	byName := map[string][]opentextsim.Node{}
	if ok {
		for _, n := range ot.Children(folder.ID) {
			byName[strings.ToLower(n.Name)] = append(byName[strings.ToLower(n.Name)], n)
		}
	}

	checks := []*check{
		{Name: "one OTCS node per page (nickname = identity attribute = folder scan by name)"},
		{Name: "node nickname set to the page's identity"},
		{Name: "one OTCS version per page version (source marker)"},
		{Name: "stored bytes re-hashed = version SHA-256 = property sha256 = category SHA-256"},
		{Name: "page property `xecm-bridge.record` written and pointing at the node/version"},
		{Name: "page label `otcs-published`"},
	}
	held := func(i int, ok bool) {
		checks[i].Checked++
		if ok {
			checks[i].Held++
		}
	}
	for _, p := range pages {
		page, ok := w.confSim.Page(p.ID)
		if !ok {
			res.violate("page %s: gone from Confluence", p.ID)
			continue
		}
		nick := records.Nickname(p.ID)
		node, hasNick := ot.NodeByNickname(nick)

		// 0: one node.
		claimed := byPage[p.ID]
		named := byName[strings.ToLower(p.Title)]
		one := hasNick && len(claimed) == 1 && claimed[0].ID == node.ID && len(named) == 1 && named[0].ID == node.ID
		if !one {
			res.violate("page %s: nickname node %v (found %v), %d node(s) claiming the page %v, %d node(s) named %q in the folder %v",
				p.ID, node.ID, hasNick, len(claimed), nodeIDs(claimed), len(named), p.Title, nodeIDs(named))
		}
		held(0, one)

		// 1: nickname set on the node that carries the page's name.
		nickOK := len(named) == 1 && strings.EqualFold(named[0].Nickname, nick)
		if !nickOK {
			got := ""
			if len(named) == 1 {
				got = named[0].Nickname
			}
			res.violate("page %s: the node named %q has nickname %q, want %q", p.ID, p.Title, got, nick)
		}
		held(1, nickOK)
		if !hasNick {
			for i := 2; i < len(checks); i++ {
				held(i, false)
			}
			continue
		}

		// 2: one version per page version.
		versions := ot.Versions(node.ID)
		perVersion := len(versions) == page.Version
		for v := 1; v <= page.Version; v++ {
			marker := fmt.Sprintf("confluence:%s:v%d", p.ID, v)
			n := 0
			for _, ver := range versions {
				if ver.Description == marker || strings.HasPrefix(ver.Description, marker+" ") {
					n++
				}
			}
			if n != 1 {
				perVersion = false
				res.violate("page %s: %d OTCS versions carry %s", p.ID, n, marker)
			}
		}
		if len(versions) != page.Version {
			res.violate("page %s at version %d: node %d has %d versions", p.ID, page.Version, node.ID, len(versions))
		}
		held(2, perVersion)

		// 4 first (the link), then 3 (checksums against it).
		var link activities.RecordLink
		raw, _, hasProp := w.confSim.Property(p.ID, activities.RecordPropertyKey)
		linkOK := hasProp && json.Unmarshal(raw, &link) == nil
		if linkOK {
			linkOK = link.NodeID == node.ID && link.Version == len(versions) && link.PageVersion == page.Version && link.WorkflowID == p.WorkflowID && link.SHA256 != ""
		}
		if !linkOK {
			res.violate("page %s: record property %s (present %v) does not point at node %d version %d of run %s", p.ID, raw, hasProp, node.ID, len(versions), p.WorkflowID)
		}
		held(4, linkOK)

		sumOK := len(versions) > 0
		for _, ver := range versions {
			sum, size, err := hashFile(ver.BlobPath)
			if err != nil || sum != ver.SHA256 || size != ver.Size {
				sumOK = false
				res.violate("page %s: node %d version %d: stored bytes %s (%d bytes, %v) vs recorded %s (%d bytes)", p.ID, node.ID, ver.Number, sum, size, err, ver.SHA256, ver.Size)
			}
		}
		if len(versions) > 0 {
			latest := versions[len(versions)-1].SHA256
			if hasProp && link.SHA256 != latest {
				sumOK = false
				res.violate("page %s: property sha256 %s, latest version %s", p.ID, link.SHA256, latest)
			}
			vals, _ := ot.CategoryValues(node.ID, categoryID)
			if got := fmt.Sprint(vals[checksumAttr]); got != latest {
				sumOK = false
				res.violate("page %s: category SHA-256 %q, latest version %s", p.ID, got, latest)
			}
		}
		held(3, sumOK)

		hasLabel := slices.Contains(page.Labels, publishedLbl)
		if !hasLabel {
			res.violate("page %s: no label %s (labels %v)", p.ID, publishedLbl, page.Labels)
		}
		held(5, hasLabel)
	}
	for _, c := range checks {
		res.Checks = append(res.Checks, *c)
	}
	res.Checks = append(res.Checks, w.checkRuns(ctx, pages, res)...)
}

// claimedPages lists the pages a document says it is the record of: its
// identity attribute and the source markers in its description.
func claimedPages(ot *opentextsim.Server, n opentextsim.Node) []string {
	var out []string
	if vals, ok := ot.CategoryValues(n.ID, categoryID); ok {
		if id := fmt.Sprint(vals[identityAttr]); id != "" && id != "<nil>" {
			out = append(out, id)
		}
	}
	if rest, ok := strings.CutPrefix(n.Description, "confluence:"); ok {
		if id, _, ok := strings.Cut(rest, ":v"); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func nodeIDs(ns []opentextsim.Node) []int64 {
	var out []int64
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

func hashFile(path string) (string, int64, error) {
	if path == "" {
		return "", 0, fmt.Errorf("the simulator kept no file for this version")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// checkRuns asks Temporal: each page's run is completed, and visibility
// lists no PublishPage run that is running, failed or otherwise not
// completed (and exactly one run per page version).
func (w *world) checkRuns(ctx context.Context, pages []seededPage, res *Result) []check {
	c := w.tc.get()
	byID := check{Name: "each page's run completed (DescribeWorkflowExecution)"}
	for _, p := range pages {
		byID.Checked++
		d, err := c.DescribeWorkflowExecution(ctx, p.WorkflowID, "")
		if err != nil {
			res.violate("run %s: %v", p.WorkflowID, err)
			continue
		}
		if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			res.violate("run %s: %s", p.WorkflowID, statusName(st))
			continue
		}
		byID.Held++
	}
	vis := check{Name: "visibility: no PublishPage run running or failed, one run per page"}
	// Visibility trails the close by a moment: look until it agrees.
	var runs map[string]int
	var statuses map[string]int
	deadline := time.Now().Add(15 * time.Second)
	for {
		runs, statuses = map[string]int{}, map[string]int{}
		var token []byte
		var err error
		for {
			var resp *workflowservice.ListWorkflowExecutionsResponse
			resp, err = c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: "WorkflowType = 'PublishPage'", PageSize: 1000, NextPageToken: token,
			})
			if err != nil {
				break
			}
			for _, e := range resp.GetExecutions() {
				runs[e.GetExecution().GetWorkflowId()]++
				statuses[statusName(e.GetStatus())]++
			}
			if token = resp.GetNextPageToken(); len(token) == 0 {
				break
			}
		}
		if err == nil && statuses["Completed"] == len(pages) && len(statuses) == 1 || time.Now().After(deadline) {
			if err != nil {
				res.violate("visibility: %v", err)
			}
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	vis.Checked = len(pages)
	for _, p := range pages {
		if runs[p.WorkflowID] == 1 {
			vis.Held++
		} else {
			res.violate("visibility: %d run(s) of %s", runs[p.WorkflowID], p.WorkflowID)
		}
	}
	for st, n := range statuses {
		if st != "Completed" {
			res.violate("visibility: %d PublishPage run(s) %s", n, st)
			vis.Held = min(vis.Held, len(pages)-n)
		}
	}
	if extra := len(runs) - len(pages); extra > 0 {
		res.violate("visibility: %d PublishPage workflow id(s) nobody started", extra)
	}
	res.Statuses = statuses
	return []check{byID, vis}
}
