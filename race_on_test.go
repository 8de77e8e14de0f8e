//go:build race

package main

// raceBuild says whether the tests run with the race detector; the mailq
// binary they start is built the same way.
const raceBuild = true
