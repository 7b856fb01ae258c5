"""Validation: map a pilot's records onto the contract, check them with the GX suite, split good from bad."""
