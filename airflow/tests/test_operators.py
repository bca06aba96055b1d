"""Operators against the real Connect worker (execute() called directly; the DAG tests run them in dag.test)."""

from __future__ import annotations

import pytest
from conftest import TEST_PREFIX, produce, wait_until

from mongorow_airflow.configs import MANAGED_BY_KEY, MANAGED_BY_VALUE
from mongorow_airflow.operators.kafka_connect import (
    ConnectorValidationError,
    KafkaConnectApplyOperator,
    KafkaConnectDeleteOperator,
    KafkaConnectOffsetsOperator,
    KafkaConnectPauseOperator,
    KafkaConnectPruneOperator,
    KafkaConnectRestartOperator,
    KafkaConnectResumeOperator,
    KafkaConnectStopOperator,
    KafkaConnectValidateOperator,
)


def test_apply_creates_then_leaves_unchanged_then_updates_only_what_changed(hook, sink_config, connectors, uid, rest_calls):
    name = f"{TEST_PREFIX}apply-{uid}"
    connectors.append(name)
    cfg = sink_config(name)
    first = KafkaConnectApplyOperator(task_id="a", connector_name=name, config=cfg).execute({})
    assert first[name]["action"] == "created" and first[name]["state"] == "RUNNING"
    live = hook.get_config(name)
    assert live[MANAGED_BY_KEY] == MANAGED_BY_VALUE
    hook.wait_for_state(name, ["RUNNING"], timeout=60, tasks_too=True)

    rest_calls.calls.clear()
    second = KafkaConnectApplyOperator(task_id="a", connector_name=name, config=cfg).execute({})
    assert second[name]["action"] == "unchanged"
    assert rest_calls.writes() == [], "an unchanged connector must not be PUT (that restarts it)"

    third = KafkaConnectApplyOperator(task_id="a", connector_name=name, config={**cfg, "tasks.max": 2}).execute({})
    assert third[name]["action"] == "updated"
    assert third[name]["changes"] == "changed tasks.max: 1 -> 2"
    assert ("PUT", f"/connectors/{name}/config") in rest_calls.writes()
    assert hook.get_config(name)["tasks.max"] == "2"


@pytest.mark.parametrize("state", ["PAUSED", "STOPPED"])
def test_apply_creates_paused_or_stopped(hook, sink_config, connectors, uid, state):
    name = f"{TEST_PREFIX}apply-{state.lower()}-{uid}"
    connectors.append(name)
    out = KafkaConnectApplyOperator(task_id="a", connector_name=name, config=sink_config(name),
                                    initial_state=state).execute({})
    assert out[name] == {"action": "created", "state": state, "wait_for": state, "changes": "new connector"}
    hook.wait_for_state(name, [state], timeout=30)


def test_apply_validates_first_and_changes_nothing_when_invalid(hook, sink_config, uid):
    name = f"{TEST_PREFIX}invalid-{uid}"
    with pytest.raises(ConnectorValidationError) as e:
        KafkaConnectApplyOperator(task_id="a", connector_name=name, config=sink_config(name, **{"tasks.max": "x"})).execute({})
    assert "tasks.max: Invalid value x for configuration tasks.max" in str(e.value)
    assert hook.get_status(name) is None


def test_validate_operator_reports_file_key_and_message(hook, sink_config, configs_dir, uid):
    good, bad = f"{TEST_PREFIX}good-{uid}", f"{TEST_PREFIX}bad-{uid}"
    configs_dir({good: sink_config(good), bad: sink_config(bad, **{"max.batch.size": "lots"})})
    with pytest.raises(ConnectorValidationError) as e:
        KafkaConnectValidateOperator(task_id="v").execute({})
    msg = str(e.value)
    assert f"{bad}.json: max.batch.size: Invalid value lots" in msg and "1 of 2 connector config(s) invalid" in msg
    assert KafkaConnectValidateOperator(task_id="v", connectors=[good]).execute({}) == {good: "valid"}


