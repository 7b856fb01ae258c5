"""Pseudonymous person keys.

A codice fiscale never leaves the validate task: it is replaced by HMAC-SHA256(key, CF), where
the key is the Airflow Variable `osservatorio_pseudonymisation_key` (in development,
AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY, generated into the git-ignored state folder).
A keyed hash, not a plain one: the CF space is small enough to enumerate, a secret key is not.
The same key must be used for the whole programming period, or people would be counted twice.

The same key hashes what else readers could otherwise confirm or enumerate (issue 24 point 8):
- a supported entity's partita IVA (`entity_key`): 11 digits, about 10^10 values, are brute-forced
  in minutes from a plain hash;
- the record as the pilot sent it (`record_hmac`): whoever holds a candidate record could confirm
  it is there from its plain SHA-256.
An auditor who holds the key recomputes them (`python -m osservatorio.privacy.pseudonymise`); an
analyst, who does not, cannot. Each kind of value has its own prefix, so that a partita IVA and an
11-digit codice fiscale (given to companies and, temporarily, to people) never share a key.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
from typing import Any

from osservatorio.envelope import record_bytes

KEY_VARIABLE = "osservatorio_pseudonymisation_key"
MIN_KEY_LENGTH = 32


def normalise_tax_code(tax_code: str) -> str:
    return "".join(tax_code.split()).upper()


def _keyed(key: str, message: bytes) -> str:
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"the pseudonymisation key must have at least {MIN_KEY_LENGTH} characters")
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def person_key(tax_code: str, key: str) -> str:
    return _keyed(key, normalise_tax_code(tax_code).encode())


def entity_key(vat_number: str, key: str) -> str:
    """The supported entity's key: HMAC-SHA256(key, "entity:" + partita IVA without spaces)."""
    return _keyed(key, b"entity:" + normalise_tax_code(vat_number).encode())


def record_hmac(record: dict[str, Any], key: str) -> str:
    """HMAC-SHA256(key, "record:" + the record as sent, JSON with sorted keys): the marts'
    `record_hash`. `osservatorio.envelope.record_bytes` gives the exact bytes."""
    return _keyed(key, b"record:" + record_bytes(record))


def main(argv: list[str] | None = None) -> int:
    """For an auditor: the keyed values of a record as sent, or of a partita IVA or codice fiscale.
    The key comes from AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY (never a command-line argument,
    which other users of the machine could read)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--record", help="the record as the pilot sent it, a JSON object ('-': stdin)")
    what.add_argument("--vat", help="a partita IVA: the entity key")
    what.add_argument("--tax-code", help="a codice fiscale: the person key")
    args = parser.parse_args(argv)
    key = os.environ.get("AIRFLOW_VAR_" + KEY_VARIABLE.upper(), "")
    if not key:
        print(f"set AIRFLOW_VAR_{KEY_VARIABLE.upper()} to the pseudonymisation key", file=sys.stderr)
        return 2
    if args.record is not None:
        text = sys.stdin.read() if args.record == "-" else args.record
        print(record_hmac(json.loads(text), key))
    elif args.vat is not None:
        print(entity_key(args.vat, key))
    else:
        print(person_key(args.tax_code, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
