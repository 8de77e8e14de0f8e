// Command go stands in for the Go toolchain in the test of go.bat under Wine
// (e2e_wine_test.go): "go version" succeeds, and "go build -o PATH ." copies
// the mailq.exe named by MAILQ_FAKEGO_EXE to PATH. Test-only.
package main

import (
	"fmt"
	"os"
)

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "version" {
		fmt.Println("go version (stand-in for go.bat's test)")
		return
	}
	if len(args) != 4 || args[0] != "build" || args[1] != "-o" || args[3] != "." {
		fmt.Fprintf(os.Stderr, "fake go: unexpected arguments %q\n", args)
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Getenv("MAILQ_FAKEGO_EXE"))
	if err == nil {
		err = os.WriteFile(args[2], data, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake go:", err)
		os.Exit(1)
	}
}
