package stacks

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

func TestVet_Shipped(t *testing.T) {
	t.Parallel()
	for _, name := range shipped {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			n, err := Vet(context.Background(), filepath.Join(stacksDir, name), Options{Validator: catalogValidator(t)}, &out)
			if err != nil || n != 0 {
				t.Errorf("Vet = %d problems, %v:\n%s", n, err, out.String())
			}
		})
	}
}

func TestVet_Broken(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	dir := filepath.Join("testdata", "vet", "broken")
	n, err := Vet(context.Background(), dir, Options{Validator: catalogValidator(t)}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("Vet found no problems:\n%s", out.String())
	}
	golden(t, filepath.Join("testdata", "vet", "broken.golden"), out.Bytes())

	// A single version folder is vetted on its own.
	out.Reset()
	if n, err := Vet(context.Background(), filepath.Join(dir, "2.0.0"), Options{}, &out); err != nil || n != 0 {
		t.Errorf("Vet of 2.0.0 alone = %d, %v:\n%s", n, err, out.String())
	}
}
