"""The FastAPI app of the download page, mounted by the Airflow API server (see the plugin).

Airflow serves plugin apps without authentication, so the app enforces it itself:
- every route requires an Airflow user (the API server's JWT, from a Bearer header or the `_token`
  cookie the UI login sets): anonymous gets 401 (browsers get a page linking to the Airflow login,
  which comes back here), a bad token 403;
- every route but the error pages requires a program officer (`officers.py`): anyone else, Airflow
  admins included, gets 403.
Downloads another site started (`Sec-Fetch-Site: cross-site`) are refused (403) before anything;
the others are checked by `package_store.open_for_download`, logged by `download_log` and only then
streamed. Imported only by the API server, on the first request (`deferred.DeferredApp`).
"""

import logging
import mimetypes
from collections.abc import Iterator
from typing import IO, Annotated
from urllib.parse import quote

from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.core_api.security import GetUserDep, requires_authenticated
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from osservatorio.paths import compliance_packages_dir
from osservatorio.web import pages
from osservatorio.web.download_log import Download, record_download
from osservatorio.web.officers import OFFICERS_VARIABLE, is_program_officer
from osservatorio.web.package_store import (
    MANIFEST,
    BadRequest,
    ManifestError,
    NotFound,
    list_packages,
    open_for_download,
)

log = logging.getLogger(__name__)

CHUNK = 1 << 16
# The page loads nothing from anywhere and runs no script; the Airflow UI may frame it (same origin).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; "
        "form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# A downloaded file is never rendered in the page's origin, whatever its type (the HTML summary too).
FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def refuse_cross_site(request: Request) -> None:
    """403 for a download another site started (its link, form or script): the browser sends the
    officer's `_token` cookie on a cross-site navigation, and the download would be logged in their
    name without their asking. `Sec-Fetch-Site` is set by the browser and cannot be set by a page;
    a script (no such header), a bookmark (`none`) or this page (`same-origin`) pass."""
    if request.headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        raise HTTPException(
            status_code=403,
            detail="download refused: it was started by another site (Sec-Fetch-Site: cross-site), "
            "so it is neither served nor logged. Open the compliance-packages page and download from there.",
        )


def program_officer(user: GetUserDep) -> BaseUser:
    """The signed-in user, if a program officer; 403 otherwise."""
    if not is_program_officer(user.get_name()):
        raise HTTPException(
            status_code=403,
            detail=f"{user.get_name()} is not a program officer: only the users named in "
            f"{OFFICERS_VARIABLE} may list and download compliance packages (docs/downloads.md).",
        )
    return user


Officer = Annotated[BaseUser, Depends(program_officer)]


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987)."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def stream(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while block := handle.read(CHUNK):
            yield block
    finally:
        handle.close()


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def login_url(request: Request) -> str | None:
    """The Airflow login page, coming back to this URL after signing in."""
    from airflow.api_fastapi.app import get_auth_manager

    try:
        return get_auth_manager().get_url_login(next_url=str(request.url))
    except Exception:  # an error page must not fail for want of a login link
        log.warning("no login URL from the auth manager", exc_info=True)
        return None


def create_app() -> FastAPI:
    """The app: `/` lists the packages, `/packages/<cut-off>/<version>/<file>` downloads a file."""
    # No OpenAPI pages: Swagger UI loads its assets from a CDN, and nothing here is an API.
    app = FastAPI(
        title="osservatorio compliance packages",
        dependencies=[Depends(requires_authenticated())],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        headers = {**PAGE_HEADERS, **(error.headers or {})}
        if error.status_code == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        if not wants_html(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers)
        link = login_url(request) if error.status_code == 401 else None
        message = str(error.detail)
        if error.status_code == 401:
            message = f"{message}: sign in to Airflow to see the compliance packages."
        body = pages.error_page(error.status_code, message, login_url=link)
        return HTMLResponse(body, status_code=error.status_code, headers=headers)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, officer: Officer) -> HTMLResponse:
        root = request.scope.get("root_path", "")

        def link(cutoff: str, version: str, name: str) -> str:
            return f"{root}/packages/{cutoff}/{version}/{quote(name, safe='')}"

        packages = list_packages(compliance_packages_dir())
        body = pages.packages_page(packages, officer.get_name(), link, MANIFEST)
        return HTMLResponse(body, headers=PAGE_HEADERS)

    @app.get("/packages/{cutoff}/{version}/{name}", dependencies=[Depends(refuse_cross_site)])
    def download(request: Request, cutoff: str, version: str, name: str, officer: Officer) -> Response:
        try:
            served = open_for_download(compliance_packages_dir(), cutoff, version, name)
        except BadRequest as error:
            raise HTTPException(status_code=400, detail=str(error)) from None
        except (NotFound, FileNotFoundError):
            # The same answer for every refusal: it does not tell what exists outside a package.
            raise HTTPException(status_code=404, detail="no such file in the compliance packages") from None
        except ManifestError as error:
            log.error("package file not served: %s", error)
            raise HTTPException(status_code=500, detail=f"damaged package, not served: {error}") from None
        try:
            download_id = record_download(
                Download(
                    username=officer.get_name(),
                    user_role=getattr(officer, "role", None),
                    cutoff=cutoff,
                    package_version=version,
                    file_name=name,
                    sha256=served.sha256,
                    bytes=served.size,
                    client_address=request.client.host if request.client else None,
                )
            )
        except Exception:
            served.handle.close()
            log.exception("download of %s/%s/%s by %s not logged", cutoff, version, name, officer.get_name())
            raise HTTPException(
                status_code=500,
                detail="the download could not be logged in the warehouse, so it is not served: "
                "try again later or tell the pipeline team",
            ) from None
        log.info("download %d: %s/%s/%s to %s", download_id, cutoff, version, name, officer.get_name())
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        headers = {
            **FILE_HEADERS,
            "Content-Disposition": content_disposition(name),
            "Content-Length": str(served.size),
            "X-Checksum-SHA256": served.sha256,
        }
        return StreamingResponse(
            stream(served.handle),
            media_type=media_type,
            headers=headers,
            background=BackgroundTask(served.handle.close),
        )

    return app
