//go:build !race

package main

// raceBuild says whether the tests run with the race detector; the mailq
// binary they start is built the same way, so that "go test ./..." works
// without cgo and a C compiler.
const raceBuild = false
