"""Which column holds which field, by normalised header name, across the SIGBM/ANM export variants."""

from __future__ import annotations

from core.register.tables import normalise_name
from core.wording.translate import _

#: Field -> header names seen in the 2019 TSV, the 2022 detailed CSV and the 2022/2025 xlsx downloads.
SIGBM_ALIASES: dict[str, tuple[str, ...]] = {
    "register_id": ("ID", "ID Barragem", "ID_BARRAGEM", "Código", "Codigo da Barragem"),
    "name": ("Nome", "Nome da Barragem", "NOME DA BARRAGEM DE MINERAÇÃO", "Barragem"),
    "owner": ("Empreendedor", "Nome do Empreendedor"),
    "state": ("UF", "Estado"),
    "municipality": ("Município", "Municipio"),
    "lat": ("Latitude", "Lat"),
    "lon": ("Longitude", "Lon", "Long"),
    "hemisphere": ("Posicionamento",),
    "main_ore": ("Minério Principal", "Minério principal presente no reservatório"),
    "height_m": ("Altura Atual(m)", "ALTURA ATUAL (m)", "Altura máxima atual (m)", "Altura Atual"),
    "volume_m3": ("Volume Atual(m³)", "VOLUME ATUAL (m3)", "Volume atual do Reservatório (m³)", "Volume Atual"),
    "construction_method": ("Método Construtivo", "Método construtivo da barragem"),
    "risk_category": ("Categoria de Risco", "Categoria de Risco - CRI", "CRI"),
    "potential_damage": ("Dano Potencial Associado", "Dano Potencial Associado - DPA", "DPA"),
    "emergency_level": ("Nível de Emergência", "Nível de Emergencia"),
}
_REQUIRED = ("register_id", "lat", "lon")


def map_columns(header: tuple[str, ...], aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Field -> column index for every field whose normalised alias matches a header cell exactly.

    Exact matches only: the detailed export also has "UF (Back Up Dam)" and "Latitude (Back Up Dam)".
    """
    names = [normalise_name(cell) for cell in header]
    found: dict[str, int] = {}
    for field, options in aliases.items():
        for option in options:
            key = normalise_name(option)
            if key in names:
                found[field] = names.index(key)
                break
    return found


def looks_like_sigbm_header(names: tuple[str, ...]) -> bool:
    """True for a header row (already normalised) holding an ID, a latitude and a longitude column."""
    wanted = {field: {normalise_name(option) for option in SIGBM_ALIASES[field]} for field in _REQUIRED}
    return all(wanted[field] & set(names) for field in _REQUIRED)


def describe_required() -> str:
    """The required columns, for error messages."""
    return _("an ID column (ID / ID Barragem), Latitude and Longitude")
