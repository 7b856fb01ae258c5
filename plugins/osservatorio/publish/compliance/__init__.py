"""Compliance packages: the files a program officer sends the Commission for one Art. 42 cut-off.

`build_package` reads the cut-off's rows from the compliance schema (or a scratch copy of it for
a past `known_at`), checks them with the Commission's rules, and publishes an immutable version
folder `<root>/<YYYYMM>/v<NNN>/` (CSV files, one XLSX workbook, an HTML summary, a manifest).
See docs/compliance_packages.md.

Importing this package is light: openpyxl and frictionless are imported where they are used.
"""

from osservatorio.publish.compliance.build import PublishedPackage, build_package
from osservatorio.publish.compliance.errors import PackageCheckFailed, Violation

__all__ = ["PackageCheckFailed", "PublishedPackage", "Violation", "build_package"]
