//go:build linux && cgo

package memtrim

/*
#include <malloc.h>
static void stackyard_malloc_trim(void) { malloc_trim(0); }
*/
import "C"

func trim() { C.stackyard_malloc_trim() }
