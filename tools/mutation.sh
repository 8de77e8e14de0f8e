#!/bin/sh
# Mutation score of mailq's core packages, with gremlins (go-gremlins v0.6.0).
# Slow (each mutant reruns the package's tests), so it is not part of CI.
#
#   go install github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
#   tools/mutation.sh                 # every package below
#   tools/mutation.sh queue wire      # some of them
#
# Environment: WORKERS (default 1), COEFF, the time-out coefficient over a
# mutant's normal test time (default 10: our tests start servers and
# processes, and a shared machine is slow), OUT, the folder for one JSON
# report per package (default mutation-results), FILES, names of source
# files to mutate, the package's others left alone (default all): mxa's
# whole run takes hours on a busy machine, so it can be done in parts.
#
#   FILES="sched.go dest.go" tools/mutation.sh mxa
#
# The score to read is "Test efficacy" (killed / (killed + lived)); a LIVED
# mutant is a test gap or an equivalent mutant (see README, Tests and CI).
set -eu
cd "$(dirname "$0")/.."
workers=${WORKERS:-1}
coeff=${COEFF:-10}
out=${OUT:-mutation-results}
gremlins=$(command -v gremlins || echo "$(go env GOPATH)/bin/gremlins")
[ -x "$gremlins" ] || { echo "gremlins not found: go install github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0" >&2; exit 2; }
[ $# -gt 0 ] || set -- queue wire smtp pop3 mda mxa address
mkdir -p "$out"
status=0
for p in "$@"; do
	echo "== $p"
	# -count=1: gremlins times each mutant against its first (coverage)
	# run of the tests; a cached result would make every mutant time out.
	# No --test-cpu: v0.6.0 passes it to go test as one argument ("-cpu 1"),
	# which go test refuses, and every mutant then counts as killed.
	# FILES: every other source file of the package is excluded (-E).
	set --
	if [ -n "${FILES:-}" ]; then
		for f in "$p"/*.go; do
			f=${f##*/}
			case $f in *_test.go) continue ;; esac
			case " $FILES " in *" $f "*) continue ;; esac
			set -- "$@" -E "(^|/)$(printf '%s' "$f" | sed 's/\./\\./g')\$"
		done
	fi
	GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1" "$gremlins" unleash "./$p" --workers "$workers" \
		--timeout-coefficient "$coeff" "$@" -o "$out/$p.json" || status=1
done
exit $status
