"""The download page for program officers: a FastAPI app the Airflow API server serves.

`compliance_downloads_plugin.py` (in `plugins/`) mounts it; `app.create_app` builds it. It lists the
compliance packages of `osservatorio.paths.compliance_packages_dir()`, serves their files to program
officers only (`officers.py`), and logs every download in `audit.package_downloads` before serving
it (`download_log.py`). See docs/downloads.md.
"""
