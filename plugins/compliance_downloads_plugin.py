"""Airflow plugin: the compliance-package download page for program officers (docs/downloads.md).

Registers the FastAPI app of `osservatorio.web` under /compliance-packages on the API server, and a
"Compliance packages" entry in the Airflow UI's Browse menu that shows the page inside the UI.
The API server does not authenticate plugin apps: the app does it itself, and lets program
officers only (`osservatorio.web.officers`) list and download.

Every Airflow process imports this file (each task process too, for plugin macros), so it imports
nothing heavy: the app is built on its first request (`DeferredApp`).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from osservatorio.web.deferred import DeferredApp

URL_PREFIX = "/compliance-packages"


class ComplianceDownloadsPlugin(AirflowPlugin):
    name = "osservatorio_compliance_downloads"
    fastapi_apps = [  # noqa: RUF012 (AirflowPlugin declares these as class attributes)
        {
            "app": DeferredApp("osservatorio.web.app:create_app"),
            "url_prefix": URL_PREFIX,
            "name": "Compliance packages",
        }
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "Compliance packages",
            "href": f"{URL_PREFIX}/",
            "url_route": "compliance-packages",  # shown inside the UI at /plugin/compliance-packages
            "destination": "nav",
            "category": "browse",
        }
    ]
