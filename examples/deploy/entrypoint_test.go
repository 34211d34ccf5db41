// Package deploy holds the deployment files of the example app
// (entrypoint.sh, Dockerfile, Kubernetes manifests); its tests run the
// entrypoint against stand-ins for guard and the app.
package deploy

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
)

// Stand-ins: guard logs its arguments and exits with $GUARD_EXIT, or on
// SIGTERM with 7 after saying so; the app logs its PID and arguments.
const (
	fakeGuard = `#!/bin/sh
trap 'kill "$s" 2>/dev/null; echo "guard got TERM" >> "$LOG"; exit 7' TERM
echo "guard $*" >> "$LOG"
if [ -n "${HANG:-}" ]; then
	: > "$HANG"
	while :; do sleep 1 >/dev/null 2>&1 & s=$!; wait "$s"; done
fi
exit "${GUARD_EXIT:-0}"
`
	fakeApp = `#!/bin/sh
echo "app pid=$$ args=$*" >> "$LOG"
`
)

type run struct {
	cmd    *exec.Cmd
	dir    string
	stderr strings.Builder
}

func entrypoint(t *testing.T, env []string, args ...string) *run {
	t.Helper()
	dir := t.TempDir()
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "guard"), []byte(fakeGuard), 0o755))
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "app"), []byte(fakeApp), 0o755))
	r := &run{dir: dir, cmd: exec.Command("./entrypoint.sh", args...)}
	r.cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "LOG="+filepath.Join(dir, "log"), "GUARD_MIGRATE_ARGS=")
	r.cmd.Env = append(r.cmd.Env, env...)
	r.cmd.Stderr = &r.stderr
	r.cmd.WaitDelay = 10 * time.Second // a stand-in left behind must not hang the test
	return r
}

func (r *run) log(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, "log"))
	assert.NoError(t, err)
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestEntrypointSyntax(t *testing.T) {
	out, err := exec.Command("sh", "-n", "entrypoint.sh").CombinedOutput()
	assert.NoError(t, err, "%s", out)
}

func TestEntrypointMigratesThenExecsTheApp(t *testing.T) {
	r := entrypoint(t, []string{"GUARD_MIGRATE_ARGS=--shadow-url postgres://shadow/db"}, "--verbose", "x")
	assert.NoError(t, r.cmd.Run(), r.stderr.String())
	lines := r.log(t)
	assert.Equal(t, 2, len(lines), "%q", lines)
	assert.Equal(t, "guard migrate up --shadow-url postgres://shadow/db", lines[0])
	// exec: the app is the entrypoint's process, so signals reach it directly.
	assert.Equal(t, "app pid="+strconv.Itoa(r.cmd.Process.Pid)+" args=--verbose x", lines[1])
}

func TestEntrypointStopsWhenMigrationFails(t *testing.T) {
	r := entrypoint(t, []string{"GUARD_EXIT=3"})
	err := r.cmd.Run()
	assert.Equal(t, 3, exitCode(err), "guard's exit code (3: blocked by the contract)")
	assert.Equal(t, []string{"guard migrate up"}, r.log(t), "the app does not start")
	assert.Contains(t, r.stderr.String(), "guard migrate up failed (exit 3)")
}

func TestEntrypointForwardsSIGTERMToGuard(t *testing.T) {
	hang := filepath.Join(t.TempDir(), "migrating")
	r := entrypoint(t, []string{"HANG=" + hang})
	assert.NoError(t, r.cmd.Start())
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })

	// Wait for guard to be "migrating".
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		if _, err := os.Stat(hang); err == nil {
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("guard stand-in never started")
		}
	}
	assert.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM))
	err := r.cmd.Wait()
	assert.Equal(t, 7, exitCode(err), "guard's own exit status after the signal: %s", r.stderr.String())
	assert.Equal(t, []string{"guard migrate up", "guard got TERM"}, r.log(t), "the app does not start")
}
