"""Generators of canonical records, one module per record type.

Every record is a pure function of (seed, pilot, record type, slot number): nothing is held in
memory, so any page of a million-record system is computed on demand. A generator yields
`Draft`s: the canonical record (English names, canonical values) and the defects injected into
it; the pilot's vocabulary (vocabularies/) then renders it in the pilot's own words.
"""
