#!/bin/sh
# go.sh - start mailq from this folder, as the original's go.bat does: the
# POP3 instance and the SMTP instance with its delivery (MDA) and exchange
# (MXA) agents, both in this terminal.
# Extra arguments are passed to both instances (e.g. ./go.sh /DEBUG).
# Ctrl-C, ESC, or "mailq /stop" from another terminal (run/mailq in a
# source checkout) stops both.
# If mailq already runs from this folder, go.sh says so and starts and stops
# nothing: stop the running instances first to restart.
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

# /status exits 0 when an instance runs from this folder.
if running=$(./mailq /status "$@" 2>&1); then
	echo "$running" | grep " is running" >&2
	echo "go.sh: mailq is already running from $PWD; nothing was started or stopped." >&2
	echo "go.sh: to restart it, stop it first (Ctrl-C or ESC where it runs, or: $PWD/mailq /stop), then run go.sh again." >&2
	exit 1
fi

./mailq /pop "$@" &
pop=$!
./mailq /mda /mxa "$@"
status=$?
# Stop the POP3 instance only if it is the one started above: if it refused
# to start, the lock file belongs to someone else's instance.
if kill -0 "$pop" 2>/dev/null; then
	./mailq /stop:pop "$@" >/dev/null 2>&1
fi
wait "$pop"
exit "$status"
