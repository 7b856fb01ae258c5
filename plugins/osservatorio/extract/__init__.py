"""Extraction: read a pilot's channel and write what it sent, untouched, to the batch's work folder."""
