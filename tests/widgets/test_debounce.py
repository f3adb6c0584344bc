"""Debouncer: a burst of triggers runs the function once, on a timer or the asyncio loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from keras_genmodels.widgets.debounce import Debouncer


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_burst_runs_once_after_the_quiet_period():
    calls = []
    debouncer = Debouncer(lambda: calls.append(threading.current_thread()), wait=0.05)
    for _ in range(20):
        debouncer.trigger()
    assert calls == [] and debouncer.pending
    wait_for(lambda: calls)
    time.sleep(0.1)  # a stale timer would fire by now
    assert len(calls) == 1 and not debouncer.pending and debouncer.calls == 1


def test_on_a_running_loop_the_call_runs_on_the_loop():
    calls = []

    async def burst():
        debouncer = Debouncer(lambda: calls.append(threading.current_thread()), wait=0.02)
        for _ in range(5):
            debouncer.trigger()
            await asyncio.sleep(0)
        assert isinstance(debouncer._handle, asyncio.TimerHandle)
        await asyncio.sleep(0.2)

    asyncio.run(burst())
    assert calls == [threading.main_thread()]


def test_flush_runs_a_pending_call_now_and_cancel_drops_it():
    calls = []
    debouncer = Debouncer(lambda: calls.append(1), wait=60)
    assert debouncer.flush() is False
    debouncer.trigger()
    assert debouncer.flush() is True and calls == [1]
    debouncer.trigger()
    debouncer.cancel()
    assert not debouncer.pending and debouncer.flush() is False and calls == [1]


def test_zero_wait_calls_at_once():
    calls = []
    debouncer = Debouncer(lambda: calls.append(1), wait=0)
    debouncer.trigger()
    debouncer.trigger()
    assert calls == [1, 1]


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="`function` must be callable, got 3"):
        Debouncer(3)
    with pytest.raises(ValueError, match="`wait` must be a finite number >= 0, got -1"):
        Debouncer(print, wait=-1)
