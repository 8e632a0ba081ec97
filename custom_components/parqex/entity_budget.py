"""Room for enabled entities: the switches first, then each kind as a whole.

Home Assistant (2026.10; not 2026.2) registers no new entity enabled once an entry
has 10,000 enabled: it drops it with a warning. An account with thousands of
access points would lose whichever platform happened to come last, switches
included. So room goes to the kinds below in order, each as a whole, and the
new entities of a kind that does not fit start disabled (the user can enable
the ones wanted). The same rule holds on releases without that limit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    entity_platform,
    entity_registry as er,
    issue_registry as ir,
)

from .access_points import AccessPointStates
from .const import DOMAIN
from .ids import entity_kind

if TYPE_CHECKING:
    from .runtime import ParqExConfigEntry

ENABLED_LIMIT = int(
    getattr(entity_platform, "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", 10_000)
)


def _doors(states: AccessPointStates) -> int:
    return len(states.access_points)


def _controllers(states: AccessPointStates) -> int:
    return len(states.controllers)


def _door_sensors(states: AccessPointStates) -> int:
    return sum(door.bluetooth_sensor for door in states.access_points.values())


# Kinds (an entity's key; the switch has none) in the order they get room, and
# how many of each the account wants enabled. Kinds disabled by default (a
# controller's last contact) take none.
ROOM: tuple[tuple[str | None, Callable[[AccessPointStates], int]], ...] = (
    (None, _doors),
    ("connectivity", _controllers),
    ("access", _doors),
    ("last_operated_by", _doors),
    ("held_open", _doors),
    ("last_changed", _doors),
    ("sensor_battery", _door_sensors),
)


@callback
def async_kinds_without_room(
    hass: HomeAssistant, entry: ParqExConfigEntry, states: AccessPointStates
) -> frozenset[str | None]:
    """Return the kinds whose new entities must start disabled.

    What is registered keeps its room (enabled or not, as it is); each kind's
    new entities then fit as a whole, or start disabled.
    """
    registered = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    used = sum(entity.disabled_by is None for entity in registered)
    known = Counter(entity_kind(entity.unique_id) for entity in registered)
    without: set[str | None] = set()
    for kind, wanted in ROOM:
        new = max(wanted(states) - known[kind], 0)
        if used + new <= ENABLED_LIMIT:
            used += new
        else:
            without.add(kind)
    return frozenset(without)


@callback
def async_tell_started_disabled(hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
    """Say in Repairs that new entities started disabled, and why."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"entities_started_disabled_{entry.entry_id}",
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="entities_started_disabled",
        translation_placeholders={
            "account": entry.title,
            "limit": str(ENABLED_LIMIT),
        },
    )
