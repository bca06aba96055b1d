"""dag.test() of the monitor and ops DAGs against the real worker."""

from __future__ import annotations

import logging

import pytest
from conftest import TEST_PREFIX, produce, run_dag, wait_until

def _logs(capfd, caplog) -> str:
    """Everything the in-process dag.test() logged: stdout, stderr and records caught by pytest."""
    captured = capfd.readouterr()
    return captured.out + captured.err + caplog.text


FAST = {"backoff_initial": 1, "backoff_max": 2, "settle_seconds": 4}


def _failed(hook, name):
    return any(t.get("state") == "FAILED" for t in (hook.get_status(name) or {}).get("tasks", []))


@pytest.fixture
def poisoned_sink(hook, sink_config, connectors, uid):
    """A sink whose only task is FAILED on a record that is not JSON (errors.tolerance=none)."""
    name = f"{TEST_PREFIX}mon-{uid}"
    connectors.append(name)
    topic = f"{name}.in"
    produce(topic, [('{"_id": 1}', "not JSON at all"), ('{"_id": 2}', '{"_id": 2, "ok": true}')])
    hook.create_connector(name, sink_config(name, topic), "RUNNING")
    wait_until(lambda: _failed(hook, name), timeout=90, what=f"{name} task FAILED")
    return name, topic


def test_monitor_restarts_failed_task_with_backoff_then_fails_with_the_trace(airflow_db, hook, poisoned_sink, capfd, caplog):
    name, _ = poisoned_sink
    capfd.readouterr()
    caplog.clear()
    caplog.set_level(logging.INFO)
    state, tasks = run_dag("mongorow_monitor", {"max_restarts": 2, **FAST})
    out = _logs(capfd, caplog)
    assert state == "failed"
    assert tasks == {"cluster_health": "success", "heal_connectors": "success", "lag_and_summary": "success",
                     "verdict": "failed"}
    assert f"{name}: restart 1/2 in 1s" in out and f"{name}: restart 2/2 in 2s" in out
    assert f"{name}: FAILED after 2 restart(s) (cap 2)" in out
    assert "1 connector(s) still FAILED after 2 restart(s)" in out
    assert "org.apache.kafka.connect.errors" in out  # the task's Java trace is in the failure
    assert f"{name}: sink FAILED, tasks 0/1 RUNNING, lag" in out or f"{name}: sink RUNNING, tasks 0/1 RUNNING" in out


def test_monitor_recovers_a_task_whose_cause_went_away(airflow_db, hook, poisoned_sink, capfd, caplog):
    """The poison record is deleted from the topic (as an operator would skip it): one restart heals."""
    from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook
    from confluent_kafka import TopicPartition

    name, topic = poisoned_sink
    admin = KafkaAdminClientHook(kafka_config_id="kafka_default").get_conn
    for f in admin.delete_records([TopicPartition(topic, 0, 1)]).values():
        f.result()
    capfd.readouterr()
    caplog.clear()
    caplog.set_level(logging.INFO)
    state, tasks = run_dag("mongorow_monitor", {"max_restarts": 3, **FAST})
    out = _logs(capfd, caplog)
    assert state == "success", tasks
    assert f"{name}: recovered after 1 restart(s)" in out
    assert f"{name}: sink RUNNING, tasks 1/1 RUNNING, lag" in out and "restarts 1" in out
    status = hook.get_status(name)
    assert status["connector"]["state"] == "RUNNING" and status["tasks"][0]["state"] == "RUNNING"


def test_monitor_summary_line_with_lag_and_dead_letter_depth(airflow_db, hook, sink_config, connectors, uid, capfd, caplog):
    name = f"{TEST_PREFIX}lag-{uid}"
    dlq = f"{name}.dlq"
    connectors.append(name)
    topic = f"{name}.in"
    produce(topic, [(f'{{"_id": {i}}}', f'{{"_id": {i}}}') for i in range(3)] + [('{"_id": 9}', "broken")])
    hook.create_connector(name, sink_config(name, topic, **{
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1"}), "RUNNING")
    from mongorow_airflow.lag import sink_lag, topic_depth

    wait_until(lambda: topic_depth(dlq) == 1, timeout=90, what="the broken record in the dead-letter topic")
    wait_until(lambda: sink_lag(name, [topic]).total == 0, timeout=90, what="lag 0")
    capfd.readouterr()
    caplog.clear()
    caplog.set_level(logging.INFO)
    state, _ = run_dag("mongorow_monitor", {"max_restarts": 1, **FAST})
    out = _logs(capfd, caplog)
    assert f"{name}: sink RUNNING, tasks 1/1 RUNNING, lag 0 (connect-{name}), dlq 1 ({dlq}), restarts 0" in out
    assert "Kafka Connect 4." in out and "health healthy" in out


def test_ops_dag_pause_resume_stop_restart_offsets_delete(airflow_db, hook, sink_config, connectors, uid, capfd, caplog):
    name = f"{TEST_PREFIX}opsdag-{uid}"
    connectors.append(name)
    produce(f"{name}.in", [('{"_id": 1}', '{"_id": 1}')])
    hook.create_connector(name, sink_config(name), "RUNNING")
    hook.wait_for_state(name, ["RUNNING"], timeout=60, tasks_too=True)

    def op(action, **conf):
        state, _ = run_dag("mongorow_ops", {"connector": name, "action": action, **conf})
        return state

    assert op("pause") == "success" and hook.connector_state(name)[0] == "PAUSED"
    assert op("resume") == "success" and hook.connector_state(name)[0] == "RUNNING"
    assert op("restart", include_tasks=True, only_failed=False) == "success"
    hook.wait_for_state(name, ["RUNNING"], timeout=60, tasks_too=True)
    wait_until(lambda: hook.get_offsets(name), timeout=60, what="a committed offset")
    assert op("get_offsets") == "success"
    assert op("reset_offsets") == "failed", "destructive actions need confirm"
    assert op("reset_offsets", confirm=name) == "success"
    assert hook.connector_state(name)[0] == "RUNNING", "state restored after the reset"
    assert op("stop") == "success" and hook.connector_state(name)[0] == "STOPPED"
    assert op("delete") == "failed" and hook.get_status(name) is not None
    assert op("delete", confirm=name) == "success" and hook.get_status(name) is None
    assert op("pause") == "failed", "a connector that does not exist"
