"""docker-compose.yml (and docker/external-postgres.yml): valid against the Compose Specification
schema vendored by check-jsonschema, and running the processes and settings of
osservatorio.deploy.celery_stack, the single source the Celery test and `make ui EXECUTOR=celery`
also use. No Docker engine needed: the files are parsed and checked here; if the `docker compose`
CLI is present, `docker compose config -q` checks them too."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from osservatorio.deploy import celery_stack, queues
from osservatorio.paths import DBT_MANIFEST, REPO_ROOT
from osservatorio.registry import load_registry

COMPOSE = REPO_ROOT / "docker-compose.yml"
EXTERNAL_PG = REPO_ROOT / "docker" / "external-postgres.yml"
AIRFLOW_SERVICES = (*celery_stack.SERVICES, "worker")
WORKER_NODE = "worker@%h"
# Where the image puts the repository (Dockerfile): paths inside containers are checked against it.
IMAGE_ROOT = "/opt/osservatorio"
# What the override needs to be set (it refuses to start without them).
EXTERNAL_ENV = {
    "OSSERVATORIO_PG_ADMIN_URL": "postgresql://admin:pw@db.example.org:5432/postgres",
    "OSSERVATORIO_COMPOSE_DB_HOST": "db.example.org",
}
# scripts/env.sh's settings that every deployment shares with local development.
SHARED_WITH_ENV_SH = (
    "AIRFLOW__CORE__LOAD_EXAMPLES",
    "AIRFLOW__LOGGING__NAMESPACE_LEVELS",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
    "OSSERVATORIO_PROGRAM_OFFICERS",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED",
    "DBT_SEND_ANONYMOUS_USAGE_STATS",
    "DO_NOT_TRACK",
    "SCARF_ANALYTICS",
    "GX_ANALYTICS_ENABLED",
    "AIRFLOW__OPENLINEAGE__NAMESPACE",
)


# -- reading compose files ---------------------------------------------------------------------


class Reset:
    """`!reset value`: the override removes the key (compose 2.24)."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Override(Reset):
    """`!override value`: the override replaces the key instead of merging into it."""


class _ComposeLoader(yaml.SafeLoader):
    pass


def _tagged(cls: type[Reset]) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Reset:
        if isinstance(node, yaml.MappingNode):
            return cls(loader.construct_mapping(node, deep=True))
        if isinstance(node, yaml.SequenceNode):
            return cls(loader.construct_sequence(node, deep=True))
        return cls(loader.construct_scalar(node))  # type: ignore[arg-type]

    return construct


_ComposeLoader.add_constructor("!reset", _tagged(Reset))
_ComposeLoader.add_constructor("!override", _tagged(Override))


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_ComposeLoader)


def untag(value: Any) -> Any:
    """The file as the schema sees it: tags dropped, their values kept."""
    if isinstance(value, Reset):
        return untag(value.value)
    if isinstance(value, dict):
        return {k: untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untag(v) for v in value]
    return value


# Sequences that an override file extends; any other (command, entrypoint, healthcheck.test) it
# replaces (compose's merge rules).
APPENDED = frozenset(
    {"ports", "expose", "volumes", "devices", "dns", "dns_search", "tmpfs", "external_links"}
)


def merge(base: Any, override: Any, key: str = "") -> Any:
    """Compose's merge of an override file, for what these files use: mappings merge key by key,
    APPENDED sequences append, anything else replaces; !reset removes and !override replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for name, value in override.items():
            if isinstance(value, Override):
                out[name] = untag(value.value)
            elif isinstance(value, Reset):
                out.pop(name, None)
            elif name in out:
                out[name] = merge(out[name], value, name)
            else:
                out[name] = untag(value)
        return out
    if isinstance(base, list) and isinstance(override, list) and key in APPENDED:
        return base + [v for v in untag(override) if v not in base]
    return untag(override)


_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
    and $$ for a literal $."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        value = env.get(name)
        unset = value is None or (value == "" and op is not None and op.startswith(":"))
        if op and op.endswith("?") and unset:
            raise KeyError(f"{name}: {arg}")
        if op and op.endswith("-") and unset:
            return arg
        return value or ""

    return _VAR.sub(one, text)


def resolve(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        return interpolate(value, env)
    if isinstance(value, dict):
        return {k: resolve(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, env) for v in value]
    return value


def env_of(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {k: "" if v is None else str(v) for k, v in environment.items()}


def volume_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> named volume, for the short syntax these files use."""
    mounts = {}
    for volume in service.get("volumes") or []:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    return mounts


