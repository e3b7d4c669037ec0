"""The demo's ANM dam register, written like the SIGBM detailed open-data export.

Layout of the real export: ``;``-separated, Latin-1, CRLF line ends, every field double-quoted, one header row,
coordinates as degrees-minutes-seconds text (``-20°06'36.060''``), numbers in Brazilian format (``1.234,56``).
Every company and dam name starts with "DEMO" so no one mistakes a row for a real dam.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Header of the SIGBM detailed export (94 columns), in the export's order.
SIGBM_COLUMNS: tuple[str, ...] = (
    "ID",
    "Nome",
    "Empreendedor",
    "CPF_CNPJ",
    "UF",
    "Município",
    "Latitude",
    "Longitude",
    "Posicionamento",
    "Categoria de Risco - CRI",
    "Dano Potencial Associado - DPA",
    "Classe",
    "Necessita de PAEBM",
    "Inserido na PNSB",
    "Nível de Emergência",
    "Status da DCE Atual",
    "Tipo de Barragem de Mineração",
    "A Barragem de Mineração possui outra estrutura de mineração interna selante de reservatório",
    "Quantidade Diques Internos",
    "Quantidade Diques Selantes",
    "A barragem de mineração possui Back Up Dam",
    "Esta Back Up Dam está operando pós rompimento da barragem de mineração",
    "Nome da Back Up Dam",
    "UF (Back Up Dam)",
    "Município (Back Up Dam)",
    "Situação operacional da Back Up Dam",
    "Desde (Back Up Dam)",
    "Vida útil prevista da Back Up Dam (Anos)",
    "Previsão de término de construção da Back Up Dam",
    "A Back Up Dam está dentro da Área do Processo ANM ou da Área de Servidão",
    "Processos associados (Back Up Dam)",
    "Posicionamento (Back Up Dam)",
    "Latitude (Back Up Dam)",
    "Longitude (Back Up Dam)",
    "Altura Máxima do projeto da Back Up Dam (m)",
    "Comprimento da Crista do projeto da Back Up Dam (m)",
    "Volume do projeto da Back Up Dam (m³)",
    "Descarga Máxima do vertedouro da Dack Up Dam (m³/seg)",
    (
        "Existe documento que ateste a segurança estrutural e a capacidade"
        " para contenção de rejeitos da Back Up Dam com ART"
    ),
    "Existe manual de operação da Back Up Dam",
    "A Back up Dam passou por auditoria de terceira parte",
    "A Back Up Dam garante a redução da área da mancha de inundação à jusante",
    "Tipo de Back Up Dam quanto ao material de construção",
    "Tipo de fundação da Back Up Dam",
    "Vazão de projeto da Back Up Dam",
    "Método construtivo da Back Up Dam",
    "Tipo de auscultação da Back Up Dam",
    "Situação Operacional",
    "Desde",
    "Vida útil prevista da Barragem (anos)",
    "Estrutura com o Objetivo de Contenção",
    "A Barragem de Mineração está dentro da Área do Processo ANM ou da Área de Servidão",
    "Barragem de mineração é alimentado por usina",
    "Usinas",
    "Minério principal presente no reservatório",
    "Processo de beneficiamento",
    "Produtos químicos utilizados",
    "A Barragem armazena rejeitos/residuos que contenham Cianeto",
    "Teor (%) do minério principal inserido no rejeito",
    "Outras substâncias minerais presentes no reservatório",
    "Altura máxima do projeto licenciado (m)",
    "Altura máxima atual (m)",
    "Comprimento da crista do projeto (m)",
    "Comprimento atual da crista (m)",
    "Descarga máxima do vertedouro (m³/seg)",
    "Área do reservatório (m²)",
    "Tipo de barragem quanto ao material de construção",
    "Tipo de fundação",
    "Vazão de projeto",
    "Método construtivo da barragem",
    "Tipo de alteamento",
    "Tipo de auscultação",
    "A Barragem de Mineração possui Manta Impermeabilizante",
    "Data da última Vistoria de Inspeção Regular",
    "Confiabilidade das estruturas extravasora",
    "Percolação",
    "Deformações e recalque",
    "Deteriorização dos taludes / paramentos",
    "Documentação de projeto",
    "Estrutura organizacional e qualificação técnica dos profissionais na equipe de Segurança da Barragem",
    "Manuais de Procedimentos para Inspeções de Segurança e Monitoramento",
    "PAE - Plano de Ação Emergencial (quando exigido pelo órgão fiscalizador)",
    "As cópias físicas do PAEBM foram entregues para as Prefeituras e Defesas Civis municipais e estaduais",
    "Relatórios de inspeção e monitoramento da instrumentação e de Análise de Segurança",
    "Volume de projeto licenciado do Reservatório (m³)",
    "Volume atual do Reservatório (m³)",
    "Existência de população a jusante",
    "Número de pessoas possivelmente afetadas a jusante em caso de rompimento da barragem",
    "Impacto ambiental",
    "Impacto sócio-econômico",
    "Data da Finalização da DCE",
    "Motivo de Envio",
    "RT/Declaração",
    "RT/Empreendimento",
)

_NOT_APPLICABLE = "Não se aplica a esse tipo de barragem"
_BACKUP_COLUMNS = SIGBM_COLUMNS[22:47]
#: Risk class from (CRI, DPA), the ANM classification matrix.
_CLASSE = {
    ("Alta", "Alta"): "A",
    ("Alta", "Média"): "B",
    ("Alta", "Baixa"): "C",
    ("Média", "Alta"): "B",
    ("Média", "Média"): "C",
    ("Média", "Baixa"): "D",
    ("Baixa", "Alta"): "B",
    ("Baixa", "Média"): "C",
    ("Baixa", "Baixa"): "E",
}
#: Fields that are the same in every demo row (values as the export spells them).
_FIXED_FIELDS: dict[str, str] = {
    "UF": "MG",
    "Posicionamento": "Sul do Equador",
    "Inserido na PNSB": "Sim",
    "Status da DCE Atual": "1º Campanha 2022 - Não Enviado",
    "Tipo de Barragem de Mineração": "Barragem/Barramento/Dique",
    SIGBM_COLUMNS[17]: "Não",
    "Quantidade Diques Internos": "0",
    "Quantidade Diques Selantes": "0",
    "A barragem de mineração possui Back Up Dam": "Não",
    "Vida útil prevista da Barragem (anos)": "12,00",
    "Estrutura com o Objetivo de Contenção": "Rejeitos",
    SIGBM_COLUMNS[51]: "Sim",
    "Barragem de mineração é alimentado por usina": "Sim",
    "Usinas": "DEMO Usina de Beneficiamento",
    "Processo de beneficiamento": "Britagem / Moagem; Peneiramento; Gravimétrico",
    "A Barragem armazena rejeitos/residuos que contenham Cianeto": "Não",
    "Teor (%) do minério principal inserido no rejeito": "38,50",
    "Tipo de barragem quanto ao material de construção": "Terra Homogênea",
    "Tipo de fundação": "Rocha alterada / Saprolito",
    "Vazão de projeto": "CMP (Cheia Máxima Provável) ou Decamilenar",
    "Tipo de auscultação": "Existe instrumentação de acordo com o projeto técnico",
    "A Barragem de Mineração possui Manta Impermeabilizante": "Não",
    "Data da última Vistoria de Inspeção Regular": "24/02/2022",
    SIGBM_COLUMNS[81]: "Possui PAE",
    SIGBM_COLUMNS[82]: "Sim",
    "Número de pessoas possivelmente afetadas a jusante em caso de rompimento da barragem": "1-100",
    "Data da Finalização da DCE": "30/09/2021 16:20:11",
    "Motivo de Envio": "Campanha de entrega da DCE (março ou setembro)",
    "RT/Declaração": "DEMO Responsável Técnico",
    "RT/Empreendimento": "DEMO Responsável Técnico",
}


@dataclass(frozen=True)
class RegisterDam:
    """One register row's facts; ``site_id`` is the planted dam it describes (None outside the scene)."""

    register_id: str
    name: str
    company: str
    cnpj: str
    municipality: str
    lat: float
    lon: float
    ore: str
    area_m2: float
    height_m: float
    crest_m: float
    method: str
    cri: str
    dpa: str
    emergency: str
    active: bool
    site_id: str | None = None


