"""Debouncing: one call after a burst of events, so a slider drag decodes once per value.

A widget's observers call `Debouncer.trigger()` on every change; the wrapped function runs
once, `wait` seconds after the last trigger. Inside a Jupyter kernel, whose comm messages
are handled on a running asyncio loop, the call is scheduled on that loop with
`call_later`, so it runs on the kernel's own thread between messages; with no running loop
(a plain script, a test) a daemon `threading.Timer` runs it. `flush()` runs a pending call
at once, which is how tests stay synchronous.

Example:

```python
from keras_genmodels.widgets.debounce import Debouncer

calls = []
debouncer = Debouncer(lambda: calls.append(1), wait=0.2)
for _ in range(10):
    debouncer.trigger()       # a burst: nothing has run yet
debouncer.flush()             # runs it once now (or it runs by itself 0.2 s later)
assert calls == [1]
```
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from keras_genmodels.validation import check_non_negative


class Debouncer:
    """Runs `function()` once, `wait` seconds after the last `trigger()` of a burst.

    Example:

    ```python
    debouncer = Debouncer(widget.update, wait=0.15)
    slider.observe(lambda change: debouncer.trigger(), names="value")
    ```

    Args:
        function: called with no arguments.
        wait: float >= 0, seconds of quiet before the call. `0` calls at once on every
            trigger (no debouncing). Defaults to 0.15.
    """

    def __init__(self, function: Callable[[], Any], wait: float = 0.15):
        if not callable(function):
            raise TypeError(f"`function` must be callable, got {function!r}.")
        self.function = function
        self.wait = check_non_negative(wait, "wait")
        self.calls = 0
        self._lock = threading.Lock()
        self._handle: Any = None  # an asyncio TimerHandle or a threading.Timer
        self._generation = 0

    @property
    def pending(self) -> bool:
        """Whether a call is scheduled and has not run yet."""
        return self._handle is not None

    def trigger(self) -> None:
        """Schedules the call `wait` seconds from now, replacing any pending one."""
        if self.wait == 0:
            self._run()
            return
        with self._lock:
            self._cancel_locked()
            self._generation += 1
            generation = self._generation
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self._handle = loop.call_later(self.wait, self._fire, generation)
            else:
                timer = threading.Timer(self.wait, self._fire, args=(generation,))
                timer.daemon = True
                self._handle = timer
                timer.start()

    def flush(self) -> bool:
        """Runs a pending call now. Returns whether there was one."""
        with self._lock:
            if self._handle is None:
                return False
            self._cancel_locked()
        self._run()
        return True

    def cancel(self) -> None:
        """Drops a pending call without running it."""
        with self._lock:
            self._cancel_locked()

    def _cancel_locked(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._generation += 1

    def _fire(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:  # replaced or cancelled meanwhile
                return
            self._handle = None
        self._run()

    def _run(self) -> None:
        self.calls += 1
        self.function()
