// Package docs holds the documentation of the bridge (one Markdown file per
// concern) and the test that keeps its links working: every relative link in
// README.md, docs/*.md and any other Markdown file of the repository must
// name a file that exists, and a #anchor into a Markdown file must name one
// of its headings.
package docs

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// TestRelativeLinksResolve checks every Markdown file of the repository
// outside .git, node_modules, testdata and hidden directories.
func TestRelativeLinksResolve(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found above docs/: %v", err)
	}
	files, err := markdownFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files, filepath.Join(root, "README.md")) {
		t.Fatalf("README.md not among the Markdown files found under %s: %v", root, files)
	}
	for _, p := range checkLinks(root, files) {
		t.Error(p)
	}
}

// TestCheckerFindsBrokenLinks makes sure the checker itself fails on the
// kinds of broken link it exists for.
func TestCheckerFindsBrokenLinks(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "# Top\n\nSee [docs](docs/a.md), [a heading](docs/a.md#the-access-section),\n"+
		"[gone](docs/missing.md), [bad anchor](docs/a.md#no-such-heading) and\n"+
		"[self](#top), [self, wrong](#bottom), [site](https://example.com/x.md),\n"+
		"`[in code](nowhere.md)`, [split\ntext](docs/also-missing.md).\n\n"+
		"```\n[fenced](fenced-missing.md)\n```\n")
	write("docs/a.md", "# A page\n\n## The `access:` section\n\nBack to [the top](../README.md#top).\n")
	got := checkLinks(root, []string{filepath.Join(root, "README.md"), filepath.Join(root, "docs/a.md")})
	want := []string{
		"README.md:4: link [gone](docs/missing.md): docs/missing.md does not exist",
		"README.md:4: link [bad anchor](docs/a.md#no-such-heading): docs/a.md has no heading #no-such-heading",
		"README.md:5: link [self, wrong](#bottom): README.md has no heading #bottom",
		"README.md:6: link [split text](docs/also-missing.md): docs/also-missing.md does not exist",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSlugsFollowGitHub(t *testing.T) {
	for heading, want := range map[string]string{
		"Document lifecycle (flow F7): draft → review → approve → classify → return": "document-lifecycle-flow-f7-draft--review--approve--classify--return",
		"The `access:` section":                                 "the-access-section",
		"OpenText → Confluence":                                 "opentext--confluence",
		"One run of `make chaos`, measured":                     "one-run-of-make-chaos-measured",
		"Reading encrypted histories: the codec server":         "reading-encrypted-histories-the-codec-server",
		"**Bold** and [a link](x.md) and snake_case":            "bold-and-a-link-and-snake_case",
		"Permissions: copies follow their source's read access": "permissions-copies-follow-their-sources-read-access",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

// markdownFiles lists the *.md files under root, sorted.
func markdownFiles(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".md") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

var (
	// inlineLink is [text](target) or ![alt](target), with an optional
	// title; the text may run over a line break.
	inlineLink = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	// refDefinition is a reference-style link definition: [label]: target.
	refDefinition = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	// scheme marks an absolute URL (https:, mailto:, ...), which is skipped.
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	// atxHeading is a "# Heading" line.
	atxHeading = regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	// htmlAnchor is <a name="x"> or an id="x" attribute.
	htmlAnchor = regexp.MustCompile(`<[^>]+\b(?:name|id)="([^"]+)"`)
	// markdownLinkText turns [text](url) into text inside a heading.
	markdownLinkText = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
)

// checkLinks returns one problem per broken relative link, as
// "file:line: link [text](target): why", file relative to root.
func checkLinks(root string, files []string) []string {
	var problems []string
	anchors := map[string]map[string]bool{} // Markdown file -> its heading slugs
	anchorsOf := func(p string) map[string]bool {
		if a, ok := anchors[p]; ok {
			return a
		}
		data, err := os.ReadFile(p)
		a := map[string]bool{}
		if err == nil {
			a = headingSlugs(string(data))
		}
		anchors[p] = a
		return a
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", rel(root, file), err))
			continue
		}
		text := string(data)
		masked := maskCode(text)
		type link struct {
			at           int
			text, target string
		}
		var links []link
		for _, m := range inlineLink.FindAllStringSubmatchIndex(masked, -1) {
			links = append(links, link{m[0], text[m[2]:m[3]], text[m[4]:m[5]]})
		}
		for _, m := range refDefinition.FindAllStringSubmatchIndex(masked, -1) {
			links = append(links, link{m[0], "", text[m[2]:m[3]]})
		}
		sort.SliceStable(links, func(i, j int) bool { return links[i].at < links[j].at })
		for _, l := range links {
			target := strings.TrimSuffix(strings.TrimPrefix(l.target, "<"), ">")
			if target == "" || scheme.MatchString(target) || strings.HasPrefix(target, "//") {
				continue
			}
			why := checkTarget(root, file, target, anchorsOf)
			if why == "" {
				continue
			}
			line := 1 + strings.Count(text[:l.at], "\n")
			shown := strings.Join(strings.Fields(l.text), " ")
			problems = append(problems, fmt.Sprintf("%s:%d: link [%s](%s): %s", rel(root, file), line, shown, l.target, why))
		}
	}
	return problems
}

// checkTarget says what is wrong with one relative link target, or "".
func checkTarget(root, from, target string, anchorsOf func(string) map[string]bool) string {
	path, anchor, _ := strings.Cut(target, "#")
	if q := strings.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	dest := from
	if path != "" {
		if strings.HasPrefix(path, "/") {
			dest = filepath.Join(root, filepath.FromSlash(path))
		} else {
			dest = filepath.Join(filepath.Dir(from), filepath.FromSlash(path))
		}
		if _, err := os.Stat(dest); err != nil {
			return rel(root, dest) + " does not exist"
		}
	}
	if anchor == "" || !strings.HasSuffix(dest, ".md") {
		return ""
	}
	if a, err := url.PathUnescape(anchor); err == nil {
		anchor = a
	}
	if !anchorsOf(dest)[strings.ToLower(anchor)] {
		return rel(root, dest) + " has no heading #" + anchor
	}
	return ""
}

// headingSlugs returns the anchors GitHub makes for a Markdown file: one
// per heading (a repeated one gets -1, -2, ...) plus explicit HTML anchors.
func headingSlugs(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, line := range strings.Split(maskFences(text), "\n") {
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			s := slug(m[1])
			if n := seen[s]; n > 0 {
				out[fmt.Sprintf("%s-%d", s, n)] = true
			} else {
				out[s] = true
			}
			seen[s]++
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			out[strings.ToLower(m[1])] = true
		}
	}
	return out
}

// slug is GitHub's heading anchor: the heading's text in lower case, every
// character but letters, marks, digits, connector punctuation (such as _),
// spaces and hyphens removed, and each space turned into a hyphen.
func slug(heading string) string {
	heading = markdownLinkText.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || unicode.Is(unicode.Pc, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maskCode blanks fenced code blocks and inline code spans (keeping line
// breaks and length), so links shown as code are not checked.
func maskCode(text string) string {
	b := []byte(maskFences(text))
	for i := 0; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(b) && b[i+n] == '`' {
			n++
		}
		end := closingTicks(b, i+n, n)
		if end < 0 {
			i += n
			continue
		}
		for j := i; j < end+n; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
		i = end + n
	}
	return string(b)
}

// closingTicks finds the run of exactly n backticks that closes a code span
// opened before from, within the same paragraph; -1 if there is none.
func closingTicks(b []byte, from, n int) int {
	for j := from; j < len(b); j++ {
		if b[j] == '\n' && j+1 < len(b) && isBlankLine(b[j+1:]) {
			return -1
		}
		if b[j] != '`' {
			continue
		}
		k := j
		for k < len(b) && b[k] == '`' {
			k++
		}
		if k-j == n {
			return j
		}
		j = k - 1
	}
	return -1
}

func isBlankLine(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r':
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

// maskFences blanks the lines of fenced code blocks (``` or ~~~),
// fences included.
func maskFences(text string) string {
	lines := strings.Split(text, "\n")
	fence := ""
	for i, line := range lines {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		opening := ""
		if indent <= 3 && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
			opening = trimmed[:3]
		}
		switch {
		case fence == "" && opening != "":
			fence = opening
		case fence != "" && opening == fence && strings.Trim(trimmed, fence[:1]+" \t\r") == "":
			fence = ""
		case fence == "":
			continue
		}
		lines[i] = strings.Repeat(" ", len(line))
	}
	return strings.Join(lines, "\n")
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}