def test_prune_deletes_only_managed_undeclared_connectors(hook, sink_config, connectors, uid):
    managed, foreign, declared = (f"{TEST_PREFIX}{k}-{uid}" for k in ("managed", "foreign", "declared"))
    connectors.extend([managed, foreign, declared])
    KafkaConnectApplyOperator(task_id="a", connector_name=managed, config=sink_config(managed), initial_state="PAUSED").execute({})
    KafkaConnectApplyOperator(task_id="a", connector_name=declared, config=sink_config(declared), initial_state="PAUSED").execute({})
    hook.create_connector(foreign, sink_config(foreign), "PAUSED")  # created by someone else: no marker
    keep = [n for n in hook.list_connectors(expand=()) if n not in (managed,)]
    dry = KafkaConnectPruneOperator(task_id="p", declared=keep, dry_run=True).execute({})
    assert managed in dry and hook.get_status(managed) is not None
    pruned = KafkaConnectPruneOperator(task_id="p", declared=[n for n in keep if n != foreign]).execute({})
    assert managed in pruned and foreign not in pruned and declared not in pruned
    assert hook.get_status(managed) is None
    assert hook.get_status(foreign) is not None and hook.get_status(declared) is not None


def test_pause_resume_stop_restart_delete(hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}ops-{uid}"
    connectors.append(name)
    KafkaConnectApplyOperator(task_id="a", connector_name=name, config=sink_config(name)).execute({})
    assert KafkaConnectPauseOperator(task_id="p", connector_name=name).execute({}) == "PAUSED"
    assert KafkaConnectResumeOperator(task_id="r", connector_name=name).execute({}) == "RUNNING"
    hook.wait_for_state(name, ["RUNNING"], timeout=60, tasks_too=True)
    status = KafkaConnectRestartOperator(task_id="rs", connector_name=name, include_tasks=True, only_failed=False).execute({})
    assert status["connector"]["state"] in ("RESTARTING", "RUNNING")
    assert KafkaConnectStopOperator(task_id="s", connector_name=name).execute({}) == "STOPPED"
    assert KafkaConnectDeleteOperator(task_id="d", connector_name=name).execute({}) is True
    assert KafkaConnectDeleteOperator(task_id="d", connector_name=name).execute({}) is False


def test_offsets_get_alter_reset_stop_first_and_restore_state(hook, sink_config, connectors, uid):
    name = f"{TEST_PREFIX}offsets-{uid}"
    topic = f"{name}.in"
    connectors.append(name)
    produce(topic, [(f'{{"_id": {i}}}', f'{{"_id": {i}, "n": {i}}}') for i in range(5)])
    KafkaConnectApplyOperator(task_id="a", connector_name=name, config=sink_config(name, topic)).execute({})

    def committed():
        offsets = KafkaConnectOffsetsOperator(task_id="o", connector_name=name).execute({})
        return offsets if offsets and offsets[0]["offset"]["kafka_offset"] == 5 else None

    offsets = wait_until(committed, timeout=90, what="the sink to commit offset 5")
    assert offsets[0]["partition"] == {"kafka_topic": topic, "kafka_partition": 0}

    altered = KafkaConnectOffsetsOperator(task_id="o", connector_name=name, action="alter", offsets=[
        {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 2}}]).execute({})
    assert altered["state"] == "RUNNING" and "altered" in altered["message"].lower()
    hook.wait_for_state(name, ["RUNNING"], timeout=60)

    KafkaConnectPauseOperator(task_id="p", connector_name=name).execute({})
    reset = KafkaConnectOffsetsOperator(task_id="o", connector_name=name, action="reset").execute({})
    assert reset["state"] == "PAUSED" and "reset" in reset["message"].lower()
    assert hook.connector_state(name)[0] == "PAUSED", "the previous state is restored"
    assert KafkaConnectOffsetsOperator(task_id="o", connector_name=name).execute({}) == []
