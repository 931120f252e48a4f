package parse

import (
	"bufio"
	"bytes"
	"io"
	"runtime"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/internal/errs"
)

// Each reads the documents of a catalog file one at a time and hands each to
// fn, so a file of 100,000 entities never holds all its node trees at once.
// Documents, positions and problems are those YAML would report for the
// whole file; the problems come back at the end as one
// *errs.ValidationError. An error from fn stops the reading and is returned.
//
// The file is cut at document markers ("---" or "..." at the start of a
// line), which YAML forbids anywhere else at the start of a line, even
// inside quoted scalars.
func Each(file string, data []byte, fn func(Document) error) error {
	if len(data) > MaxFileSize {
		return tooLarge(file, len(data))
	}
	// fn keeps the documents, nodes included: no reuse.
	return mapDocuments(file, cutter(data), false, func(d Document) Document { return d }, fn)
}

// mapAhead is how many documents Map parses ahead of fn, at most.
const mapAhead = 256

// Map is Each with the documents parsed, and each turned into a T by conv,
// on GOMAXPROCS goroutines ahead of fn: a large file is read on every
// core. fn still sees the results one at a time, in file order. conv must
// be safe for concurrent use, and must not keep the document's Node (or
// anything in it) past its return: the nodes are reused.
func Map[T any](file string, data []byte, conv func(Document) T, fn func(T) error) error {
	if len(data) > MaxFileSize {
		return tooLarge(file, len(data))
	}
	return mapDocuments(file, cutter(data), true, conv, fn)
}

// cutter returns the documents of data one chunk at a time, and io.EOF
// after the last.
func cutter(data []byte) func() ([]byte, error) {
	return func() ([]byte, error) {
		if len(data) == 0 {
			return nil, io.EOF
		}
		chunk, rest := cutDocument(data)
		data = rest
		return chunk, nil
	}
}

// MapReader is Map for a file read from r as it is parsed: only the
// documents being parsed are in memory, not the file.
func MapReader[T any](file string, r io.Reader, conv func(Document) T, fn func(T) error) error {
	return mapDocuments(file, readDocuments(file, r), true, conv, fn)
}

func tooLarge(file string, size int) error {
	return errs.Input("%s: file is %d bytes, more than the limit of %d", file, size, MaxFileSize)
}

// mapDocuments is Map over the documents that next returns, one chunk of
// text each, until io.EOF.
// reuse reuses the nodes of each document once conv has returned.
func mapDocuments[T any](file string, next func() ([]byte, error), reuse bool, conv func(Document) T, fn func(T) error) error {
	stop := make(chan struct{})
	order := make(chan *part[T], mapAhead)
	jobs := make(chan *part[T])
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for p := range jobs {
				p.read(file, reuse, conv)
				close(p.done)
			}
		}()
	}
	var readErr error // set before order closes
	go func() {
		defer close(jobs)
		defer close(order)
		for line := 0; ; {
			chunk, err := next()
			if err != nil {
				if err != io.EOF {
					readErr = err
				}
				return
			}
			p := &part[T]{chunk: chunk, line: line, done: make(chan struct{})}
			// In order first, so the part fn waits for is always handed
			// to a worker before the ones after it.
			select {
			case order <- p:
			case <-stop:
				return
			}
			select {
			case jobs <- p:
			case <-stop:
				return
			}
			line += bytes.Count(chunk, []byte{'\n'})
		}
	}()
	defer func() {
		close(stop)
		for range order { // let the cutter end
		}
		workers.Wait()
	}()
	var problems []errs.FieldError
	for p := range order {
		<-p.done
		for _, t := range p.out {
			if err := fn(t); err != nil {
				return err
			}
		}
		if p.err != nil {
			return p.err
		}
		problems = append(problems, p.problems...)
	}
	if readErr != nil {
		return readErr
	}
	if len(problems) > 0 {
		return &errs.ValidationError{Fields: problems}
	}
	return nil
}

// part is one document of a file (or what YAML makes of the text between
// two markers), read by a worker of Map.
type part[T any] struct {
	chunk    []byte
	line     int // of the chunk's first line in the file, from 0
	done     chan struct{}
	out      []T
	problems []errs.FieldError
	err      error
}

// read parses the chunk, moves its documents and problems to their place
// in the file, and converts the documents.
func (p *part[T]) read(file string, reuse bool, conv func(Document) T) {
	nodes := &arena{reuse: reuse}
	docs, err := yamlIn(file, p.chunk, nodes)
	for _, d := range docs {
		shiftDocument(&d, p.line)
		p.out = append(p.out, conv(d))
	}
	nodes.release()
	p.chunk = nil
	ve, ok := err.(*errs.ValidationError)
	if !ok {
		p.err = err
		return
	}
	for _, f := range ve.Fields {
		if f.Line > 0 {
			f.Line += p.line
		}
		p.problems = append(p.problems, f)
	}
}

// readDocuments returns the documents of r one chunk at a time, cut as
// cutDocument cuts, and io.EOF after the last; a file of more than
// MaxFileSize bytes is an error.
func readDocuments(file string, r io.Reader) func() ([]byte, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxFileSize+1), 64<<10)
	var first []byte // the line that starts the next document, read already
	size := 0
	return func() ([]byte, error) {
		chunk := first
		first = nil
		for {
			line, err := br.ReadBytes('\n')
			if err != nil && err != io.EOF {
				return nil, err
			}
			if size += len(line); size > MaxFileSize {
				return nil, tooLarge(file, size)
			}
			if len(chunk) > 0 && startsDocument(line) {
				first = line
				return chunk, nil
			}
			chunk = append(chunk, line...)
			if err == io.EOF {
				if len(chunk) == 0 {
					return nil, io.EOF
				}
				return chunk, nil
			}
		}
	}
}

// cutDocument splits off the first document: everything up to the next
// line that starts a new one.
func cutDocument(data []byte) (chunk, rest []byte) {
	for i := 0; i < len(data); {
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return data, nil
		}
		next := i + nl + 1
		if next < len(data) && startsDocument(data[next:]) {
			return data[:next], data[next:]
		}
		i = next
	}
	return data, nil
}

func startsDocument(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	return len(line) == 3 || line[3] == '\n' || line[3] == ' ' || line[3] == '\t' || line[3] == '\r'
}

// shiftDocument moves a document parsed from a chunk to its place in the file.
func shiftDocument(d *Document, lines int) {
	if lines == 0 {
		return
	}
	d.Line += lines
	var seen map[*yaml.Node]bool // only a document with aliases can share nodes
	if hasAlias(d.Node, 0) {
		seen = map[*yaml.Node]bool{}
	}
	shiftNode(d.Node, lines, seen)
}

func hasAlias(n *yaml.Node, depth int) bool {
	if n == nil || depth > MaxDepth {
		return n != nil
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

func shiftNode(n *yaml.Node, lines int, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	if seen != nil {
		seen[n] = true
	}
	n.Line += lines
	for _, c := range n.Content {
		shiftNode(c, lines, seen)
	}
}
