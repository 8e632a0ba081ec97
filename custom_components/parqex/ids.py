"""Ids and signals: how entities, access points and their news are named.

An entity's unique id says which account and which access point or controller
it belongs to; the dispatcher signal carries an access point's newest access
records from the access log to its entities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .const import DOMAIN

if TYPE_CHECKING:
    from .runtime import ParqExConfigEntry


def access_record_signal(entry_id: str, door_id: str) -> str:
    """Dispatcher signal carrying an access point's newest access records."""
    return f"{DOMAIN}_{entry_id}_{door_id}_access_records"


def shown_signal(entry_id: str, door_id: str) -> str:
    """Dispatcher signal carrying what "last operated by" shows, named anew."""
    return f"{DOMAIN}_{entry_id}_{door_id}_shown"


def unique_id(account: str, owner: str, key: str | None = None) -> str:
    """Return an entity's unique id: account, access point or controller id, key.

    The account (the ParqEx user id) comes first, so that an access point two
    accounts share has entities in each. The switch, an access point's main
    entity, has no key.
    """
    base = f"{account}_{owner}"
    return base if key is None else f"{base}_{key}"


def owner_id(entity_unique_id: str) -> str:
    """Return the access point or controller id in an entity's unique id."""
    return entity_unique_id.split("_")[1] if "_" in entity_unique_id else ""


def entity_kind(entity_unique_id: str) -> str | None:
    """Return the key in an entity's unique id (None: the switch)."""
    parts = entity_unique_id.split("_", 2)
    return parts[2] if len(parts) == 3 else None


def account_id(entry: ParqExConfigEntry) -> str:
    """Return the ParqEx user id an entry signed in as (its unique id)."""
    return entry.unique_id or entry.entry_id
