package main

import (
	"flag"
	"fmt"
	"os"

	"okienko/bot/orgtext"
	"okienko/catalog"
)

// catalogImport turns a spreadsheet export (CSV) into a catalogue YAML file,
// reporting bad rows and columns as path:line:col.
func catalogImport(args []string, io stdio) error {
	fl := flag.NewFlagSet("catalog import", flag.ContinueOnError)
	fl.SetOutput(io.err)
	out := fl.String("o", "", "write the YAML to this file instead of standard output")
	langFlag(fl, &io)
	if err := parseInterspersed(fl, args); err != nil {
		return usageError(err.Error())
	}
	if fl.NArg() != 1 {
		return usageError("catalog import: name one CSV file")
	}
	name := fl.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("catalog import: %w", err)
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
		return fmt.Errorf("catalog import: %w", err)
	}
	fmt.Fprintln(io.err, orgtext.Sprintf(io.lang, "wrote %s", *out))
	return nil
}
