"""Deploy the Kafka Connect connectors declared in connect-configs/ (plus an environment overlay).

validate_all -> apply_<connector> (only what changed) -> prune -> wait_<connector> (RUNNING, Asset)

* every connector is validated by Connect before any is changed: one invalid file fails the run with
  file, key and Connect's message, and nothing is applied;
* a connector whose normalised config equals the live one is not touched (no PUT, no restart);
* prune deletes only connectors carrying ``mongorow.managed.by=airflow-deploy`` that the repo no
  longer declares; connectors created by anyone else are never touched;
* each wait task emits the Asset of its connector once it is RUNNING (or PAUSED/STOPPED if left so),
  and gives up after 10 minutes (``WAIT_TIMEOUT``); a FAILED task fails it at once, with the trace.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from mongorow_airflow.configs import declared_connector_names, default_environment
from mongorow_airflow.dag_support import connector_asset, task_suffix
from mongorow_airflow.operators.kafka_connect import (
    KafkaConnectApplyOperator,
    KafkaConnectPruneOperator,
    KafkaConnectValidateOperator,
)
from mongorow_airflow.sensors.kafka_connect import KafkaConnectorStateSensor

WAIT_TIMEOUT = 600  # seconds: a connector's tasks start within seconds, a rebalance within a minute

with DAG(
    dag_id="mongorow_deploy",
    description="Validate, apply (only what changed), prune and wait for the Kafka Connect connectors",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    render_template_as_native_obj=True,
    tags=["mongorow", "kafka-connect"],
    doc_md=__doc__,
    params={
        "environment": Param(default_environment(), type="string",
                             description="overlay under connect-configs/overlays/ (e.g. local, docker) or a path"),
        "initial_state": Param("RUNNING", enum=["RUNNING", "PAUSED", "STOPPED"],
                               description="state of connectors created by this run"),
        "prune": Param(True, type="boolean", description="delete managed connectors the repo no longer declares"),
    },
) as dag:
    validate = KafkaConnectValidateOperator(task_id="validate_all", environment="{{ params.environment }}")
    prune = KafkaConnectPruneOperator(task_id="prune", dry_run="{{ not params.prune }}")
    for name in declared_connector_names():
        suffix = task_suffix(name)
        apply = KafkaConnectApplyOperator(
            task_id=f"apply_{suffix}",
            connector_name=name,
            environment="{{ params.environment }}",
            initial_state="{{ params.initial_state }}",
            validate=False,  # validate_all has validated every connector just before
        )
        wait = KafkaConnectorStateSensor(
            task_id=f"wait_{suffix}",
            connector_name=name,
            expected_state="{{ ti.xcom_pull(task_ids='apply_%s')['%s']['wait_for'] }}" % (suffix, name),
            mode="reschedule",
            poke_interval=5,
            timeout=WAIT_TIMEOUT,
            outlets=[connector_asset(name)],
        )
        validate >> apply >> prune >> wait