# -- the checks --------------------------------------------------------------------------------


def problems(compose: dict[str, Any], env: dict[str, str] | None = None) -> list[str]:
    """Everything wrong with a parsed compose file (empty: good), with `env` the variables set
    when compose runs (none: every local-development default)."""
    env = env or {}
    found: list[str] = []
    services: dict[str, Any] = compose.get("services") or {}
    for name in (*AIRFLOW_SERVICES, "postgres", "redis", "init", "pilots"):
        if name not in services:
            found.append(f"no service {name}")
    for name, service in services.items():
        health = service.get("healthcheck") or {}
        if not health.get("test") or health.get("disable"):
            found.append(f"{name}: no health check")
        for port in resolve(service.get("ports") or [], env):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).rsplit(":", 2)[0]
            if not (isinstance(port, dict) or str(port).count(":") == 2) or host_ip != "127.0.0.1":
                found.append(f"{name}: port {port} is not published on 127.0.0.1 only")
        if service.get("network_mode") == "host":
            found.append(f"{name}: network_mode host")
    for name in (*AIRFLOW_SERVICES, "init"):
        if name in services:
            found += [f"{name}: {p}" for p in airflow_problems(name, services, env)]
    for name in celery_stack.SERVICES:
        service = services.get(name, {})
        argv = [*(service.get("entrypoint") or []), *(service.get("command") or [])]
        expected = celery_stack.Process(name, (name,)).command()
        if argv != expected:
            found.append(f"{name}: runs {argv}, celery_stack runs {expected}")
    if "worker" in services:
        worker = services["worker"]
        argv = resolve([*(worker.get("entrypoint") or []), *(worker.get("command") or [])], env)
        concurrency = int(argv[argv.index("--concurrency") + 1]) if "--concurrency" in argv else 0
        expected = [
            "airflow",
            *celery_stack.worker_argv(WORKER_NODE, concurrency, queues.ALL, serve_logs=True),
        ]
        if argv != expected:
            found.append(f"worker: runs {argv}, celery_stack runs {expected}")
    return found


