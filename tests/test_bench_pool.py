"""scripts/bench pools the cost of change that several processes measured."""

from __future__ import annotations

from dataclasses import replace

from .evidence.change_cost import (
    ChangeCost,
    Figure,
    Startup,
    dump,
    load,
    pooled,
)


def _cost(quiet_ms: float, fetch_ms: float, *, unchanged: int = 0) -> ChangeCost:
    """One process's figures at one size: a quiet poll against its floor."""
    flat = Figure(1.0, 0.5, 2.0)
    return ChangeCost(
        json_ms=flat,
        orjson_ms=flat,
        fetch_ms=Figure(fetch_ms, fetch_ms / 2, fetch_ms * 2),
        quiet_ms=Figure(quiet_ms, quiet_ms / 2, quiet_ms * 2),
        sweep_floor_ms=flat,
        sweep_ms=flat,
        sweep_requests=11,
        no_op_push_ms=flat,
        push_ms=flat,
        quiet_changed=0,
        quiet_unchanged=unchanged,
        push_changed=1,
        push_unchanged=0,
        restart_history_requests=0,
        startup=Startup(flat, flat, 1, flat, 37.0, 4),
    )


def test_one_process_is_read_back_as_it_was_measured() -> None:
    measured = {
        (10, True): _cost(3.0, 2.0),
        (10, False): replace(
            _cost(1.5, 1.0),
            startup_every_kind=Startup(
                *(Figure(9, 8, 10),) * 2, 3, Figure(7, 6, 8), 40.5, 6
            ),
        ),
    }

    assert load(dump(measured)) == measured


def test_a_ratio_is_the_median_of_the_processes_own() -> None:
    """Three processes at their own levels: 1.2, 2.0 and 1.0 times the floor."""
    runs = [
        {(100, False): _cost(1.2, 1.0)},
        {(100, False): _cost(6.0, 3.0)},
        {(100, False): _cost(0.5, 0.5)},
    ]

    measured = pooled(runs)[(100, False)]

    assert measured.ratio("quiet_ratio") == Figure(1.2, 1.0, 2.0)
    # A figure: the median of the medians, the range of every process's rounds.
    assert measured.figure("quiet_ms") == Figure(1.2, 0.25, 12.0)


def test_a_count_is_the_most_any_process_saw() -> None:
    runs = [
        {(100, False): _cost(1.0, 1.0)},
        {(100, False): _cost(1.0, 1.0, unchanged=3)},
    ]

    assert pooled(runs)[(100, False)].most("quiet_unchanged") == 3


def test_a_size_one_process_missed_is_left_out() -> None:
    runs = [
        {(10, True): _cost(1.0, 1.0), (100, True): _cost(1.0, 1.0)},
        {(10, True): _cost(1.0, 1.0)},
    ]

    assert list(pooled(runs)) == [(10, True)]


def test_start_up_is_pooled_only_where_every_process_measured_it() -> None:
    runs = [
        {(10, False): _cost(1.0, 1.0)},
        {(10, False): replace(_cost(1.0, 1.0), startup=None)},
    ]

    measured = pooled(runs)[(10, False)]

    assert measured.startup() is None
    assert measured.startup("startup_every_kind") is None
