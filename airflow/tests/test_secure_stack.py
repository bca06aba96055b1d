"""Airflow against a local stack in secure mode (``./pipeline up --secure``): the Kafka Connect hook reaches the
worker only over https, trusting the stack's development CA, with the basic-auth user from its Airflow
Connection; and a canary secret (the Connection's password) appears nowhere in the output or the task logs
of a ``dag.test()`` run of the deploy DAG, nor in the metadata database.

The secure stack is this module's own (a home under pytest's temporary folder, free ports), started once and
stopped at the end. Its REST password for the ``airflow`` user is planted before the first start: the stack
keeps passwords it finds, so the canary is a real, working credential.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import string
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, TEST_PREFIX, run_dag, wait_until

from mongorow_airflow import local_stack

MONGO_SINK = "com.mongodb.kafka.connect.MongoSinkConnector"


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def _private_file(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def secure_stack(tmp_path_factory):
    canary = "AirflowCanary" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))
    home = tmp_path_factory.mktemp("secure-stack")
    secrets_dir = home / "data" / "secrets"
    secrets_dir.mkdir(parents=True, mode=0o700)
    admin = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))
    _private_file(secrets_dir / "connect-rest-users.properties", f"admin: {admin}\nairflow: {canary}\n")
    kafka, controller, connect, mariadb, mongodb = _free_ports(5)
    args = [str(ROOT / "pipeline"), "up", "--secure", "--home", str(home), "--kafka-port", str(kafka),
            "--kafka-controller-port", str(controller), "--connect-port", str(connect), "--mariadb-port", str(mariadb),
            "--mongodb-port", str(mongodb), "--kafka-heap", "512m", "--connect-heap", "512m", "--mongodb-heap", "256m"]
    up = subprocess.run(args, cwd=ROOT, text=True, capture_output=True, timeout=900)
    try:
        if up.returncode != 0:
            pytest.fail(f"./pipeline up --secure failed:\n{up.stdout}\n{up.stderr}")
        yield {"home": home, "secrets": secrets_dir, "canary": canary, "port": connect}
    finally:
        subprocess.run([str(ROOT / "pipeline"), "down", "--home", str(home)], cwd=ROOT, text=True,
                       capture_output=True, timeout=300)


@pytest.fixture
def secure_connections(secure_stack, monkeypatch):
    """The Airflow Connections of the secure stack, as ``AIRFLOW_CONN_*`` variables of this test only."""
    env = local_stack.connection_env(secure_stack["home"])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_the_hook_authenticates_over_https_through_its_connection(secure_stack, secure_connections, monkeypatch):
    from mongorow_airflow.hooks.kafka_connect import KafkaConnectError, KafkaConnectHook, KafkaConnectUnavailable

    conn = json.loads(secure_connections["AIRFLOW_CONN_KAFKA_CONNECT_DEFAULT"])
    assert conn["schema"] == "https" and conn["login"] == "airflow"
    assert conn["password"] == secure_stack["canary"]
    assert conn["extra"]["verify"] == str(secure_stack["secrets"] / "ca.crt")

    hook = KafkaConnectHook(max_retry_seconds=10)
    assert hook.url.startswith(f"https://127.0.0.1:{secure_stack['port']}")
    assert hook.cluster_info()["version"].startswith("4.")
    assert hook.health()["status"] == "healthy"
    assert MONGO_SINK in {p["class"] for p in hook.connector_plugins()}

    def with_conn(**changes):
        c = json.loads(secure_connections["AIRFLOW_CONN_KAFKA_CONNECT_DEFAULT"])
        extra = changes.pop("extra", None)
        c.update(changes)
        if extra is not None:
            c["extra"] = extra
        monkeypatch.setenv("AIRFLOW_CONN_KAFKA_CONNECT_DEFAULT", json.dumps(c))
        return KafkaConnectHook(max_attempts=2, backoff_initial=0.1, max_retry_seconds=5)

    # without credentials, or with a wrong password: 401, not retried
    for hook_without in (with_conn(login=None, password=None), with_conn(password="not-the-password")):
        with pytest.raises(KafkaConnectError) as e:
            hook_without.cluster_info()
        assert e.value.status == 401
    # plain http to the TLS port, or https without trusting the development CA: no answer at all
    for unreachable in (with_conn(schema="http"), with_conn(extra={"timeout": 5, "trust_env": False})):
        with pytest.raises(KafkaConnectUnavailable):
            unreachable.cluster_info()


def test_a_canary_secret_does_not_appear_in_task_logs_of_a_dag_run(secure_stack, secure_connections, airflow_db,
                                                                    configs_dir, capfd):
    from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook

    canary = secure_stack["canary"]
    name = f"{TEST_PREFIX}secure-probe"
    configs_dir({name: {
        "name": name, "connector.class": MONGO_SINK, "tasks.max": "1", "topics": f"{name}.in",
        "connection.uri": "${env:MONGOROW_MONGO_SINK_URI}", "database": "airflow_tests", "collection": name,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter", "errors.tolerance": "none"}},
        overlays={"local": {"connectors": {}}})
    log_folder = Path(os.environ["AIRFLOW__LOGGING__BASE_LOG_FOLDER"])
    before = {p: p.stat().st_mtime for p in log_folder.rglob("*") if p.is_file()} if log_folder.exists() else {}
    capfd.readouterr()

    state, tasks = run_dag("mongorow_deploy")
    output = capfd.readouterr()
    assert state == "success", f"{tasks}\n{output.out[-3000:]}"
    # the run really authenticated with the canary: the connector exists and runs on the secure worker
    hook = KafkaConnectHook()
    assert hook.get_config(name)["connection.uri"] == "${env:MONGOROW_MONGO_SINK_URI}"
    wait_until(lambda: (hook.get_status(name) or {}).get("connector", {}).get("state") == "RUNNING",
               timeout=90, what=f"{name} RUNNING")

    secrets_to_hide = {canary, local_stack.read_properties(secure_stack["secrets"] / "kafka-users.properties")["airflow.password"]}
    texts = {"stdout": output.out, "stderr": output.err}
    written = [p for p in log_folder.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime] \
        if log_folder.exists() else []
    for p in written:
        texts[str(p)] = p.read_text(encoding="utf-8", errors="replace")
    assert any(name in t for t in texts.values()), "the captured output and logs show the run's work"
    for where, text in texts.items():
        for s in secrets_to_hide:
            assert s not in text, f"a secret appears in {where}"
    # nor in the metadata database (XComs and rendered fields are not masked)
    db = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
    assert db.exists()
    raw = db.read_bytes()
    for s in secrets_to_hide:
        assert s.encode() not in raw, "a secret is stored in the Airflow metadata database"
    hook.delete_connector(name)
