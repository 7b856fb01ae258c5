"""One ingestion stage of one pilot and record type, as a process of its own (so that the
benchmark can measure each stage's wall time and peak RSS). Uses the same functions as the
Airflow tasks, with the connection details given on the command line.

    python -m benchmarks.stages extract  --pilot P --entity E --work DIR --base-url URL --token T
    python -m benchmarks.stages extract  --pilot P --entity E --work DIR --inbox DIR
    python -m benchmarks.stages validate --pilot P --entity E --work DIR --key K
    python -m benchmarks.stages land     --pilot P --entity E --work DIR --warehouse URI
    python -m benchmarks.stages floor-fetch --pilot P --entity E --base-url URL --token T
    python -m benchmarks.stages floor-read  --pilot P --entity E --inbox DIR
Prints one JSON line: {"stage", "records", "seconds"}.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from osservatorio.registry import load_registry


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage")
    parser.add_argument("--pilot", required=True)
    parser.add_argument("--entity", default="participant_enrolments")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--base-url")
    parser.add_argument("--token", default="")
    parser.add_argument("--inbox", type=Path)
    parser.add_argument("--key", default="benchmark-key-" + "x" * 32)
    parser.add_argument("--warehouse")
    args = parser.parse_args()
    pilot = load_registry()[args.pilot]
    source = pilot.entities[args.entity]
    started = time.perf_counter()
    records = 0
    if args.stage == "extract":
        from osservatorio.channels import CHANNEL_TYPES
        from osservatorio.manifest import BatchManifest, RunInterval

        # The channel the DAG uses, pointed at the benchmark's server or inbox instead of a connection.
        endpoint = {"inbox": args.inbox} if args.inbox else {"base_url": args.base_url, "token": args.token}
        channel = CHANNEL_TYPES[pilot.channel](pilot, **endpoint)
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        os.environ["OSSERVATORIO_STATE_DIR"] = str(args.work / "state")
        batch = BatchManifest(args.pilot, args.entity, RunInterval(moment, moment))
        extraction = channel.extract(batch, None)
        (args.work / f"{args.entity}.source.jsonl").unlink(missing_ok=True)
        extraction.path.rename(args.work / f"{args.entity}.source.jsonl")
        records = extraction.received
    elif args.stage == "validate":
        from osservatorio.validate.batch import validate_batch
        from osservatorio.validate.data_docs import publish_batch_result
        from osservatorio.validate.suite import load_suite_definition

        # As in the DAG, the batch's Data Docs page is built too (into the work folder).
        os.environ["OSSERVATORIO_STATE_DIR"] = str(args.work / "state")
        os.environ.pop("OSSERVATORIO_DATA_DOCS_DIR", None)
        definition = load_suite_definition(args.entity)
        records = validate_batch(
            pilot,
            args.entity,
            args.work / f"{args.entity}.source.jsonl",
            args.key,
            datetime.now(UTC).date(),
            publish=lambda result: publish_batch_result(result, definition, args.pilot, "benchmark"),
        ).received
    elif args.stage == "land":
        import psycopg

        from osservatorio.land.warehouse import batch_for, land_batch

        now = datetime(2026, 1, 1, tzinfo=UTC)
        valid, quarantine = (args.work / f"{args.entity}.{kind}.jsonl" for kind in ("valid", "quarantine"))
        received = sum(1 for path in (valid, quarantine) for _ in path.open())
        with psycopg.connect(args.warehouse) as conn:
            land_batch(conn, batch_for(args.pilot, args.entity, now, now), valid, quarantine, received)
        records = received
    elif args.stage == "floor-fetch":
        # The floor of extraction: the same pages fetched with no processing at all (only the
        # pilot's pagination, to know which page comes next).
        import requests

        from osservatorio.extract.rest_api import Checkpoint, pagination_for

        url = f"{args.base_url.rstrip('/')}{source.path}"
        headers = {"Authorization": f"Bearer {args.token}"}
        pager, state = pagination_for(pilot.api), Checkpoint()
        with requests.Session() as session:
            done = False
            while not done:
                params = {pilot.api.size_param: source.page_size} | pager.params(state)
                body = session.get(url, params=params, headers=headers, timeout=60).json()
                records += len(body[pilot.api.records_key])
                done = pager.advance(state, body)
    elif args.stage == "floor-read":
        for path in sorted(args.inbox.glob(source.file_pattern or "*")):
            with path.open("rb") as handle:
                records += sum(1 for _ in handle)
    else:
        parser.error(f"unknown stage {args.stage}")
    print(json.dumps({"stage": args.stage, "records": records, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
