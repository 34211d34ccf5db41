#!/bin/sh
# Container entrypoint: apply the pending migrations with guard, then become
# the app. guard plans them in a shadow database first and refuses what the
# schema contract forbids (exit 3): the app then never starts on a schema it
# was not built for, and the old pods keep serving.
#
#   DATABASE_URL        the target database (read by guard and by the app)
#   GUARD_MIGRATE_ARGS  extra flags for `guard migrate up`, e.g.
#                       "--shadow-url postgres://…" when the app's user may
#                       not CREATE DATABASE (this image has no local
#                       PostgreSQL for guard's fallback shadow)
#
# Arguments are passed to the app. SIGTERM and SIGINT reach guard while it
# migrates (it cancels the running statement on the server and exits), and
# reach the app directly afterwards (exec: the app replaces this shell).
set -eu

# As PID 1 the shell would otherwise ignore SIGTERM while guard runs. A
# signal that comes before guard's PID is known is sent to it right after.
guard_pid=
pending=
caught=
forward() {
	caught=1
	if [ -n "$guard_pid" ]; then
		kill -s "$1" "$guard_pid" 2>/dev/null || :
	else
		pending=$1
	fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT
guard migrate up ${GUARD_MIGRATE_ARGS:-} &
guard_pid=$!
if [ -n "$pending" ]; then
	forward "$pending"
fi
# A trapped signal interrupts wait: wait again, for guard's own exit status.
while :; do
	caught=
	status=0
	wait "$guard_pid" || status=$?
	if [ -z "$caught" ]; then
		break
	fi
done
trap - TERM INT
if [ "$status" -ne 0 ]; then
	echo "entrypoint: guard migrate up failed (exit $status); not starting the app" >&2
	exit "$status"
fi

exec app "$@"
