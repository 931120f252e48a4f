package schemas

import "embed"

// FS holds the CUE schemas. catalog/ is CUE package catalog: Backstage's
// entity envelope, field formats and built-in kinds, the Template kind, and
// Stackyard's platform policy.
//
//go:embed catalog
var FS embed.FS
