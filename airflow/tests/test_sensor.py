"""The connector sensor (poke, reschedule, deferrable) and its trigger, against the real worker."""

from __future__ import annotations

import asyncio
import threading
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
    paused = KafkaConnectorStateSensor(task_id="s", connector_name=name, expected_state="PAUSED")
    wait_until(lambda: paused.poke({}), timeout=30, what="PAUSED (no tasks needed)")
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


def test_reschedule_and_deferrable_modes_in_dag_test(airflow_db, hook, sink_config, connectors, uid, monkeypatch):
    """Each sensor really waits: its connector stays PAUSED until the sensor has seen it waiting (in its own
    poke for reschedule mode, in the trigger for deferrable mode), and is resumed two seconds later."""
    names = {mode: f"{TEST_PREFIX}{mode[:5]}-{uid}" for mode in ("reschedule", "deferrable")}
    for name in names.values():
        connectors.append(name)
        hook.create_connector(name, sink_config(name), "PAUSED")
    seen: list[tuple[str, str, str]] = []  # (where, connector, verdict)
    timers: dict[str, threading.Timer] = {}

    def saw(where: str, connector: str, verdict: str) -> None:
        seen.append((where, connector, verdict))
        if verdict == "waiting" and connector not in timers:
            timers[connector] = threading.Timer(2.0, hook.resume, [connector])
            timers[connector].start()

    original_check = KafkaConnectorStateSensor._check
    original_poll = KafkaConnectorStateTrigger._poll

    def check(self):
        done = original_check(self)
        saw(f"{self.task_id}.poke", self.connector_name, "done" if done else "waiting")
        return done

    def poll(self):
        result = original_poll(self)
        saw("trigger", self.connector_name, result["state"])
        return result

    monkeypatch.setattr(KafkaConnectorStateSensor, "_check", check)
    monkeypatch.setattr(KafkaConnectorStateTrigger, "_poll", poll)
    try:
        state, tasks = run_dag("mongorow_test_sensor", {"connector": names["reschedule"],
                                                        "deferrable_connector": names["deferrable"]}, folder=TEST_DAGS)
    finally:
        for timer in timers.values():
            timer.cancel()
    assert state == "success", tasks
    assert tasks == {"reschedule": "success", "deferrable": "success"}
    reschedule = [v for w, c, v in seen if w == "reschedule.poke"]
    assert reschedule[0] == "waiting" and reschedule[-1] == "done" and len(reschedule) >= 2, seen  # rescheduled
    deferrable = [(w, v) for w, c, v in seen if c == names["deferrable"]]
    assert deferrable[0] == ("deferrable.poke", "waiting"), seen  # then deferred: the trigger took over
    assert [w for w, _ in deferrable[1:]] and all(w == "trigger" for w, _ in deferrable[1:]), seen
    assert deferrable[-1] == ("trigger", "done"), seen


def test_deferred_wait_fails_at_once_when_the_connector_is_missing(hook, uid):
    trigger = KafkaConnectorStateTrigger(connector_name=f"{TEST_PREFIX}gone-{uid}", poll_interval=0.5)
    event = asyncio.run(asyncio.wait_for(trigger.run().__anext__(), timeout=30)).payload
    assert event["status"] == "failed" and "does not exist" in event["message"]
    waiting = KafkaConnectorStateTrigger(connector_name=f"{TEST_PREFIX}gone-{uid}", poll_interval=0.5,
                                         allow_missing=True)
    with pytest.raises(asyncio.TimeoutError):  # allow_missing: it keeps waiting
        asyncio.run(asyncio.wait_for(waiting.run().__anext__(), timeout=3))


def test_sensor_in_dag_test_fails_on_failed_task(airflow_db, poisoned):
    state, tasks = run_dag("mongorow_test_sensor", {"connector": poisoned}, folder=TEST_DAGS)
    assert state == "failed"
    assert tasks == {"reschedule": "failed", "deferrable": "failed"}
