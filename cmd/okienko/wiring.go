package main

import (
	"flag"

	"okienko/bot"
)

// catalogFlags are the flags that choose the service catalogue.
type catalogFlags struct {
	files []string
}

func (c *catalogFlags) register(fl *flag.FlagSet) {
	fl.Func("catalog", "catalogue file (YAML or CSV); repeat for several; default: the bundled sample", func(s string) error {
		c.files = append(c.files, s)
		return nil
	})
}

// searcher builds the catalogue search.
func (c *catalogFlags) searcher(io stdio) (bot.Searcher, error) {
	return nil, nil
}
