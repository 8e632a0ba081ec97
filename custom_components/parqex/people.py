"""Home Assistant's people in ParqEx's log, and who may operate access points.

Under Configure the user maps ParqEx users to Home Assistant persons, and may
list the Home Assistant users (and Cloud's voice assistants) who operate access
points: directly, or through an automation or script they start (contexts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.auth.models import User
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError

from .const import ALLOWED_CLOUD_VOICE, CONF_ALLOWED_USERS, CONF_PEOPLE, DOMAIN
from .contexts import recent_user_contexts

if TYPE_CHECKING:
    from .runtime import ParqExConfigEntry

# The system user Home Assistant Cloud makes; Google Assistant and Alexa act as it.
CLOUD_USER_NAME = "Home Assistant Cloud"


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


def allowed_users(entry: ParqExConfigEntry) -> list[str]:
    """Return who may operate access points (empty: everyone)."""
    return list(entry.options.get(CONF_ALLOWED_USERS) or [])


@dataclass(frozen=True, slots=True)
class Caller:
    """Who caused an action, and whether the entry's list lets them operate."""

    # The Home Assistant user (one step up the context chain); None: nobody.
    user_id: str | None
    # That user, when Home Assistant still knows them.
    user: User | None
    allowed: bool

    @property
    def name(self) -> str | None:
        """The user's name, for the log."""
        return self.user.name if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        """Whether the user is an administrator."""
        return self.user is not None and self.user.is_admin


async def async_caller(
    hass: HomeAssistant, entry: ParqExConfigEntry, context: Context | None
) -> Caller:
    """Return who caused an action in `context`, and whether they may operate.

    Actions with no user, even one step up (automations that start on their own,
    HomeKit), are allowed. Google Assistant and Alexa through Home Assistant
    Cloud act as Cloud's own system user, which the list offers as a choice. A
    user Home Assistant no longer knows (deleted since) is refused.
    """
    user_id = recent_user_contexts(hass).user_of(context)
    if user_id is None:
        return Caller(None, None, allowed=True)
    user = await hass.auth.async_get_user(user_id)
    allowed = allowed_users(entry)
    if not allowed:
        return Caller(user_id, user, allowed=True)
    return Caller(
        user_id,
        user,
        allowed=user is not None
        and (
            user_id in allowed
            or (ALLOWED_CLOUD_VOICE in allowed and is_cloud_user(user))
        ),
    )


def is_cloud_user(user: User) -> bool:
    """Whether the user is the one Home Assistant Cloud's voice assistants act as."""
    return user.system_generated and user.name == CLOUD_USER_NAME


def not_allowed(name: str) -> ServiceValidationError:
    """Return the refusal a user not on the list gets."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="user_not_allowed",
        translation_placeholders={"name": name},
    )


@callback
def async_follow_allowed_list(
    hass: HomeAssistant, entry: ParqExConfigEntry
) -> CALLBACK_TYPE:
    """Remember recent user contexts whenever the entry has an allowed list.

    Options change without a reload (and an update listener would clash with
    reauthentication's reload), so the list is read at each action.
    """
    return recent_user_contexts(hass).async_need(
        entry.entry_id, lambda: bool(allowed_users(entry))
    )
