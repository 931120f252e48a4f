//go:build !(linux && cgo)

package memtrim

func trim() {}

func arenaMax(int) bool { return false }
