"""What HACS and Home Assistant's validators check in the repository's metadata."""

from __future__ import annotations

import json
from pathlib import Path
import re
import subprocess
import sys
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import yaml

from custom_components.parqex.config_flow import _OWN_REASONS

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
    # Neither HACS nor the Marketplace reads it any more.
    assert "render_readme" not in hacs
    assert (INTEGRATION / "brand" / "icon.png").is_file()


def test_every_translation_key_in_code_is_translated() -> None:
    """Each exception key and abort reason the code uses has an English text."""
    translations = _json(INTEGRATION / "translations" / "en.json")
    exceptions = translations["exceptions"]
    aborts = translations["config"]["abort"]  # type: ignore[index]
    # Repair dialogs abort with their issue's own reasons (below).
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for p in INTEGRATION.glob("*.py")
        if p.name != "repairs.py"
    )
    used_keys = set(
        re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', code)
    )
    used_keys |= set(re.findall(r'\(\w+Error, "([a-z_]+)", \w+Error\)', code))
    used_keys |= set(re.findall(r'_invalid\(\s*"([a-z_]+)"', code))
    used_keys.add("unexpected_response")
    assert len(used_keys) >= 20
    assert used_keys <= set(exceptions)  # type: ignore[arg-type]
    reasons = set(re.findall(r'reason="([a-z_]+)"', code))
    # Home Assistant's shared OAuth reasons are aborted with the integration's own.
    reasons |= set(_OWN_REASONS.values())
    assert reasons <= set(aborts)  # type: ignore[arg-type]
    assert not set(_OWN_REASONS) & set(aborts)  # type: ignore[arg-type]


def test_every_fixable_repair_has_its_dialog_translated() -> None:
    """A repair raised as fixable has the steps, errors and aborts of its dialog."""
    issues = _json(INTEGRATION / "translations" / "en.json")["issues"]
    code = "\n".join(p.read_text(encoding="utf-8") for p in INTEGRATION.glob("*.py"))
    fixable = set(
        re.findall(
            r"is_fixable=True,(?:\s*#[^\n]*)?(?:\s*\w+=[^\n]*,)*?\s*"
            r'translation_key="([a-z_]+)"',
            code,
        )
    )
    # Push issues raised through webhook_url's one helper, by kind.
    fixable |= set(
        re.findall(r'"([a-z_]+)",\s*up=[^\n]*\n(?:[^\n]*\n)?\s*fixable=True', code)
    )
    assert fixable == {"push_off", "deliveries_missing"}
    repairs = (INTEGRATION / "repairs.py").read_text(encoding="utf-8")
    steps = set(re.findall(r'step_id="([a-z_]+)"', repairs))
    reasons = set(re.findall(r'reason="([a-z_]+)"', repairs))
    errors = {"key_too_short"}
    for key in fixable:
        flow = issues[key]["fix_flow"]  # type: ignore[index]
        assert steps <= set(flow["step"])
        assert reasons <= set(flow["abort"])
        assert errors <= set(flow["error"])


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


# The rules of Home Assistant's Integration Quality Scale (2026.11), by tier.
QUALITY_SCALE_RULES = {
    "bronze": """action-setup appropriate-polling brands common-modules
        config-flow-test-coverage config-flow dependency-transparency docs-actions
        docs-high-level-description docs-installation-instructions
        docs-removal-instructions entity-event-setup entity-unique-id has-entity-name
        runtime-data test-before-configure test-before-setup unique-config-entry""",
    "silver": """action-exceptions config-entry-unloading docs-configuration-parameters
        docs-installation-parameters entity-unavailable integration-owner
        log-when-unavailable parallel-updates reauthentication-flow test-coverage""",
    "gold": """devices diagnostics discovery-update-info discovery docs-conditions
        docs-data-update docs-examples docs-known-limitations docs-supported-devices
        docs-supported-functions docs-triggers docs-troubleshooting docs-use-cases
        dynamic-devices entity-category entity-device-class entity-disabled-by-default
        entity-translations exception-translations icon-translations
        reconfiguration-flow repair-issues stale-devices""",
    "platinum": "async-dependency inject-websession strict-typing",
}


