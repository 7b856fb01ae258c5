"""Simulated pilot systems: stand-ins for the five pilots' own record systems.

They are the outside world of the pipeline: the pipeline talks to them only through the
channels a real pilot offers. Everything is deterministic from a seed, computed on demand
(record i depends only on seed, pilot, record type and i), and each generated record carries
its ground truth (which defects were injected) so that tests compute expected values on their
own, without reading anything the pipeline produced.

    territories.py, catalogue.py, identifiers.py   comuni, operations, CF / partita IVA / CUP
    generators/         canonical records per record type, defects and duplicates
    vocabularies/       each pilot's field names, coded values and value formats
    state.py            touched and appended records on top of the generated ones
    system.py           PilotSystem: one pilot, all record types, in its vocabulary (the Python API)
    rest_api.py, server/  TdZ x2 (pages) and COL (cursor) over HTTP, faults, rate limit, admin
    drops/              CAL (CSV) and ZOT (XLSX) file drops
    population.py       PilotPopulation: the older participants-only view
"""
