package pba_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The pages whose Go examples a newcomer copies; relative to this package in the source tree.
var docPages = []string{"../../README.md", "../../docs/go.md", "../../docs/c-abi.md"}

// What the examples take as given: a transport's own variables.
const docPrelude = `var (
	now            time.Time
	currentStreams int64
	model          *pba.Model
	predictors     []*pba.Predictor
	samples        []pba.Sample
	forecasts      []pba.Forecast
	errs           []error
)
`

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// Every Go block of the docs compiles against this package: each becomes the body of a
// function (its import lines dropped, the transport's variables declared, every variable it
// declares used), all in one program that `go vet` builds with a replace onto this directory.
func TestDocExamplesCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	var program strings.Builder
	program.WriteString("package main\n\nimport (\n\t\"errors\"\n\t\"time\"\n\n\tpba \"github.com/pba-project/pba/capi/go\"\n)\n\n" +
		"var _ = errors.Is\nvar _ time.Time\n\nfunc main() {}\n")
	blocks := 0
	for _, page := range docPages {
		text, err := os.ReadFile(page)
		if os.IsNotExist(err) {
			t.Skipf("%s: not in a source tree", page)
		} else if err != nil {
			t.Fatal(err)
		}
		for i, m := range goBlock.FindAllSubmatchIndex(text, -1) {
			line := 1 + strings.Count(string(text[:m[2]]), "\n")
			body, err := docFunctionBody(string(text[m[2]:m[3]]))
			if err != nil {
				t.Errorf("%s:%d: the example does not parse as Go statements: %v", page, line, err)
				continue
			}
			fmt.Fprintf(&program, "\n// %s:%d\nfunc example%d_%d() {\n%s}\n", filepath.Base(page), line, blocks, i, body)
			blocks++
		}
	}
	if blocks == 0 {
		t.Fatal("no Go examples found in the docs")
	}
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod := "module example.com/docexamples\n\ngo 1.19\n\nrequire github.com/pba-project/pba/capi/go v0.0.0\n\n" +
		"replace github.com/pba-project/pba/capi/go => " + self + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(program.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, "vet", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the docs' Go examples do not build (%v):\n%s\nprogram:\n%s", err, out, program.String())
	}
}

// docFunctionBody turns an example into a function body: import lines go, the prelude comes
// first, and every variable the example (or the prelude) declares at its top level is used.
func docFunctionBody(example string) (string, error) {
	var kept []string
	for _, line := range strings.Split(example, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "import ") {
			kept = append(kept, line)
		}
	}
	body := docPrelude + strings.Join(kept, "\n")
	file, err := parser.ParseFile(token.NewFileSet(), "example.go", "package p\nfunc f() {\n"+body+"\n}\n", 0)
	if err != nil {
		return "", err
	}
	var uses strings.Builder
	seen := map[string]bool{"_": true}
	use := func(name string) {
		if !seen[name] {
			seen[name] = true
			fmt.Fprintf(&uses, "\t_ = %s\n", name)
		}
	}
	for _, stmt := range file.Decls[0].(*ast.FuncDecl).Body.List {
		switch s := stmt.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				for _, lhs := range s.Lhs {
					use(lhs.(*ast.Ident).Name)
				}
			}
		case *ast.DeclStmt:
			for _, spec := range s.Decl.(*ast.GenDecl).Specs {
				if v, ok := spec.(*ast.ValueSpec); ok {
					for _, name := range v.Names {
						use(name.Name)
					}
				}
			}
		}
	}
	return body + "\n" + uses.String(), nil
}
