"""dag.test() of the deploy DAG against the real worker: idempotent second run, bad input, prune.

The deploy DAG reads the connect-configs folder named by MONGOROW_CONNECT_CONFIGS (a temporary one here).
Note: its prune step deletes EVERY connector carrying the ownership marker that the folder does not
declare, on the stack the tests use (that is what prune is for).
"""

from __future__ import annotations

import json

import pytest
from conftest import TEST_PREFIX, run_dag, wait_until

from mongorow_airflow.configs import MANAGED_BY_KEY, MANAGED_BY_VALUE


def _group_members(group: str) -> list[str]:
    from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook

    admin = KafkaAdminClientHook(kafka_config_id="kafka_default").get_conn
    desc = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
    return sorted(m.member_id for m in desc.members)


def test_deploy_twice_second_run_changes_nothing_and_restarts_nothing(airflow_db, hook, sink_config, configs_dir,
                                                                      connectors, uid, rest_calls, capfd):
    names = [f"{TEST_PREFIX}dep-a-{uid}", f"{TEST_PREFIX}dep-b-{uid}"]
    connectors.extend(names)
    configs_dir({n: sink_config(n) for n in names}, overlays={"local": {"connectors": {names[1]: {"max.batch.size": 100}}}})

    state, tasks = run_dag("mongorow_deploy")
    assert state == "success", tasks
    assert tasks[f"apply_{names[0]}"] == "success" and tasks[f"wait_{names[1]}"] == "success"
    for n in names:
        live = hook.get_config(n)
        assert live[MANAGED_BY_KEY] == MANAGED_BY_VALUE and live["name"] == n
    assert hook.get_config(names[1])["max.batch.size"] == "100", "the overlay is applied"

    # every sink task has joined its consumer group: remember who the members are
    members = {n: wait_until(lambda n=n: _group_members(f"connect-{n}"), timeout=60, what=f"{n} in its group")
               for n in names}
    configs = {n: hook.get_config(n) for n in names}
    rest_calls.calls.clear()
    capfd.readouterr()

    state, tasks = run_dag("mongorow_deploy")
    assert state == "success", tasks
    out = capfd.readouterr().out
    assert rest_calls.writes() == [], f"second deploy wrote to Connect: {rest_calls.writes()}"
    for n in names:
        assert f"{n}: unchanged, not touched" in out
        assert hook.get_config(n) == configs[n]
        status = hook.get_status(n)
        assert status["connector"]["state"] == "RUNNING" and [t["state"] for t in status["tasks"]] == ["RUNNING"]
        assert _group_members(f"connect-{n}") == members[n], f"{n} was restarted (its consumer re-joined)"


BAD_CASES = {
    "unknown-class": ({"connector.class": "com.example.NoSuchConnector"}, "connector.class",
                      "Failed to find any class that implements Connector"),
    "missing-key": ({"topics": None}, "topics", "Must configure one of topics or topics.regex"),
    "invalid-value": ({"tasks.max": "several"}, "tasks.max", "Invalid value several for configuration tasks.max"),
    "name-mismatch": ({"name": "someone-else"}, "name", "'someone-else' disagrees with the file name"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_fails_before_changing_anything(airflow_db, hook, sink_config, configs_dir, connectors, uid, capfd, case):
    change, key, message = BAD_CASES[case]
    good, bad = f"{TEST_PREFIX}keep-{uid}", f"{TEST_PREFIX}bad-{uid}"
    connectors.extend([good, bad])
    hook.create_connector(good, sink_config(good), "PAUSED")  # live, with tasks.max 1
    bad_cfg = {k: v for k, v in {**sink_config(bad), **change}.items() if v is not None}
    base = configs_dir({good: sink_config(good, **{"tasks.max": "2"}), bad: bad_cfg}, overlays={"local": {"connectors": {}}})
    capfd.readouterr()

    state, tasks = run_dag("mongorow_deploy")
    out = capfd.readouterr().out
    assert state == "failed"
    assert tasks["validate_all"] == "failed"
    assert all(s == "upstream_failed" for t, s in tasks.items() if t != "validate_all"), tasks
    assert hook.get_config(good)["tasks.max"] == "1", "nothing may change when any connector is invalid"
    assert hook.get_status(bad) is None
    line = f"{bad}.json: {key}: "
    assert line in out and message in out, out[-3000:]
    assert str(base.name) in out or f"{bad}.json" in out


def test_deploy_prunes_only_connectors_it_created(airflow_db, hook, sink_config, configs_dir, connectors, uid):
    kept, dropped, foreign = (f"{TEST_PREFIX}{k}-{uid}" for k in ("kept", "dropped", "foreign"))
    connectors.extend([kept, dropped, foreign])
    configs_dir({kept: sink_config(kept), dropped: sink_config(dropped)}, overlays={"local": {"connectors": {}}})
    assert run_dag("mongorow_deploy", {"initial_state": "PAUSED"})[0] == "success"
    assert hook.connector_state(dropped)[0] == "PAUSED"
    hook.create_connector(foreign, sink_config(foreign), "PAUSED")  # not created by this tool

    configs_dir({kept: sink_config(kept)}, overlays={"local": {"connectors": {}}})
    state, tasks = run_dag("mongorow_deploy", {"prune": True})
    assert state == "success", tasks
    assert hook.get_status(dropped) is None
    assert hook.connector_state(kept)[0] == "PAUSED", "deploy leaves a paused connector paused and waits for PAUSED"
    assert hook.connector_state(foreign)[0] == "PAUSED"


def test_cluster_down_fails_deploy_with_a_clear_error(airflow_db, sink_config, configs_dir, uid, monkeypatch, capfd):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_CONNECT_DEFAULT", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http"}))
    name = f"{TEST_PREFIX}down-{uid}"
    configs_dir({name: sink_config(name)}, overlays={"local": {"connectors": {}}})
    import time

    started = time.monotonic()
    state, tasks = run_dag("mongorow_deploy")
    assert state == "failed" and tasks["validate_all"] == "failed"
    assert time.monotonic() - started < 120, "bounded retries, not a hang"
    assert f"Kafka Connect at http://127.0.0.1:{port} unreachable after" in capfd.readouterr().out
