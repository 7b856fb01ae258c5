"""Each pilot's vocabulary: field names, coded values and value formats of its own system."""

from __future__ import annotations

from pilot_systems.vocabularies.base import ENTITIES, EntityVocabulary, SourceFormat, Vocabulary
from pilot_systems.vocabularies.cal_adda_martesana import CAL
from pilot_systems.vocabularies.cmrc_col import CMRC_COL
from pilot_systems.vocabularies.tdz import TDZ
from pilot_systems.vocabularies.zot_pratico import ZOT

VOCABULARIES: dict[str, Vocabulary] = {
    "tdz_corviale": TDZ,
    "tdz_tor_bella_monaca": TDZ,
    "cmrc_col": CMRC_COL,
    "cal_adda_martesana": CAL,
    "zot_pratico": ZOT,
}
REST_PILOTS = tuple(p for p, v in VOCABULARIES.items() if v.format.channel == "rest_api")
FILE_PILOTS = tuple(p for p, v in VOCABULARIES.items() if v.format.channel != "rest_api")

__all__ = [
    "ENTITIES",
    "FILE_PILOTS",
    "REST_PILOTS",
    "VOCABULARIES",
    "EntityVocabulary",
    "SourceFormat",
    "Vocabulary",
]
