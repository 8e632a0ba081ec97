"""One fresh process's cost of change, for `scripts/bench` to pool with others.

Collected only when named on pytest's command line (its name is not a test
file's): the benchmark starts it, with `--bench-change-out` where to write.
"""

from __future__ import annotations

import pytest

from .bench import Bench
from .change_cost import dump

pytestmark = [
    pytest.mark.bench,
    pytest.mark.usefixtures("socket_enabled", "current_request_with_host"),
]


async def test_change_cost(bench: Bench, pytestconfig: pytest.Config) -> None:
    out = pytestconfig.getoption("--bench-change-out")
    assert out is not None, "the benchmark names where to write (--bench-change-out)"
    out.write_text(dump(await bench.change_costs()), encoding="utf-8")
