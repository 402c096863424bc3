package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// listQuery builds the visibility query for the filters given.
func listQuery(space, page, stage, node string) string {
	var parts []string
	add := func(attr, v string) {
		if v != "" {
			parts = append(parts, fmt.Sprintf("%s = '%s'", attr, strings.ReplaceAll(v, "'", "")))
		}
	}
	add(workflows.SpaceAttr.GetName(), space)
	add(workflows.PageIDAttr.GetName(), page)
	add(workflows.StageAttr.GetName(), stage)
	add(workflows.NodeIDAttr.GetName(), node)
	return strings.Join(parts, " AND ")
}

// list prints runs from visibility (eventually consistent: a run started a
// moment ago may take a second to appear).
func list(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("list")
	space := fs.String("space", "", "Confluence space key")
	page := fs.String("page", "", "Confluence page id")
	stage := fs.String("stage", "", "stage, e.g. Published, Failed, Uploading")
	node := fs.String("node", "", "OTCS node id")
	limit := fs.Int("limit", 50, "at most this many runs")
	asJSON := fs.Bool("json", false, "print JSON lines")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *limit <= 0 {
		return usageFor(fs, "list takes only flags (--space, --page, --stage, --node, --limit > 0)")
	}
	c, _, err := dialTemporal()
	if err != nil {
		return err
	}
	defer c.Close()
	query := listQuery(*space, *page, *stage, *node)
	var token []byte
	shown := 0
	for shown < *limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: int32(min(*limit-shown, 100))})
		if err != nil {
			return fmt.Errorf("list workflows (query %q): %w", query, err)
		}
		for _, e := range resp.GetExecutions() {
			row := map[string]any{
				"workflowId": e.GetExecution().GetWorkflowId(),
				"type":       e.GetType().GetName(),
				"status":     strings.TrimPrefix(e.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"),
				"started":    e.GetStartTime().AsTime().UTC().Format("2006-01-02 15:04:05"),
			}
			for _, attr := range []string{workflows.SpaceAttr.GetName(), workflows.PageIDAttr.GetName(), workflows.StageAttr.GetName(), workflows.NodeIDAttr.GetName()} {
				if p, ok := e.GetSearchAttributes().GetIndexedFields()[attr]; ok {
					var v string
					if json.Unmarshal(p.GetData(), &v) == nil {
						row[attr] = v
					}
				}
			}
			if *asJSON {
				if err := json.NewEncoder(stdout).Encode(row); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(stdout, "%-28s %-16s %-10s %-6s %-10s %-12s %s\n", row["workflowId"], row["type"], row["status"],
					orDash(row[workflows.SpaceAttr.GetName()]), orDash(row[workflows.StageAttr.GetName()]), orDash(row[workflows.NodeIDAttr.GetName()]), row["started"])
			}
			shown++
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			break
		}
	}
	if shown == 0 && !*asJSON {
		fmt.Fprintf(stdout, "no runs match %q\n", query)
	}
	return nil
}

func orDash(v any) any {
	if v == nil || v == "" {
		return "-"
	}
	return v
}
