package roles

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// otherBackendReads are the calls an activity may make to the backend of
// the other queue: reads of the bytes it carries from one system into the
// other (a page's export and attachments, a document version), which no
// document may pass through Temporal for. Every write, and every other
// call, runs on the queue of its own backend, so that queue's server-side
// rate limit (BRIDGE_CONFLUENCE_RATE, BRIDGE_OPENTEXT_RATE) bounds it.
var otherBackendReads = []string{"GetPage", "DownloadAttachment", "DownloadVersion", "GetNode", "Versions", "NodeURL"}

// TestActivitiesCallOnlyTheBackendOfTheirQueue reads which struct each
// role registers (roles.go) and every call the structs' methods make on
// their Confluence and OTCS clients (activities/*/*.go), and fails on a call
// to the other queue's backend that is not one of otherBackendReads.
func TestActivitiesCallOnlyTheBackendOfTheirQueue(t *testing.T) {
	queues := registeredQueues(t)
	if len(queues) < 7 {
		t.Fatalf("found only %v registered in roles.go", queues)
	}
	// The field of the backend a queue must not write to.
	foreign := map[string]string{"Confluence": "OTCS", "OpenText": "Confluence"}

	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "..", "activities", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	// Activities live with their queue: every struct of one package is
	// registered on the same queue.
	packageQueue := map[string]string{}
	for key, queue := range queues {
		pkg, _, _ := strings.Cut(key, ".")
		if q, seen := packageQueue[pkg]; seen && q != queue {
			t.Errorf("package activities/%s has activities on both the %s and the %s queue; give each queue its own package", pkg, q, queue)
		}
		packageQueue[pkg] = queue
	}
	crossReads := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil {
				continue
			}
			recv := filepath.Base(filepath.Dir(path)) + "." + receiverType(fn)
			queue, registered := queues[recv]
			if !registered {
				continue
			}
			field := foreign[queue]
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				// a.<field>.Method(...)
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && isClient(sel.X, field) {
					if !slices.Contains(otherBackendReads, sel.Sel.Name) {
						t.Errorf("%s: %s runs on the %s queue but calls %s.%s on the other backend; move the call onto an activity of that backend's queue",
							fset.Position(call.Pos()), recv, queue, field, sel.Sel.Name)
					}
					crossReads++
					return true
				}
				// The client handed to a helper: only the principal
				// look-up (cached reads of users and groups) may have it.
				for _, arg := range call.Args {
					if isClient(arg, field) && !isResolverGet(call) {
						t.Errorf("%s: %s runs on the %s queue but passes its %s client to %s",
							fset.Position(arg.Pos()), recv, queue, field, exprName(call.Fun))
					}
				}
				return true
			})
		}
	}
	if crossReads == 0 {
		t.Fatal("no cross-backend reads found at all: the test no longer sees the activities' calls")
	}
}

// registeredQueues maps each activity struct (package.Struct) to the role
// that registers it, read from roles.go's `case Confluence:` and `case
// OpenText:` blocks.
func registeredQueues(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile("roles.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	queue := ""
	caseLine := regexp.MustCompile(`^\s*case (\w+):`)
	register := regexp.MustCompile(`RegisterActivity\(&(\w+\.\w+)\{`)
	for _, line := range strings.Split(string(src), "\n") {
		if m := caseLine.FindStringSubmatch(line); m != nil {
			queue = m[1]
		}
		if m := register.FindStringSubmatch(line); m != nil {
			if queue != "Confluence" && queue != "OpenText" {
				t.Fatalf("roles.go registers %s outside a Confluence or OpenText case (%q)", m[1], queue)
			}
			out[m[1]] = queue
		}
	}
	return out
}

func receiverType(fn *ast.FuncDecl) string {
	t := fn.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// isClient reports whether e is <receiver>.<field>.
func isClient(e ast.Expr, field string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != field {
		return false
	}
	_, ok = sel.X.(*ast.Ident)
	return ok
}

// isResolverGet is a.resolverOnce.Get(...), which builds the principal
// look-up from both clients.
func isResolverGet(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Get" {
		return false
	}
	inner, ok := sel.X.(*ast.SelectorExpr)
	return ok && inner.Sel.Name == "resolverOnce"
}

func exprName(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.SelectorExpr:
		return exprName(v.X) + "." + v.Sel.Name
	}
	return "a function"
}
