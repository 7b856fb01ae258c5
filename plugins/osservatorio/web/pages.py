"""The HTML of the download page: one self-contained document, every value escaped.

No external asset (no script, font, stylesheet or image from anywhere): the style is inline and the
page runs no JavaScript, so it works offline and inside the Airflow UI's frame. Everything that
comes from the store or the manifest (folder and file names, manifest values) goes through
`html.escape`; links are built from the checked path segments, URL-quoted.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from osservatorio.web.package_store import PackageVersion

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem;
       color: #1b1f24; }
header { display: flex; justify-content: space-between; align-items: baseline;
         border-bottom: 1px solid #d0d7de; margin-bottom: 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; } h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
table { border-collapse: collapse; margin: .3rem 0 .8rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
code, .hash { font-family: ui-monospace, monospace; font-size: .85em; word-break: break-all; }
.tag { font-size: .8rem; padding: .05rem .4rem; border-radius: .6rem; background: #dafbe1; }
.tag.old { background: #eaeef2; } .tag.bad { background: #ffebe9; }
article { border: 1px solid #d0d7de; border-radius: .4rem; padding: .2rem 1rem .6rem; margin: .6rem 0; }
.note { color: #57606a; } .error { color: #a40e26; }
"""
MAX_DEPTH = 4  # deeper manifest values are shown as JSON text


def document(title: str, body: str, username: str | None = None) -> str:
    who = f'<span class="note">signed in as <b>{escape(username)}</b></span>' if username else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><header><h1>{escape(title)}</h1>{who}</header>\n{body}\n</body></html>\n"
    )


def render_value(value: Any, depth: int = 0) -> str:
    """A manifest value as HTML: objects as tables, lists as lists, scalars as escaped text."""
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        return f"<code>{escape(json.dumps(value, ensure_ascii=False))}</code>"
    if isinstance(value, dict):
        if not value:
            return '<span class="note">(none)</span>'
        rows = "".join(
            f"<tr><th>{escape(str(key))}</th><td>{render_value(item, depth + 1)}</td></tr>"
            for key, item in value.items()
        )
        return f"<table>{rows}</table>"
    if isinstance(value, list):
        if not value:
            return '<span class="note">(none)</span>'
        return "<ul>" + "".join(f"<li>{render_value(item, depth + 1)}</li>" for item in value) + "</ul>"
    if value is None:
        return '<span class="note">null</span>'
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def version_article(
    package: PackageVersion, newest: str, link: Callable[[str, str, str], str], manifest_name: str
) -> str:
    """One version of a cut-off: state, files with download links, the manifest rendered."""
    label = f"{package.cutoff}/{package.version}"
    anchor = f"p-{package.cutoff}-{package.version}"
    if package.version == newest:
        state = '<span class="tag">current</span>'
    else:
        state = f'<span class="tag old">superseded by {escape(newest)}</span>'
    if package.manifest is None:
        error = escape(package.error or "")
        return (
            f'<article id="{anchor}"><h3>{escape(package.version)} <span class="tag bad">unreadable'
            f'</span></h3><p class="error">{error}: nothing of {escape(label)} is served.</p></article>'
        )
    rows = []
    for item in package.files:
        if item.size is None:
            name_cell = f'{escape(item.name)} <span class="tag bad">not available</span>'
            size_cell = ""
        else:
            href = escape(link(package.cutoff, package.version, item.name))
            name_cell = f'<a href="{href}" download>{escape(item.name)}</a>'
            size_cell = human_size(item.size)
        rows.append(
            f'<tr><td>{name_cell}</td><td>{size_cell}</td><td class="hash">{escape(item.sha256)}</td></tr>'
        )
    files = (
        "<table><tr><th>File</th><th>Size</th><th>SHA-256 (from the manifest)</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else '<p class="note">The manifest lists no files.</p>'
    )
    details = {key: value for key, value in package.manifest.items() if key != "files"}
    manifest_href = escape(link(package.cutoff, package.version, manifest_name))
    is_open = " open" if package.version == newest else ""
    return (
        f'<article id="{anchor}"><h3>{escape(package.version)} {state}</h3>{files}'
        f'<details{is_open}><summary>Manifest (<a href="{manifest_href}" download>'
        f"{escape(manifest_name)}</a>)</summary>{render_value(details)}</details></article>"
    )


def packages_page(
    packages: list[PackageVersion], username: str, link: Callable[[str, str, str], str], manifest_name: str
) -> str:
    """The list of every package version by cut-off (newest first), for a program officer."""
    if not packages:
        body = '<p class="note">No compliance package has been published yet.</p>'
        return document("Compliance packages", body, username)
    sections = []
    cutoffs = sorted({p.cutoff for p in packages}, reverse=True)
    for cutoff in cutoffs:
        versions = [p for p in packages if p.cutoff == cutoff]
        newest = max(p.version for p in versions)
        articles = "".join(version_article(p, newest, link, manifest_name) for p in versions)
        title = f"Cut-off {cutoff[:4]}-{cutoff[4:]}"
        sections.append(f'<section id="c-{cutoff}"><h2>{escape(title)}</h2>{articles}</section>')
    intro = (
        '<p class="note">Every download is logged (who, which file, when, its SHA-256). A published '
        "version never changes: a new run of a cut-off adds a version that supersedes it.</p>"
    )
    return document("Compliance packages", intro + "".join(sections), username)


def error_page(status: int, message: str, login_url: str | None = None, username: str | None = None) -> str:
    titles = {400: "Bad request", 401: "Sign-in needed", 403: "Not allowed", 404: "Not found"}
    title = titles.get(status, "Error")
    body = f"<p>{escape(message)}</p>"
    if login_url:
        body += f'<p><a href="{escape(login_url)}">Sign in to Airflow</a></p>'
    return document(f"{title} ({status})", body, username)
