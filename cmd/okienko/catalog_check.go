package main

import (
	"fmt"

	"okienko/bot/orgtext"
	"okienko/catalog"
)

// catalogCheck prints every problem of the named catalogue files (YAML or
// CSV) as path:line:col: message and fails when there are errors.
func catalogCheck(args []string, io stdio) error {
	fl := orgFlagSet("catalog check", &io, catalogUsage)
	var thesauri []string
	fl.Func("thesaurus", orgtext.Key("also check this thesaurus file; repeat for several"), func(s string) error {
		thesauri = append(thesauri, s)
		return nil
	})
	langFlag(fl, &io)
	if err := parseOrgFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() == 0 && len(thesauri) == 0 {
		return orgUsagef("catalog check: name the catalogue files (or folders) to check")
	}
	var probs catalog.Problems
	var services int
	if fl.NArg() > 0 {
		c, p := catalog.Load(fl.Args()...)
		probs = append(probs, p...)
		if c != nil {
			services = len(c.Services)
		}
	}
	if len(thesauri) > 0 {
		_, p := catalog.LoadThesaurus(thesauri...)
		probs = append(probs, p...)
	}
	for _, p := range probs {
		fmt.Fprintln(io.out, p.In(io.lang))
	}
	warnings := len(probs) - probs.Errors()
	if n := probs.Errors(); n > 0 {
		fmt.Fprintln(io.out, orgtext.Sprintf(io.lang, "%d errors, %d warnings", n, warnings))
		return exitError{1}
	}
	fmt.Fprintln(io.out, orgtext.Sprintf(io.lang, "ok: %d services, 0 errors, %d warnings", services, warnings))
	return nil
}
