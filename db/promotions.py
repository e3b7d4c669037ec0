"""Which version of each model is promoted: an append-only history (a rollback is a new row, nothing is deleted)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from core.access.users import Identity, require
from core.errors import MineScanError
from core.model_card import ModelCard, parse_ref, resolve_model, version_key
from core.wording.translate import _
from db.connection import StoreError, returned_id, transaction
from db.workflows import Target, read, write


def record_promotion(con: duckdb.DuckDBPyConnection, identity: Identity | None, model_name: str, version: str,
                     action: str, note: str | None = None) -> int:  # fmt: skip
    """Append a promotion or rollback by the signed-in ``identity``; return its id. The caller has checked that
    the version exists.

    Raises:
        PermissionDenied: the role may not promote (only supervisors do).
        StoreError: the action is unknown.
    """
    who = require(identity, "promote_model")
    if action not in ("promote", "rollback"):
        raise StoreError(_("unknown action {action!r}: promote or rollback").format(action=action))
    with transaction(con):
        row = con.execute(
            """INSERT INTO model_promotion (model_name, version, action, by_user, role, note)
               VALUES ($name, $version, $action, $by, $role, $note) RETURNING id""",
            {
                "name": model_name,
                "version": version,
                "action": action,
                "by": who.username,
                "role": who.role,
                "note": note,
            },
        ).fetchone()
    return returned_id(row)


def promoted_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The promoted version of every model that has one."""
    rows = con.execute(
        """SELECT model_name, version FROM model_promotion
           QUALIFY row_number() OVER (PARTITION BY model_name ORDER BY promoted_at DESC, id DESC) = 1"""
    ).fetchall()
    return {str(name): str(version) for name, version in rows}


def promotion_history(con: duckdb.DuckDBPyConnection, model_name: str | None = None) -> pd.DataFrame:
    """Every promotion and rollback, newest first (of one model, or all)."""
    return con.execute(
        """SELECT model_name, version, action, by_user, role, note, promoted_at FROM model_promotion
           WHERE $name IS NULL OR model_name = $name ORDER BY promoted_at DESC, id DESC""",
        {"name": model_name},
    ).df()


def change_promotion(target: Target, identity: Identity | None, ref: str, action: str, note: str | None,
                     roots: Sequence[Path]) -> ModelCard:  # fmt: skip
    """Promote ``ref`` (``name@version``), or roll back to it, for the signed-in ``identity``; its card.

    Raises:
        PermissionDenied: not a supervisor.
        ModelBundleError: no such version (the message lists those there are).
        MineScanError: no version named, or a rollback that does not go back.
    """
    name, version = parse_ref(ref)
    if version is None:
        raise MineScanError(_("{ref}: name the version to {action} to, as name@version").format(ref=ref, action=action))
    require(identity, "promote_model")
    card = ModelCard.load(resolve_model(ref, roots))
    current = read(target, promoted_versions).get(name)
    if action == "rollback" and (current is None or version_key(card.version) >= version_key(current)):
        message = _("a rollback goes to a version before the promoted one ({promoted}); promote {ref} instead")
        raise MineScanError(message.format(promoted=f"{name}@{current or 'none'}", ref=card.ref))
    write(target, lambda con: record_promotion(con, identity, name, card.version, action, note))
    return card