def test_quality_scale_is_complete_and_honest() -> None:
    """Every rule is listed once; what is not done says why."""
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text("utf-8"))
    listed = rules["rules"]
    expected = {rule for tier in QUALITY_SCALE_RULES.values() for rule in tier.split()}
    assert len(expected) == 54
    assert set(listed) == expected
    for rule, value in listed.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in ("done", "todo", "exempt"), rule
        if status != "done":
            assert len(value["comment"]) > 20, rule
    # The API client is in the integration, not a library on PyPI.
    for rule in ("dependency-transparency", "async-dependency"):
        assert listed[rule]["status"] == "todo"
    # It takes Home Assistant's session.
    setup = (INTEGRATION / "__init__.py").read_text(encoding="utf-8")
    assert "ParqExClient(\n        async_get_clientsession(hass)" in setup
    assert listed["inject-websession"]["status"] == "done"
    # An entity that picks its icon in code is not done with icon translations.
    overrides_icon = "def icon(" in (INTEGRATION / "event.py").read_text("utf-8")
    assert (listed["icon-translations"]["status"] == "done") is not overrides_icon


def test_every_exception_text_is_used() -> None:
    """No translated exception is left over from code that is gone."""
    exceptions = set(_json(INTEGRATION / "translations" / "en.json")["exceptions"])
    code = "\n".join(p.read_text(encoding="utf-8") for p in INTEGRATION.glob("*.py"))
    unused = {key for key in exceptions if f'"{key}"' not in code}
    assert unused == set()
    # So are repair issues, option errors and options fields.
    translations = _json(INTEGRATION / "translations" / "en.json")
    options = translations["options"]  # type: ignore[index]
    for key in [
        *translations["issues"],  # type: ignore[misc]
        *options["error"],
        *options["step"]["init"]["data"],
    ]:
        assert f'"{key}"' in code or f"{key.upper()}" in code, key


def test_every_entity_translation_and_icon_is_used() -> None:
    """Entity names and icons exist only for translation keys the code sets."""
    translations = _json(INTEGRATION / "translations" / "en.json")
    icons = _json(INTEGRATION / "icons.json")["entity"]
    code = "\n".join(p.read_text(encoding="utf-8") for p in INTEGRATION.glob("*.py"))
    keys_in_code = set(re.findall(r'"([a-z_]+)"', code))
    for platform, keys in translations["entity"].items():  # type: ignore[attr-defined]
        assert (INTEGRATION / f"{platform}.py").is_file()
        for key in keys:
            assert key.removesuffix("_numbered") in keys_in_code, key
    for platform, keys in icons.items():  # type: ignore[attr-defined]
        assert set(keys) <= set(translations["entity"][platform]), platform


def test_action_fields_have_names_and_descriptions() -> None:
    """Each field of each action is named and described for the UI."""
    translated = _json(INTEGRATION / "translations" / "en.json")["services"]
    for action in translated.values():  # type: ignore[attr-defined]
        assert action["name"] and action["description"]
        for field in action["fields"].values():
            assert field["name"] and field["description"]


def test_versions_agree() -> None:
    """The manifest, pyproject.toml and the changelog's newest release agree."""
    version = _json(INTEGRATION / "manifest.json")["version"]
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert f'\nversion = "{version}"\n' in pyproject
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    releases = re.findall(
        r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M
    )
    assert releases[0] == version
    assert releases == sorted(releases, key=AwesomeVersion, reverse=True)


def _workflow(name: str) -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(
        (ROOT / ".github" / "workflows" / name).read_text("utf-8")
    )
    # YAML 1.1 reads the key `on` as True.
    loaded["on"] = loaded.pop(True, loaded.get("on"))
    return loaded


def _plugin_for(python: str) -> str:
    """The test plugin requirements_test.txt picks for a Python version."""
    version = tuple(int(part) for part in python.split("."))
    for line in (ROOT / "requirements_test.txt").read_text("utf-8").splitlines():
        if line.startswith("pytest-homeassistant-custom-component=="):
            pin, _, marker = line.partition(";")
            bounds = re.findall(r'python_full_version ([<>]=?) "([\d.]+)"', marker)
            checks = {
                "<": lambda a, b: a < b,
                ">=": lambda a, b: a >= b,
            }
            if all(
                checks[op](version, tuple(int(p) for p in bound.split(".")))
                for op, bound in bounds
            ):
                return pin.split("==")[1].strip()
    raise AssertionError(f"no test plugin for Python {python}")


