package main

import (
	"context"
	"fmt"

	"okienko/bot/orgtext"
)

// runCatalog checks, imports, searches and evaluates the service catalogue
// for organizers; each subcommand lives in a catalog_*.go file.
func runCatalog(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		fmt.Fprint(io.err, catalogUsage(io.lang))
		return orgUsagef("catalog: name a subcommand: check, import, search or eval")
	}
	switch args[0] {
	case "check":
		return catalogCheck(args[1:], io)
	case "import":
		return catalogImport(args[1:], io)
	case "search":
		return catalogSearch(ctx, args[1:], io)
	case "eval":
		return catalogEval(ctx, args[1:], io)
	case "-h", "--help", "help":
		fmt.Fprint(io.out, catalogUsage(io.lang))
		return nil
	}
	fmt.Fprint(io.err, catalogUsage(io.lang))
	return orgUsagef("catalog: unknown subcommand %q", args[0])
}

// catalogUsage is the synopsis of the catalog subcommands in lang.
func catalogUsage(lang string) string {
	return orgtext.Translate(lang, `usage:
  okienko catalog check FILE...                          list every problem as path:line:col: message
  okienko catalog import FILE.csv [-o FILE.yaml]         turn a spreadsheet export into the YAML format
  okienko catalog search [--catalog FILE] [--limit N] [--json] [--lang pl|uk|en] [QUERY]
                                                          ranked services; without QUERY, one query per line from stdin
  okienko catalog eval [--catalog FILE] --queries FILE.tsv [--limit N]
                                                          recall@3 and MRR@10 over query<TAB>id,id lines

--catalog defaults to $OKIENKO_CATALOG, else the bundled sample; --thesaurus FILE adds
organizer entries to the bundled thesaurus.
`)
}
