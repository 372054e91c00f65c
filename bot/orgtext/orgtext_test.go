package orgtext

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var listMessages = flag.Bool("list", false, "print the messages used in the code that have no Polish form")

// sources are the packages whose messages organizers read, with the names
// of the helpers that take a message of the table.
var sources = []struct {
	dir   string
	calls []string // bare or method calls whose string arguments are messages
}{
	{"../yamlfile", []string{"Newf", "Warnf", "NodeError", "at"}},
	{"../script", []string{"errAt", "warnAt", "problem", "nodeError", "Newf", "Warnf"}},
	{"../dialogtest", []string{"fail", "msg"}},
	{"../textnorm", nil},
	{"../crisis", nil},
	{"../officehours", nil},
	{"../../catalog", []string{"at", "fail", "csvProblem", "Newf", "Warnf"}},
	{"../../cmd/okienko", []string{"orgUsagef"}},
}

// returnFuncs are functions whose returned string literals are messages
// or words of the table.
var returnFuncs = []string{"plainYAMLMessage", "typeMessage", "yamlKind", "goTypeWord", "languageName"}

// usedMessages finds every message of the table the code uses: string
// arguments (with a space or a verb) of the helpers, orgtext calls,
// orgtext.Msg and orgtext.Word literals, and the words helper functions
// return.
func usedMessages(t *testing.T) map[string]string {
	t.Helper()
	used := map[string]string{} // message → where
	fset := token.NewFileSet()
	add := func(lit ast.Expr, words bool) {
		bl, ok := lit.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil || s == "" || (!words && !strings.ContainsAny(s, " %")) {
			return
		}
		if _, seen := used[s]; !seen {
			used[s] = fset.Position(bl.Pos()).String()
		}
	}
	for _, src := range sources {
		files, err := filepath.Glob(filepath.Join(src.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s", src.dir)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch v := n.(type) {
				case *ast.FuncDecl:
					if slices.Contains(returnFuncs, v.Name.Name) && v.Body != nil {
						ast.Inspect(v.Body, func(n ast.Node) bool {
							if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
								add(r.Results[0], true)
							}
							return true
						})
					}
				case *ast.CallExpr:
					name, pkg := "", ""
					switch fn := v.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
						if id, ok := fn.X.(*ast.Ident); ok {
							pkg = id.Name
						}
					}
					switch {
					case pkg == "orgtext" && (name == "Sprintf" || name == "Translate"):
						add(v.Args[1], true)
					case pkg == "orgtext" && name == "Errorf":
						add(v.Args[0], true)
					case pkg == "orgtext" && (name == "Word" || name == "Key") && len(v.Args) == 1:
						add(v.Args[0], true)
					case pkg == "yamlfile" && (name == "Newf" || name == "Warnf"):
						for _, a := range v.Args {
							add(a, false)
						}
					case slices.Contains(src.calls, name) && (pkg == "" || pkg != "fmt"):
						for _, a := range v.Args {
							add(a, false)
						}
					}
				case *ast.CompositeLit:
					if sel, ok := v.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Msg" {
						for _, e := range v.Elts {
							if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Format" {
								add(kv.Value, true)
							}
						}
					}
					var problems []ast.Expr // literals of a Problem, also inside Problems{...}
					switch typeName(v.Type) {
					case "Problem":
						problems = []ast.Expr{v}
					case "Problems":
						problems = v.Elts
					}
					for _, pe := range problems {
						pl, ok := pe.(*ast.CompositeLit)
						if !ok {
							continue
						}
						for _, e := range pl.Elts {
							if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Message" && untranslated(kv.Value) {
								t.Errorf("%s: a Problem written with Message: use yamlfile.Newf so that it can be printed in Polish", fset.Position(kv.Pos()))
							}
						}
					}
				}
				return true
			})
		}
	}
	return used
}

// untranslated reports whether a Message is written as text in place: a
// literal, a concatenation or fmt.Sprintf.
func untranslated(e ast.Expr) bool {
	switch v := e.(type) {
	case *ast.BasicLit, *ast.BinaryExpr:
		return true
	case *ast.CallExpr:
		if sel, ok := v.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "fmt" {
				return true
			}
		}
	}
	return false
}

func typeName(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.SelectorExpr:
		return v.Sel.Name
	}
	return ""
}

// TestEveryMessageHasPolish fails when a message the tools print has no
// Polish form, or when the Polish form takes other arguments.
func TestEveryMessageHasPolish(t *testing.T) {
	used := usedMessages(t)
	if len(used) < 100 {
		t.Fatalf("found only %d messages: the scan of the sources is broken", len(used))
	}
	var missing []string
	for msg, where := range used {
		pl, ok := polish[msg]
		if !ok || strings.TrimSpace(pl) == "" {
			missing = append(missing, where+": "+strconv.Quote(msg))
			continue
		}
		if a, b := verbs(msg), verbs(pl); !slices.Equal(a, b) {
			t.Errorf("%s: the Polish form of %q takes %v, the English %v", where, msg, b, a)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no Polish form: %s", m)
	}
	if *listMessages {
		for _, m := range missing {
			_, msg, _ := strings.Cut(m, ": ")
			os.Stdout.WriteString("\t" + msg + ": \"\",\n")
		}
	}
	for msg := range polish {
		if _, ok := used[msg]; !ok {
			t.Errorf("the table has %q, which no code uses: remove it", msg)
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs lists the arguments a format takes, by position and verb letter.
func verbs(format string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		v := m[0]
		if strings.HasSuffix(v, "%") {
			continue
		}
		idx := next
		if m[1] != "" {
			idx, _ = strconv.Atoi(strings.Trim(m[1], "[]"))
		}
		next = idx + 1
		out = append(out, strconv.Itoa(idx)+v[len(v)-1:])
	}
	sort.Strings(out)
	return out
}

func TestSprintfTranslatesWordsAndNestedMessages(t *testing.T) {
	polish["test %v is %s"] = "test %v to %s"
	polish["a list"] = "lista"
	polish["inner %d"] = "wewnętrzny %d"
	defer func() { delete(polish, "test %v is %s"); delete(polish, "a list"); delete(polish, "inner %d") }()
	got := Sprintf(Polish, "test %v is %s", Msg{Format: "inner %d", Args: []any{3}}, Word("a list"))
	if got != "test wewnętrzny 3 to lista" {
		t.Errorf("got %q", got)
	}
	if got := Sprintf(English, "test %v is %s", Msg{Format: "inner %d", Args: []any{3}}, Word("a list")); got != "test inner 3 is a list" {
		t.Errorf("English: got %q", got)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "pl_PL.UTF-8"}, Polish},
		{map[string]string{"LANG": "pl_PL"}, Polish},
		{map[string]string{"LANG": "en_GB.UTF-8"}, English},
		{map[string]string{"LANG": "C.UTF-8"}, English},
		{map[string]string{}, English},
		{map[string]string{"LANG": "pl_PL.UTF-8", "LC_ALL": "en_US.UTF-8"}, English},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "pl_PL.UTF-8"}, Polish},
	}
	for _, tt := range tests {
		if got := FromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("FromEnv(%v) = %s, want %s", tt.env, got, tt.want)
		}
	}
}
