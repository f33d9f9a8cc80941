"""The stderr filter that hides the tracebacks a failed Orbax restore leaves behind."""

import io
import sys

from jaxgan import checkpoint

# What TensorStore's threads print, write by write (interleaved, as seen in practice).
CLOSED_LOOP_WRITES = [
    "Traceback (most recent call last):\n",
    '  File "/usr/lib/python3.11/asyncio/base_events.py", line 806, in call_soon_threadsafe\n',
    "    self._check_closed()",
    "\n",
    "    raise RuntimeError('Event loop is closed')\n",
    "RuntimeError",
    ": ",
    "Event loop is closed",
    "\n",
]


def test_closed_loop_tracebacks_are_dropped_and_everything_else_kept(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    quiet = checkpoint._QuietClosedLoopErrors
    monkeypatch.setattr(quiet, "_failed", False)
    sys.stderr.write("before\n")
    try:
        with quiet.restoring():
            assert isinstance(sys.stderr, quiet)
            sys.stderr.write(CLOSED_LOOP_WRITES[0])  # printed while the restore still runs
            raise OSError("a damaged step")
    except OSError:
        pass
    for text in CLOSED_LOOP_WRITES[1:]:  # and after it failed
        sys.stderr.write(text)
    sys.stderr.write("error: a real problem\n")
    sys.stderr.write("Traceback (most recent call last):\n  File 'x.py', line 1\nValueError: bad\n")
    assert stream.getvalue() == (
        "before\nerror: a real problem\n"
        "Traceback (most recent call last):\n  File 'x.py', line 1\nValueError: bad\n"
    )
    # With no failed restore nothing is dropped.
    monkeypatch.setattr(quiet, "_failed", False)
    sys.stderr.write("RuntimeError: Event loop is closed\n")
    assert stream.getvalue().endswith("RuntimeError: Event loop is closed\n")
