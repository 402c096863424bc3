package evidence

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteHTML writes the readable rendering of p: one self-contained page
// (no scripts, no external resources) for an auditor. The JSON is the
// form Verify checks; the page shows its digest.
func WriteHTML(w io.Writer, p *Pack) error {
	return page.Execute(w, p)
}

var page = template.Must(template.New("pack").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"values": func(m map[string]any) [][2]string {
		out := make([][2]string, 0, len(m))
		for k, v := range m {
			out = append(out, [2]string{k, show(v)})
		}
		sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
		return out
	},
	"join":    strings.Join,
	"verdict": func(ok bool) string { return map[bool]string{true: "match", false: "MISMATCH"}[ok] },
	"short": func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	},
	"num": func(n int64) string { return fmt.Sprint(n) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Evidence pack: {{.Source.Title}} (page {{.Source.PageID}} v{{.Source.Version}})</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.2em .6em;border-bottom:1px solid #eee}
th{width:14em;font-weight:600}code{font-size:.9em;word-break:break-all}.bad{color:#b00;font-weight:700}.ok{color:#070;font-weight:700}
</style></head><body>
<h1>Evidence pack: {{.Source.Title}}</h1>
<p>Confluence page {{.Source.PageID}} version {{.Source.Version}} and OTCS node {{.Record.NodeID}} version {{.Record.Version}}.
Generated {{when .GeneratedAt}} ({{.Format}}). Pack digest <code>{{.Digest}}</code>: the JSON file is the form
<code>starter evidence --verify</code> checks against both systems.</p>

<h2>Source (Confluence{{if .Source.Flavor}} {{.Source.Flavor}}{{end}})</h2>
<table>
<tr><th>Space</th><td>{{.Source.SpaceKey}}{{if .Source.SpaceName}} — {{.Source.SpaceName}}{{end}}</td></tr>
<tr><th>Page</th><td>{{.Source.PageID}} “{{.Source.Title}}” — <a href="{{.Source.URL}}">{{.Source.URL}}</a></td></tr>
<tr><th>Version</th><td>{{.Source.Version}} (current: {{.Source.CurrentVersion}}){{if .Source.VersionMessage}}, “{{.Source.VersionMessage}}”{{end}}</td></tr>
<tr><th>Version saved</th><td>{{when .Source.VersionAt}} by {{short .Source.VersionAuthor}}</td></tr>
<tr><th>Page created</th><td>{{when .Source.CreatedAt}} by {{short .Source.CreatedBy}}; owner {{short .Source.Owner}}</td></tr>
</table>

<h2>Approval</h2>
{{if .Approval.From}}<table>
<tr><th>Approved by</th><td>{{.Approval.By}}</td></tr>
<tr><th>At</th><td>{{when .Approval.At}}</td></tr>
<tr><th>Meaning</th><td>{{short .Approval.Meaning}}</td></tr>
<tr><th>Signal</th><td>{{short .Approval.Source}}: {{short .Approval.Signal}}</td></tr>
<tr><th>Read from</th><td>{{.Approval.From}}</td></tr>
{{if not .Approval.StateSetAt.IsZero}}<tr><th>Content state set</th><td>{{when .Approval.StateSetAt}}</td></tr>{{end}}
</table>{{else}}<p class="bad">No approval of this version is recorded.</p>{{end}}

<h2>Record (OTCS)</h2>
<table>
<tr><th>Node</th><td>{{.Record.NodeID}} “{{.Record.Name}}” — <a href="{{.Record.URL}}">{{.Record.URL}}</a></td></tr>
<tr><th>Folder</th><td>{{.Record.FolderPath}} ({{.Record.FolderID}})</td></tr>
<tr><th>Version</th><td>{{.Record.Version}} of {{.Record.Versions}}: {{.Record.FileName}}, {{.Record.MimeType}}, {{num .Record.Size}} bytes, {{when .Record.CreatedAt}}</td></tr>
<tr><th>Description</th><td>{{.Record.Description}}</td></tr>
{{range .Record.RM}}<tr><th>RM classification</th><td>{{.Name}}{{if .FileNumber}} (file number {{.FileNumber}}){{end}}; official: {{.Official}}, finalized: {{.Finalized}}{{if .Status}}, status {{.Status}}{{end}}{{if .RecordDate}}, record date {{.RecordDate}}{{end}}</td></tr>{{else}}<tr><th>RM classification</th><td>none</td></tr>{{end}}
<tr><th>Holds</th><td>{{range .Record.Holds}}{{.Name}} ({{.ID}}{{if .Active}}, active{{end}}) {{else}}none{{end}}</td></tr>
{{with .Record.Link}}<tr><th>Record link on the page</th><td>node {{.NodeID}} version {{.Version}}, page version {{.PageVersion}}, published {{when .PublishedAt}} by workflow {{.WorkflowID}}</td></tr>{{end}}
</table>
{{range .Record.Categories}}<h3>Category “{{.Name}}” ({{.ID}})</h3>
<table>{{range values .Values}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>{{end}}

<h2>Fixity ({{.Fixity.Algorithm}})</h2>
<table>
<tr><th>Recorded at upload</th><td><code>{{short .Fixity.Recorded}}</code>{{if .Fixity.RecordedFrom}} — from the {{.Fixity.RecordedFrom}}{{end}}</td></tr>
<tr><th>Category attribute</th><td><code>{{short .Fixity.Category}}</code></td></tr>
<tr><th>Read again</th><td><code>{{.Fixity.Now}}</code>, {{num .Fixity.NowSize}} bytes, {{when .Fixity.NowAt}}</td></tr>
<tr><th>Verdict</th><td class="{{if .Fixity.Match}}ok{{else}}bad{{end}}">{{verdict .Fixity.Match}}</td></tr>
</table>

<h2>Access</h2>
<table>
<tr><th>When filed</th><td>{{if .Access.AtFiling}}{{.Access.AtFiling}} (from the {{.Access.AtFilingFrom}}){{else}}not recorded{{end}}</td></tr>
{{range .Access.Now}}<tr><th>Now: {{.Entry}}</th><td>{{short .Name}}: {{join .Permissions ", "}}</td></tr>{{end}}
</table>

<h2>Durable trail (Temporal)</h2>
{{if .Trail.Runs}}<table>{{range .Trail.Runs}}
<tr><th>{{.WorkflowID}}</th><td>{{.Type}}, run {{.RunID}}: {{.Status}}; started {{when .StartedAt}}, closed {{when .ClosedAt}}</td></tr>
{{range .Steps}}<tr><th>step: {{.Activity}}</th><td>{{.Outcome}} on {{.TaskQueue}}; scheduled {{when .ScheduledAt}}, closed {{when .ClosedAt}}; {{.Attempts}} attempt(s){{if .Failure}}; {{.Failure}}{{end}}</td></tr>{{end}}{{end}}
</table>{{else}}<p>No run found{{if .Trail.Error}}: {{.Trail.Error}}{{end}}.</p>{{end}}

<h2>Audit trail (OTCS)</h2>
{{if .Trail.OTCSAudit}}<table>{{range .Trail.OTCSAudit}}
<tr><th>{{when .At}}</th><td>{{.Name}} by {{short .User}}{{if .AgentID}} (agent {{.AgentID}}){{end}}</td></tr>{{end}}
</table>{{else}}<p>No audit events{{if .Trail.AuditError}}: {{.Trail.AuditError}}{{end}}.</p>{{end}}

{{if .Notes}}<h2>Notes</h2><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</body></html>
`))
