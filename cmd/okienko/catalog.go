package main

import "context"

// runCatalog is replaced by the catalogue subcommands.
func runCatalog(ctx context.Context, args []string, io stdio) error {
	return usageError("catalog: not available yet")
}
