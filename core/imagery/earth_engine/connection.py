"""Earth Engine credentials (service-account key or stored user credentials) and the connection.

Configuration comes from the environment or from the ``[earth_engine]`` table of ``.streamlit/secrets.toml``:

    MINESCAN_EE_PROJECT                the Google Cloud project registered for Earth Engine
    MINESCAN_EE_SERVICE_ACCOUNT_KEY    path of a service account's JSON key, or
    MINESCAN_EE_CREDENTIALS=stored     the credentials ``earthengine authenticate`` stored for this user

    [earth_engine]
    project = "my-project"
    service_account_key = "/path/to/key.json"    # or service_account_key_json = '''{...}'''
    # or: use_stored_credentials = true

The environment wins over the secrets file. ``ee`` is imported only by :func:`connect`.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import MineScanError
from core.wording.translate import N_, _

#: Seconds before a request to Earth Engine is given up.
TIMEOUT_S = 30

#: What to do to use Earth Engine (English, marked: show it as ``_(HOW_TO_CONFIGURE)``).
HOW_TO_CONFIGURE = N_(
    "To use Earth Engine, give MineScan a Google Cloud project registered for Earth Engine and credentials: "
    "either a service account's JSON key (MINESCAN_EE_SERVICE_ACCOUNT_KEY=/path/key.json and "
    "MINESCAN_EE_PROJECT=my-project in the environment, or `project` and `service_account_key` under "
    "[earth_engine] in .streamlit/secrets.toml), or your own account: run `earthengine authenticate` once on "
    "this machine and set MINESCAN_EE_CREDENTIALS=stored (or `use_stored_credentials = true`). "
    "Everything else in MineScan (local GeoTIFFs, the demo, triage, exports) works without it."
)


class EarthEngineUnavailable(MineScanError):
    """Earth Engine cannot be used: not configured, credentials refused, or not reachable from this machine."""

    title = N_("Google Earth Engine is not available")


@dataclass(frozen=True)
class EarthEngineConfig:
    """How to sign in to Earth Engine. Exactly one of the three credential sources is set."""

    project: str
    key_file: str | None = None
    key_json: str | None = None
    stored_credentials: bool = False

    @property
    def method(self) -> str:
        """The credential source in words, in the current language (never the secret itself)."""
        if self.key_file:
            return _("service-account key file {path}").format(path=self.key_file)
        if self.key_json:
            return _("service-account key from the secrets file")
        return _("the credentials stored by `earthengine authenticate`")


def config_from(env: Mapping[str, str], secrets: Mapping[str, Any] | None = None) -> EarthEngineConfig:
    """The configuration the environment (first) or the secrets' ``[earth_engine]`` table gives.

    Raises:
        EarthEngineUnavailable: nothing configured, or a configuration missing its project or credentials.
    """
    table = dict((secrets or {}).get("earth_engine") or {})
    project = (env.get("MINESCAN_EE_PROJECT") or str(table.get("project") or "")).strip()
    key_file = (env.get("MINESCAN_EE_SERVICE_ACCOUNT_KEY") or str(table.get("service_account_key") or "")).strip()
    key_json = str(table.get("service_account_key_json") or "").strip()
    stored = env.get("MINESCAN_EE_CREDENTIALS", "").strip().lower() == "stored" or bool(
        table.get("use_stored_credentials")
    )
    if not (project or key_file or key_json or stored):
        message = _("Earth Engine is not configured on this MineScan. {how}")
        raise EarthEngineUnavailable(message.format(how=_(HOW_TO_CONFIGURE)))
    if not (key_file or key_json or stored):
        message = _("an Earth Engine project is set but no credentials. {how}")
        raise EarthEngineUnavailable(message.format(how=_(HOW_TO_CONFIGURE)))
    if not project and not (key_file or key_json):
        raise EarthEngineUnavailable(
            _(
                "stored credentials need a Google Cloud project registered for Earth Engine: set MINESCAN_EE_PROJECT "
                "(or `project` under [earth_engine] in .streamlit/secrets.toml)"
            )
        )
    return EarthEngineConfig(
        project=project,
        key_file=key_file or None,
        key_json=key_json or None,
        stored_credentials=stored and not (key_file or key_json),
    )


def _service_account_key(config: EarthEngineConfig) -> tuple[str, str]:
    """The service account's e-mail and the key's JSON text, checked."""
    if config.key_file:
        path = Path(config.key_file).expanduser()
        if not path.is_file():
            message = _("the service-account key file {path} does not exist. {how}")
            raise EarthEngineUnavailable(message.format(path=path, how=_(HOW_TO_CONFIGURE)))
        text = path.read_text(encoding="utf-8", errors="replace")
    else:
        text = config.key_json or ""
    try:
        key = json.loads(text)
        email, private_key = key["client_email"], key["private_key"]
    except (ValueError, KeyError, TypeError):
        message = _(
            "the {method} is not a service account's JSON key (it needs client_email and private_key): "
            "download a new key for the service account in the Google Cloud console"
        )
        raise EarthEngineUnavailable(message.format(method=config.method)) from None
    if not isinstance(email, str) or not isinstance(private_key, str):
        message = _("the {method} has no usable client_email/private_key")
        raise EarthEngineUnavailable(message.format(method=config.method))
    return email, text


def stored_credentials_path() -> Path:
    """Where ``earthengine authenticate`` stores a user's credentials."""
    return Path(os.environ.get("EE_CREDENTIALS_PATH") or Path.home() / ".config" / "earthengine" / "credentials")


