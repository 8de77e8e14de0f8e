// Package testutil holds helpers shared by the tests of several packages:
// running protocol transcripts against a live server, and finding the real
// mail clients the tests drive (a missing one skips the test, or fails it
// when MAILQ_REQUIRE_CLIENTS=1, as in CI). It is imported only by tests.
package testutil
