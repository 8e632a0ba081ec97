"""What HACS and Home Assistant's validators check in the repository's metadata."""

from __future__ import annotations

import json
from pathlib import Path
import re

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import yaml

ROOT = Path(__file__).parents[1]
INTEGRATION = ROOT / "custom_components" / "parqex"


def _json(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_is_valid_for_a_custom_integration() -> None:
    """Keys: domain, name, then the rest sorted; the values HACS and HA require."""
    manifest = _json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["config_flow"] is True
    assert manifest["dependencies"] == ["application_credentials", "webhook"]
    assert manifest["after_dependencies"] == ["cloud"]
    assert manifest["integration_type"] == "hub"
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["requirements"] == []
    assert manifest["codeowners"]
    for key in ("documentation", "issue_tracker"):
        assert str(manifest[key]).startswith("https://")
    version = AwesomeVersion(str(manifest["version"]))
    assert version.strategy is AwesomeVersionStrategy.SEMVER


def test_hacs_manifest() -> None:
    """HACS needs a name and the lowest supported Home Assistant version."""
    hacs = _json(ROOT / "hacs.json")
    assert hacs["name"] == "ParqEx"
    assert hacs["homeassistant"] == "2025.4.0"
    assert (INTEGRATION / "brand" / "icon.png").is_file()


def test_every_translation_key_in_code_is_translated() -> None:
    """Each exception key and abort reason the code uses has an English text."""
    translations = _json(INTEGRATION / "translations" / "en.json")
    exceptions = translations["exceptions"]
    aborts = translations["config"]["abort"]  # type: ignore[index]
    code = "\n".join(p.read_text(encoding="utf-8") for p in INTEGRATION.glob("*.py"))
    used_keys = set(
        re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', code)
    )
    used_keys |= set(re.findall(r'\(\w+Error, "([a-z_]+)", \w+Error\)', code))
    used_keys |= set(re.findall(r'_invalid\(\s*"([a-z_]+)"', code))
    used_keys.add("unexpected_response")
    assert len(used_keys) >= 20
    assert used_keys <= set(exceptions)  # type: ignore[arg-type]
    reasons = set(re.findall(r'reason="([a-z_]+)"', code))
    assert reasons <= set(aborts)  # type: ignore[arg-type]


def test_actions_are_described_and_translated() -> None:
    """services.yaml, translations and icons name the same actions and fields."""
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text("utf-8"))
    translated = _json(INTEGRATION / "translations" / "en.json")["services"]
    icons = _json(INTEGRATION / "icons.json")["services"]
    assert set(services) == set(translated) == set(icons)  # type: ignore[arg-type]
    for action, described in services.items():
        fields = translated[action]["fields"]  # type: ignore[index]
        assert set(described["fields"]) == set(fields)


def test_entity_translation_keys_have_names() -> None:
    """Each translation key of an access point entity has its numbered variant."""
    entities = _json(INTEGRATION / "translations" / "en.json")["entity"]
    for keys in entities.values():  # type: ignore[attr-defined]
        for key, value in keys.items():
            assert value["name"]
            if "{access_point}" in value["name"]:
                assert "{number}" in keys[f"{key}_numbered"]["name"]
