"""Test-only DAG (bundle 'mongorow-tests'): the connector sensor in reschedule and in deferrable mode."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from mongorow_airflow.sensors.kafka_connect import KafkaConnectorStateSensor

with DAG(
    dag_id="mongorow_test_sensor",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    # each sensor watches a connector of its own, so a test can make each one wait (params.deferrable_connector
    # defaults to the same connector)
    params={"connector": Param("", type="string"), "deferrable_connector": Param("", type="string"),
            "expected": Param("RUNNING", type="string")},
) as dag:
    KafkaConnectorStateSensor(task_id="reschedule", connector_name="{{ params.connector }}",
                              expected_state="{{ params.expected }}", mode="reschedule", poke_interval=1, timeout=90)
    KafkaConnectorStateSensor(task_id="deferrable",
                              connector_name="{{ params.deferrable_connector or params.connector }}",
                              expected_state="{{ params.expected }}", deferrable=True, poke_interval=1, timeout=90)
