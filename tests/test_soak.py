"""scripts/soak: a seeded schedule of faults against a real Home Assistant core.

`scripts/test` runs one simulated hour per dialect; `scripts/soak --hours 24` the day
whose table is docs/reliability.md. Each run fails at the first invariant broken.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.core import HomeAssistant
from parqex_sim import Dialect

from .evidence.schedule import make_schedule
from .evidence.soak import Soak, SoakResult, memory_growth
from .evidence.soak_report import markdown
from .sim_helpers import running_simulator

pytestmark = [pytest.mark.soak, pytest.mark.usefixtures("socket_enabled")]

# Three dialects that between them use every choice of every contradiction.
DIALECTS = {
    "documented": Dialect(),
    "GET token, singular toggle, POST sync, no gzip": Dialect(
        token_method="get", toggle_path="endpoint", sync_method="post", gzip=False
    ),
    "toggle under /api": Dialect(toggle_path="api"),
}


@pytest.fixture(scope="module")
def soak_results(pytestconfig: pytest.Config) -> Generator[list[SoakResult]]:
    """Every dialect's result; the table is written once all have run."""
    results: list[SoakResult] = []
    yield results
    path: Path | None = pytestconfig.getoption("--soak-report")
    if path is not None and len(results) == len(DIALECTS):
        hours = pytestconfig.getoption("--soak-hours")
        seed = pytestconfig.getoption("--soak-seed")
        path.write_text(
            markdown(results, f"scripts/soak --hours {hours:g} --seed {seed}"),
            encoding="utf-8",
        )


# Home Assistant detaches its HTTP sessions when it stops (the process ends next);
# the soak stops several in one test, so their connectors' timers remain.
@pytest.mark.parametrize("expected_lingering_timers", [True])
@pytest.mark.parametrize("dialect", DIALECTS)
async def test_soak(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    pytestconfig: pytest.Config,
    hass_storage: dict[str, Any],
    soak_results: list[SoakResult],
    dialect: str,
) -> None:
    caplog.set_level("INFO")
    hours: float = pytestconfig.getoption("--soak-hours")
    seed: int = pytestconfig.getoption("--soak-seed") + list(DIALECTS).index(dialect)
    schedule = make_schedule(seed, hours)
    async with running_simulator(DIALECTS[dialect]) as (base, sim):
        monkeypatch.setenv("PARQEX_DEVELOPMENT_BASE_URL", base)
        # pytest keeps every record for its report too: the soak's records are
        # read once, so both go (the memory measured is the integration's).
        report = pytestconfig.pluginmanager.get_plugin("logging-plugin").report_handler
        soak = Soak(
            schedule,
            dialect,
            sim,
            base,
            freezer,
            caplog,
            str(tmp_path),
            hass_storage,
            report.reset,
        )
        result = await soak.run()
    assert sum(result.injected.values()) == len(schedule.episodes)
    assert result.events_fired == result.events_expected > 0
    soak_results.append(result)
    print(result)


def test_memory_growth_is_found() -> None:
    """The soak's memory invariant: a steady rise fails it, noise does not."""
    steady = [78.0, 86.5, 86.8, 74.1, 92.9, 83.9, 95.9, 76.6, 90.4, 82.4, 93.9, 95.9]
    assert memory_growth(steady) is None
    rising = [80.0 + 4 * hour for hour in range(24)]
    assert memory_growth(rising) == (
        "memory grew: 124 KiB at most in the first half of the run,"
        " 172 KiB in the second"
    )
    assert memory_growth([80.0]) == "too few memory samples"
