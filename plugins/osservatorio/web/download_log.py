"""The download log: one row in `audit.package_downloads` per file served, written before serving.

It goes through the pipeline's warehouse connection (`osservatorio_warehouse`, resolved by Airflow:
AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE, a secrets backend or the metadata DB), committed before the
first byte leaves, so a download the log could not record is never served (the page answers 500).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    username: str
    user_role: str | None
    cutoff: str
    package_version: str
    file_name: str
    sha256: str
    bytes: int
    client_address: str | None


INSERT = """
INSERT INTO audit.package_downloads
    (username, user_role, cutoff, package_version, file_name, sha256, bytes, client_address)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
RETURNING download_id
"""


def record_download(download: Download) -> int:
    """Insert and commit the download's row; returns its id. Any failure raises."""
    from osservatorio.warehouse import connect_from_airflow

    with connect_from_airflow() as conn:  # commits on leaving the block, rolls back on an error
        row = conn.execute(
            INSERT,
            (
                download.username,
                download.user_role,
                download.cutoff,
                download.package_version,
                download.file_name,
                download.sha256,
                download.bytes,
                download.client_address,
            ),
        ).fetchone()
    return int(row[0])
