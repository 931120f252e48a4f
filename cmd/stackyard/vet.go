package main

import (
	"context"
	"fmt"
	"os"

	"github.com/stackyard/stackyard/internal/config"
	"github.com/stackyard/stackyard/schemas"
)

// vet checks catalog-info files offline with the server's CUE rules. It
// reads the policy from ./config.yaml when one exists (or --config FILE).
func vet(ctx context.Context, args []string) int {
	cfgPath := ""
	if len(args) >= 2 && args[0] == "--config" {
		cfgPath, args = args[1], args[2:]
	} else if _, err := os.Stat("config.yaml"); err == nil {
		cfgPath = "config.yaml"
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: stackyard vet [--config FILE] FILE...")
		return 2
	}
	opts := schemas.Options{}
	if cfgPath != "" {
		cfg, err := config.Load(cfgPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "stackyard vet:", err)
			return 2
		}
		opts = schemas.Options{Lifecycles: cfg.Catalog.Policy.Lifecycles, Policy: cfg.Catalog.Policy.CUE}
	}
	v, err := schemas.Compile(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stackyard vet:", err)
		return 2
	}
	problems, err := schemas.Vet(ctx, v, args, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stackyard vet:", err)
		return 2
	}
	if problems > 0 {
		return 1
	}
	return 0
}
