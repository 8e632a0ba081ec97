"""Run the ParqEx simulator and Home Assistant together (see scripts/develop).

The simulator gets the free redirect URIs of this Home Assistant; Home Assistant
gets the simulator's client credentials and the development setting that points
the integration at the simulator. Ctrl-C (or SIGTERM) stops both.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
import importlib
import json
import os
from pathlib import Path
import secrets
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
import urllib.error
import urllib.request

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parqex_sim.account import DEFAULT_ACCOUNT  # noqa: E402

START_TIMEOUT = 300.0


def parse_args() -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description="Home Assistant with the ParqEx integration, against the simulator."
        " Other arguments go to the simulator (.venv/bin/python -m parqex_sim --help).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ.get("PARQEX_CONFIG_DIR", ROOT / "config")),
        help="Home Assistant configuration directory ($PARQEX_CONFIG_DIR)",
    )
    parser.add_argument(
        "--ha-port",
        type=int,
        default=int(os.environ.get("PARQEX_HA_PORT", "8123")),
        help="port of Home Assistant on 127.0.0.1 ($PARQEX_HA_PORT)",
    )
    parser.add_argument(
        "--sim-port",
        type=int,
        default=int(os.environ.get("PARQEX_SIM_PORT", "8765")),
        help="port of the ParqEx simulator on 127.0.0.1 ($PARQEX_SIM_PORT)",
    )
    parser.add_argument(
        "--account",
        type=Path,
        default=DEFAULT_ACCOUNT,
        help="the simulated ParqEx account: users, controllers, doors (JSON)",
    )
    parser.add_argument(
        "--no-credentials",
        action="store_true",
        help="do not store the simulator's client as application credentials"
        " (enter them in Home Assistant's dialog instead)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="forget the simulator's saved state (tokens, doors, history, webhook)",
    )
    return parser.parse_known_args()


def prepare_config(
    config: Path, account: Path, *, credentials: bool = True
) -> dict[str, str]:
    """Link the integration; store the simulator's app as application credentials."""
    config.mkdir(parents=True, exist_ok=True)
    if not (config / "configuration.yaml").exists():
        (config / "configuration.yaml").write_text(
            (ROOT / "config" / "configuration.yaml").read_text("utf-8"), "utf-8"
        )
    # What the automation, script and scene editors save (configuration.yaml
    # includes them; a missing file would stop those integrations loading).
    for name, empty in (
        ("automations.yaml", "[]\n"),
        ("scripts.yaml", "{}\n"),
        ("scenes.yaml", "[]\n"),
    ):
        if not (config / name).exists():
            (config / name).write_text(empty, "utf-8")
    custom = config / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "parqex"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components" / "parqex", target_is_directory=True)
    client: dict[str, str] = json.loads(account.read_text("utf-8"))["clients"][0]
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    if not credentials:
        return client
    path = storage / "application_credentials"
    stored = (
        json.loads(path.read_text("utf-8"))
        if path.exists()
        else {
            "version": 1,
            "minor_version": 1,
            "key": "application_credentials",
            "data": {"items": []},
        }
    )
    items = stored["data"]["items"]
    if not any(
        i["domain"] == "parqex" and i["client_id"] == client["client_id"] for i in items
    ):
        items.append(
            {
                # The id Home Assistant itself would give it.
                "id": "parqex_" + client["client_id"].replace(".", "_"),
                "domain": "parqex",
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "name": "ParqEx simulator",
            }
        )
        path.write_text(json.dumps(stored, indent=2), "utf-8")
    return client


