package conversion

import (
	"strings"
	"testing"
)

// An SVG embedded in a DOCX template keeps its drawing and loses what
// could run or load anything: scripts, event handlers, foreign HTML,
// external links and style sheets.
func TestSanitizeSVGKeepsTheDrawingOnly(t *testing.T) {
	in := `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "boom">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" width="10" height="10">
<script>alert(document.cookie)</script>
<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>
<rect width="10" height="10" fill="url(#g)" onclick="steal()"/>
<a xlink:href="javascript:alert(1)"><text>click</text></a>
<foreignObject><iframe src="https://evil.example/"></iframe></foreignObject>
<image xlink:href="https://tracker.example/p.png"/>
<use xlink:href="#g"/><use xlink:href="https://evil.example/x.svg#a"/>
<style>@import url(https://evil.example/s.css);</style>
<circle r="2" style="fill:url(https://evil.example/p)"/>
</svg>`
	got := string(sanitizeSVG([]byte(in)))
	for _, bad := range []string{"onload", "onclick", "<script", "alert", "foreignObject", "iframe", "tracker.example", "evil.example", "javascript", "<style", "ENTITY"} {
		if strings.Contains(got, bad) {
			t.Errorf("kept %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{"<rect", `fill="url(#g)"`, "linearGradient", `href="#g"`, "<circle"} {
		if !strings.Contains(got, want) {
			t.Errorf("lost %q:\n%s", want, got)
		}
	}
	if got := string(sanitizeSVG([]byte("<svg><unclosed"))); got != svgPlaceholder {
		t.Errorf("a broken SVG: %s", got)
	}
	if got := string(sanitizeSVG([]byte(`<html><script>x</script></html>`))); got != svgPlaceholder {
		t.Errorf("not an SVG: %s", got)
	}
}