def connect(config: EarthEngineConfig) -> Any:
    """Sign in and return the initialised ``ee`` module.

    Raises:
        EarthEngineUnavailable: bad credentials, or Earth Engine not reachable (with the reason and what to do).
    """
    os.environ.setdefault("NO_GCE_CHECK", "true")  # never wait on the Compute Engine metadata server
    import ee  # noqa: PLC0415 - imported only when a user connects

    if config.stored_credentials:
        if not stored_credentials_path().is_file():
            message = _(
                "no stored Earth Engine credentials at {path}: run `earthengine authenticate` "
                "on this machine as the user running MineScan. {how}"
            )
            raise EarthEngineUnavailable(message.format(path=stored_credentials_path(), how=_(HOW_TO_CONFIGURE)))
        credentials: Any = "persistent"
    else:
        email, text = _service_account_key(config)
        try:
            credentials = ee.ServiceAccountCredentials(email, key_data=text)
        except (ValueError, TypeError) as err:
            message = _("the {method} could not be read: {error}")
            raise EarthEngineUnavailable(message.format(method=config.method, error=err)) from None
    try:
        import httplib2  # noqa: PLC0415 - comes with the Earth Engine client

        ee.Initialize(credentials, project=config.project or None, http_transport=httplib2.Http(timeout=TIMEOUT_S))
    except Exception as err:  # the client raises many kinds; each becomes one clear message
        raise EarthEngineUnavailable(describe_failure(err, config)) from None
    return ee


def describe_failure(err: BaseException, config: EarthEngineConfig) -> str:
    """What went wrong talking to Earth Engine, in words a user can act on."""
    text = f"{type(err).__name__}: {err}".strip()
    chain = [err, err.__cause__, err.__context__]
    offline_types = (socket.gaierror, socket.timeout, ConnectionError, TimeoutError)
    network_words = (
        "Unable to find the server",
        "Name or service not known",
        "Failed to establish",
        "Temporary failure in name resolution",
        "timed out",
        "Connection refused",
        "Max retries exceeded",
        "Network is unreachable",
        "TransportError",
        "ServerNotFoundError",
    )
    if any(isinstance(e, offline_types) for e in chain if e) or any(w in text for w in network_words):
        message = _(
            "Earth Engine could not be reached from this machine ({reason}). Check the internet connection "
            "or proxy; local GeoTIFFs, the demo, triage and exports keep working offline."
        )
        return message.format(reason=text[:300])
    if "project" in text.lower() and (
        "not registered" in text.lower()
        or "no project" in text.lower()
        or "not have required permission" in text.lower()
    ):
        message = _(
            "Earth Engine refused the project {project!r} ({reason}). Register the project "
            "for Earth Engine (https://code.earthengine.google.com/register) and give the account access to it."
        )
        return message.format(project=config.project or _("(none)"), reason=text[:300])
    if any(
        w in text
        for w in (
            "invalid_grant",
            "RefreshError",
            "Permission",
            "permission",
            "401",
            "403",
            "unauthorized",
            "Unauthorized",
        )
    ):
        message = _(
            "Earth Engine refused the {method} ({reason}). Check that the key or stored credentials "
            "are current and that the account may use Earth Engine in this project."
        )
        return message.format(method=config.method, reason=text[:300])
    message = _("Earth Engine could not be used with the {method} ({reason}).")
    return message.format(method=config.method, reason=text[:300])