def serve_on_loopback(config: Path, port: int) -> None:
    """Make Home Assistant listen on 127.0.0.1:port, whatever its release.

    Up to 2026.9 the `http:` settings are YAML: a package file that
    configuration.yaml includes. From 2026.10 Home Assistant keeps them in its
    own store and turns YAML settings into a change to confirm in the UI (undone
    after 5 minutes), so they are written to that store as confirmed.
    """
    settings: dict[str, object] = {"server_host": ["127.0.0.1"], "server_port": port}
    packages = config / "packages"
    packages.mkdir(exist_ok=True)
    package = packages / "parqex_develop_http.yaml"
    try:
        http_store = importlib.import_module("homeassistant.components.http.config")
    except ModuleNotFoundError:
        # JSON is YAML.
        package.write_text(json.dumps({"http": settings}), "utf-8")
        return
    package.unlink(missing_ok=True)
    stable = {
        **http_store.HTTP_STORAGE_SCHEMA(settings),
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    stored = {
        "version": http_store.STORAGE_VERSION,
        "minor_version": http_store.STORAGE_MINOR_VERSION,
        "key": http_store.STORAGE_KEY,
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    (config / ".storage" / http_store.STORAGE_KEY).write_text(
        json.dumps(stored, indent=2), "utf-8"
    )


def wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    """Wait until a URL answers (any HTTP status), or the process died."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped (exit code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{what} did not start within {START_TIMEOUT:.0f} s")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def main() -> int:
    # Started in the background by a script, Ctrl-C (SIGINT) arrives ignored, and
    # Python then keeps ignoring it: take it back, so that Ctrl-C always stops both.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args, sim_args = parse_args()
    for port in (args.ha_port, args.sim_port):
        if not port_free(port):
            raise SystemExit(f"port {port} is in use (set --ha-port / --sim-port)")
    config = args.config.resolve()
    client = prepare_config(config, args.account, credentials=not args.no_credentials)
    serve_on_loopback(config, args.ha_port)
    # The simulator's tokens and doors live next to Home Assistant's own storage.
    sim_state = config / ".parqex_simulator.json"
    if args.fresh:
        sim_state.unlink(missing_ok=True)
    sim_url = f"http://127.0.0.1:{args.sim_port}"
    ha_url = f"http://127.0.0.1:{args.ha_port}"
    redirects = [
        f"http://{host}:{args.ha_port}/auth/external/callback"
        for host in ("127.0.0.1", "localhost")
    ]
    if "--control-token" not in sim_args:
        sim_args = [*sim_args, "--control-token", secrets.token_urlsafe(18)]
    sim_token = sim_args[sim_args.index("--control-token") + 1]
    sim = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "parqex_sim",
            "--port",
            str(args.sim_port),
            "--account",
            str(args.account),
            "--state-file",
            str(sim_state),
            *[arg for uri in redirects for arg in ("--redirect-uri", uri)],
            *sim_args,
        ],
        cwd=ROOT,
        # Ctrl-C in the terminal reaches this script only; it stops both in order.
        start_new_session=True,
    )
    env = {
        **os.environ,
        "PARQEX_DEVELOPMENT_BASE_URL": sim_url,
        "PARQEX_HA_URL": ha_url,
    }
    hass = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "homeassistant", "-c", str(args.config), "--skip-pip"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    processes = (hass, sim)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        wait_for(f"{sim_url}/_sim/state", sim, "The simulator")
        wait_for(f"{ha_url}/manifest.json", hass, "Home Assistant")
        credentials = (
            f"Application credentials to enter: client id {client['client_id']},"
            f" secret {client['client_secret']}.\n"
            if args.no_credentials
            else "Application credentials are ready"
            f" (client id {client['client_id']}).\n"
        )
        print(
            f"\nHome Assistant:   {ha_url}\n"
            f"ParqEx simulator: {sim_url} (control API {sim_url}/_sim/state,"
            f" header X-ParqEx-Sim-Token: {sim_token})\n"
            "Create your Home Assistant user, then Settings > Devices & services >"
            f" Add integration > ParqEx.\n{credentials}"
            "Sign in to the simulator as owner@parqex.example / parqex"
            " (or guest@parqex.example / parqex) and choose ALLOW.\n"
            "Real-time updates: ParqEx > Configure shows a URL; give it to the"
            f" simulator at {sim_url}/_sim/webhook/page?token={sim_token}"
            " and paste the key it shows.\n"
            "Ctrl-C stops both.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_both(processes)


def stop_both(processes: tuple[subprocess.Popen[bytes], ...]) -> None:
    """Stop Home Assistant and the simulator; a second Ctrl-C stops them at once."""
    try:
        print("Stopping both (Ctrl-C again: at once).", flush=True)
        # SIGTERM is how Home Assistant expects to be stopped: quickly, cleanly.
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    except KeyboardInterrupt:
        print("Stopping both at once.", flush=True)
        for process in processes:
            if process.poll() is None:
                process.kill()
    # Nothing is left running, whichever way they ended.
    for process in processes:
        process.wait()


if __name__ == "__main__":
    sys.exit(main())
