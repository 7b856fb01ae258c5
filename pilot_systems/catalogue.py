"""The operations (projects) each simulated pilot runs: a handful per pilot, fictitious but well-formed.

Funds follow docs: the Rome TdZ pilots are PNRR-funded with one ESF+ operation each, the COL
network is ESF+ and regional, Cittadinanza al Lavoro is funded by foundations and the district,
P.R.At.I.C.O. by the municipalities' own funds with one ESF+ operation.

Operations are selected for support (CPR Art. 73) before they start. Two ESF+ operations exercise
the selection rule of the financial tables and the list of operations: one COL operation selected
in March 2026 that starts in September 2026 (selected at the June 2026 cut-off, not yet started),
and one P.R.At.I.C.O. operation selected in 2025 and withdrawn in July 2026 before it started
(selected at June 2026, no longer at August 2026). Neither has participants, supported entities
or expenditure (`has_activity`): the other generators draw from the operations that have.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from pilot_systems.identifiers import cup, tax_code, vat_number
from pilot_systems.territories import TERRITORIES, Comune


@dataclass(frozen=True)
class Operation:
    """One operation in canonical terms (the vocabularies render it in each pilot's words)."""

    code: str  # the pilot's operation code
    title: str
    action: str  # ESF+ action of PN Metro Plus 2021-2027 (ESO4.8)
    fund: str = "ESF+"  # ESF+ | PNRR | private | municipal | regional
    intervention_field: str = "153"  # CPR Annex I codes as Annex I writes them (zero-padded)
    beneficiary_name: str = ""
    beneficiary_id: str = ""
    beneficiary_is_natural_person: bool = False
    total_eligible_cost: float = 500_000.0
    cofinancing_rate: float = 40.0
    start_date: date = date(2022, 1, 10)
    expected_end_date: date = date(2027, 12, 31)
    comune: Comune | None = None
    target_group: str | None = None  # canonical name of the Annex I 1.2 group it serves only
    title_en: str | None = None
    summary: str | None = None
    cup: str = ""
    form_of_support: str = "01"  # grant
    territorial_delivery: str = "33"  # no territorial targeting
    economic_activity: str = "23"  # social work activities, community, social and personal services
    esf_secondary_theme: str = "09"  # not applicable
    gender_equality: str = "02"
    selection_date: date = date(2021, 11, 15)  # selected for support (CPR Art. 73) before it starts
    withdrawal_date: date | None = None  # selection revoked on that day
    has_activity: bool = True  # False: no participants, supported entities or expenditure yet

    @property
    def public_contribution(self) -> float:
        return self.total_eligible_cost if self.fund != "private" else 0.0


def _ops(pilot: str, prefix: str, year: int, specs: list[dict[str, object]]) -> list[Operation]:
    rng = random.Random(f"catalogue:{pilot}")
    capital = TERRITORIES[pilot][0]
    out = []
    for n, spec in enumerate(specs, start=1):
        spec = {"comune": capital, **spec}
        out.append(Operation(code=f"{prefix}-{n:02d}", cup=cup(rng, year), **spec))  # type: ignore[arg-type]
    return out


_SAPIENZA = ("Sapienza Università di Roma - DiSSE", vat_number(2133771, "058"))
OPERATIONS: dict[str, list[Operation]] = {
    "tdz_corviale": _ops(
        "tdz_corviale",
        "TDZ-CRV",
        2022,
        [
            dict(
                title="TdZ Corviale - percorsi personalizzati di lavoro",
                action="4.4.8.1",
                fund="PNRR",
                intervention_field="153",
                beneficiary_name="Roma Capitale - Dipartimento Politiche Sociali",
                beneficiary_id=vat_number(2438750, "058"),
                total_eligible_cost=1_200_000.0,
                cofinancing_rate=0.0,
                title_en="Zero Unemployment Territory Corviale - personalised pathways",
            ),
            dict(
                title="TdZ Corviale - impresa di comunità e nuovi servizi",
                action="4.4.8.2",
                fund="PNRR",
                intervention_field="138",
                beneficiary_name=_SAPIENZA[0],
                beneficiary_id=_SAPIENZA[1],
                total_eligible_cost=850_000.0,
                cofinancing_rate=0.0,
            ),
            dict(
                title="TdZ Corviale - competenze digitali per l'occupabilità",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="152",
                esf_secondary_theme="02",
                beneficiary_name="Cooperativa sociale Il Serpentone",
                beneficiary_id=vat_number(1477102, "058"),
                total_eligible_cost=420_000.0,
                cofinancing_rate=40.0,
                gender_equality="01",
            ),
        ],
    ),
    "tdz_tor_bella_monaca": _ops(
        "tdz_tor_bella_monaca",
        "TDZ-TBM",
        2022,
        [
            dict(
                title="TdZ Tor Bella Monaca - lavoro per donne sole con figli",
                action="4.4.8.1",
                fund="PNRR",
                intervention_field="153",
                beneficiary_name="Roma Capitale - Municipio VI delle Torri",
                beneficiary_id=vat_number(2438750, "058"),
                total_eligible_cost=1_500_000.0,
                cofinancing_rate=0.0,
                gender_equality="01",
            ),
            dict(
                title="TdZ Tor Bella Monaca - NEET e disoccupati di lunga durata",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="153",
                beneficiary_name=_SAPIENZA[0],
                beneficiary_id=_SAPIENZA[1],
                total_eligible_cost=640_000.0,
                cofinancing_rate=40.0,
            ),
            dict(
                title="TdZ Tor Bella Monaca - servizi di prossimità dell'impresa a scopo di occupazione",
                action="4.4.8.2",
                fund="PNRR",
                intervention_field="138",
                beneficiary_name="Impresa sociale Torri al Lavoro",
                beneficiary_id=vat_number(1688234, "058"),
                total_eligible_cost=900_000.0,
                cofinancing_rate=0.0,
            ),
        ],
    ),
    "cmrc_col": _ops(
        "cmrc_col",
        "COL",
        2022,
        [
            dict(
                title="COL - job club metropolitani",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="153",
                beneficiary_name="Città metropolitana di Roma Capitale",
                beneficiary_id=vat_number(6364410, "058"),
                total_eligible_cost=2_400_000.0,
                cofinancing_rate=40.0,
                title_en="COL metropolitan job clubs",
            ),
            dict(
                title="COL - orientamento digitale",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="152",
                beneficiary_name="Città metropolitana di Roma Capitale",
                beneficiary_id=vat_number(6364410, "058"),
                total_eligible_cost=980_000.0,
                cofinancing_rate=40.0,
                comune=TERRITORIES["cmrc_col"][1],
            ),
            dict(
                title="COL - imprenditoria femminile",
                action="4.4.8.2",
                fund="regional",
                intervention_field="138",
                beneficiary_name="Lazio Innova",
                beneficiary_id=vat_number(5274290, "058"),
                total_eligible_cost=760_000.0,
                cofinancing_rate=0.0,
                gender_equality="01",
            ),
            dict(
                title="COL - sportello lavoro per persone senza dimora",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="163",
                beneficiary_name="Cooperativa sociale Strada Facendo",
                beneficiary_id=vat_number(3311458, "058"),
                total_eligible_cost=310_000.0,
                cofinancing_rate=50.0,
                target_group="homeless",
                esf_secondary_theme="05",
            ),
            # A natural person as beneficiary is rare: a freelance coach holding a small contract.
            dict(
                title="COL - coaching per l'autoimpiego",
                action="4.4.8.1",
                fund="municipal",
                intervention_field="153",
                beneficiary_name="Laura Bianchi",
                beneficiary_id=tax_code("Bianchi", "Laura", date(1975, 4, 12), True, "H501"),
                beneficiary_is_natural_person=True,
                total_eligible_cost=48_000.0,
                cofinancing_rate=0.0,
                comune=TERRITORIES["cmrc_col"][3],
            ),
            # Selected before the June 2026 cut-off, starting after it: in the June tables already.
            dict(
                title="COL - orientamento al lavoro per giovani NEET",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="153",
                beneficiary_name="Città metropolitana di Roma Capitale",
                beneficiary_id=vat_number(6364410, "058"),
                total_eligible_cost=560_000.0,
                cofinancing_rate=40.0,
                selection_date=date(2026, 3, 16),
                start_date=date(2026, 9, 7),
                expected_end_date=date(2028, 6, 30),
                has_activity=False,
            ),
        ],
    ),
    "cal_adda_martesana": _ops(
        "cal_adda_martesana",
        "CAL",
        2022,
        [
            dict(
                title="Cittadinanza al Lavoro - osservatori civici del lavoro",
                action="4.4.8.2",
                fund="private",
                intervention_field="152",
                beneficiary_name="Libera Compagnia di Arti & Mestieri Sociali soc. coop.",
                beneficiary_id=vat_number(8842311, "015"),
                total_eligible_cost=260_000.0,
                cofinancing_rate=0.0,
            ),
            dict(
                title="Cittadinanza al Lavoro - laboratori di progettazione del lavoro",
                action="4.4.8.1",
                fund="private",
                intervention_field="153",
                beneficiary_name="Libera Compagnia di Arti & Mestieri Sociali soc. coop.",
                beneficiary_id=vat_number(8842311, "015"),
                total_eligible_cost=340_000.0,
                cofinancing_rate=0.0,
                comune=TERRITORIES["cal_adda_martesana"][2],
            ),
            dict(
                title="Cittadinanza al Lavoro - incubatore di progetti e imprese",
                action="4.4.8.2",
                fund="private",
                intervention_field="138",
                beneficiary_name="Fondazione di Comunità Milano",
                beneficiary_id=vat_number(9112034, "015"),
                total_eligible_cost=180_000.0,
                cofinancing_rate=0.0,
            ),
            dict(
                title="Fondo Solidale - Distretto Sociale 3 Est Milano",
                action="4.4.8.1",
                fund="municipal",
                intervention_field="163",
                beneficiary_name="Comune di Pioltello (capofila Distretto 3)",
                beneficiary_id=vat_number(1229003, "015"),
                total_eligible_cost=80_000.0,
                cofinancing_rate=0.0,
            ),
        ],
    ),
    "zot_pratico": _ops(
        "zot_pratico",
        "PRATICO",
        2023,
        [
            dict(
                title="P.R.At.I.C.O. - orientamento e accompagnamento al lavoro",
                action="4.4.8.1",
                fund="municipal",
                intervention_field="153",
                beneficiary_name="Zona Ovest di Torino srl",
                beneficiary_id=vat_number(8476310, "001"),
                total_eligible_cost=210_000.0,
                cofinancing_rate=0.0,
                comune=TERRITORIES["zot_pratico"][1],
            ),
            dict(
                title="P.R.At.I.C.O. - tirocini di inclusione",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="153",
                beneficiary_name="Zona Ovest di Torino srl",
                beneficiary_id=vat_number(8476310, "001"),
                total_eligible_cost=390_000.0,
                cofinancing_rate=40.0,
                comune=TERRITORIES["zot_pratico"][4],
            ),
            dict(
                title="P.R.At.I.C.O. - rete territoriale per il lavoro",
                action="4.4.8.2",
                fund="municipal",
                intervention_field="152",
                beneficiary_name="Comune di Collegno",
                beneficiary_id=vat_number(1214390, "001"),
                total_eligible_cost=95_000.0,
                cofinancing_rate=0.0,
                comune=TERRITORIES["zot_pratico"][1],
            ),
            # Selected in 2025, withdrawn in July 2026 before it started: in the June 2026 tables,
            # not in the August ones.
            dict(
                title="P.R.At.I.C.O. - accompagnamento all'autoimpiego",
                action="4.4.8.1",
                fund="ESF+",
                intervention_field="153",
                beneficiary_name="Zona Ovest di Torino srl",
                beneficiary_id=vat_number(8476310, "001"),
                total_eligible_cost=150_000.0,
                cofinancing_rate=40.0,
                selection_date=date(2025, 10, 6),
                start_date=date(2026, 10, 1),
                expected_end_date=date(2027, 12, 31),
                withdrawal_date=date(2026, 7, 20),
                has_activity=False,
            ),
        ],
    ),
}


def operations_of(pilot: str) -> list[Operation]:
    return OPERATIONS[pilot]
