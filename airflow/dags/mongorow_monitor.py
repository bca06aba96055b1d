"""Watch the Kafka Connect cluster: health, every connector and task, restart of failed ones with a
growing backoff and a cap (then the run fails with the trace), sink lag and dead-letter depth, one
summary line per connector."""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import DAG, Param, task

from mongorow_airflow import monitor
from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook

log = logging.getLogger("mongorow_airflow.monitor")

with DAG(
    dag_id="mongorow_monitor",
    description="Health, connector/task states, auto-restart with backoff and cap, sink lag, DLQ depth",
    schedule="*/5 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["mongorow", "kafka-connect", "monitoring"],
    doc_md=__doc__,
    params={
        "max_restarts": Param(3, type="integer", minimum=0, description="restarts per connector and run before failing"),
        "backoff_initial": Param(10, type="number", minimum=0, description="seconds before the first restart; doubles"),
        "backoff_max": Param(120, type="number", minimum=0, description="longest pause between restarts"),
        "settle_seconds": Param(20, type="number", minimum=1, description="how long a restarted connector is watched"),
    },
) as dag:

    @task
    def cluster_health():
        return monitor.cluster_health(KafkaConnectHook(), log)

    @task
    def heal_connectors(params=None):
        return monitor.heal(KafkaConnectHook(), log, max_restarts=int(params["max_restarts"]),
                            backoff_initial=float(params["backoff_initial"]), backoff_max=float(params["backoff_max"]),
                            settle_seconds=float(params["settle_seconds"]))

    @task
    def lag_and_summary(results: dict):
        return monitor.metrics(KafkaConnectHook(), results, log)

    @task
    def verdict(results: dict):
        monitor.verdict(results)

    healed = heal_connectors()
    cluster_health() >> healed
    lag_and_summary(healed) >> verdict(healed)
