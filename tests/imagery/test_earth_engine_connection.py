"""Connecting to Earth Engine: configuration, credentials and no network give clear messages, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.imagery.earth_engine.connection import EarthEngineUnavailable, config_from, connect
from tests.earth_engine_helpers import service_account_key


def test_no_configuration_says_how_to_configure() -> None:
    with pytest.raises(EarthEngineUnavailable) as err:
        config_from({}, {})
    text = str(err.value)
    assert "not configured" in text and "MINESCAN_EE_SERVICE_ACCOUNT_KEY" in text and "earthengine authenticate" in text
    assert "work" in text and "without it" in text


def test_configuration_from_environment_wins_over_secrets() -> None:
    secrets = {"earth_engine": {"project": "from-secrets", "service_account_key": "/secrets/key.json"}}
    config = config_from({"MINESCAN_EE_PROJECT": "from-env"}, secrets)
    assert (config.project, config.key_file) == ("from-env", "/secrets/key.json")
    stored = config_from({"MINESCAN_EE_CREDENTIALS": "stored", "MINESCAN_EE_PROJECT": "p"}, {})
    assert stored.stored_credentials and "earthengine authenticate" in stored.method
    with pytest.raises(EarthEngineUnavailable, match="no credentials"):
        config_from({"MINESCAN_EE_PROJECT": "p"}, {})
    with pytest.raises(EarthEngineUnavailable, match="need a Google Cloud project"):
        config_from({"MINESCAN_EE_CREDENTIALS": "stored"}, {})


def test_missing_key_file_and_bad_key_are_named(tmp_path: Path) -> None:
    with pytest.raises(EarthEngineUnavailable, match="does not exist"):
        connect(config_from({"MINESCAN_EE_SERVICE_ACCOUNT_KEY": str(tmp_path / "nokey.json")}, {}))
    bad = tmp_path / "key.json"
    bad.write_text('{"type": "authorized_user"}')
    with pytest.raises(EarthEngineUnavailable, match="client_email and private_key"):
        connect(config_from({"MINESCAN_EE_SERVICE_ACCOUNT_KEY": str(bad)}, {}))


def test_stored_credentials_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EE_CREDENTIALS_PATH", str(tmp_path / "credentials"))
    with pytest.raises(EarthEngineUnavailable, match="run `earthengine authenticate`"):
        connect(config_from({"MINESCAN_EE_CREDENTIALS": "stored", "MINESCAN_EE_PROJECT": "p"}, {}))


def test_no_network_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    """A real sign-in attempt: this machine cannot reach Google, which is the point."""
    key = service_account_key(tmp_path / "key.json")
    config = config_from({"MINESCAN_EE_SERVICE_ACCOUNT_KEY": str(key), "MINESCAN_EE_PROJECT": "minescan-test"}, {})
    with pytest.raises(EarthEngineUnavailable) as err:
        connect(config)
    assert "could not be reached" in str(err.value) or "refused" in str(err.value)
    assert "Traceback" not in str(err.value)
