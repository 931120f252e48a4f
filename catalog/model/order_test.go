package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestMarshalOrdered_KeepsAuthorOrder(t *testing.T) {
	t.Parallel()
	src := `{"kind":"Template","apiVersion":"scaffolder.backstage.io/v1beta3","metadata":{"name":"x"},` +
		`"spec":{"parameters":[{"properties":{"name":{"type":"string"},"description":{"type":"string"},"owner":{"type":"string"}}}],"steps":[]}}`
	var v map[string]any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	v["relations"] = []any{}
	v["metadata"].(map[string]any)["uid"] = "u"
	got, err := MarshalOrdered(v, OrderOf([]byte(src)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"Template","apiVersion":"scaffolder.backstage.io/v1beta3","metadata":{"name":"x","uid":"u"},` +
		`"spec":{"parameters":[{"properties":{"name":{"type":"string"},"description":{"type":"string"},"owner":{"type":"string"}}}],"steps":[]},"relations":[]}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestMarshalOrdered_RoundTripsLikeJSON(t *testing.T) {
	t.Parallel()
	v := map[string]any{"s": "quote \" back \\ nl \n tab \t ctl \x01 <html> é \u2028", "n": 3.5, "i": float64(7),
		"b": true, "z": nil, "a": []any{map[string]any{"y": 1.0, "x": 2.0}}}
	got, err := MarshalOrdered(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	var back, want map[string]any
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("not JSON: %s: %v", got, err)
	}
	data, _ := json.Marshal(v)
	_ = json.Unmarshal(data, &want)
	if b1, _ := json.Marshal(back); string(b1) != string(data) {
		t.Fatalf("round trip differs:\n%s\n%s", b1, data)
	}
}

func TestOrderOf_EscapesArraysAndBadInput(t *testing.T) {
	t.Parallel()
	o := OrderOf([]byte(` {"b\"q": 1, "a": [ {"z": true, "y": null}, "s" ], "c": {"k\u00e9": -1.5e3}} `))
	if got := o.keys; len(got) != 3 || got[0] != `b"q` || got[1] != "a" || got[2] != "c" {
		t.Fatalf("keys = %q", got)
	}
	if got := o.Child("a").ItemAt(0).keys; len(got) != 2 || got[0] != "z" {
		t.Fatalf("array item keys = %q", got)
	}
	if got := o.Child("c").keys; len(got) != 1 || got[0] != "ké" {
		t.Fatalf("escaped key = %q", got)
	}
	if bad := OrderOf([]byte(`{"a": [1, {"b"`)); len(bad.keys) != 1 {
		t.Fatalf("partial order = %q", bad.keys)
	}
}

// An object with many keys keeps its order, finds each key's own order,
// and sorts after them the keys it did not have.
func TestMarshalOrdered_ManyKeys(t *testing.T) {
	t.Parallel()
	src, v := "{", map[string]any{}
	for i := 20; i > 0; i-- {
		if i < 20 {
			src += ","
		}
		src += fmt.Sprintf(`"k%02d":{"z":1,"a":2}`, i)
		v[fmt.Sprintf("k%02d", i)] = map[string]any{"a": 2.0, "z": 1.0}
	}
	src += "}"
	v["added"] = "x"
	got, err := MarshalOrdered(v, OrderOf([]byte(src)))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSuffix(src, "}") + `,"added":"x"}`; string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
