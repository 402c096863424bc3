package confluence

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

const seedRetentionBody = `<h1>Records Retention Policy</h1>
<p>This policy sets how long the company keeps <strong>business records</strong> and how they are disposed of.</p>
<h2>Retention schedule</h2>
<table><tbody>
<tr><th>Record class</th><th>Retention</th><th>Trigger</th></tr>
<tr><td>Contracts</td><td>10 years</td><td>End of contract</td></tr>
<tr><td>Invoices</td><td>7 years</td><td>End of fiscal year</td></tr>
<tr><td>Meeting notes</td><td>3 years</td><td>Creation</td></tr>
</tbody></table>
<h2>Approval</h2>
<p>Approved by the Records Committee. The full schedule is in <ac:link><ri:attachment ri:filename="retention-schedule.csv" /><ac:plain-text-link-body><![CDATA[retention-schedule.csv]]></ac:plain-text-link-body></ac:link>.</p>
<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body><p>Questions go to the legal department.</p></ac:rich-text-body></ac:structured-macro>
<p><ac:image ac:alt="Signature"><ri:attachment ri:filename="signature.png" /></ac:image></p>`

const seedTravelBody = `<h1>Travel Policy</h1>
<p><em>Draft.</em> Employees book travel through the travel desk. See the <ac:link><ri:page ri:content-title="Records Retention Policy" /></ac:link> for how receipts are kept.</p>
<ul><li>Economy class for flights under 6 hours</li><li>Receipts within 30 days</li></ul>`

const seedMinutesBody = `<h1>Records Committee meeting</h1>
<p>Date: <time datetime="2026-11-20" /></p>
<h2>Decisions</h2>
<ol><li>Retention schedule v2 approved.</li><li>Review again in one year.</li></ol>
<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Publish the schedule</ac:task-body></ac:task></ac:task-list>`

const seedBuildBody = `<h1>Build Guide</h1>
<p>Run the build with:</p>
<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[make build && make test]]></ac:plain-text-body></ac:structured-macro>`

const seedScheduleCSV = "record_class,retention_years,trigger\ncontracts,10,end of contract\ninvoices,7,end of fiscal year\nmeeting notes,3,creation\n"

// seedSignaturePNG is a valid 1x1 PNG (one dark pixel).
const seedSignaturePNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

// seed loads the demo data described in the package doc. Ids and
// timestamps are fixed so tests and demos can rely on them.
func (s *Server) seed() {
	at := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	s.createSpace("98304", "POL", "Policies")
	s.createSpace("98305", "ENG", "Engineering")
	s.createSpace("98306", "DOCS", "Controlled documents")
	s.createSpace("98307", "APOLLO", "Project Apollo")
	s.spaceSeq = 98307

	p := s.createPage("100001", "POL", "", "Records Retention Policy", seedRetentionBody, "557058:alice", at)
	for _, l := range []string{"approved", "dept-legal", "doctype-policy"} {
		_, _ = s.addLabel(p, l, "global")
	}
	p.props = append(p.props, &property{id: s.nextObjectID(), key: "project",
		value: json.RawMessage(`{"name":"Records Programme"}`), version: 1, createdAt: at})
	s.putAttachment(p, "retention-schedule.csv", attachmentVersion{mediaType: "text/csv", comment: "Retention schedule export",
		authorID: "557058:alice", data: []byte(seedScheduleCSV)})
	png, _ := base64.StdEncoding.DecodeString(seedSignaturePNG)
	s.putAttachment(p, "signature.png", attachmentVersion{mediaType: "image/png", authorID: "557058:alice", data: png})

	p = s.createPage("100002", "POL", "", "Travel Policy (draft)", seedTravelBody, "557058:bob", at.Add(time.Hour))
	for _, l := range []string{"draft", "dept-finance"} {
		_, _ = s.addLabel(p, l, "global")
	}
	p = s.createPage("100003", "POL", "", "2026-11-20 Records Committee meeting notes", seedMinutesBody, "557058:alice", at.Add(2*time.Hour))
	for _, l := range []string{"meeting-notes", "dept-legal"} {
		_, _ = s.addLabel(p, l, "global")
	}
	p = s.createPage("100004", "POL", "", "Expense Policy (draft)", seedExpenseBody, "557058:bob", at.Add(150*time.Minute))
	for _, l := range []string{"draft", "dept-finance"} {
		_, _ = s.addLabel(p, l, "global")
	}
	// A page only the legal team (and the records administrators, whom
	// the bridge belongs to) may read: its record must be Legal's alone.
	// Dated the day before, like the document spaces below.
	p = s.createPage("100005", "POL", "", "Falcon due diligence", seedFalconBody, "557058:editor", at.Add(-21*time.Hour))
	_, _ = s.addLabel(p, "dept-mergers", "global")
	p.restrictions = map[string]*restriction{"read": {groups: []string{"legal", "records-admins"}}}
	s.createPage("200001", "ENG", "", "Build Guide", seedBuildBody, "557058:carol", at.Add(3*time.Hour))
	// The document spaces were set up the day before, which keeps the
	// policy pages the only ones modified on 2026-11-02.
	s.createPage("250001", "DOCS", "", "Controlled documents", seedDocsHomeBody, bridgeAccount, at.Add(-20*time.Hour))
	s.createPage("260001", "APOLLO", "", "Project Apollo", seedApolloHomeBody, "557058:alice", at.Add(-19*time.Hour))
}

// seedFalconBody is the read-restricted page of the permissions demo.
const seedFalconBody = `<h1>Falcon due diligence</h1>
<p>Findings of the Falcon acquisition review. <strong>Legal only.</strong></p>`

// seedDocsHomeBody is the home of the space where the bridge keeps one
// page per OpenText document, for other pages to embed.
const seedDocsHomeBody = `<h1>Controlled documents</h1>
<p>Pages below this one are maintained by the xECM bridge, one per OpenText document. Do not edit them here: embed them with Include Page or Excerpt Include.</p>`

// seedApolloHomeBody is the home of a project space that embeds document
// pages.
const seedApolloHomeBody = `<h1>Project Apollo</h1>
<p>Project space. Controlled documents are embedded from the DOCS space.</p>`

// seedExpenseBody is a draft meant for the document lifecycle walkthrough.
const seedExpenseBody = `<h1>Expense Policy</h1>
<p><em>Draft for review.</em> Expenses are claimed within 30 days with receipts.</p>
<table><tbody><tr><th>Item</th><th>Limit</th></tr><tr><td>Hotel</td><td>150 EUR / night</td></tr></tbody></table>`
