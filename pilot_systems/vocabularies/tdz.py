"""The TdZ case-management system (both Rome TdZ pilots): REST JSON, snake_case Italian, pages."""

from __future__ import annotations

from pilot_systems.vocabularies.base import ApiNames, EntityVocabulary, SourceFormat, Vocabulary

YES_NO = {"yes": "si", "no": "no", "refused": "non_dichiarato", "unknown": "non_rilevato"}
FUNDS = {
    "ESF+": "FSE+",
    "PNRR": "PNRR",
    "private": "privato",
    "municipal": "comunale",
    "regional": "regionale",
}
STATUS = {"selected": "selezionato", "withdrawn": "revocato", "completed": "concluso"}
UPDATED = {"source_updated_at": "aggiornato_il"}

TDZ = Vocabulary(
    system="TdZ - gestionale dei percorsi",
    format=SourceFormat(channel="rest_api", date="%Y-%m-%d", datetime="iso"),
    api=ApiNames(
        pagination="page",
        records_key="dati",
        page_param="pagina",
        size_param="dimensione",
        page_key="pagina",
        size_key="dimensione",
        total_key="totale",
        total_pages_key="pagine_totali",
        updated_since_param="aggiornati_dal",
    ),
    entities={
        "operations": EntityVocabulary(
            resource="/api/v1/progetti",
            id_field="operation_id",
            fields={
                "operation_id": "codice_progetto",
                "cup": "cup",
                "title": "titolo",
                "title_en": "titolo_inglese",
                "summary": "descrizione",
                "beneficiary_name": "ente_attuatore",
                "beneficiary_id": "piva_ente_attuatore",
                "beneficiary_is_natural_person": "ente_persona_fisica",
                "action": "azione",
                "fund": "fondo",
                "intervention_field": "campo_intervento",
                "form_of_support": "forma_sostegno",
                "territorial_delivery": "meccanismo_territoriale",
                "economic_activity": "attivita_economica",
                "gender_equality": "parita_genere",
                "esf_secondary_theme": "tema_secondario_fse",
                "selection_date": "data_selezione",
                "withdrawal_date": "data_revoca",
                "status": "stato",
                "start_date": "data_avvio",
                "expected_end_date": "data_fine_prevista",
                "end_date": "data_fine",
                "total_eligible_cost": "costo_ammissibile",
                "public_contribution": "contributo_pubblico",
                "cofinancing_rate": "tasso_cofinanziamento",
                "comune": "comune_istat",
                "postcode": "cap",
                "latitude": "lat",
                "longitude": "lon",
                "target_group": "gruppo_target",
                **UPDATED,
            },
            values={"fund": FUNDS, "status": STATUS},
        ),
        "participant_enrolments": EntityVocabulary(
            resource="/api/v1/partecipanti",
            id_field="enrolment_id",
            fields={
                "enrolment_id": "id_iscrizione",
                "operation_id": "codice_progetto",
                "tax_code": "codice_fiscale",
                "first_name": "nome",
                "last_name": "cognome",
                "gender": "sesso",
                "birth_date": "data_nascita",
                "residence_comune": "comune_residenza",
                "isced_level": "titolo_studio",
                "labour_status": "condizione_occupazionale",
                "unemployment_months": "mesi_disoccupazione",
                "disability": "disabilita",
                "third_country_national": "cittadinanza_extra_ue",
                "foreign_background": "background_migratorio",
                "minority": "minoranza",
                "homeless": "senza_dimora",
                "in_education_training": "in_istruzione_formazione",
                "at_risk_of_poverty": "nucleo_rischio_poverta",
                "entry_date": "data_ingresso",
                "exit_date": "data_uscita",
                **UPDATED,
            },
            values={
                "gender": {"F": "F", "M": "M", "non-binary": "X"},
                "labour_status": {
                    "unemployed": "disoccupato",
                    "inactive": "inattivo",
                    "employed": "occupato",
                    "self_employed": "autonomo",
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
            resource="/api/v1/esiti",
            id_field="event_id",
            fields={
                "event_id": "id_esito",
                "enrolment_id": "id_iscrizione",
                "event_type": "tipo_esito",
                "event_date": "data_esito",
                "from_follow_up": "da_follow_up",
                **UPDATED,
            },
            values={
                "event_type": {
                    "job_searching": "ricerca_lavoro",
                    "education_training": "formazione",
                    "qualification": "qualifica",
                    "employment": "occupato",
                    "self_employment": "autonomo",
                }
            },
        ),
        "supported_entities": EntityVocabulary(
            resource="/api/v1/enti_sostenuti",
            id_field="support_id",
            fields={
                "support_id": "id_sostegno",
                "operation_id": "codice_progetto",
                "entity_vat_number": "partita_iva",
                "entity_name": "ragione_sociale",
                "entity_type": "tipologia",
                "comune": "comune_istat",
                "support_start_date": "data_inizio",
                **UPDATED,
            },
            values={
                "entity_type": {
                    "micro_enterprise": "micro",
                    "small_enterprise": "piccola",
                    "medium_enterprise": "media",
                    "cooperative": "cooperativa",
                    "social_enterprise": "impresa_sociale",
                    "public_administration": "pa",
                }
            },
        ),
        "expenditures": EntityVocabulary(
            resource="/api/v1/spese",
            id_field="expenditure_id",
            fields={
                "expenditure_id": "id_spesa",
                "operation_id": "codice_progetto",
                "declared_date": "data_dichiarazione",
                "amount": "importo",
                **UPDATED,
            },
        ),
    },
)
