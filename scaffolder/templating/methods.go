package templating

import (
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// pyStrMethods are gonja's Python string methods that are kept as they are.
var pyStrMethods = []string{"capitalize", "capwords", "casefold", "count", "encode", "endswith", "find", "format",
	"format_map", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isprintable",
	"isspace", "istitle", "isupper", "join", "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace",
	"rfind", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper"}

// sizedStrMethods build strings as large as their first argument.
var sizedStrMethods = []string{"center", "ljust", "rjust", "zfill", "expandtabs"}

// methods returns gonja's methods with the string set rebuilt: Python
// methods whose argument sizes the result are bounded, and the JavaScript
// string methods Nunjucks templates call (toUpperCase, includes, …) exist.
func methods() exec.Methods {
	m := gonja.DefaultEnvironment.Methods
	set := map[string]exec.Method[string]{}
	for _, name := range pyStrMethods {
		if fn, ok := m.Str.Get(name); ok {
			set[name] = fn
		}
	}
	for _, name := range sizedStrMethods {
		if fn, ok := m.Str.Get(name); ok {
			set[name] = boundedMethod(name, fn)
		}
	}
	for name, fn := range jsStrMethods() {
		set[name] = fn
	}
	m.Str = exec.NewMethodSet(set)
	return m
}

func boundedMethod(name string, fn exec.Method[string]) exec.Method[string] {
	return func(self string, v *exec.Value, args *exec.VarArgs) (any, error) {
		for _, a := range args.Args {
			if a.IsNumber() && (a.Float() > maxSizeArg || a.Float() < -maxSizeArg) {
				return nil, fmt.Errorf("%s: argument %v is larger than %d: %w", name, a.Float(), maxSizeArg, ErrLimit)
			}
		}
		return fn(self, v, args)
	}
}

func argString(args *exec.VarArgs, i int) string {
	if i < len(args.Args) {
		return args.Args[i].String()
	}
	return ""
}

func jsStrMethods() map[string]exec.Method[string] {
	str := func(f func(string) string) exec.Method[string] {
		return func(self string, _ *exec.Value, _ *exec.VarArgs) (any, error) { return f(self), nil }
	}
	pred := func(f func(string, string) bool) exec.Method[string] {
		return func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
			return f(self, argString(args, 0)), nil
		}
	}
	return map[string]exec.Method[string]{
		"toUpperCase": str(strings.ToUpper),
		"toLowerCase": str(strings.ToLower),
		"trim":        str(strings.TrimSpace),
		"trimStart":   str(func(s string) string { return strings.TrimLeft(s, " \t\r\n") }),
		"trimEnd":     str(func(s string) string { return strings.TrimRight(s, " \t\r\n") }),
		"includes":    pred(strings.Contains),
		"startsWith":  pred(strings.HasPrefix),
		"endsWith":    pred(strings.HasSuffix),
		"indexOf": func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
			return strings.Index(self, argString(args, 0)), nil
		},
		"substring": func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
			start, end := 0, len(self)
			if len(args.Args) > 0 {
				start = max(0, min(args.Args[0].Integer(), len(self)))
			}
			if len(args.Args) > 1 {
				end = max(0, min(args.Args[1].Integer(), len(self)))
			}
			if start > end {
				start, end = end, start
			}
			return self[start:end], nil
		},
	}
}