def format_dms(value_deg: float) -> str:
    """Degrees as the export writes them: ``-20°06'36.060''`` (seconds to the thousandth)."""
    sign = "-" if value_deg < 0 else ""
    total = int(round(abs(value_deg) * 3_600_000))
    degrees, rest = divmod(total, 3_600_000)
    minutes, millis = divmod(rest, 60_000)
    return f"{sign}{degrees}°{minutes:02d}'{millis // 1000:02d}.{millis % 1000:03d}''"


def format_br(value: float, decimals: int = 2) -> str:
    """A number in Brazilian format: ``1.234.567,89``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def register_row(dam: RegisterDam) -> list[str]:
    """The 94 fields of one export row, in :data:`SIGBM_COLUMNS` order."""
    values = {name: "-" for name in SIGBM_COLUMNS}
    values.update({name: _NOT_APPLICABLE for name in _BACKUP_COLUMNS})
    values.update(_FIXED_FIELDS)
    volume_m3 = dam.area_m2 * dam.height_m * 0.45
    values.update(
        {
            "ID": dam.register_id,
            "Nome": dam.name,
            "Empreendedor": dam.company,
            "CPF_CNPJ": dam.cnpj,
            "Município": dam.municipality,
            "Latitude": format_dms(dam.lat),
            "Longitude": format_dms(dam.lon),
            "Categoria de Risco - CRI": dam.cri,
            "Dano Potencial Associado - DPA": dam.dpa,
            "Classe": _CLASSE[(dam.cri, dam.dpa)],
            "Necessita de PAEBM": "Sim" if dam.dpa == "Alta" else "Não",
            "Nível de Emergência": dam.emergency,
            "Situação Operacional": "Ativa" if dam.active else "Inativa",
            "Desde": "-" if dam.active else "31/12/2016",
            "Minério principal presente no reservatório": dam.ore,
            "Altura máxima do projeto licenciado (m)": format_br(dam.height_m),
            "Altura máxima atual (m)": format_br(dam.height_m * (0.8 if dam.active else 1.0)),
            "Comprimento da crista do projeto (m)": format_br(dam.crest_m),
            "Comprimento atual da crista (m)": format_br(dam.crest_m),
            "Descarga máxima do vertedouro (m³/seg)": format_br(dam.crest_m / 20),
            "Área do reservatório (m²)": format_br(dam.area_m2),
            "Método construtivo da barragem": dam.method,
            "Tipo de alteamento": " Etapa Única" if dam.method == "Etapa única" else "Contínuo",
            "Volume de projeto licenciado do Reservatório (m³)": format_br(volume_m3),
            "Volume atual do Reservatório (m³)": format_br(volume_m3 * 0.8),
        }
    )
    return [values[name] for name in SIGBM_COLUMNS]


def write_register_csv(path: Path, dams: Sequence[RegisterDam]) -> Path:
    """Write the register in the export layout (Latin-1, ``;``, CRLF, all fields quoted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="latin-1", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(SIGBM_COLUMNS)
        writer.writerows(register_row(dam) for dam in dams)
    return path