def airflow_problems(name: str, services: dict[str, Any], env: dict[str, str]) -> list[str]:
    service = services[name]
    raw = env_of(service)
    resolved = resolve(raw, env)
    found = [
        f"{key}={raw.get(key)!r}, celery_stack.SETTINGS says {setting.value!r}"
        for key, setting in celery_stack.SETTINGS.items()
        if raw.get(key) != setting.value
    ]
    missing = [key for key in celery_stack.CONNECTION_SETTINGS if not resolved.get(key)]
    if missing:
        return [*found, f"missing {missing}"]
    # The values celery_stack derives from this service's own inputs are the ones it sets.
    derived = celery_stack.connection_settings(resolved)
    found += [
        f"{key}={resolved[key]!r}, celery_stack derives {derived[key]!r}"
        for key in celery_stack.CONNECTION_SETTINGS
        if resolved[key] != derived[key]
    ]
    db_host = env.get("OSSERVATORIO_COMPOSE_DB_HOST", "postgres")
    hosts = {
        "AIRFLOW__CELERY__BROKER_URL": "redis",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_host,
        "AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE": db_host,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "api-server",
    }
    for key, host in hosts.items():
        if urlsplit(resolved.get(key, "")).hostname != host:
            found.append(f"{key} does not point at {host}")
        if host not in services and host != env.get("OSSERVATORIO_COMPOSE_DB_HOST"):
            found.append(f"{key}: no service {host}")
    # Secrets: from the environment, with local-only defaults.
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY"):
        if not raw.get(key, "").startswith(f"${{{key}:-local-dev-"):
            found.append(f"{key} is not ${{{key}:-local-dev-...}}")
    mounts = volume_mounts(service)
    state = resolved.get("OSSERVATORIO_STATE_DIR", "")
    if mounts.get(state) != "osservatorio-state":
        found.append(f"OSSERVATORIO_STATE_DIR {state!r} is not the shared osservatorio-state volume")
    manifest_dir = f"{IMAGE_ROOT}/{DBT_MANIFEST.parent.parent.relative_to(REPO_ROOT)}"
    if mounts.get(manifest_dir) != "dbt-target":
        found.append(f"the dbt manifest's folder {manifest_dir} is not the dbt-target volume")
    lineage = json.loads(resolved.get("AIRFLOW__OPENLINEAGE__TRANSPORT") or "{}")
    if lineage.get("type") != "file" or not lineage.get("log_file_path", "").startswith(state + "/"):
        found.append("OpenLineage does not write a file on the state volume")
    for key, value in {
        "AIRFLOW__CORE__DAGS_FOLDER": f"{IMAGE_ROOT}/dags",
        "PYTHONPATH": f"{IMAGE_ROOT}/plugins:{IMAGE_ROOT}",
        "DBT_PROJECT_DIR": f"{IMAGE_ROOT}/dbt_project",
        "DBT_PROFILES_DIR": f"{IMAGE_ROOT}/dbt_project",
    }.items():
        if resolved.get(key) != value:
            found.append(f"{key}={resolved.get(key)!r}, not {value!r}")
    if name != "init":  # init reads no pilot
        found += pilot_problems(resolved, mounts, services)
    return found


def pilot_problems(resolved: dict[str, str], mounts: dict[str, str], services: dict[str, Any]) -> list[str]:
    """Every pilot of the registry has its connection, at the pilots service or on its drops."""
    found = []
    pilots = services.get("pilots", {})
    pilots_port = env_of(pilots).get("OSSERVATORIO_PILOTS_PORT")
    pilot_mounts = volume_mounts(pilots)
    for pilot in load_registry().values():
        value = resolved.get(f"AIRFLOW_CONN_{pilot.connection_id.upper()}", "")
        if pilot.channel == "rest_api":
            url = urlsplit(value)
            if (url.hostname, str(url.port), url.path) != ("pilots", pilots_port, f"/{pilot.pilot_id}"):
                found.append(f"{pilot.pilot_id}: connection {value!r} is not the pilots service")
        else:
            path = json.loads(value or "{}").get("extra", {}).get("path", "")
            shared = [
                target
                for target, volume in mounts.items()
                if path.startswith(target + "/") and volume in pilot_mounts.values()
            ]
            drops = env_of(pilots).get("OSSERVATORIO_PILOT_DROPS", "")
            if not shared or path != f"{drops}/{pilot.pilot_id}/inbox":
                found.append(f"{pilot.pilot_id}: inbox {path!r} is not on the pilots' drops volume")
    return found


# -- tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    vendored = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(vendored.read_text(encoding="utf-8"))


@pytest.fixture
def compose() -> dict[str, Any]:
    return load(COMPOSE)


def validate(document: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(document)


def test_compose_file_is_valid_against_the_compose_specification(
    compose: dict[str, Any], schema: dict[str, Any]
) -> None:
    validate(compose, schema)
    broken = copy.deepcopy(compose)
    broken["services"]["worker"]["healthcheck"]["interval"] = {"seconds": 30}
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, schema)


