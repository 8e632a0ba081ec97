"""Home Assistant's people in ParqEx's log, and who may operate access points.

Under Configure the user maps ParqEx users to Home Assistant persons, and may
list the Home Assistant users who operate access points from the UI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .const import CONF_ALLOWED_USERS, CONF_PEOPLE, DOMAIN

if TYPE_CHECKING:
    from .runtime import ParqExConfigEntry


def mapped_person(entry: ParqExConfigEntry, parqex_user_id: str) -> str | None:
    """Return the person the user picked for a ParqEx user, if any."""
    people = entry.options.get(CONF_PEOPLE) or {}
    person = people.get(parqex_user_id)
    return person if isinstance(person, str) and person else None


def person_of_user(hass: HomeAssistant, user_id: str) -> str | None:
    """Return the person entity of a Home Assistant user, if any."""
    for state in hass.states.async_all("person"):
        if state.attributes.get("user_id") == user_id:
            return state.entity_id
    return None


def check_allowed(entry: ParqExConfigEntry, context: Context | None, name: str) -> None:
    """Refuse a signed-in user who is not on the entry's list (if it has one).

    Automations act without a user, so they are never refused.
    """
    allowed = entry.options.get(CONF_ALLOWED_USERS) or []
    user_id = context.user_id if context is not None else None
    if allowed and user_id is not None and user_id not in allowed:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="user_not_allowed",
            translation_placeholders={"name": name},
        )
