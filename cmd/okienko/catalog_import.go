package main

import (
	"flag"
	"fmt"
	"os"

	"okienko/catalog"
)

// catalogImport turns a spreadsheet export (CSV) into a catalogue YAML file,
// reporting bad rows and columns as path:line:col.
func catalogImport(args []string, io stdio) error {
	fl := flag.NewFlagSet("catalog import", flag.ContinueOnError)
	fl.SetOutput(io.err)
	out := fl.String("o", "", "write the YAML to this file instead of standard output")
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
		fmt.Fprintln(io.err, p)
	}
	if yaml == nil {
		fmt.Fprintf(io.err, "%d errors: nothing written\n", probs.Errors())
		return exitError{1}
	}
	if *out == "" {
		_, err = io.out.Write(yaml)
		return err
	}
	if err := os.WriteFile(*out, yaml, 0o644); err != nil {
		return fmt.Errorf("catalog import: %w", err)
	}
	fmt.Fprintf(io.err, "wrote %s\n", *out)
	return nil
}
