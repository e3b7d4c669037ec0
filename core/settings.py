"""Where things live. Read from the environment at call time (never frozen at import)."""

from __future__ import annotations

import os
from pathlib import Path

from core.wording.translate import _, localise_number

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DISCOVERY_MODEL = "demo_discovery"
DEFAULT_IMPACT_MODEL = "demo_impact"
#: The discovery model trained on real Sentinel-2 RGB patches of Brazilian tailings (no impact model exists for it).
REAL_RGB_MODEL = "tailings_rgb"
#: The synthetic demo's scene and register file names (core.demo writes them; the store recognises them).
DEMO_SCENE_FILE = "scene.tif"
DEMO_REGISTER_FILE = "anm_register_demo.csv"
#: The synthetic demo's acquisition periods in time order: ``DEMO_SCENE_FILE`` is the first, the later scene the
#: second (the same land a year on: grown pits, a new tailings dam, a false alarm gone).
DEMO_PERIODS: tuple[str, str] = ("2024", "2025")
DEMO_LATER_SCENE_FILE = "scene_2025.tif"


def data_dir() -> Path:
    """Folder for generated data and the store: ``$MINESCAN_DATA`` or ``<repo>/data``."""
    return Path(os.environ.get("MINESCAN_DATA") or ROOT / "data")


def demo_dir() -> Path:
    """Folder of the synthetic demo data: ``<data>/demo``."""
    return data_dir() / "demo"


def user_models_dir() -> Path:
    """Folder of the models a user trains or re-scores (never the code's ``models/``): ``<data>/models``."""
    return data_dir() / "models"


def jobs_dir() -> Path:
    """Where job runners write their output (``job-<id>.log``): ``<data>/jobs``."""
    return data_dir() / "jobs"


def training_sets_dir() -> Path:
    """Folder of the training sets built from the store: ``<data>/training_sets/<id>/``."""
    return data_dir() / "training_sets"


def model_roots() -> tuple[Path, Path]:
    """Where models are looked up, as ``<root>/<name>/<version>/``: the shipped ones, then the user's."""
    return models_dir(), user_models_dir()


def pictures_dir() -> Path:
    """Folder of the scenes' overview pictures the maps draw (made once per scene file): ``<data>/cache/pictures``."""
    return data_dir() / "cache" / "pictures"


def models_dir() -> Path:
    """Folder of saved models: ``$MINESCAN_MODELS`` or ``<repo>/models``."""
    return Path(os.environ.get("MINESCAN_MODELS") or ROOT / "models")


def shared_data_dir() -> Path:
    """The real reference data beside the repository (``../shared/data``), or ``$MINESCAN_SHARED_DATA``."""
    return Path(os.environ.get("MINESCAN_SHARED_DATA") or ROOT.parent / "shared" / "data")


def db_path() -> Path:
    """The store: ``$MINESCAN_DB`` or ``<data>/minescan.duckdb``."""
    return Path(os.environ.get("MINESCAN_DB") or data_dir() / "minescan.duckdb")


def scenes_dir() -> Path:
    """The imagery folder the scan page lists: ``$MINESCAN_SCENES`` or ``<data>/scenes``."""
    return Path(os.environ.get("MINESCAN_SCENES") or data_dir() / "scenes")


def users_path() -> Path:
    """The users file (accounts, roles, password hashes): ``$MINESCAN_USERS`` or ``<data>/users.json``."""
    return Path(os.environ.get("MINESCAN_USERS") or data_dir() / "users.json")


def double_review_share() -> float:
    """Share of new sites two reviewers decide blind to each other: ``$MINESCAN_DOUBLE_REVIEW`` (0-1), default 0.1.

    Raises:
        ValueError: not a number between 0 and 1.
    """
    raw = os.environ.get("MINESCAN_DOUBLE_REVIEW", "0.1")
    try:
        share = float(raw)
    except ValueError:
        message = _("MINESCAN_DOUBLE_REVIEW must be a number between 0 and 1; got {raw!r}")
        raise ValueError(message.format(raw=raw)) from None
    if not 0.0 <= share <= 1.0:
        raise ValueError(
            _("MINESCAN_DOUBLE_REVIEW must be between 0 and 1; got {share}").format(share=localise_number(str(share)))
        )
    return share


def session_idle_hours() -> float:
    """Hours without activity after which a sign-in ends: ``$MINESCAN_SESSION_IDLE_HOURS``, default 8.

    Raises:
        ValueError: not a positive number.
    """
    raw = os.environ.get("MINESCAN_SESSION_IDLE_HOURS", "8")
    try:
        hours = float(raw.replace(",", "."))
    except ValueError:
        message = _("MINESCAN_SESSION_IDLE_HOURS must be a number of hours; got {raw!r}")
        raise ValueError(message.format(raw=raw)) from None
    if not hours > 0:
        raise ValueError(_("MINESCAN_SESSION_IDLE_HOURS must be more than 0; got {raw!r}").format(raw=raw))
    return hours
