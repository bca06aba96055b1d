"""The whole pipeline: deploy the repository's connectors with the deploy DAG (local overlay), then
ingest batches with the ingest DAG and reconcile MySQL against MongoDB."""

from __future__ import annotations

import logging
import re

import pytest
from conftest import run_dag

from mongorow_airflow import ingest


@pytest.fixture(scope="module")
def pipeline(stack, airflow_db):
    import os

    os.environ.pop("MONGOROW_CONNECT_CONFIGS", None)
    state, tasks = run_dag("mongorow_deploy", {"environment": "local"})
    assert state == "success", f"deploy of connect-configs/ failed: {tasks}"
    from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook

    hook = KafkaConnectHook()
    for name in ("mongo-sink", "mongo-source", "mysql-sink"):
        assert hook.connector_state(name)[0] == "RUNNING"
    return hook


def _mysql():
    from airflow.providers.mysql.hooks.mysql import MySqlHook

    return MySqlHook(mysql_conn_id="mongorow_mysql")


def test_generated_batches_follow_the_data_contract():
    users = list(ingest.user_records("b1", 5))
    assert len(users) == 5 and users == list(ingest.user_records("b1", 5)), "deterministic"
    key, value = users[0]
    assert re.fullmatch(r'\{"_id":\{"\$oid":"[0-9a-f]{24}"\}\}', key)
    assert value in ingest.customer_lines(), "customer documents are sent as they are"
    txs = ingest.transaction_batch("b1", 20)
    assert [t["_id"] for t in txs] == ingest.transaction_ids("b1", 20)
    t = txs[0]
    assert set(t) == {"_id", "account_id", "user_id", "symbol", "kind", "amount", "price", "total", "currency",
                      "executed_at", "tags"}
    assert t["kind"] in ("buy", "sell") and t["currency"] == "USD"
    assert re.fullmatch(r"\d+\.\d{6}", t["price"]["$numberDecimal"])
    assert re.fullmatch(r"\d+\.\d{2}", t["total"]["$numberDecimal"])
    assert set(t["executed_at"]["$date"]) == {"$numberLong"}
    assert list(ingest.transaction_records("b1", 3, tables=["users"])) == []


def test_ingest_batch_reaches_mysql_and_reconciles(pipeline, uid, capfd, caplog):
    caplog.set_level(logging.INFO)
    batch = f"it-{uid}"
    state, tasks = run_dag("mongorow_ingest", {"batch_id": batch, "batch_size": 40, "reconcile_timeout": 240})
    assert state == "success", tasks
    out = capfd.readouterr().out + caplog.text
    assert "users: expected 40, MongoDB 40, MySQL 40" in out and "transactions: expected 40, MongoDB 40, MySQL 40" in out
    rows = _mysql().get_records(
        "SELECT COUNT(*), SUM(email_hash REGEXP '^[0-9a-f]{64}$') FROM users WHERE id IN (%s)"
        % ", ".join(f"'{i}'" for i in ingest.user_ids(batch, 40)))
    assert rows[0][0] == 40 and rows[0][1] == 40, "e-mail addresses arrive only as keyed hashes"


def test_reconcile_fails_with_the_difference(pipeline, uid, capfd, caplog):
    caplog.set_level(logging.INFO)
    batch = f"rc-{uid}"
    assert run_dag("mongorow_ingest", {"batch_id": batch, "batch_size": 5, "tables": ["users"],
                                       "reconcile_timeout": 240})[0] == "success"
    victim = ingest.sample_ids(ingest.user_ids(batch, 5), 50, batch)[0]
    mysql = _mysql()
    original = mysql.get_first("SELECT name FROM users WHERE id = %s", parameters=(victim,))[0]
    mysql.run("UPDATE users SET name = %s WHERE id = %s", parameters=("tampered", victim), autocommit=True)
    try:
        capfd.readouterr()
        caplog.clear()
        state, tasks = run_dag("mongorow_ingest", {"batch_id": batch, "batch_size": 5, "tables": ["users"],
                                                   "produce": False, "reconcile_timeout": 5})
        out = capfd.readouterr().out + caplog.text
        assert state == "failed" and tasks["reconcile"] == "failed"
        assert f"users {victim} column name: MongoDB {original!r} != MySQL 'tampered'" in out
        assert "MySQL does not match MongoDB" in out
    finally:
        mysql.run("UPDATE users SET name = %s WHERE id = %s", parameters=(original, victim), autocommit=True)
