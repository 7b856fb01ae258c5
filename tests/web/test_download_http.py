"""The download page over real HTTP on a real Airflow API server: who may list and download,
what is served (exact bytes, only from the store), what is refused, and the download log.

Traversal attempts go through http.client with the raw request target, since `requests` (urllib3)
removes dot segments before sending.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
from datetime import UTC, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import PREFIX, SECRET, admin_sql

if TYPE_CHECKING:
    from tests.web.conftest import WebStack

PAGE = f"{PREFIX}/"


def raw_get(stack: WebStack, target: str, user: str) -> tuple[int, bytes]:
    """GET with the request target sent exactly as written (no normalisation, no re-quoting)."""
    parts = urlsplit(stack.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", target, headers={"Authorization": f"Bearer {stack.token(user)}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- authentication and authorisation ---------------------------------------------------------


def test_the_plugin_registers_the_app_and_a_link_in_the_airflow_ui(web_stack: WebStack) -> None:
    response = web_stack.get("/api/v2/plugins", user="alice")
    assert response.status_code == 200, response.text
    [plugin] = [p for p in response.json()["plugins"] if p["name"] == "osservatorio_compliance_downloads"]
    assert [app["url_prefix"] for app in plugin["fastapi_apps"]] == [PREFIX]
    [view] = plugin["external_views"]
    assert view["href"] == PAGE
    assert view["url_route"] == "compliance-packages"


@pytest.mark.parametrize("path", [PAGE, f"{PREFIX}/packages/202606/v001/list_of_operations.csv"])
def test_anonymous_is_refused_with_401(web_stack: WebStack, path: str) -> None:
    response = web_stack.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert b"Operation_Unique_Identifier" not in response.content


def test_an_anonymous_browser_gets_a_link_to_the_airflow_login_that_comes_back(web_stack: WebStack) -> None:
    response = web_stack.get(PAGE, headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    [href] = re.findall(r'<a href="([^"]+)">Sign in', response.text)
    assert href.startswith("/auth/login?next=")
    assert "compliance-packages" in href


def test_a_forged_token_is_refused(web_stack: WebStack) -> None:
    header, payload, _ = web_stack.token("carol").split(".")
    forged = f"{header}.{payload}.{'A' * 43}"  # carol's claims, a signature that is not the server's
    response = web_stack.get(PAGE, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 403
    assert "Compliance packages" not in response.text


@pytest.mark.parametrize("user", ["bob", "alice"])  # a viewer and an Airflow admin, neither an officer
def test_a_user_who_is_not_a_program_officer_is_refused_with_403(web_stack: WebStack, user: str) -> None:
    before = len(web_stack.downloads())
    page = web_stack.get(PAGE, user=user)
    assert page.status_code == 403
    assert "not a program officer" in page.json()["detail"]
    assert "list_of_operations.csv" not in page.text
    spec = web_stack.store.files["june_csv"]
    download = web_stack.get(spec.url_path, user=user)
    assert download.status_code == 403
    assert spec.content not in download.content
    assert len(web_stack.downloads()) == before  # nothing served, nothing logged


# --- the list ---------------------------------------------------------------------------------


def test_an_officer_sees_every_published_version_with_files_and_manifest(web_stack: WebStack) -> None:
    response = web_stack.get(PAGE, user="carol")
    assert response.status_code == 200, response.text
    html = response.text
    assert "signed in as <b>carol</b>" in html
    # Cut-offs newest first; versions newest first; the one being written (no manifest) and the
    # linked cut-off folder are not listed.
    sections = re.findall(r'<section id="c-(\d{6})">', html)
    assert sections == ["202612", "202608", "202606"]
    articles = re.findall(r'<article id="p-(\d{6}-v\d{3})">', html)
    assert articles == ["202612-v001", "202608-v001", "202606-v002", "202606-v001"]
    assert "202609" not in html
    assert "half written" not in html
    june_v1 = html[html.index('id="p-202606-v001"') :]
    assert "superseded by v002" in june_v1
    # Every file of the manifest, with a link and its checksum.
    for key in ("june_csv", "june_xlsx", "june_html", "june_v2_csv", "august_csv", "tricky"):
        spec = web_stack.store.files[key]
        assert f'href="{escape(spec.url_path)}"' in html, key
        assert spec.sha256 in html, key
    assert f'href="{PREFIX}/packages/202606/v002/manifest.json"' in html
    # The manifest rendered: its keys and values.
    assert "<th>supersedes_reason</th>" in html
    assert "tdz_corviale/operations/20260601T000000" in html
    assert "2026-06-30" in html
    # A file named by the manifest but not servable has no link.
    assert f'href="{PREFIX}/packages/202606/v001/escape.csv"' not in html
    assert "extra.csv" not in html


def test_the_page_escapes_what_comes_from_the_store_and_loads_nothing_external(web_stack: WebStack) -> None:
    response = web_stack.get(PAGE, user="carol")
    html = response.text
    assert "<script" not in html.lower()
    assert escape("<script>alert('reason')</script> late correction & more") in html
    assert escape('note <b>&"q".csv') in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no asset from another origin
    assert "@import" not in html
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp  # scripts fall under default-src 'none'


# --- downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["june_csv", "june_xlsx", "june_html", "june_v2_csv", "tricky", "august_csv"])
def test_an_officer_downloads_the_exact_bytes_as_an_attachment(web_stack: WebStack, key: str) -> None:
    spec = web_stack.store.files[key]
    response = web_stack.get(spec.url_path, user="carol")
    assert response.status_code == 200, response.text
    assert response.content == spec.content
    assert hashlib.sha256(response.content).hexdigest() == spec.sha256
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


def test_the_manifest_itself_can_be_downloaded(web_stack: WebStack) -> None:
    response = web_stack.get(f"{PREFIX}/packages/202606/v002/manifest.json", user="carol")
    assert response.status_code == 200
    on_disk = (web_stack.store.root / "202606" / "v002" / "manifest.json").read_bytes()
    assert response.content == on_disk


def test_every_download_is_logged_with_who_what_when_and_checksum(web_stack: WebStack) -> None:
    spec = web_stack.store.files["august_csv"]
    before = len(web_stack.downloads())
    start = datetime.now(UTC)
    response = web_stack.get(spec.url_path, user="carol")
    assert response.status_code == 200
    rows = web_stack.downloads()
    assert len(rows) == before + 1
    row = rows[-1]
    assert row["username"] == "carol"
    assert row["user_role"] == "viewer"
    assert (row["cutoff"], row["package_version"], row["file_name"]) == ("202608", "v001", spec.name)
    assert row["sha256"] == hashlib.sha256(response.content).hexdigest() == spec.sha256
    assert row["bytes"] == len(spec.content)
    assert row["client_address"] == "127.0.0.1"
    assert start - timedelta(seconds=5) <= row["downloaded_at"] <= datetime.now(UTC) + timedelta(seconds=5)


def test_the_download_log_is_append_only(web_stack: WebStack) -> None:
    import psycopg

    web_stack.get(web_stack.store.files["june_csv"].url_path, user="carol")  # at least one row
    # The page's own role (the pipeline's connection) has no right to change a row...
    with web_stack.warehouse() as conn:
        for statement in (
            "UPDATE audit.package_downloads SET username = 'mallory'",
            "DELETE FROM audit.package_downloads",
            "TRUNCATE audit.package_downloads",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    # ... and the trigger refuses it to whoever has (the superuser here).
    for statement in (
        "UPDATE audit.package_downloads SET username = 'mallory'",
        "DELETE FROM audit.package_downloads",
        "TRUNCATE audit.package_downloads",
    ):
        refused = admin_sql(web_stack.env, statement)
        assert refused.returncode != 0
        assert "append-only" in refused.stderr
    assert "mallory" not in {row["username"] for row in web_stack.downloads()}


def test_a_download_that_cannot_be_logged_is_not_served(web_stack: WebStack) -> None:
    spec = web_stack.store.files["june_xlsx"]
    before = len(web_stack.downloads())
    # The pipeline role loses its right to write the log (only the superuser can take it away).
    revoked = admin_sql(web_stack.env, "REVOKE INSERT ON audit.package_downloads FROM osservatorio_pipeline")
    assert revoked.returncode == 0, revoked.stderr
    try:
        response = web_stack.get(spec.url_path, user="carol")
    finally:
        granted = admin_sql(web_stack.env, "GRANT INSERT ON audit.package_downloads TO osservatorio_pipeline")
        assert granted.returncode == 0, granted.stderr
    assert response.status_code == 500
    assert "could not be logged" in response.json()["detail"]
    assert spec.content not in response.content
    assert len(web_stack.downloads()) == before
    assert web_stack.get(spec.url_path, user="carol").content == spec.content  # served again once logged


@pytest.mark.parametrize("site", ["cross-site", "Cross-Site"])
def test_a_download_another_site_started_is_refused_and_not_logged(web_stack: WebStack, site: str) -> None:
    """A link on another site opens the download in the officer's browser with their cookie: the
    browser says so in Sec-Fetch-Site, and the page neither serves nor logs it."""
    spec = web_stack.store.files["june_csv"]
    before = len(web_stack.downloads())
    response = web_stack.get(
        spec.url_path, user="carol", headers={"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate"}
    )
    assert response.status_code == 403
    assert "another site" in response.json()["detail"]
    assert spec.content not in response.content
    assert len(web_stack.downloads()) == before
    # The same officer's own navigations are served: from the page, a bookmark, a script.
    for own in ("same-origin", "none", None):
        headers = {"Sec-Fetch-Site": own} if own else {}
        assert web_stack.get(spec.url_path, user="carol", headers=headers).content == spec.content
    assert len(web_stack.downloads()) == before + 3


def test_the_passwords_file_is_the_servers_user_s_only(web_stack: WebStack) -> None:
    """The SimpleAuthManager's plain-text passwords file, after airflow_init.sh and the server's start."""
    import stat

    path = web_stack.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(web_stack.env["AIRFLOW_HOME"]).st_mode) == 0o700


def test_a_file_that_no_longer_matches_its_manifest_is_not_served(web_stack: WebStack) -> None:
    before = len(web_stack.downloads())
    response = web_stack.get(f"{PREFIX}/packages/202612/v001/tables.xlsx", user="carol")
    assert response.status_code == 500
    assert "differs from the manifest" in response.json()["detail"]
    assert b"changed after publication" not in response.content
    assert len(web_stack.downloads()) == before


# --- refusals ---------------------------------------------------------------------------------

REFUSED = [
    # dot segments, plain and percent-encoded (either case), in every position
    (f"{PREFIX}/packages/202606/v001/..", 400),
    (f"{PREFIX}/packages/202606/v001/%2e%2e", 400),
    (f"{PREFIX}/packages/202606/v001/%2E%2E", 400),
    (f"{PREFIX}/packages/../../secret.txt", 400),
    (f"{PREFIX}/packages/%2e%2e/%2e%2e/secret.txt", 400),
    (f"{PREFIX}/packages/202606/%2e%2e/list_of_operations.csv", 400),
    (f"{PREFIX}/packages/202606/v001/..%2f..%2f..%2foutside%2fsecret.txt", 404),
    (f"{PREFIX}/packages/202606/v001/%2e%2e%2f%2e%2e%2f%2e%2e%2foutside%2fsecret.txt", 404),
    (f"{PREFIX}/packages/202606/v001/..%5c..%5csecret.txt", 400),
    (f"{PREFIX}/packages/202606/v001/../../../outside/secret.txt", 404),
    # absolute paths
    (f"{PREFIX}/packages/202606/v001//etc/passwd", 404),
    (f"{PREFIX}/packages/202606/v001/%2fetc%2fpasswd", 404),
    (f"{PREFIX}/packages/202606/v001/%2F{'x' * 3}", 404),
    # well-formed, but not served: a link out of the store, a linked cut-off folder, a file
    # outside the manifest, a version without a manifest, a hidden name, an unknown package
    (f"{PREFIX}/packages/202606/v001/escape.csv", 404),
    (f"{PREFIX}/packages/202609/v001/secret.csv", 404),
    (f"{PREFIX}/packages/202609/v001/manifest.json", 404),
    (f"{PREFIX}/packages/202606/v001/extra.csv", 404),
    (f"{PREFIX}/packages/202608/v002/list_of_operations.csv", 404),
    (f"{PREFIX}/packages/202606/v001/.manifest.json", 400),
    (f"{PREFIX}/packages/202601/v001/list_of_operations.csv", 404),
    (f"{PREFIX}/packages/2026-06/v001/list_of_operations.csv", 400),
    (f"{PREFIX}/packages/202606/1/list_of_operations.csv", 400),
]


@pytest.mark.parametrize(("target", "status"), REFUSED)
def test_traversal_and_files_outside_the_manifest_are_refused(
    web_stack: WebStack, target: str, status: int
) -> None:
    before = len(web_stack.downloads())
    got, body = raw_get(web_stack, target, "carol")
    assert got == status, body[:500]
    assert SECRET not in body
    assert b"in the folder, not in the manifest" not in body
    assert b"half written" not in body
    assert b"root:" not in body  # /etc/passwd
    assert len(web_stack.downloads()) == before
