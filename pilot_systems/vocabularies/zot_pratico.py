"""P.R.At.I.C.O. (Zona Ovest di Torino): XLSX exports with a title block above the header row;
dates and numbers are typed cells, codes (ISTAT, CAP, partita IVA) are text cells."""

from __future__ import annotations

from pilot_systems.vocabularies.base import EntityVocabulary, SourceFormat, Vocabulary

YES_NO = {"yes": "Sì", "no": "No", "refused": "Non dichiara", "unknown": "Non rilevato"}
# Columns added later to the sheet for the project's SDG fields: terse codes, unknown left blank.
S_N = {"yes": "S", "no": "N", "refused": "NR"}  # NR: non risponde
UPDATED = {"source_updated_at": "Data ultima modifica"}
PROGRAMME = "Programma P.R.At.I.C.O. - Zona Ovest di Torino srl"

ZOT = Vocabulary(
    system="P.R.At.I.C.O. - estrazioni Excel",
    format=SourceFormat(channel="xlsx_drop", true_word="Sì", false_word="No"),
    file_names={
        "operations": "PRATICO_progetti_%Y-%m-%d.xlsx",
        "participant_enrolments": "PRATICO_partecipanti_%Y-%m-%d.xlsx",
        "result_events": "PRATICO_esiti_%Y-%m-%d.xlsx",
        "supported_entities": "PRATICO_aziende_sostenute_%Y-%m-%d.xlsx",
        "expenditures": "PRATICO_spese_%Y-%m-%d.xlsx",
    },
    entities={
        "operations": EntityVocabulary(
            resource="progetti",
            id_field="operation_id",
            fields={
                "operation_id": "Cod. progetto",
                "cup": "CUP",
                "title": "Denominazione progetto",
                "title_en": "Denominazione (EN)",
                "summary": "Sintesi",
                "beneficiary_name": "Beneficiario",
                "beneficiary_id": "P.IVA/C.F. beneficiario",
                "beneficiary_is_natural_person": "Beneficiario persona fisica",
                "action": "Azione PN Metro",
                "fund": "Fondo",
                "intervention_field": "Campo intervento",
                "form_of_support": "Forma sostegno",
                "territorial_delivery": "Meccanismo territoriale",
                "economic_activity": "Attività economica",
                "gender_equality": "Parità di genere",
                "esf_secondary_theme": "Tema secondario FSE+",
                "selection_date": "Data di selezione",
                "withdrawal_date": "Data di revoca",
                "status": "Stato operazione",
                "start_date": "Inizio",
                "expected_end_date": "Fine prevista",
                "end_date": "Fine effettiva",
                "total_eligible_cost": "Costo ammissibile",
                "public_contribution": "Contributo pubblico",
                "cofinancing_rate": "% cofinanziamento UE",
                "comune": "Comune ISTAT",
                "postcode": "CAP",
                "latitude": "Lat",
                "longitude": "Long",
                "target_group": "Target",
                **UPDATED,
            },
            values={
                "status": {"selected": "Selezionata", "withdrawn": "Revocata", "completed": "Conclusa"},
                "fund": {
                    "ESF+": "FSE+",
                    "PNRR": "PNRR",
                    "private": "Privati",
                    "municipal": "Fondi comunali",
                    "regional": "Regione Piemonte",
                },
                "target_group": {
                    "homeless": "Senza dimora",
                    "minority": "Minoranze",
                    "third_country_national": "Extra UE",
                    "disability": "Disabili",
                },
            },
        ),
        "participant_enrolments": EntityVocabulary(
            resource="partecipanti",
            id_field="enrolment_id",
            fields={
                "enrolment_id": "Cod. iscrizione",
                "operation_id": "Cod. progetto",
                "tax_code": "Codice Fiscale",
                "last_name": "Cognome",
                "first_name": "Nome",
                "gender": "Genere",
                "birth_date": "Data nascita",
                "residence_comune": "Comune residenza ISTAT",
                "isced_level": "Livello ISCED",
                "labour_status": "Stato occupazionale",
                "unemployment_months": "Mesi disoccupazione",
                "isee": "ISEE (€)",
                "disability": "Disabilità",
                "third_country_national": "Cittadino extra UE",
                "foreign_background": "Origine straniera",
                "minority": "Minoranza",
                "homeless": "Senza dimora",
                "in_education_training": "In istruzione/formazione (S/N)",
                "at_risk_of_poverty": "Rischio povertà (S/N)",
                "entry_date": "Data ingresso",
                "exit_date": "Data uscita",
                **UPDATED,
            },
            values={
                "gender": {"F": "Femmina", "M": "Maschio", "non-binary": "Non binario"},
                "labour_status": {
                    "unemployed": "Disoccupato",
                    "inactive": "Inattivo",
                    "employed": "Occupato",
                    "self_employed": "Autonomo",
                },
                **dict.fromkeys(
                    ("disability", "third_country_national", "foreign_background", "minority", "homeless"),
                    YES_NO,
                ),
                **dict.fromkeys(("in_education_training", "at_risk_of_poverty"), S_N),
            },
        ),
        "result_events": EntityVocabulary(
            resource="esiti",
            id_field="event_id",
            fields={
                "event_id": "Cod. esito",
                "enrolment_id": "Cod. iscrizione",
                "event_type": "Esito",
                "event_date": "Data esito",
                "from_follow_up": "Da follow-up",
                **UPDATED,
            },
            values={
                "event_type": {
                    "job_searching": "Ricerca lavoro",
                    "education_training": "Formazione",
                    "qualification": "Qualifica",
                    "employment": "Assunto",
                    "self_employment": "Lavoro autonomo",
                }
            },
        ),
        "supported_entities": EntityVocabulary(
            resource="aziende_sostenute",
            id_field="support_id",
            fields={
                "support_id": "Cod. sostegno",
                "operation_id": "Cod. progetto",
                "entity_vat_number": "Partita IVA",
                "entity_name": "Ragione sociale",
                "entity_type": "Tipo",
                "comune": "Comune ISTAT",
                "support_start_date": "Data avvio sostegno",
                **UPDATED,
            },
            values={
                "entity_type": {
                    "micro_enterprise": "Microimpresa",
                    "small_enterprise": "Piccola impresa",
                    "medium_enterprise": "Media impresa",
                    "cooperative": "Cooperativa",
                    "social_enterprise": "Impresa sociale",
                    "public_administration": "Ente pubblico",
                }
            },
        ),
        "expenditures": EntityVocabulary(
            resource="spese",
            id_field="expenditure_id",
            fields={
                "expenditure_id": "Cod. spesa",
                "operation_id": "Cod. progetto",
                "declared_date": "Data dichiarazione",
                "amount": "Importo",
                **UPDATED,
            },
        ),
    },
)
# Rows above the header row, per file (2-4 rows; the header row follows them).
TITLE_ROWS = {
    "operations": 3,
    "participant_enrolments": 4,
    "result_events": 3,
    "supported_entities": 2,
    "expenditures": 3,
}