def test_workflows_agree_with_the_repository() -> None:
    """Tests run scripts/test on the Pythons that pick each Home Assistant."""
    tests = _workflow("tests.yml")
    assert {"push", "pull_request", "schedule"} <= set(tests["on"])
    job = tests["jobs"]["tests"]
    pythons = job["strategy"]["matrix"]["python"]
    # 3.13.0 (Home Assistant 2025.4), the newest 3.13 (2026.2), 3.14 (the newest).
    assert pythons[0] == "3.13.0"
    newest_313 = "3.13.99" if pythons[1] == "3.13" else pythons[1]
    newest_314 = "3.14.99" if pythons[2] == "3.14" else pythons[2]
    plugins = [_plugin_for(p) for p in ("3.13.0", newest_313, newest_314)]
    assert len(set(plugins)) == 3, plugins
    assert any(step.get("run") == "scripts/test" for step in job["steps"])

    validate = _workflow("validate.yml")
    assert {"push", "pull_request", "schedule"} <= set(validate["on"])
    uses = {
        step["uses"]: step.get("with", {})
        for job in validate["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    }
    assert "home-assistant/actions/hassfest@master" in uses
    assert uses["hacs/action@main"] == {"category": "integration"}


def test_release_zip_is_what_hacs_expects() -> None:
    """A tag must equal the manifest version; the zip is hacs.json's filename."""
    hacs = _json(ROOT / "hacs.json")
    release = _workflow("release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    script = "\n".join(
        step.get("run", "") for step in release["jobs"]["release"]["steps"]
    )
    assert "custom_components/parqex/manifest.json" in script
    assert 'test "${GITHUB_REF_NAME}" = "v${version}"' in script
    assert hacs["zip_release"] is True
    assert f'zip -r "${{GITHUB_WORKSPACE}}/{hacs["filename"]}"' in script
    assert "cd custom_components/parqex" in script


def test_documents_link_to_files_that_exist() -> None:
    """Relative links in the README and docs lead somewhere (the evidence tables)."""
    for document in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        text = document.read_text(encoding="utf-8")
        targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
        local = [t for t in targets if not re.match(r"[a-z]+:", t)]
        missing = [t for t in local if not (document.parent / t).exists()]
        assert not missing, f"{document.name} links to missing files: {missing}"
    assert "docs/benchmarks.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_development_configuration_keeps_the_access_log() -> None:
    """scripts/develop's Home Assistant has the recorder, logbook and history."""
    text = (ROOT / "config" / "configuration.yaml").read_text(encoding="utf-8")
    top_level = set(re.findall(r"^([a-z_]+):", text, re.MULTILINE))
    assert {"recorder", "logbook", "history"} <= top_level


def test_develop_help_says_each_option_and_its_default() -> None:
    """`scripts/develop --help` explains every option and shows its default."""
    shown = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "develop.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    options = re.findall(r"^  (--[a-z-]+)", shown, re.MULTILINE)
    assert set(options) >= {"--config", "--ha-port", "--sim-port", "--account"}
    assert shown.count("(default:") == len(options)


def test_the_client_package_knows_nothing_of_home_assistant() -> None:
    """`client/` imports neither Home Assistant nor the integration around it.

    Run in a fresh interpreter that cannot find Home Assistant: the package's
    modules are loaded from their files, as another program would use them.
    """
    client = INTEGRATION / "client"
    script = f"""
import importlib.abc, importlib.util, sys
class NoHomeAssistant(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant" or name.startswith("homeassistant."):
            raise ImportError("the client imported " + name)
        return None
sys.meta_path.insert(0, NoHomeAssistant())
spec = importlib.util.spec_from_file_location(
    "parqex_client", {str(client / "__init__.py")!r},
    submodule_search_locations=[{str(client)!r}],
)
package = importlib.util.module_from_spec(spec)
sys.modules["parqex_client"] = package
spec.loader.exec_module(package)
for name in ("errors", "times", "urls", "models", "checkins", "api"):
    importlib.import_module("parqex_client." + name)
from parqex_client.models import parse_sync
assert parse_sync({{"devices": []}}) == ()
print("ok")
"""
    modules = sorted(p.stem for p in client.glob("*.py") if p.stem != "__init__")
    assert modules == ["api", "checkins", "errors", "models", "times", "urls"]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
