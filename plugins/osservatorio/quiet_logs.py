"""Keep library chatter out of task logs, so that a data engineer reads a failure on the first screen.

Great Expectations logs at INFO what matters to its own developers only: over 200 lines per
process about its API-docs registry ("Skipping registering function ... because it is a closure"),
"Multiple declarations of metric ..." for its own metrics, the temporary folder of every context's
docs site and its (empty) datasource configuration. Its warnings and errors still reach the log:
an "Overwriting declaration of expectation" warning, for one, means that our custom expectations
were imported twice under two module names (Airflow loading plugins/ as plugins: see
plugins/.airflowignore), which is worth seeing.
"""

from __future__ import annotations

import logging

QUIET_LEVELS = {"great_expectations": logging.WARNING}
# GX sets this logger to INFO itself while being imported, over any level set before: filtered.
FORCED_TO_INFO = ("great_expectations.data_context.types.base",)


class _WarningsAndAbove(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_WARNINGS_AND_ABOVE = _WarningsAndAbove()


def quiet_great_expectations() -> None:
    """Call before importing GX (it logs while being imported). A level set on purpose (a logging
    config naming the logger, a developer debugging GX) is kept. Stdlib levels, because Airflow's
    `[logging] namespace_levels` filters its own structlog loggers, not those of libraries."""
    for name, level in QUIET_LEVELS.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)
    for name in FORCED_TO_INFO:
        logging.getLogger(name).addFilter(_WARNINGS_AND_ABOVE)  # (added once: addFilter checks)