def test_compose_runs_what_celery_stack_runs(compose: dict[str, Any]) -> None:
    assert problems(compose) == []
    # Variables set when compose runs reach the services (here the worker's concurrency).
    assert problems(compose, {"OSSERVATORIO_WORKER_CONCURRENCY": "5"}) == []
    worker = resolve(compose["services"]["worker"]["command"], {"OSSERVATORIO_WORKER_CONCURRENCY": "5"})
    assert worker[worker.index("--concurrency") + 1] == "5"


@pytest.mark.parametrize(
    ("mutate", "complaint"),
    [
        (lambda c: c["services"].pop("triggerer"), "no service triggerer"),
        (lambda c: c["services"]["worker"].pop("healthcheck"), "worker: no health check"),
        (lambda c: c["services"]["redis"]["healthcheck"].update(disable=True), "redis: no health check"),
        (lambda c: c["services"]["api-server"].update(ports=["8080:8080"]), "not published on 127.0.0.1"),
        (lambda c: c["services"]["postgres"].update(ports=["0.0.0.0:5432:5432"]), "not published on 127"),
        (lambda c: c["services"]["api-server"].update(ports=[{"target": 8080, "published": 8080}]), "127."),
        (
            lambda c: c["services"]["scheduler"]["environment"].update(
                AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER="4"
            ),
            "scheduler: AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER='4'",
        ),
        (
            lambda c: c["services"]["worker"]["environment"].pop("AIRFLOW__CELERY__TASK_ACKS_LATE"),
            "worker: AIRFLOW__CELERY__TASK_ACKS_LATE=None",
        ),
        (
            lambda c: c["services"]["worker"]["environment"].update(
                AIRFLOW__CELERY__BROKER_URL="redis://:other@redis:6379/0"
            ),
            "AIRFLOW__CELERY__BROKER_URL='redis://:other@redis:6379/0', celery_stack derives",
        ),
        (
            lambda c: c["services"]["triggerer"]["environment"].update(
                AIRFLOW__API_AUTH__JWT_SECRET="hard-coded"
            ),
            "AIRFLOW__API_AUTH__JWT_SECRET is not",
        ),
        (lambda c: c["services"]["worker"].update(command=["celery", "worker"]), "worker: runs"),
        (lambda c: c["services"]["scheduler"].update(command=["scheduler", "-D"]), "scheduler: runs"),
        (
            lambda c: c["services"]["worker"]["environment"].pop("AIRFLOW_CONN_PILOT_ZOT_PRATICO"),
            "zot_pratico: inbox",
        ),
        (lambda c: c["services"]["worker"].update(volumes=[]), "not the shared osservatorio-state"),
    ],
)
def test_problems_are_found(compose: dict[str, Any], mutate: Any, complaint: str) -> None:
    # The services share one environment through a YAML anchor: a mutation must reach only one.
    for service in compose["services"].values():
        if "environment" in service:
            service["environment"] = dict(service["environment"])
    mutate(compose)
    assert any(complaint in problem for problem in problems(compose)), problems(compose)


def test_secrets_have_local_only_defaults() -> None:
    text = COMPOSE.read_text(encoding="utf-8") + EXTERNAL_PG.read_text(encoding="utf-8")
    secrets = re.findall(r"\$\{(\w*(?:PASSWORD|SECRET|TOKEN|_KEY))(:?-)([^}]*)\}", text)
    assert len({name for name, _, _ in secrets}) >= 8
    for name, _, default in secrets:
        assert default.startswith("local-dev-") or (name == "AIRFLOW__CORE__FERNET_KEY" and not default), name


