"""osservatorio: monitoring pipeline for ESF+ active-inclusion pilots.

The package follows one record's path: registry (which pilot, which channel) -> extract ->
validate (contract, GX suite, quarantine) -> land (raw schema) -> dbt (dbt_project/) -> publish.
"""
