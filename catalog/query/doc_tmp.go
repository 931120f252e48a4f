package query

import "github.com/stackyard/stackyard/catalog/model"

type Doc struct{}

func NewDoc(e model.Entity, b []byte) (Doc, error) { return Doc{}, nil }