def test_shared_settings_are_scripts_env_sh(compose: dict[str, Any], tmp_path: Path) -> None:
    """The settings every deployment shares with local development have scripts/env.sh's values,
    and OpenLineage writes the same file relative to the state folder."""
    out = subprocess.run(
        ["bash", "-c", "source scripts/env.sh && env -0"],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OSSERVATORIO_STATE_DIR": str(tmp_path)},
        capture_output=True,
        check=True,
    ).stdout.decode()
    local = dict(item.split("=", 1) for item in out.split("\0") if "=" in item)
    for name in AIRFLOW_SERVICES:
        resolved = resolve(env_of(compose["services"][name]), {})
        assert {k: resolved.get(k) for k in SHARED_WITH_ENV_SH} == {
            k: local.get(k) for k in SHARED_WITH_ENV_SH
        }
        ours = json.loads(resolved["AIRFLOW__OPENLINEAGE__TRANSPORT"])
        theirs = json.loads(local["AIRFLOW__OPENLINEAGE__TRANSPORT"])
        for transport, state in ((ours, resolved["OSSERVATORIO_STATE_DIR"]), (theirs, str(tmp_path))):
            transport["log_file_path"] = str(Path(transport["log_file_path"]).relative_to(state))
        assert ours == theirs


def test_external_postgres_override(compose: dict[str, Any], schema: dict[str, Any]) -> None:
    override = load(EXTERNAL_PG)
    validate(untag(override), schema)
    merged = merge(compose, override)
    validate(merged, schema)
    assert problems(merged, EXTERNAL_ENV) == []
    probe = merged["services"]["postgres"]
    # No PostgreSQL of its own: no data volume, no port, no superuser password.
    assert "volumes" not in probe
    assert "ports" not in probe
    assert "POSTGRES_PASSWORD" not in env_of(probe)
    assert probe["entrypoint"] == ["sleep", "infinity"]
    assert probe["healthcheck"]["test"] == ["CMD-SHELL", 'pg_isready -q -h "$$DB_HOST" -p "$$DB_PORT"']
    assert resolve(env_of(probe), EXTERNAL_ENV)["DB_HOST"] == EXTERNAL_ENV["OSSERVATORIO_COMPOSE_DB_HOST"]
    assert {resolve(env_of(merged["services"][name]), {})["PGSSLMODE"] for name in AIRFLOW_SERVICES} == {
        "prefer"
    }
    assert (
        resolve(env_of(merged["services"]["init"]), EXTERNAL_ENV)["OSSERVATORIO_PG_ADMIN_URL"]
        == (EXTERNAL_ENV["OSSERVATORIO_PG_ADMIN_URL"])
    )
    # Without the server's address it refuses to start, rather than connecting to the probe.
    for missing in EXTERNAL_ENV:
        rest = {k: v for k, v in EXTERNAL_ENV.items() if k != missing}
        with pytest.raises(KeyError, match=missing):
            resolve(merged, rest)


def test_image_installs_the_lock_and_keeps_state_out() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.M)
    assert re.search(r"pip install -r \S*requirements\.txt -c \S*constraints\.txt", dockerfile)
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".local", "dbt_project/target", ".git"} <= set(ignored)


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="no `docker compose` CLI plugin on this machine",
)
def test_docker_compose_config() -> None:
    for files_ in (["-f", str(COMPOSE)], ["-f", str(COMPOSE), "-f", str(EXTERNAL_PG)]):
        subprocess.run(
            ["docker", "compose", *files_, "config", "-q"],
            cwd=REPO_ROOT,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", **EXTERNAL_ENV},
            check=True,
        )


def test_init_writes_the_manifest_the_dags_read(compose: dict[str, Any]) -> None:
    """init's dbt writes the shared target, where the DAGs read cosmos's manifest (paths.py); the
    other services' dbt (cosmos) must not write there, so they do not set DBT_TARGET_PATH."""
    services = compose["services"]
    manifest = f"{IMAGE_ROOT}/{DBT_MANIFEST.relative_to(REPO_ROOT)}"
    target = env_of(services["init"])["DBT_TARGET_PATH"]
    assert volume_mounts(services["init"])[target] == "dbt-target"
    assert manifest.startswith(target + "/")
    assert services["init"]["healthcheck"]["test"] == ["CMD", "test", "-s", manifest]
    assert all("DBT_TARGET_PATH" not in env_of(services[name]) for name in AIRFLOW_SERVICES)
