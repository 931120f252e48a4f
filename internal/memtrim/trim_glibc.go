//go:build linux && cgo

package memtrim

/*
#include <malloc.h>
static void stackyard_malloc_trim(void) { malloc_trim(0); }
static int stackyard_arena_max(int n) { return mallopt(M_ARENA_MAX, n); }
*/
import "C"

func trim() { C.stackyard_malloc_trim() }

func arenaMax(n int) bool { return C.stackyard_arena_max(C.int(n)) == 1 }
