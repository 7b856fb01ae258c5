"""What ingestion tasks hand each other: typed manifests of one batch, serialised as plain JSON.

A batch is one record type of one pilot for one data interval; its id derives from the interval,
so running the same interval again is the same batch (the landing supersedes the earlier rows).
Between Airflow tasks a manifest travels as an XCom of JSON values (`to_xcom`/`from_xcom`), so no
custom class has to be allowed for deserialisation on the workers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from osservatorio.envelope import DroppedFile
from osservatorio.paths import work_dir


@dataclass(frozen=True)
class RunInterval:
    """The data interval a run ingests: [start, end)."""

    start: datetime
    end: datetime

    def to_xcom(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_xcom(cls, data: dict[str, str]) -> RunInterval:
        return cls(datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"]))


def batch_key(start: datetime) -> str:
    return f"{start:%Y%m%dT%H%M%S}"


@dataclass(frozen=True)
class BatchManifest:
    pilot_id: str
    entity: str
    interval: RunInterval

    @property
    def key(self) -> str:
        """The interval's key: names the work folder, the archive folder and the batch."""
        return batch_key(self.interval.start)

    @property
    def batch_id(self) -> str:
        return f"{self.pilot_id}/{self.entity}/{self.key}"

    @property
    def as_of(self) -> date:
        """Nothing in the batch may be dated after the end of its interval."""
        return self.interval.end.date()

    @property
    def archive_key(self) -> str:
        return f"{self.key}/{self.entity}"

    def work_file(self, stage: str) -> Path:
        """`<state>/work/<pilot>/<interval>/<entity>.<stage>.jsonl`, rewritten by a rerun."""
        return work_dir(self.pilot_id, self.key) / f"{self.entity}.{stage}.jsonl"

    def to_xcom(self) -> dict[str, Any]:
        return {"pilot_id": self.pilot_id, "entity": self.entity, "interval": self.interval.to_xcom()}

    @classmethod
    def from_xcom(cls, data: dict[str, Any]) -> BatchManifest:
        return cls(data["pilot_id"], data["entity"], RunInterval.from_xcom(data["interval"]))


def _optional_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Extraction:
    """What a channel extracted into the batch's JSON-lines file, untouched."""

    batch: BatchManifest
    path: Path
    received: int
    # incremental REST extraction: records changed after watermark_from were asked for, and the
    # newest change seen (watermark_to) is where the next interval starts
    watermark_from: datetime | None = None
    watermark_to: datetime | None = None
    files: tuple[DroppedFile, ...] = ()  # file channels: every file of the batch, new or skipped

    def to_xcom(self) -> dict[str, Any]:
        return {
            "batch": self.batch.to_xcom(),
            "path": str(self.path),
            "received": self.received,
            "watermark_from": self.watermark_from.isoformat() if self.watermark_from else None,
            "watermark_to": self.watermark_to.isoformat() if self.watermark_to else None,
            "files": [asdict(f) for f in self.files],
        }

    @classmethod
    def from_xcom(cls, data: dict[str, Any]) -> Extraction:
        return cls(
            batch=BatchManifest.from_xcom(data["batch"]),
            path=Path(data["path"]),
            received=int(data["received"]),
            watermark_from=_optional_time(data.get("watermark_from")),
            watermark_to=_optional_time(data.get("watermark_to")),
            files=tuple(DroppedFile(**f) for f in data.get("files") or ()),
        )


@dataclass(frozen=True)
class ValidatedBatch:
    """A batch split into valid records and quarantined ones, ready to land."""

    extraction: Extraction
    valid_path: Path
    quarantine_path: Path
    received: int
    failures_by_rule: dict[str, int] = field(default_factory=dict)
    data_docs_page: str | None = None

    def to_xcom(self) -> dict[str, Any]:
        return {
            "extraction": self.extraction.to_xcom(),
            "valid_path": str(self.valid_path),
            "quarantine_path": str(self.quarantine_path),
            "received": self.received,
            "failures_by_rule": self.failures_by_rule,
            "data_docs_page": self.data_docs_page,
        }

    @classmethod
    def from_xcom(cls, data: dict[str, Any]) -> ValidatedBatch:
        return cls(
            extraction=Extraction.from_xcom(data["extraction"]),
            valid_path=Path(data["valid_path"]),
            quarantine_path=Path(data["quarantine_path"]),
            received=int(data["received"]),
            failures_by_rule={str(k): int(v) for k, v in (data.get("failures_by_rule") or {}).items()},
            data_docs_page=data.get("data_docs_page"),
        )


@dataclass(frozen=True)
class LandedBatch:
    """The ledger of one landed batch: received = loaded + unchanged + quarantined."""

    batch: BatchManifest
    received: int
    loaded: int
    unchanged: int
    quarantined: int

    def to_xcom(self) -> dict[str, Any]:
        return {
            "batch": self.batch.to_xcom(),
            "batch_id": self.batch.batch_id,
            "received": self.received,
            "loaded": self.loaded,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
        }

    @classmethod
    def from_xcom(cls, data: dict[str, Any]) -> LandedBatch:
        return cls(
            BatchManifest.from_xcom(data["batch"]),
            int(data["received"]),
            int(data["loaded"]),
            int(data["unchanged"]),
            int(data["quarantined"]),
        )
