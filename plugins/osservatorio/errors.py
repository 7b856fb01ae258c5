"""Failures that say the input or the configuration is wrong, so retrying cannot help.

They live in this light module (no pandas, no GX) so that the DAGs' retry policy can name them
at parse time without importing the modules that raise them.
"""

from __future__ import annotations


class FileRejected(RuntimeError):
    """A dropped file is structurally unusable: the batch extracts nothing. Names pilot, file, line."""


class BatchRejected(RuntimeError):
    """The whole batch is refused: nothing of it is loaded. The message says pilot, source and why."""


class RunConfigurationError(ValueError):
    """A run was started with parameters the pipeline cannot use (e.g. a malformed date)."""
