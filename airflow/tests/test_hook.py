"""KafkaConnectHook against the real Connect worker of the local stack."""

from __future__ import annotations

import json
import socket
import time

import pytest
from conftest import MONGO_SINK, TEST_PREFIX

from mongorow_airflow.hooks.kafka_connect import (
    KafkaConnectError,
    KafkaConnectHook,
    KafkaConnectNotFound,
    KafkaConnectUnavailable,
)


def test_cluster_info_health_and_plugins(hook):
    info = hook.cluster_info()
    assert info["version"].startswith("4.") and info["kafka_cluster_id"]
    assert hook.health()["status"] == "healthy"
    assert MONGO_SINK in {p["class"] for p in hook.connector_plugins()}
    ok, msg = hook.test_connection()
    assert ok and info["version"] in msg


def test_validate_reads_error_count_and_per_key_errors(hook, sink_config, uid):
    good = sink_config(f"{TEST_PREFIX}v-{uid}")
    assert hook.validate(good).ok
    bad = hook.validate({**good, "tasks.max": "many"})
    assert not bad.ok and bad.error_count >= 1
    assert any("Invalid value many for configuration tasks.max" in e for e in bad.errors["tasks.max"])
    assert any(line.startswith("tasks.max: Invalid value many") for line in bad.lines())


def test_unknown_connector_class_fails_at_once_with_connects_message(hook):
    started = time.monotonic()
    with pytest.raises(KafkaConnectError) as e:
        hook.validate({"name": "x", "connector.class": "com.example.NoSuchConnector"})
    assert time.monotonic() - started < 5, "a deterministic 500 must not be retried"
    assert e.value.status == 500
    assert "Failed to find any class that implements Connector" in str(e.value)
    assert "com.example.NoSuchConnector" in e.value.connect_message
    assert "PluginDesc" not in str(e.value)


def test_not_found_carries_error_code_and_message(hook, uid):
    with pytest.raises(KafkaConnectNotFound) as e:
        hook.pause(f"{TEST_PREFIX}missing-{uid}")
    assert e.value.status == 404 and e.value.error_code == 404
    assert f"Unknown connector {TEST_PREFIX}missing-{uid}" in str(e.value)
    assert hook.get_config(f"{TEST_PREFIX}missing-{uid}") is None
    assert hook.get_status(f"{TEST_PREFIX}missing-{uid}") is None
    assert hook.delete_connector(f"{TEST_PREFIX}missing-{uid}") is False


def test_lifecycle_create_put_patch_pause_resume_stop_restart_delete(hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}life-{uid}"
    connectors.append(name)
    cfg = sink_config(name)
    hook.create_connector(name, cfg, "PAUSED")
    assert hook.wait_for_state(name, ["PAUSED"], timeout=30)["connector"]["state"] == "PAUSED"
    assert hook.get_config(name) == cfg
    hook.put_config(name, {**cfg, "max.batch.size": "10"})
    assert hook.get_config(name)["max.batch.size"] == "10"
    hook.patch_config(name, {"max.batch.size": None, "max.num.retries": "2"})
    live = hook.get_config(name)
    assert "max.batch.size" not in live and live["max.num.retries"] == "2"
    hook.wait_for_state(name, ["PAUSED"], timeout=30)  # a config change keeps the target state
    hook.resume(name)
    hook.wait_for_state(name, ["RUNNING"], timeout=30, tasks_too=True)
    assert hook.get_topics(name) in ([], [cfg["topics"]])
    status = hook.restart(name, include_tasks=True, only_failed=False)
    assert status["connector"]["state"] in ("RESTARTING", "RUNNING")
    hook.wait_for_state(name, ["RUNNING"], timeout=30, tasks_too=True)
    hook.stop(name)
    status = hook.wait_for_state(name, ["STOPPED"], timeout=30)
    assert status["tasks"] == []
    assert hook.get_offsets(name) == [] or isinstance(hook.get_offsets(name), list)
    assert hook.delete_connector(name) is True
    assert hook.get_status(name) is None
    with pytest.raises(ValueError):
        hook.create_connector(name, cfg, "SLEEPING")


def test_create_in_stopped_state(hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}stopped-{uid}"
    connectors.append(name)
    hook.create_connector(name, sink_config(name), "STOPPED")
    status = hook.wait_for_state(name, ["STOPPED"], timeout=30)
    assert status["tasks"] == []


def test_list_connectors_expands_status_and_info(hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}list-{uid}"
    connectors.append(name)
    hook.create_connector(name, sink_config(name), "PAUSED")
    listing = hook.list_connectors()
    assert listing[name]["info"]["config"]["connector.class"] == MONGO_SINK
    assert listing[name]["info"]["type"] == "sink"
    assert "connector" in listing[name]["status"]
    assert name in hook.list_connectors(expand=())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cluster_down_gives_a_clear_error_after_bounded_retries(monkeypatch):
    port = _free_port()  # nothing listens there: a Connect cluster that is down
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_CONNECT_DOWN", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http"}))
    hook = KafkaConnectHook("kafka_connect_down", max_attempts=4, backoff_initial=0.1, backoff_max=0.4, timeout=2)
    started = time.monotonic()
    with pytest.raises(KafkaConnectUnavailable) as e:
        hook.list_connectors()
    elapsed = time.monotonic() - started
    assert elapsed < 10
    assert e.value.attempts == 4
    assert f"127.0.0.1:{port} unreachable after 4 attempts" in str(e.value)
    assert "Connection refused" in str(e.value) or "ConnectionError" in str(e.value)


