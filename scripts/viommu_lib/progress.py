"""Progress of long steps (builds, debootstrap): a command runs with its output in a log file, and while it
runs a line 'viommu: <what>: <last line of its log> (N s)' is printed every few seconds, so nothing sits
silent for minutes. Lines from concurrent steps (a root being created while the guests build) each stay
whole."""
import os
import subprocess
import sys
import threading
import time

# Seconds between two progress lines of one step ($VIOMMU_PROGRESS_INTERVAL overrides; the tests use it); the
# first comes after FIRST seconds, so a step with nothing to do (an up-to-date build) prints nothing.
INTERVAL = float(os.environ.get("VIOMMU_PROGRESS_INTERVAL") or 15)
FIRST = min(3.0, INTERVAL)
_print_lock = threading.Lock()


def say(text, log=None):
    """One whole line 'viommu: text' on stderr (or log), never interleaved with another thread's."""
    log = log or sys.stderr
    with _print_lock:
        log.write("viommu: %s\n" % text)
        log.flush()


def last_line(path, width=100):
    """The last non-empty line of a log file, shortened to width characters ('' when there is none)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 8192))
            tail = f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [l.strip() for l in tail.replace("\r", "\n").split("\n") if l.strip()]
    if not lines:
        return ""
    line = lines[-1]
    return line if len(line) <= width else line[:width - 3] + "..."


def run_logged(argv, logfile, what, cwd=None, env=None, interval=None, log=None, first=None):
    """Runs argv with stdout and stderr appended to logfile; while it runs, prints a progress line after
    `first` seconds and then every `interval` seconds naming `what`, the elapsed time and the log's last line.
    Returns the exit status. Raises OSError when argv cannot be started."""
    interval = INTERVAL if interval is None else interval
    wait = min(interval, FIRST) if first is None else first
    start = time.monotonic()
    with open(logfile, "a") as f:
        f.write("$ %s\n" % " ".join(argv))
        f.flush()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=f,
                                stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    return proc.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    wait = interval
                    line = last_line(logfile)
                    say("%s: still running (%.0f s)%s" % (what, time.monotonic() - start,
                                                          ": " + line if line else ""), log)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
