"""What a loaded ParqEx account holds while it runs (the entry's runtime data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .access_points import AccessPointStates
from .api import ParqExClient
from .coordinator import ParqExCoordinator
from .history import AccessHistoryReader

if TYPE_CHECKING:
    from .webhook import ParqExWebhook


@dataclass(slots=True)
class ParqExRuntime:
    """The parts of one account: each has one role, none owns another.

    The client speaks to ParqEx; the coordinator polls and schedules; the states
    are the only writer of what access points show; history reads and announces
    access events; the webhook receives pushes (set once entities can show them).
    """

    client: ParqExClient
    states: AccessPointStates
    coordinator: ParqExCoordinator
    history: AccessHistoryReader
    webhook: ParqExWebhook | None = None


type ParqExConfigEntry = ConfigEntry[ParqExRuntime]
