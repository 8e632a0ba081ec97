"""Fixtures of the ParqEx tests."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from pathlib import Path
import time
from typing import Any

import freezegun
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

# Import ours before Home Assistant starts: the test plugin ships its own
# `custom_components` package, which would otherwise hide this integration.
import custom_components.parqex  # noqa: F401
from custom_components.parqex.const import CONF_WEBHOOK_KEY, DOMAIN
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .develop_helpers import Develop
from .evidence.bench import Bench, BenchPlan
from .fake_parqex import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRACE,
    USER_ID,
    WEBHOOK_ID,
    WEBHOOK_KEY,
    FakeParqEx,
)
from .helpers import set_up
from .sim_helpers import Sim, simulator_session

# aiohttp 3.14's access log asks the local time for its UTC offset, which a frozen
# clock's local time lacks: it reads the real clock.
freezegun.configure(extend_ignore_list=["aiohttp.web_log"])

# What tests report for the reader (delays measured, times taken), shown at the end
# of the run: pytest would otherwise swallow it with the test's output.
REPORTED = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Collect reported lines; name the markers of the slow tests."""
    config.stash[REPORTED] = []
    for marker, what in (
        ("soak", "the simulated day of faults (scripts/soak; short here)"),
        ("bench", "the benchmark (scripts/bench; quick here)"),
        ("end_to_end", "scripts/develop run as a contributor does"),
        ("browser", "the browser test in headless Chromium"),
    ):
        config.addinivalue_line("markers", f"{marker}: {what}")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Show what the tests reported."""
    if lines := config.stash.get(REPORTED, []):
        terminalreporter.section("ParqEx: measured")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def report(pytestconfig: pytest.Config) -> Callable[[str], None]:
    """Report a line at the end of the run (where scripts/test shows it)."""
    return pytestconfig.stash[REPORTED].append


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options of scripts/bench and scripts/soak (the test run uses their defaults)."""
    group = parser.getgroup("parqex evidence")
    group.addoption(
        "--bench", choices=["quick", "full"], default="quick", help="benchmark size"
    )
    group.addoption("--bench-report", type=Path, help="write the benchmark here")
    group.addoption(
        "--bench-change-out",
        type=Path,
        help="one process's cost of change, written here (the benchmark's own use)",
    )
    group.addoption(
        "--soak-hours", type=float, default=1.0, help="simulated hours of faults"
    )
    group.addoption("--soak-seed", type=int, default=2026, help="the fault schedule")
    group.addoption("--soak-report", type=Path, help="write the soak table here")


@pytest.fixture
def bench(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    pytestconfig: pytest.Config,
) -> Bench:
    """The benchmark of the size `--bench` names, in this test's Home Assistant."""
    plan = BenchPlan.of(quick=pytestconfig.getoption("--bench") == "quick")
    return Bench(hass, hass_client_no_auth, monkeypatch, tmp_path, plan)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> Generator[None]:
    """Let Home Assistant load custom_components/parqex in every test."""
    yield


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """Store ParqEx client credentials, as a user does in Application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


@pytest.fixture
def fake(aioclient_mock: AiohttpClientMocker) -> FakeParqEx:
    """The fake ParqEx cloud."""
    return FakeParqEx(aioclient_mock)


@pytest.fixture
def config_entry(hass: HomeAssistant, fake: FakeParqEx) -> MockConfigEntry:
    """A signed-in ParqEx account, with tokens the fake accepts."""
    token: dict[str, Any] = fake.issue_tokens()
    token["expires_at"] = time.time() + token["expires_in"]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Ada Lovelace",
        unique_id=USER_ID,
        version=1,
        minor_version=2,
        data={
            "auth_implementation": DOMAIN,
            "token": token,
            "webhook_id": WEBHOOK_ID,
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, credentials: None, config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The account, set up."""
    await set_up(hass, config_entry)
    yield config_entry


@pytest.fixture
async def pushing_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The account set up with push on (the API key for deliveries saved)."""
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_WEBHOOK_KEY: WEBHOOK_KEY}
    )
    await set_up(hass, config_entry)
    return config_entry


@pytest.fixture
async def sim() -> AsyncGenerator[Sim]:
    """The simulator with the default dialect and a fast door."""
    async for running in simulator_session(travel_time=0.05):
        yield running


@pytest.fixture
def develop(socket_enabled: None, tmp_path: Path) -> Generator[Develop]:
    """`scripts/develop` on free ports with a fresh configuration, started."""
    running = Develop(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.close()


@pytest.fixture
async def second_account(
    hass: HomeAssistant, fake: FakeParqEx, loaded_entry: MockConfigEntry
) -> MockConfigEntry:
    """Grace's own ParqEx account, loaded beside the first: it shares the garage."""
    token: dict[str, Any] = fake.issue_tokens()
    token["expires_at"] = 2**31
    second = MockConfigEntry(
        domain=DOMAIN,
        title="Grace Hopper",
        unique_id=GRACE[0],
        version=1,
        minor_version=3,
        data={"auth_implementation": DOMAIN, "token": token, "webhook_id": "f" * 64},
    )
    second.add_to_hass(hass)
    await set_up(hass, second)
    return second
