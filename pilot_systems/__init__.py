"""Simulated pilot systems: stand-ins for the pilots' own record systems.

They are the outside world of the pipeline: the pipeline talks to them only through the
channels a real pilot offers (a REST API on 127.0.0.1 today; CSV and XLSX drops later).
Everything is deterministic from a seed, and each generated record carries its ground truth
(which defects were injected) so that tests can compute expected indicator values on their
own, without reading anything the pipeline produced.
"""
