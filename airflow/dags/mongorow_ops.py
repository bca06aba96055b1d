"""Manual operations on ONE connector: status, pause, resume, stop, restart, delete, get / alter / reset
offsets. Trigger with params; destructive actions (delete, alter_offsets, reset_offsets) need
``confirm`` = the connector name. Alter and reset stop the connector first and restore its state after."""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import DAG, Param, task

from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook
from mongorow_airflow.monitor import OPS_ACTIONS, run_op

log = logging.getLogger("mongorow_airflow.ops")

with DAG(
    dag_id="mongorow_ops",
    description="Pause, resume, stop, restart, delete or reset offsets of one connector",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["mongorow", "kafka-connect", "ops"],
    doc_md=__doc__,
    params={
        "connector": Param("mongo-sink", type="string", minLength=1, description="connector name"),
        "action": Param("status", enum=list(OPS_ACTIONS)),
        "include_tasks": Param(True, type="boolean", description="restart: also restart tasks"),
        "only_failed": Param(False, type="boolean", description="restart: only FAILED connector/tasks"),
        "offsets": Param([], type="array", description='alter_offsets: [{"partition": {...}, "offset": {...}}]'),
        "confirm": Param("", type="string", description="the connector name again, for delete/alter/reset"),
    },
) as dag:

    @task
    def operate(params=None):
        return run_op(KafkaConnectHook(), params["connector"], params["action"], log,
                      offsets=params.get("offsets") or None, include_tasks=bool(params["include_tasks"]),
                      only_failed=bool(params["only_failed"]), confirm=params.get("confirm") or "")

    operate()
