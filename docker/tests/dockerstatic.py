"""Shared helpers and fixtures of docker/tests: static checks of docker/ (no Docker engine needed).

Run with the Airflow package's venv: `.venv/bin/python -m pytest docker/tests` (also together with
airflow/tests). There is deliberately no conftest.py here: airflow/tests imports names from ITS conftest
module, and a second `conftest` module would replace it. Test modules import the fixtures they use from
this module; the expensive values are computed once per run (functools.cache)."""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[1]
REPO = DOCKER.parent
COMPOSE_FILE = DOCKER / "compose.yaml"
ENV_FILE = DOCKER / ".env"


def read_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """docker/.env as Docker Compose reads it (KEY=VALUE lines, # comments); no quotes are used there."""
    out: dict[str, str] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f"{path.name}:{n}: not KEY=VALUE: {raw!r}"
        key, value = line.split("=", 1)
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"{path.name}:{n}: bad key {key!r}"
        assert not value.startswith(("'", '"')), f"{path.name}:{n}: no quotes (Java's Properties reads this file too)"
        out[key] = value
    return out


_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class InterpolationError(ValueError):
    pass


def interpolate(value: str, env: dict[str, str]) -> str:
    """Docker Compose variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err},
    ${VAR?err}, $VAR and $$ (a literal $)."""

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3)
        present = name in env
        val = env.get(name, "")
        if op == ":-":
            return val if val else arg
        if op == "-":
            return val if present else arg
        if op == ":?":
            if not val:
                raise InterpolationError(f"${{{name}}} is required: {arg}")
            return val
        if op == "?":
            if not present:
                raise InterpolationError(f"${{{name}}} is required: {arg}")
            return val
        if not present:
            raise InterpolationError(f"${{{name}}} is not set in docker/.env and has no default")
        return val

    return _VAR.sub(sub, value)


def interpolate_tree(node, env: dict[str, str]):
    if isinstance(node, dict):
        return {k: interpolate_tree(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(v, env) for v in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


@functools.cache
def _env() -> dict[str, str]:
    return read_env_file()


@functools.cache
def _raw_compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@functools.cache
def _compose() -> dict:
    """compose.yaml as `docker compose config` would see it: anchors merged (PyYAML), variables interpolated."""
    return interpolate_tree(_raw_compose(), _env())


def secret_names_of_generator() -> list[str]:
    out = subprocess.run([str(DOCKER / "gen-dev-secrets.sh"), "--list"], check=True, capture_output=True, text=True)
    return out.stdout.split()


@functools.cache
def _generated_secrets() -> Path:
    """docker/gen-dev-secrets.sh run for real into a temporary folder (needs openssl and keytool), once."""
    for tool in ("openssl", "keytool"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed: cannot run docker/gen-dev-secrets.sh here")
    base = Path(tempfile.mkdtemp(prefix="mongorow-docker-secrets-"))
    atexit.register(shutil.rmtree, base, True)
    target = base / "secrets"
    run = subprocess.run([str(DOCKER / "gen-dev-secrets.sh")], env={**os.environ, "SECRETS_DIR": str(target)},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"gen-dev-secrets.sh failed:\n{run.stdout}\n{run.stderr}"
    return target


@functools.cache
def _docker_connectors():
    from mongorow_airflow.configs import load_connectors

    return tuple(load_connectors(REPO / "connect-configs", "docker"))


@pytest.fixture
def env() -> dict[str, str]:
    return _env()


@pytest.fixture
def raw_compose() -> dict:
    return _raw_compose()


@pytest.fixture
def compose() -> dict:
    return _compose()


@pytest.fixture
def services() -> dict[str, dict]:
    return _compose()["services"]


@pytest.fixture
def generated_secrets() -> Path:
    return _generated_secrets()


@pytest.fixture
def docker_connectors():
    """Every connector of connect-configs/connectors/ with the docker overlay, rendered by the Airflow package's
    own loader (the one the deploy DAG uses): no second renderer here."""
    return _docker_connectors()


@pytest.fixture
def alternative_config() -> dict[str, str]:
    return json.loads((REPO / "connect-configs/alternatives/mysql-sink.confluent-jdbc.json").read_text(encoding="utf-8"))
