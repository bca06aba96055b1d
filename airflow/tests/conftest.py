"""Shared fixtures: Airflow environment (SQLite under the stack home), ONE local stack for the whole
session (started with ./pipeline up if it is not running, stopped at the end only if this session
started it), Airflow Connections from the stack's generated secrets, and helpers to create test
connectors and clean them up.

Test connectors are MongoSinkConnectors (the plugin every stack has) reading the emulator's URI through
the worker's file config provider (``${file:<secrets>/mongodb.properties:uri}``), so no secret value is
ever written into a config, a test, or the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Airflow reads its configuration when first imported: set the environment before any test imports it.
os.environ.setdefault("MONGOROW_REPO_ROOT", str(ROOT))
from mongorow_airflow import local_stack  # noqa: E402

_home = local_stack.stack_home()
os.environ.setdefault("AIRFLOW_HOME", str(_home / "airflow-test"))
for _k, _v in local_stack.airflow_env(_home).items():
    if not _k.startswith("AIRFLOW_CONN_"):
        os.environ.setdefault(_k, _v)
os.environ["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "False"
# two bundles: the product's DAGs, and test-only DAGs (airflow/tests/dags) that dag.test() can also run
TEST_DAGS = Path(__file__).resolve().parent / "dags"
os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps([
    {"name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle", "kwargs": {}},
    {"name": "mongorow-tests", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
     "kwargs": {"path": str(TEST_DAGS)}},
])
Path(os.environ["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)

MONGO_SINK = "com.mongodb.kafka.connect.MongoSinkConnector"
TEST_PREFIX = "aft-"


def _pipeline(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "pipeline"), *args], cwd=ROOT, text=True, capture_output=True,
                          timeout=timeout, check=check)


@pytest.fixture(scope="session")
def stack():
    """The running local stack (connection env applied). Starts it if needed; stops it only if started here."""
    from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook

    def running() -> bool:
        """A worker of this stack answers /health (the stack starts Connect last, after its dependencies)."""
        os.environ.update(local_stack.connection_env())
        try:
            return KafkaConnectHook(max_attempts=1, timeout=5).health().get("status") == "healthy"
        except Exception:  # noqa: BLE001
            return False

    started = False
    if not running():
        print(f"\n[tests] no local stack in {local_stack.stack_home()}: ./pipeline up", flush=True)
        up = _pipeline("up", check=False)
        if up.returncode != 0:
            pytest.fail(f"./pipeline up failed:\n{up.stdout}\n{up.stderr}")
        started = "already running" not in up.stdout
    os.environ.update(local_stack.connection_env())  # secrets exist now
    hook = KafkaConnectHook()
    deadline = time.monotonic() + 60
    while True:
        try:
            if hook.health().get("status") == "healthy":
                break
        except Exception:  # noqa: BLE001
            pass
        if time.monotonic() > deadline:
            pytest.fail("Kafka Connect did not become healthy")
        time.sleep(1)
    yield {"home": local_stack.stack_home(), "secrets": local_stack.stack_home() / "data" / "secrets"}
    _cleanup_test_connectors(hook)
    if started:
        print("\n[tests] ./pipeline down (started by this session)", flush=True)
        _pipeline("down", check=False)


def _cleanup_test_connectors(hook) -> None:
    try:
        for name in hook.list_connectors(expand=()):
            if name.startswith(TEST_PREFIX):
                hook.delete_connector(name)
    except Exception:  # noqa: BLE001 - best effort
        pass


@pytest.fixture(scope="session")
def airflow_db():
    """The SQLite metadata DB for dag.test(), created once per session."""
    from mongorow_airflow.testing import ensure_db

    ensure_db()
    return os.environ["AIRFLOW_HOME"]


@pytest.fixture
def hook(stack):
    from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook

    return KafkaConnectHook(backoff_initial=0.2, max_retry_seconds=20)


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def sink_config(stack):
    """factory: a MongoSinkConnector config reading the emulator URI through the file config provider."""

    def make(name: str, topic: str | None = None, **extra: str) -> dict[str, str]:
        cfg = {
            "name": name,
            "connector.class": MONGO_SINK,
            "tasks.max": "1",
            "topics": topic or f"{name}.in",
            "connection.uri": "${file:%s/mongodb.properties:uri}" % stack["secrets"],
            "database": "airflow_tests",
            "collection": name,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "errors.tolerance": "none",
        }
        cfg.update(extra)
        return cfg

    return make


@pytest.fixture
def connectors(hook):
    """Names registered here are deleted after the test."""
    names: list[str] = []
    yield names
    for n in names:
        try:
            hook.delete_connector(n)
        except Exception:  # noqa: BLE001
            pass


@pytest.fixture
def configs_dir(tmp_path, monkeypatch):
    """factory: a connect-configs folder in tmp_path with the given connectors (+ overlays); the DAGs and
    operators read it through MONGOROW_CONNECT_CONFIGS."""

    def make(connectors: dict[str, dict], overlays: dict[str, dict] | None = None) -> Path:
        base = tmp_path / f"connect-configs-{uuid.uuid4().hex[:6]}"
        (base / "connectors").mkdir(parents=True)
        (base / "overlays").mkdir()
        for name, cfg in connectors.items():
            (base / "connectors" / f"{name}.json").write_text(json.dumps(cfg, indent=2))
        for env, ov in (overlays or {}).items():
            (base / "overlays" / f"{env}.json").write_text(json.dumps(ov, indent=2))
        monkeypatch.setenv("MONGOROW_CONNECT_CONFIGS", str(base))
        return base

    return make


def run_dag(dag_id: str, conf: dict | None = None, folder: Path | None = None):
    """dag.test() of a DAG from the product's dags folder (or ``folder``); returns (state, {task_id: state})."""
    from mongorow_airflow.testing import get_dag

    dag = get_dag(dag_id, str(folder) if folder else None)
    run = dag.test(run_conf=conf or {})
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}
    return str(getattr(run.state, "value", run.state)), states


def produce(topic: str, records: list[tuple[str | None, str | None]]) -> None:
    """Writes records with the apache-kafka provider's producer hook (connection kafka_default)."""
    from airflow.providers.apache.kafka.hooks.produce import KafkaProducerHook

    producer = KafkaProducerHook(kafka_config_id="kafka_default").get_producer()
    for k, v in records:
        producer.produce(topic, key=k, value=v)
    assert producer.flush(30) == 0


def wait_until(predicate, timeout: float = 60, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class RequestRecorder:
    """Records the REST calls KafkaConnectHook makes (method, path), passing every call through to the
    real Connect worker unchanged."""

    def __init__(self, monkeypatch):
        from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook

        self.calls: list[tuple[str, str]] = []
        original = KafkaConnectHook.request
        recorder = self

        def recording(hook_self, method, path, **kwargs):
            recorder.calls.append((method, path))
            return original(hook_self, method, path, **kwargs)

        monkeypatch.setattr(KafkaConnectHook, "request", recording)

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] != "GET" and not c[1].endswith("/config/validate")]


@pytest.fixture
def rest_calls(monkeypatch):
    return RequestRecorder(monkeypatch)