def test_retry_time_is_bounded_even_with_many_attempts(monkeypatch):
    port = _free_port()
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_CONNECT_DOWN", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http"}))
    hook = KafkaConnectHook("kafka_connect_down", max_attempts=1000, backoff_initial=0.5, backoff_max=2,
                            max_retry_seconds=3, timeout=1)
    started = time.monotonic()
    with pytest.raises(KafkaConnectUnavailable):
        hook.cluster_info()
    assert time.monotonic() - started < 6


def test_basic_auth_and_tls_options_reach_the_session(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_CONNECT_TLS", json.dumps({
        "conn_type": "http", "host": "connect.example", "port": 8443, "schema": "https",
        "login": "ops", "password": "from-the-secrets-backend",
        "extra": {"verify": "/etc/ssl/certs/ca-certificates.crt", "timeout": 7}}))
    hook = KafkaConnectHook("kafka_connect_tls")
    session = hook.session()
    assert hook.url == "https://connect.example:8443"
    assert session.verify == "/etc/ssl/certs/ca-certificates.crt"
    assert session.auth.username == "ops"
    assert hook.timeout == 7.0
    assert "verify" not in session.headers and "timeout" not in session.headers


def test_conflict_that_is_not_a_rebalance_fails_at_once(hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}dup-{uid}"
    connectors.append(name)
    hook.create_connector(name, sink_config(name), "PAUSED")
    started = time.monotonic()
    with pytest.raises(KafkaConnectError) as e:
        hook.create_connector(name, sink_config(name), "PAUSED")
    assert e.value.status == 409 and "already exists" in str(e.value)
    assert time.monotonic() - started < 3


def test_a_create_whose_response_was_lost_is_not_a_conflict(hook, sink_config, connectors, uid, monkeypatch):
    """The real worker creates the connector, its answer is lost (a read timeout, simulated on the client side):
    the retried POST gets 409 'already exists', which is the hook's own earlier success, not a conflict."""
    import requests

    session = hook.session()
    original = session.request
    lost: list[int] = []

    def losing_first_create(method, url, **kwargs):
        resp = original(method, url, **kwargs)
        if method == "POST" and url.endswith("/connectors") and not lost:
            lost.append(resp.status_code)
            raise requests.Timeout("read timed out (the test drops the worker's answer)")
        return resp

    monkeypatch.setattr(session, "request", losing_first_create)
    name = f"{TEST_PREFIX}lost-{uid}"
    connectors.append(name)
    hook.create_connector(name, sink_config(name), "PAUSED")
    assert lost == [201], "the first POST reached the worker and created the connector"
    assert hook.get_config(name)["name"] == name

    other = f"{TEST_PREFIX}lost2-{uid}"
    connectors.append(other)
    hook.create_connector(other, sink_config(other), "PAUSED")
    lost.clear()
    changed = {**sink_config(other), "tasks.max": "2"}
    with pytest.raises(KafkaConnectError) as e:  # exists with another config: a real conflict
        hook.create_connector(other, changed, "PAUSED")
    assert e.value.status == 409 and "already exists" in str(e.value)


def test_rebalance_conflicts_and_5xx_are_retried_with_growing_backoff(monkeypatch):
    """A real worker cannot be made to answer 409/503 on demand, so this one test of the retry policy
    talks to a small local HTTP server that answers like a rebalancing worker, then like a healthy one."""
    import http.server
    import threading

    answers = [(409, {"error_code": 409, "message": "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"}),
               (503, {"error_code": 503, "message": "Service Unavailable"}),
               (200, {"version": "4.3.1", "commit": "x", "kafka_cluster_id": "c"})]
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(time.monotonic())
            status, body = answers[min(len(seen), len(answers)) - 1]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AIRFLOW_CONN_KAFKA_CONNECT_STUB", json.dumps(
            {"conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1], "schema": "http"}))
        hook = KafkaConnectHook("kafka_connect_stub", backoff_initial=0.2, backoff_max=1)
        assert hook.cluster_info()["version"] == "4.3.1"
        assert len(seen) == 3
        first, second = seen[1] - seen[0], seen[2] - seen[1]
        assert 0.15 <= first < second, "the pause grows"

        seen.clear()
        answers[:] = [(409, answers[0][1])]
        hook = KafkaConnectHook("kafka_connect_stub", max_attempts=3, backoff_initial=0.05)
        with pytest.raises(KafkaConnectUnavailable) as e:
            hook.cluster_info()
        assert len(seen) == 3 and e.value.status == 409 and e.value.error_code == 409
        assert "worker rebalance" in str(e.value) and "after 3 attempts" in str(e.value)
    finally:
        server.shutdown()
