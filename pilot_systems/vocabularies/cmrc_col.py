"""The COL network's system (Città metropolitana di Roma Capitale): REST JSON, camelCase Italian,
cursor pagination (`cursore`, `limite`, `cursoreSuccessivo`), ISO dates, UTC datetimes with Z."""

from __future__ import annotations

from pilot_systems.vocabularies.base import ApiNames, EntityVocabulary, SourceFormat, Vocabulary

YES_NO = {"yes": "sì", "no": "no", "refused": "preferisce non rispondere", "unknown": "non rilevato"}
# Two checkboxes added to the platform for the project's SDG fields: JSON booleans, null when
# neither was ticked (refused and not asked alike).
CHECKBOX = {"yes": True, "no": False}
UPDATED = {"source_updated_at": "ultimoAggiornamento"}

CMRC_COL = Vocabulary(
    system="COL - Centri di Orientamento al Lavoro, piattaforma metropolitana",
    format=SourceFormat(channel="rest_api", date="%Y-%m-%d", datetime="iso_z"),
    api=ApiNames(
        pagination="cursor",
        records_key="risultati",
        cursor_param="cursore",
        size_param="limite",
        size_key="limite",
        next_cursor_key="cursoreSuccessivo",
        updated_since_param="aggiornatiDopo",
    ),
    entities={
        "operations": EntityVocabulary(
            resource="/api/v2/progetti",
            id_field="operation_id",
            fields={
                "operation_id": "codiceProgetto",
                "cup": "cup",
                "title": "titolo",
                "title_en": "titoloInglese",
                "summary": "sintesi",
                "beneficiary_name": "soggettoAttuatore",
                "beneficiary_id": "identificativoAttuatore",
                "beneficiary_is_natural_person": "attuatorePersonaFisica",
                "action": "azione",
                "fund": "fonteFinanziamento",
                "intervention_field": "campoIntervento",
                "form_of_support": "formaSostegno",
                "territorial_delivery": "meccanismoTerritoriale",
                "economic_activity": "attivitaEconomica",
                "gender_equality": "dimensioneParitaGenere",
                "esf_secondary_theme": "temaSecondarioFse",
                "selection_date": "dataSelezione",
                "withdrawal_date": "dataRevoca",
                "status": "statoProgetto",
                "start_date": "dataAvvio",
                "expected_end_date": "dataFinePrevista",
                "end_date": "dataFine",
                "total_eligible_cost": "costoAmmissibile",
                "public_contribution": "contributoPubblico",
                "cofinancing_rate": "tassoCofinanziamento",
                "comune": "codiceIstatComune",
                "postcode": "cap",
                "latitude": "latitudine",
                "longitude": "longitudine",
                "target_group": "gruppoBersaglio",
                **UPDATED,
            },
            values={
                "status": {"selected": "AMMESSO", "withdrawn": "REVOCATO", "completed": "CONCLUSO"},
                "fund": {
                    "ESF+": "FSE+",
                    "PNRR": "PNRR",
                    "private": "fondi privati",
                    "municipal": "fondi metropolitani",
                    "regional": "Regione Lazio",
                },
                "target_group": {
                    "homeless": "persone senza dimora",
                    "minority": "rom, sinti e caminanti",
                    "third_country_national": "cittadini di paesi terzi",
                    "disability": "persone con disabilità",
                },
            },
        ),
        "participant_enrolments": EntityVocabulary(
            resource="/api/v2/iscrizioni",
            id_field="enrolment_id",
            fields={
                "enrolment_id": "idIscrizione",
                "operation_id": "codiceProgetto",
                "tax_code": "codiceFiscale",
                "first_name": "nome",
                "last_name": "cognome",
                "gender": "genere",
                "birth_date": "dataNascita",
                "residence_comune": "comuneResidenzaIstat",
                "isced_level": "livelloIstruzione",
                "labour_status": "condizioneOccupazionale",
                "unemployment_months": "mesiDisoccupazione",
                "disability": "disabilita",
                "third_country_national": "cittadinanzaExtraUe",
                "foreign_background": "backgroundMigratorio",
                "minority": "appartenenzaMinoranza",
                "homeless": "condizioneSenzaDimora",
                "in_education_training": "inIstruzioneFormazione",
                "at_risk_of_poverty": "nucleoRischioPoverta",
                "entry_date": "dataIngresso",
                "exit_date": "dataUscita",
                **UPDATED,
            },
            values={
                "gender": {"F": "donna", "M": "uomo", "non-binary": "non binario"},
                "isced_level": {level: f"ISCED {level}" for level in range(9)},
                "labour_status": {
                    "unemployed": "disoccupato",
                    "inactive": "inattivo",
                    "employed": "occupato dipendente",
                    "self_employed": "lavoratore autonomo",
                },
                **dict.fromkeys(
                    ("disability", "third_country_national", "foreign_background", "minority", "homeless"),
                    YES_NO,
                ),
                **dict.fromkeys(("in_education_training", "at_risk_of_poverty"), CHECKBOX),
            },
        ),
        "result_events": EntityVocabulary(
            resource="/api/v2/esiti",
            id_field="event_id",
            fields={
                "event_id": "idEsito",
                "enrolment_id": "idIscrizione",
                "event_type": "tipoEsito",
                "event_date": "dataEsito",
                "from_follow_up": "rilevazioneFollowUp",
                **UPDATED,
            },
            values={
                "event_type": {
                    "job_searching": "in cerca di lavoro",
                    "education_training": "in istruzione o formazione",
                    "qualification": "qualifica conseguita",
                    "employment": "occupato",
                    "self_employment": "lavoratore autonomo",
                }
            },
        ),
        "supported_entities": EntityVocabulary(
            resource="/api/v2/soggettiSostenuti",
            id_field="support_id",
            fields={
                "support_id": "idSostegno",
                "operation_id": "codiceProgetto",
                "entity_vat_number": "partitaIva",
                "entity_name": "denominazione",
                "entity_type": "tipoSoggetto",
                "comune": "codiceIstatSede",
                "support_start_date": "dataInizioSostegno",
                **UPDATED,
            },
            values={
                "entity_type": {
                    "micro_enterprise": "microimpresa",
                    "small_enterprise": "piccola impresa",
                    "medium_enterprise": "media impresa",
                    "cooperative": "cooperativa",
                    "social_enterprise": "impresa sociale",
                    "public_administration": "pubblica amministrazione",
                }
            },
        ),
        "expenditures": EntityVocabulary(
            resource="/api/v2/spese",
            id_field="expenditure_id",
            fields={
                "expenditure_id": "idSpesa",
                "operation_id": "codiceProgetto",
                "declared_date": "dataDichiarazione",
                "amount": "importoDichiarato",
                **UPDATED,
            },
        ),
    },
)
