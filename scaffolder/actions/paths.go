package actions

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// errOutside is Backstage's resolveSafeChildPath message.
const errOutside = "Relative path is not allowed to refer to a directory outside its parent"

// SafeJoin joins rel onto base and refuses any result outside base, also
// when an existing symlink on the way points outside.
func SafeJoin(base, rel string) (string, error) {
	base = filepath.Clean(base)
	var p string
	if filepath.IsAbs(rel) {
		p = filepath.Clean(rel)
	} else {
		p = filepath.Join(base, rel)
	}
	if !within(base, p) {
		return "", errs.NotAllowed("%s", errOutside)
	}
	realBase, err := filepath.EvalSymlinks(base)
	if err != nil {
		return p, nil
	}
	if real, ok := resolveExisting(p); ok && !within(realBase, real) {
		return "", errs.NotAllowed("%s", errOutside)
	}
	return p, nil
}

// resolveExisting resolves the symlinks of the longest existing prefix of
// p and appends the rest.
func resolveExisting(p string) (string, bool) {
	rest := ""
	for cur := p; ; {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(real, rest), true
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return "", false
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

func within(base, p string) bool {
	rel, err := filepath.Rel(base, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// HostAllowed reports whether host (with an optional port) matches an
// allow-list entry: "name", "name:port" or "*.suffix".
func HostAllowed(allow []string, host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	for _, a := range allow {
		switch {
		case strings.HasPrefix(a, "*."):
			if strings.HasSuffix(name, a[1:]) {
				return true
			}
		case strings.Contains(a, ":"):
			if strings.EqualFold(a, host) {
				return true
			}
		default:
			if strings.EqualFold(a, name) {
				return true
			}
		}
	}
	return false
}

// copyTree copies the regular files and directories under src into dst.
// Symlinks are skipped: they could point anywhere.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			return copyFile(p, target, info.Mode().Perm())
		}
		return nil
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, fs.ErrNotExist)
}
