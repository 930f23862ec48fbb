"""Confirmation re-reads run at most 4 at once, at most MAX_READS in all, and stop starting at a failure."""

from __future__ import annotations

import threading

from purchases.services import recheck


def _reads(count: int, fail_at: int | None = None):
    lock = threading.Lock()
    state = {"now": 0, "most": 0, "started": 0}
    gate = threading.Barrier(recheck.PARALLEL, timeout=5)

    def make(i: int):
        def read():
            with lock:
                state["now"] += 1
                state["started"] += 1
                state["most"] = max(state["most"], state["now"])
            if i < recheck.PARALLEL:
                gate.wait()  # the first four are all running at the same moment
            with lock:
                state["now"] -= 1
            if i == fail_at:
                raise RuntimeError("provider down")
            return {i: None}

        return read

    return [make(i) for i in range(count)], state


def test_at_most_four_at_once_and_at_most_max_reads():
    reads, state = _reads(30)
    found, error = recheck._within_limits(reads, parallel=recheck.PARALLEL)
    assert error == ""
    assert state["most"] == recheck.PARALLEL
    assert state["started"] == recheck.MAX_READS == len(found)
    assert set(found) == set(range(recheck.MAX_READS))


def test_a_failure_stops_new_reads_and_keeps_what_was_read():
    reads, state = _reads(30, fail_at=5)
    found, error = recheck._within_limits(reads, parallel=recheck.PARALLEL)
    assert error == "provider down"
    assert 5 not in found and set(range(5)) <= set(found)
    assert state["started"] < recheck.MAX_READS


def test_held_records_are_handed_to_the_caller():
    from purchases.calls import held_calls, record_provider_call

    records: list = []
    with held_calls(records):
        record_provider_call("a record")  # kept, not written: no database needed here
    assert records == ["a record"]
