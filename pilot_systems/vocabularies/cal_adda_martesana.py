"""Cittadinanza al Lavoro (Adda Martesana): CSV exports dropped in an inbox, `;`-separated,
dd/mm/yyyy dates, decimal comma with `.` thousands, Italian headers with spaces and accents."""

from __future__ import annotations

from pilot_systems.vocabularies.base import EntityVocabulary, SourceFormat, Vocabulary

YES_NO = {"yes": "Sì", "no": "No", "refused": "Non dichiarato", "unknown": "Non rilevato"}
UPDATED = {"source_updated_at": "Ultima modifica"}
ISCED = {
    0: "Nessun titolo",
    1: "Licenza elementare",
    2: "Licenza media",
    3: "Diploma di scuola superiore",
    4: "Diploma post-secondario (IFTS)",
    5: "Diploma ITS",
    6: "Laurea triennale",
    7: "Laurea magistrale",
    8: "Dottorato di ricerca",
}

CAL = Vocabulary(
    system="Cittadinanza al Lavoro - export gestionale",
    format=SourceFormat(
        channel="csv_drop",
        date="%d/%m/%Y",
        datetime="%d/%m/%Y %H:%M:%S",
        decimal_separator=",",
        thousands_separator=".",
        true_word="Sì",
        false_word="No",
    ),
    file_names={
        "operations": "progetti_%Y%m%d.csv",
        "participant_enrolments": "partecipanti_%Y%m%d.csv",
        "result_events": "esiti_%Y%m%d.csv",
        "supported_entities": "enti_sostenuti_%Y%m%d.csv",
        "expenditures": "spese_%Y%m%d.csv",
    },
    entities={
        "operations": EntityVocabulary(
            resource="progetti",
            id_field="operation_id",
            fields={
                "operation_id": "Codice progetto",
                "cup": "CUP",
                "title": "Titolo",
                "title_en": "Titolo (inglese)",
                "summary": "Descrizione",
                "beneficiary_name": "Ente attuatore",
                "beneficiary_id": "P.IVA / C.F. ente attuatore",
                "beneficiary_is_natural_person": "Persona fisica",
                "action": "Azione",
                "fund": "Fonte di finanziamento",
                "intervention_field": "Campo di intervento",
                "form_of_support": "Forma di sostegno",
                "territorial_delivery": "Meccanismo territoriale",
                "economic_activity": "Attività economica",
                "gender_equality": "Parità di genere",
                "esf_secondary_theme": "Tema secondario FSE+",
                "selection_date": "Data selezione",
                "withdrawal_date": "Data revoca",
                "status": "Stato",
                "start_date": "Data avvio",
                "expected_end_date": "Data fine prevista",
                "end_date": "Data fine",
                "total_eligible_cost": "Costo ammissibile (€)",
                "public_contribution": "Contributo pubblico (€)",
                "cofinancing_rate": "Tasso di cofinanziamento (%)",
                "comune": "Comune (ISTAT)",
                "postcode": "CAP",
                "latitude": "Latitudine",
                "longitude": "Longitudine",
                "target_group": "Gruppo target",
                **UPDATED,
            },
            values={
                "status": {
                    "selected": "Ammesso a finanziamento",
                    "withdrawn": "Revocato",
                    "completed": "Concluso",
                },
                "fund": {
                    "ESF+": "FSE+",
                    "PNRR": "PNRR",
                    "private": "Fondazioni private",
                    "municipal": "Fondo Solidale distrettuale",
                    "regional": "Regione Lombardia",
                },
                "target_group": {
                    "homeless": "Persone senza dimora",
                    "minority": "Minoranze",
                    "third_country_national": "Cittadini extra UE",
                    "disability": "Persone con disabilità",
                },
            },
        ),
        "participant_enrolments": EntityVocabulary(
            resource="partecipanti",
            id_field="enrolment_id",
            fields={
                "enrolment_id": "ID iscrizione",
                "operation_id": "Codice progetto",
                "tax_code": "Codice fiscale",
                "last_name": "Cognome",
                "first_name": "Nome",
                "gender": "Sesso",
                "birth_date": "Data di nascita",
                "residence_comune": "Comune di residenza (ISTAT)",
                "isced_level": "Titolo di studio",
                "labour_status": "Condizione occupazionale",
                "unemployment_months": "Mesi di disoccupazione",
                "disability": "Disabilità",
                "third_country_national": "Cittadinanza extra UE",
                "foreign_background": "Background migratorio",
                "minority": "Appartenenza a minoranze",
                "homeless": "Senza dimora o esclusione abitativa",
                "in_education_training": "In istruzione o formazione",
                "at_risk_of_poverty": "Nucleo a rischio di povertà (ADI/RdC)",
                "entry_date": "Data di ingresso",
                "exit_date": "Data di uscita",
                **UPDATED,
            },
            values={
                "gender": {"F": "Femmina", "M": "Maschio", "non-binary": "Non binario"},
                "isced_level": ISCED,
                "labour_status": {
                    "unemployed": "Disoccupato/a",
                    "inactive": "Inattivo/a",
                    "employed": "Occupato/a",
                    "self_employed": "Lavoratore/trice autonomo/a",
                },
                **dict.fromkeys(
                    (
                        "disability",
                        "third_country_national",
                        "foreign_background",
                        "minority",
                        "homeless",
                        "in_education_training",
                        "at_risk_of_poverty",
                    ),
                    YES_NO,
                ),
            },
        ),
        "result_events": EntityVocabulary(
            resource="esiti",
            id_field="event_id",
            fields={
                "event_id": "ID esito",
                "enrolment_id": "ID iscrizione",
                "event_type": "Tipo esito",
                "event_date": "Data esito",
                "from_follow_up": "Follow-up a 6 mesi",
                **UPDATED,
            },
            values={
                "event_type": {
                    "job_searching": "Ricerca attiva di lavoro",
                    "education_training": "Istruzione/formazione",
                    "qualification": "Qualifica conseguita",
                    "employment": "Assunzione",
                    "self_employment": "Avvio attività autonoma",
                }
            },
        ),
        "supported_entities": EntityVocabulary(
            resource="enti_sostenuti",
            id_field="support_id",
            fields={
                "support_id": "ID sostegno",
                "operation_id": "Codice progetto",
                "entity_vat_number": "Partita IVA",
                "entity_name": "Ragione sociale",
                "entity_type": "Tipologia ente",
                "comune": "Comune sede (ISTAT)",
                "support_start_date": "Data inizio sostegno",
                **UPDATED,
            },
            values={
                "entity_type": {
                    "micro_enterprise": "Micro impresa",
                    "small_enterprise": "Piccola impresa",
                    "medium_enterprise": "Media impresa",
                    "cooperative": "Cooperativa",
                    "social_enterprise": "Impresa sociale",
                    "public_administration": "Pubblica amministrazione",
                }
            },
        ),
        "expenditures": EntityVocabulary(
            resource="spese",
            id_field="expenditure_id",
            fields={
                "expenditure_id": "ID spesa",
                "operation_id": "Codice progetto",
                "declared_date": "Data dichiarazione",
                "amount": "Importo dichiarato (€)",
                **UPDATED,
            },
        ),
    },
)
