"""Ingest one batch: Airflow triggers, Kafka carries the data. Produces the batch to raw.users /
raw.transactions with the apache-kafka provider, then reconciles: waits until MySQL reflects exactly
what the batch wrote, compares counts and a checksum of sampled rows against MongoDB, and fails with
the difference if they disagree."""

from __future__ import annotations

import logging

import pendulum
from airflow.providers.apache.kafka.operators.produce import ProduceToTopicOperator
from airflow.sdk import DAG, Param, task

from mongorow_airflow import ingest
from mongorow_airflow.connections import KAFKA_PRODUCER_CONN_ID, MONGO_CONN_ID, MYSQL_CONN_ID

log = logging.getLogger("mongorow_airflow.ingest")

with DAG(
    dag_id="mongorow_ingest",
    description="Produce a batch to the raw topics, then reconcile MySQL against MongoDB",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    tags=["mongorow", "ingest"],
    doc_md=__doc__,
    params={
        "batch_id": Param("", type="string", description="batch id (default: from the run id)"),
        "batch_size": Param(100, type="integer", minimum=1, maximum=100000,
                            description="users (at most 500) and transactions per batch"),
        "tables": Param(["users", "transactions"], type="array", items={"enum": list(ingest.TABLES)}),
        "reconcile_timeout": Param(300, type="integer", minimum=5),
        "sample_size": Param(50, type="integer", minimum=1),
        "produce": Param(True, type="boolean",
                         description="false: only reconcile an earlier batch (same batch id and size) again"),
    },
) as dag:

    @task
    def plan(params=None, run_id=None):
        batch_id = ingest.batch_id_from(params["batch_id"], run_id)
        tables = [t for t in ingest.TABLES if t in params["tables"]]
        log.info("batch %s: %s, batch size %s", batch_id, ", ".join(tables), params["batch_size"])
        return {"batch_id": batch_id, "tables": tables, "batch_size": int(params["batch_size"]),
                "produce_tables": tables if params["produce"] else []}

    planned = plan()
    produced = []
    for table, function in (("users", "user_records"), ("transactions", "transaction_records")):
        produced.append(ProduceToTopicOperator(
            task_id=f"produce_{table}",
            kafka_config_id=KAFKA_PRODUCER_CONN_ID,
            topic=ingest.TOPICS[table],
            producer_function=f"mongorow_airflow.ingest.{function}",
            producer_function_kwargs={
                "batch_id": "{{ ti.xcom_pull(task_ids='plan')['batch_id'] }}",
                "batch_size": "{{ ti.xcom_pull(task_ids='plan')['batch_size'] }}",
                "tables": "{{ ti.xcom_pull(task_ids='plan')['produce_tables'] }}",
            },
            delivery_callback="mongorow_airflow.ingest.delivery_report",
            synchronous=False,
        ))

    @task
    def reconcile(plan: dict, params=None):
        from airflow.providers.mongo.hooks.mongo import MongoHook
        from airflow.providers.mysql.hooks.mysql import MySqlHook

        mongo = MongoHook(mongo_conn_id=MONGO_CONN_ID).get_conn()
        try:
            checks = ingest.reconcile(
                plan["batch_id"], plan["batch_size"], plan["tables"], mongo["pipeline"],
                MySqlHook(mysql_conn_id=MYSQL_CONN_ID).get_conn,
                timeout=float(params["reconcile_timeout"]), sample_size=int(params["sample_size"]), log=log)
        finally:
            mongo.close()
        return [c.summary() for c in checks]

    planned >> produced >> reconcile(planned)
