"""Pseudonymous person keys.

A codice fiscale never leaves the validate task: it is replaced by HMAC-SHA256(key, CF), where
the key is the Airflow Variable `osservatorio_pseudonymisation_key` (in development,
AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY, generated into the git-ignored state folder).
A keyed hash, not a plain one: the CF space is small enough to enumerate, a secret key is not.
The same key must be used for the whole programming period, or people would be counted twice.
"""

from __future__ import annotations

import hashlib
import hmac

KEY_VARIABLE = "osservatorio_pseudonymisation_key"
MIN_KEY_LENGTH = 32


def normalise_tax_code(tax_code: str) -> str:
    return "".join(tax_code.split()).upper()


def person_key(tax_code: str, key: str) -> str:
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"the pseudonymisation key must have at least {MIN_KEY_LENGTH} characters")
    return hmac.new(key.encode(), normalise_tax_code(tax_code).encode(), hashlib.sha256).hexdigest()
