"""The OpenID Connect provider of the sign-in browser tests, and the app's secrets pointing at it.

Not a test module. The provider is ``node tests/e2e/oidc/provider.mjs`` (the npm package
``oidc-provider``, pinned in ``tests/e2e/oidc/package.json`` and ``package-lock.json``, installed
with ``npm ci`` by ``.ci/run``, or here when ``node_modules`` is missing or differs from the
lock), on a free loopback port. It is ready when its discovery document answers; its output goes
to a file, shown when it fails to start and after a failed test. Its accounts (``ACCOUNTS``)
mirror the ones in ``provider.mjs``.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import START_TIMEOUT_S, ServerError, free_port

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "ketamine-dashboard-e2e"


@dataclass(frozen=True)
class Account:
    login: str
    name: str
    email: str
    groups: tuple[str, ...]


NURSE = Account(
    "nurse.nightingale", "Florence Nightingale", "florence.nightingale@clinic.test", ("ketamine-nurses",)
)
LEAD = Account(
    "lead.seacole", "Mary Seacole", "mary.seacole@clinic.test", ("ketamine-leads", "ketamine-nurses")
)
ACCOUNTS = (NURSE, LEAD)
GROUP_ROLES = {"ketamine-nurses": "nurse", "ketamine-leads": "lead"}


def missing() -> str | None:
    """Why the provider cannot run here, or None when it can."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"no {tool} on PATH (Node.js 20 or later runs the OpenID provider of the sign-in tests)"
    return None


def installed() -> bool:
    """Whether ``node_modules`` holds exactly what ``package-lock.json`` pins (npm ci writes the
    installed tree to ``node_modules/.package-lock.json``)."""
    hidden = OIDC_DIR / "node_modules" / ".package-lock.json"
    if not hidden.exists():
        return False
    wanted = json.loads((OIDC_DIR / "package-lock.json").read_text())["packages"]
    present = json.loads(hidden.read_text())["packages"]
    return {name: entry.get("version") for name, entry in wanted.items() if name} == {
        name: entry.get("version") for name, entry in present.items()
    }


def install(log: Path) -> None:
    """``npm ci`` in ``tests/e2e/oidc`` unless the locked packages are there; ServerError with
    npm's output if it fails."""
    if installed():
        return
    with log.open("wb") as output:
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=OIDC_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        output = log.read_text(errors="replace")
        raise ServerError(f"npm ci in {OIDC_DIR} failed ({done.returncode}):\n{output}")


class OidcProvider:
    """``node provider.mjs`` on a free loopback port, for one client: the app on ``app_port``."""

    def __init__(self, app_port: int, log: Path) -> None:
        self.port = free_port()
        while self.port == app_port:  # the app's port is chosen first but bound later
            self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.app_port = app_port
        self.metadata_url = f"{self.issuer}/.well-known/openid-configuration"
        self.redirect_uri = f"http://127.0.0.1:{app_port}/oauth2callback"
        self.client_secret = secrets.token_urlsafe(32)
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            ["node", "provider.mjs", str(self.port), CLIENT_ID, self.client_secret, self.redirect_uri],
            cwd=OIDC_DIR,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Return once the discovery document names this issuer; ServerError if it exits or times out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise ServerError(f"the OpenID provider exited with {code}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.metadata_url, timeout=2) as answer:
                    if json.load(answer).get("issuer") == self.issuer:
                        return
            except OSError:
                time.sleep(0.2)
        raise ServerError(f"the OpenID provider not ready after {timeout_s:g} s:\n{self.output()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()

    def secrets_toml(self, cookie_secret: str) -> str:
        """The app's secrets: ``[auth]`` at this provider and the role mapping of the provider's
        groups (``[roles]``). The login is required by ``DASHBOARD_REQUIRE_LOGIN``, not here."""
        groups = "\n".join(f'"{group}" = "{role}"' for group, role in GROUP_ROLES.items())
        return f"""[auth]
redirect_uri = "{self.redirect_uri}"
cookie_secret = "{cookie_secret}"
client_id = "{CLIENT_ID}"
client_secret = "{self.client_secret}"
server_metadata_url = "{self.metadata_url}"
# Streamlit asks for prompt=select_account by default, which oidc-provider refuses (not a
# standard prompt); "login" shows the provider's sign-in form each time.
client_kwargs = {{ scope = "openid email profile groups", prompt = "login" }}

[roles]
claim = "groups"

[roles.groups]
{groups}
"""


@contextmanager
def running_provider(app_port: int, log: Path) -> Iterator[OidcProvider]:
    """The provider, installed and ready, for the length of the ``with`` block; stopped after it."""
    install(log.with_name("npm-ci.log"))
    provider = OidcProvider(app_port, log)
    try:
        provider.wait_ready()
        yield provider
    finally:
        provider.stop()
