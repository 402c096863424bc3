package documentpage

import (
	"strings"
	"testing"
	"time"
)

func sample() Document {
	return Document{
		NodeID: 2101, Name: "SOP-001 Incident <Response>.pdf", Type: "Procedure", Owner: "quality",
		Hub:      "Approved Procedures",
		Values:   []Value{{"Department", "Quality & Safety"}},
		Approved: &Version{Number: 1, Name: "1.0", Date: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), ApprovedBy: "qa-lead"},
		Latest:   Version{Number: 2, Name: "1.1"},
		Status:   StatusNewerDraft, NodeURL: "https://otcs.example.com/otcs/cs.exe/app/nodes/2101",
		VersionURL: "https://otcs.example.com/otcs/cs.exe/app/nodes/2101/versions/1",
		Referenced: []Ref{{PageID: "300001", Title: "Working notes", SpaceKey: "APOLLO"}},
	}
}

func TestPanelIsDeterministicAndEscaped(t *testing.T) {
	a, b := Panel(sample()), Panel(sample())
	if a != b {
		t.Fatal("same document, different panels")
	}
	for _, want := range []string{"Incident &lt;Response&gt;.pdf", "Quality &amp; Safety", "Version 1.0", "1.1 (not approved)",
		`ri:content-title="Working notes" ri:space-key="APOLLO"`, `<ac:parameter ac:name="name">xecm-document</ac:parameter>`} {
		if !strings.Contains(a, want) {
			t.Errorf("panel lacks %q", want)
		}
	}
	if _, ok := PanelOf(a); !ok {
		t.Fatal("the panel is not found in itself")
	}
}

func TestMergeKeepsEverythingOutsideThePanel(t *testing.T) {
	old := Panel(sample())
	human := `<h2>Summary</h2><p>How we use it&nbsp;— see <a href="https://x.example/">x</a>.</p>` +
		`<ac:structured-macro ac:name="excerpt"><ac:parameter ac:name="name">mine</ac:parameter><ac:rich-text-body><p>own excerpt</p></ac:rich-text-body></ac:structured-macro>`
	body := `<p>Intro</p>` + old + human
	d := sample()
	d.Status, d.Approved = StatusCurrent, &Version{Number: 2, Name: "1.1", Date: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	merged := Merge(body, Panel(d))
	if merged != `<p>Intro</p>`+Panel(d)+human {
		t.Fatalf("merge changed the human area:\n%s", merged)
	}
	if got := HumanText(merged); got != "Intro Summary How we use it — see x . own excerpt" {
		t.Errorf("human text = %q", got)
	}
	if got := Merge(`<p>panel deleted by someone</p>`, Panel(d)); got != Panel(d)+`<p>panel deleted by someone</p>` {
		t.Errorf("a body without a panel gets it in front, got %q", got)
	}
	if HumanText(Panel(d)) != "" {
		t.Errorf("a page with only the panel has no human area: %q", HumanText(Panel(d)))
	}
}

func TestPanelEditIsVisible(t *testing.T) {
	body := Panel(sample())
	edited := strings.Replace(body, "Version 1.0", "Version 9.9", 1)
	got, ok := PanelOf(edited)
	if !ok || got == Panel(sample()) {
		t.Fatal("an edit inside the panel must show as a different panel")
	}
}

func TestLinks(t *testing.T) {
	body := `<p><a href="https://otcs.example.com/otcs/cs.exe/app/nodes/2101">SOP</a>
<a href="https://OTCS.example.com/otcs/llisapi.dll?func=ll&amp;objId=2301&amp;objAction=browse">contract</a>
<a href="https://otcs.example.com/otcs/cs.exe/app/nodes/2101/versions/1">again</a>
<a href="https://elsewhere.example.com/otcs/cs.exe/app/nodes/999">other host</a>
<a href="https://otcs.example.com/otcs/cs.exe/app/nodes/abc">not an id</a>
<ac:structured-macro ac:name="widget"><ac:parameter ac:name="url"><ri:url ri:value="https://otcs.example.com/otcs/cs.exe/app/nodes/2302" /></ac:parameter></ac:structured-macro></p>`
	got := Links(body, "otcs.example.com")
	var ids []int64
	for _, l := range got {
		ids = append(ids, l.NodeID)
	}
	if len(ids) != 3 || ids[0] != 2101 || ids[1] != 2301 || ids[2] != 2302 {
		t.Fatalf("links = %+v", got)
	}
}
