// Command stackyard is the Stackyard server and its command-line tools.
//
//	stackyard serve [--config FILE]   run the server (default ./config.yaml)
//	stackyard vet FILE...             check catalog-info files offline
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "serve":
		if err := serve(ctx, args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "stackyard:", err)
			return 1
		}
		return 0
	case "vet":
		return vet(ctx, args[1:])
	case "template":
		return templateCmd(ctx, args[1:])
	case "help", "-h", "--help":
		usage()
		return 0
	}
	fmt.Fprintf(os.Stderr, "stackyard: unknown command %q\n", args[0])
	usage()
	return 2
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  stackyard serve [--config FILE]   run the server (default ./config.yaml)
  stackyard vet FILE...             check catalog-info files offline with the server's CUE rules
  stackyard template vet|diff ...   check stack templates, preview a stack's upgrade (template help)
`)
}
