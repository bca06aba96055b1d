"""The connector sensor (poke, reschedule, deferrable) and its trigger, against the real worker."""

from __future__ import annotations

import asyncio
import time

import pytest
from conftest import TEST_DAGS, TEST_PREFIX, produce, run_dag, wait_until

from mongorow_airflow.sensors.kafka_connect import ConnectorFailedError, KafkaConnectorStateSensor
from mongorow_airflow.triggers.kafka_connect import KafkaConnectorStateTrigger


@pytest.fixture
def poisoned(hook, sink_config, connectors, uid):
    """A sink connector whose task is FAILED: a value that is not JSON, with errors.tolerance=none."""
    name = f"{TEST_PREFIX}poison-{uid}"
    connectors.append(name)
    topic = f"{name}.in"
    produce(topic, [('{"_id": 1}', "this is not JSON")])
    hook.create_connector(name, sink_config(name, topic), "RUNNING")
    wait_until(lambda: any(t.get("state") == "FAILED" for t in (hook.get_status(name) or {}).get("tasks", [])),
               timeout=90, what=f"{name} task FAILED")
    return name


def test_poke_waits_for_connector_and_tasks(hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}poke-{uid}"
    connectors.append(name)
    hook.create_connector(name, sink_config(name), "PAUSED")
    sensor = KafkaConnectorStateSensor(task_id="s", connector_name=name)
    assert sensor.poke({}) is False  # PAUSED, not RUNNING
    assert KafkaConnectorStateSensor(task_id="s", connector_name=name, expected_state="PAUSED").poke({}) in (True, False)
    hook.resume(name)
    wait_until(lambda: sensor.poke({}), timeout=60, what="RUNNING")


def test_poke_fails_fast_with_the_task_trace(poisoned):
    sensor = KafkaConnectorStateSensor(task_id="s", connector_name=poisoned)
    started = time.monotonic()
    with pytest.raises(ConnectorFailedError) as e:
        sensor.poke({})
    assert time.monotonic() - started < 5
    assert f"{poisoned}: task 0 FAILED" in str(e.value)
    assert "Exception" in str(e.value)  # the Java trace


def test_missing_connector_fails_unless_allowed(hook, uid):
    with pytest.raises(ConnectorFailedError, match="does not exist"):
        KafkaConnectorStateSensor(task_id="s", connector_name=f"{TEST_PREFIX}nope-{uid}").poke({})
    assert KafkaConnectorStateSensor(task_id="s", connector_name=f"{TEST_PREFIX}nope-{uid}", allow_missing=True).poke({}) is False


def test_trigger_serializes_and_fires_success_and_failure(hook, sink_config, connectors, uid, poisoned):
    name = f"{TEST_PREFIX}trig-{uid}"
    connectors.append(name)
    hook.create_connector(name, sink_config(name), "RUNNING")
    trigger = KafkaConnectorStateTrigger(connector_name=name, poll_interval=0.5)
    classpath, kwargs = trigger.serialize()
    assert classpath == "mongorow_airflow.triggers.kafka_connect.KafkaConnectorStateTrigger"
    rebuilt = KafkaConnectorStateTrigger(**kwargs)  # what the triggerer does

    async def first(t):
        return await asyncio.wait_for(t.run().__anext__(), timeout=90)

    assert asyncio.run(first(rebuilt)).payload["status"] == "success"
    failed = asyncio.run(first(KafkaConnectorStateTrigger(connector_name=poisoned, poll_interval=0.5))).payload
    assert failed["status"] == "failed" and "task 0 FAILED" in failed["message"] and failed["trace"]


def test_reschedule_and_deferrable_modes_in_dag_test(airflow_db, hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}modes-{uid}"
    connectors.append(name)
    hook.create_connector(name, sink_config(name), "PAUSED")
    hook.resume(name)  # RUNNING a moment later: both sensors have to wait at least once
    state, tasks = run_dag("mongorow_test_sensor", {"connector": name}, folder=TEST_DAGS)
    assert state == "success", tasks
    assert tasks == {"reschedule": "success", "deferrable": "success"}


def test_sensor_in_dag_test_fails_on_failed_task(airflow_db, poisoned):
    state, tasks = run_dag("mongorow_test_sensor", {"connector": poisoned}, folder=TEST_DAGS)
    assert state == "failed"
    assert tasks == {"reschedule": "failed", "deferrable": "failed"}
