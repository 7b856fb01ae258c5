"""The comuni each simulated pilot serves (ISTAT pro_com_t, CAP, coordinates of the centre)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Comune:
    istat: str
    name: str
    postcode: str
    latitude: float
    longitude: float


ROMA = Comune("058091", "Roma", "00100", 41.8933, 12.4829)
_CMRC_OTHERS = (
    Comune("058047", "Guidonia Montecelio", "00012", 41.9939, 12.7226),
    Comune("058120", "Fiumicino", "00054", 41.7709, 12.2290),
    Comune("058079", "Pomezia", "00071", 41.6693, 12.5014),
    Comune("058104", "Tivoli", "00019", 41.9632, 12.7983),
    Comune("058111", "Velletri", "00049", 41.6867, 12.7776),
    Comune("058032", "Civitavecchia", "00053", 42.0934, 11.7963),
)
_CAL = (
    Comune("015175", "Pioltello", "20096", 45.4995, 9.3290),
    Comune("015185", "Rodano", "20053", 45.4770, 9.3540),
    Comune("015205", "Segrate", "20054", 45.4903, 9.2950),
    Comune("015242", "Vimodrone", "20055", 45.5139, 9.2847),
)
_ZOT = (
    Comune("001008", "Alpignano", "10091", 45.0947, 7.5253),
    Comune("001090", "Collegno", "10093", 45.0781, 7.5724),
    Comune("001099", "Druento", "10040", 45.1335, 7.5766),
    Comune("001120", "Grugliasco", "10095", 45.0680, 7.5781),
    Comune("001219", "Rivoli", "10098", 45.0713, 7.5135),
    Comune("001228", "Rosta", "10090", 45.0686, 7.4647),
    Comune("001243", "San Gillio", "10040", 45.1425, 7.5353),
    Comune("001292", "Venaria Reale", "10078", 45.1349, 7.6300),
    Comune("001302", "Villarbasse", "10090", 45.0453, 7.4679),
)

TERRITORIES: dict[str, tuple[Comune, ...]] = {
    "tdz_corviale": (ROMA,),
    "tdz_tor_bella_monaca": (ROMA,),
    "cmrc_col": (ROMA, *_CMRC_OTHERS),
    "cal_adda_martesana": _CAL,
    "zot_pratico": _ZOT,
}
# Where participants live, per pilot: the first comune weighs most (the capital of the area).
RESIDENCE_WEIGHTS: dict[str, tuple[float, ...]] = {
    "tdz_corviale": (1.0,),
    "tdz_tor_bella_monaca": (1.0,),
    "cmrc_col": (0.55, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05),
    "cal_adda_martesana": (0.45, 0.10, 0.30, 0.15),
    "zot_pratico": (0.09, 0.22, 0.07, 0.17, 0.20, 0.04, 0.04, 0.14, 0.03),
}
# Real comuni outside the pilot's territory where some of its participants live (a participant may
# live anywhere in Italy): Ciampino has no degree of urbanisation in the reference seed (rural
# unknown), Milano and Roma have one.
OUTSIDE_RESIDENCES: dict[str, tuple[Comune, ...]] = {
    "tdz_corviale": (Comune("058118", "Ciampino", "00043", 41.8003, 12.6058),),
    "tdz_tor_bella_monaca": (Comune("058118", "Ciampino", "00043", 41.8003, 12.6058),),
    "cmrc_col": (Comune("058118", "Ciampino", "00043", 41.8003, 12.6058),),
    "cal_adda_martesana": (Comune("015146", "Milano", "20121", 45.4642, 9.1900),),
    "zot_pratico": (Comune("015146", "Milano", "20121", 45.4642, 9.1900), ROMA),
}
OUTSIDE_RESIDENCE_SHARE = 0.04
# ISTAT codes outside every simulated territory: a real comune far away (Napoli) and codes that
# no comune has. Used by the supported entities' `unknown_comune` defect (an entity's seat must be
# in a pilot's territory).
FOREIGN_COMUNI = ("063049", "999999", "058999", "015999", "001999")
# Codes no comune has (not in ISTAT's list): the enrolments' `unknown_comune` defect.
NOT_COMUNI = ("999999", "058999", "015999", "001999")


def comune_of(pilot: str, istat: str) -> Comune:
    return next(c for c in TERRITORIES[pilot] if c.istat == istat)
