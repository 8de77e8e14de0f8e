#!/bin/sh
# go.sh - (re)start mailq from this folder, as the original's go.bat does:
# stop whatever mailq instances run from here, then start the POP3 instance
# and the SMTP instance with its delivery (MDA) and exchange (MXA) agents.
# Extra arguments are passed to both instances (e.g. ./go.sh /DEBUG).
# Ctrl-C, ESC, or "mailq /stop" from another terminal (run/mailq in a
# source checkout) stops both.
set -u
cd "$(dirname "$0")" || exit 1

# In a source checkout, build the binary into run/ and run it there, so the
# mail tree (queue/, users/, logs/...) never mixes with the source folders.
if [ -f go.mod ] && [ -f main.go ] && command -v go >/dev/null 2>&1; then
	mkdir -p run && go build -o run/mailq . || exit 1
	cd run || exit 1
fi
if [ ! -x ./mailq ]; then
	echo "go.sh: ./mailq not found (build it with: go build -o mailq .)" >&2
	exit 1
fi

# /stop waits for the instances to exit.
./mailq /stop "$@" >/dev/null 2>&1

./mailq /pop "$@" &
pop=$!
./mailq /mda /mxa "$@"
status=$?
./mailq /stop:pop "$@" >/dev/null 2>&1
wait "$pop"
exit "$status"
