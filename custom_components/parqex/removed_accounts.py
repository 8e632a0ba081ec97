"""What a deleted ParqEx account leaves for when it is added again.

Deleting the entry and adding it again (a common fix-all) gives push a new
address, which ParqEx does not know, and would open the access points to every
user. So a deleted account leaves two things behind, by ParqEx user id: that
push was on (never the API key: a secret goes with its entry), and who may
operate access points with the people picked. Adding it again takes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    CONF_ALLOWED_USERS,
    CONF_PEOPLE,
    CONF_WEBHOOK_KEY,
    DOMAIN,
    REMOVED_ACCOUNT_MEMORY,
)
from .runtime import ParqExConfigEntry

STORAGE_VERSION = 1
_KEPT_OPTIONS = (CONF_ALLOWED_USERS, CONF_PEOPLE)


class _Stored(TypedDict):
    push: bool
    options: dict[str, Any]
    removed_at: str


@dataclass(frozen=True, slots=True)
class RemovedAccount:
    """What a deleted entry of the same ParqEx user left."""

    push: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str | None:
        """Return the translation key the sign-in ends with (None: the default)."""
        people = bool(self.options.get(CONF_ALLOWED_USERS))
        if self.push:
            return "push_off_people_kept" if people else "push_off"
        return "people_kept" if people else None


def _store(hass: HomeAssistant) -> Store[dict[str, _Stored]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.removed_accounts")


async def _async_load(store: Store[dict[str, _Stored]]) -> dict[str, _Stored]:
    """Read what is kept, without what is too old to matter."""
    stored = await store.async_load() or {}
    oldest = dt_util.utcnow() - REMOVED_ACCOUNT_MEMORY
    return {
        user_id: kept
        for user_id, kept in stored.items()
        if (at := dt_util.parse_datetime(str(kept.get("removed_at")))) is not None
        and at >= oldest
    }


async def async_remember(hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
    """Keep what adding this account again needs (the entry is being deleted)."""
    options = {k: entry.options[k] for k in _KEPT_OPTIONS if entry.options.get(k)}
    push = bool(entry.options.get(CONF_WEBHOOK_KEY))
    if entry.unique_id is None or not (push or options):
        return
    store = _store(hass)
    kept = await _async_load(store)
    kept[entry.unique_id] = {
        "push": push,
        "options": options,
        "removed_at": dt_util.utcnow().isoformat(),
    }
    await store.async_save(kept)


async def async_take(hass: HomeAssistant, user_id: str) -> RemovedAccount:
    """Return (and forget) what a deleted entry of this ParqEx user left."""
    store = _store(hass)
    kept = await _async_load(store)
    found = kept.pop(user_id, None)
    if found is None:
        return RemovedAccount()
    await store.async_save(kept)
    return RemovedAccount(bool(found.get("push")), dict(found.get("options") or {}))
