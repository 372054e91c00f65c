package main

import (
	"fmt"
	"os"

	"okienko/bot/orgtext"
	"okienko/catalog"
)

// catalogImport turns a spreadsheet export (CSV) into a catalogue YAML file,
// reporting bad rows and columns as path:line:col.
func catalogImport(args []string, io stdio) error {
	fl := orgFlagSet("catalog import", &io, catalogUsage)
	out := fl.String("o", "", orgtext.Key("write the YAML to this file instead of standard output"))
	langFlag(fl, &io)
	if err := parseOrgFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		return orgUsagef("catalog import: name one CSV file")
	}
	name := fl.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return orgtext.Errorf("catalog import: %v", fileError(err))
	}
	yaml, probs := catalog.ImportCSV(name, data)
	for _, p := range probs {
		fmt.Fprintln(io.err, p.In(io.lang))
	}
	if yaml == nil {
		fmt.Fprintln(io.err, orgtext.Sprintf(io.lang, "%d errors: nothing written", probs.Errors()))
		return exitError{1}
	}
	if *out == "" {
		_, err = io.out.Write(yaml)
		return err
	}
	if err := os.WriteFile(*out, yaml, 0o644); err != nil {
		return orgtext.Errorf("catalog import: %v", fileError(err))
	}
	fmt.Fprintln(io.err, orgtext.Sprintf(io.lang, "wrote %s", *out))
	return nil
}
