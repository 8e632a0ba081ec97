"""scripts/bench in its quick mode, so that it keeps working: every figure produced.

The figures themselves are not checked (they depend on the machine); see
docs/benchmarks.md for a full run.
"""

from __future__ import annotations

import pytest

from .evidence.bench import Bench
from .evidence.repeat import against_previous, ratios

pytestmark = [
    pytest.mark.bench,
    pytest.mark.usefixtures("socket_enabled", "current_request_with_host"),
]


async def test_bench(bench: Bench, pytestconfig: pytest.Config) -> None:
    plan = bench.plan
    result = await bench.run()
    report = result.markdown()
    print(report)
    assert result.missing() == []
    # The quiet poll costs one request and rewrites nothing: what the README says.
    integration = result.costs[(plan.controllers[0], "integration")]
    assert integration.requests_quiet == 1
    assert integration.writes_quiet == 0
    if (path := pytestconfig.getoption("--bench-report")) is not None:
        # The report it replaces, if any: do its ratios repeat in this run?
        previous = path.read_text(encoding="utf-8") if path.exists() else ""
        if ratios(previous):
            report += "\n" + against_previous(previous, report)
        path.write_text(report, encoding="utf-8")
