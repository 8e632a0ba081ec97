"""What a loaded ParqEx account holds while it runs (the entry's runtime data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .access_log import AccessLog
from .access_points import AccessPointStates
from .client.api import ParqExClient
from .coordinator import ParqExCoordinator
from .history import AccessHistoryReader
from .push_health import PushHealth

if TYPE_CHECKING:
    from .webhook import ParqExWebhook


@dataclass(slots=True)
class ParqExRuntime:
    """The parts of one account: each has one role, none owns another.

    The client speaks to ParqEx; the coordinator polls and schedules; the states
    are the only writer of what access points show; history reads access events
    and the access log tells them (newest first, named); the webhook receives
    pushes (set once entities can show them) and push health watches it.
    """

    client: ParqExClient
    states: AccessPointStates
    coordinator: ParqExCoordinator
    history: AccessHistoryReader
    access_log: AccessLog
    push_health: PushHealth
    webhook: ParqExWebhook | None = None


type ParqExConfigEntry = ConfigEntry[ParqExRuntime]
