package schemas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/stackyard/stackyard/catalog/parse"
	"github.com/stackyard/stackyard/internal/errs"
)

// Vet checks catalog files offline with the same rules the server uses. It
// prints each problem as "file:line:col: path: message", one per line in
// the order of the file, and returns how many it found. err is for what
// stops the check itself: an unreadable file, a failed write, a cancelled ctx.
func Vet(ctx context.Context, v *Validator, files []string, w io.Writer) (problems int, err error) {
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return problems, err
		}
		data, err := readBounded(name)
		if err != nil {
			return problems, fmt.Errorf("vet %s: %w", name, err)
		}
		lines := vetFile(v, name, data)
		for _, l := range lines {
			if _, err := fmt.Fprintln(w, l); err != nil {
				return problems, fmt.Errorf("vet %s: %w", name, err)
			}
		}
		problems += len(lines)
	}
	return problems, nil
}

// vetFile returns the problems of one file as printed lines.
func vetFile(v *Validator, name string, data []byte) []string {
	docs, err := parse.YAML(name, data)
	var found []errs.FieldError
	var ve *errs.ValidationError
	switch {
	case errors.As(err, &ve):
		found = append(found, ve.Fields...)
	case err != nil:
		return []string{err.Error()}
	}
	for _, d := range docs {
		found = append(found, v.Validate(d)...)
	}
	sort.SliceStable(found, func(i, j int) bool {
		if found[i].Line != found[j].Line {
			return found[i].Line < found[j].Line
		}
		return found[i].Column < found[j].Column
	})
	lines := make([]string, len(found))
	for i, f := range found {
		lines[i] = f.String()
	}
	return lines
}

// readBounded reads a file, but no more than one byte past parse.MaxFileSize,
// which is enough for parse.YAML to refuse it.
func readBounded(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, parse.MaxFileSize+1))
}
