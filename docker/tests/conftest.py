"""Static checks of docker/ (no Docker engine needed): the compose file, its images, files and secrets, the
Dockerfiles, the entry points, the connector configs rendered with the docker overlay, and the alternative
Confluent JDBC sink config. Run with the Airflow package's venv: `.venv/bin/python -m pytest docker/tests`."""

from __future__ import annotations

import os
import re
import subprocess
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


@pytest.fixture(scope="session")
def env() -> dict[str, str]:
    return read_env_file()


@pytest.fixture(scope="session")
def raw_compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="session")
def compose(raw_compose, env) -> dict:
    """compose.yaml as `docker compose config` would see it: anchors merged (PyYAML), variables interpolated."""
    return interpolate_tree(raw_compose, env)


@pytest.fixture(scope="session")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def secret_names_of_generator() -> list[str]:
    out = subprocess.run([str(DOCKER / "gen-dev-secrets.sh"), "--list"], check=True, capture_output=True, text=True)
    return out.stdout.split()


@pytest.fixture(scope="session")
def generated_secrets(tmp_path_factory) -> Path:
    """docker/gen-dev-secrets.sh run for real into a temporary folder (needs openssl and keytool)."""
    for tool in ("openssl", "keytool"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            pytest.skip(f"{tool} is not installed: cannot run docker/gen-dev-secrets.sh here")
    target = tmp_path_factory.mktemp("secrets") / "secrets"
    run = subprocess.run([str(DOCKER / "gen-dev-secrets.sh")], env={**os.environ, "SECRETS_DIR": str(target)},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"gen-dev-secrets.sh failed:\n{run.stdout}\n{run.stderr}"
    return target


@pytest.fixture(scope="session")
def docker_connectors():
    """Every connector of connect-configs/connectors/ with the docker overlay, rendered by the Airflow package's
    own loader (the one the deploy DAG uses): no second renderer here."""
    from mongorow_airflow.configs import load_connectors

    return load_connectors(REPO / "connect-configs", "docker")


@pytest.fixture(scope="session")
def alternative_config() -> dict[str, str]:
    import json

    return json.loads((REPO / "connect-configs/alternatives/mysql-sink.confluent-jdbc.json").read_text(encoding="utf-8"))
