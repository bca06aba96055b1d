"""Every DAG file imports without errors, and the DAGs have the expected shape."""

from __future__ import annotations

from pathlib import Path

from mongorow_airflow.testing import dag_bag

DAGS = Path(__file__).resolve().parents[1] / "dags"


def test_every_dag_file_imports_without_errors():
    bag = dag_bag(str(DAGS))
    assert bag.import_errors == {}
    assert {"mongorow_deploy", "mongorow_monitor", "mongorow_ops", "mongorow_ingest"} <= set(bag.dag_ids)
    for path in DAGS.glob("*.py"):
        text = path.read_text()
        assert "from airflow.sdk import" in text, f"{path.name} must author with airflow.sdk"
        assert "from airflow.models" not in text and "from airflow.operators" not in text


def test_deploy_has_one_apply_wait_and_asset_per_connector():
    dag = dag_bag(str(DAGS)).dags["mongorow_deploy"]
    for name in ("mongo-sink", "mongo-source", "mysql-sink"):
        apply = dag.get_task(f"apply_{name}")
        wait = dag.get_task(f"wait_{name}")
        assert "validate_all" in apply.upstream_task_ids
        assert "prune" in wait.upstream_task_ids
        assert [a.uri for a in wait.outlets] == [f"kafka-connect://mongorow/connectors/{name}"]


def test_monitor_is_scheduled_and_ends_with_the_verdict():
    dag = dag_bag(str(DAGS)).dags["mongorow_monitor"]
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"  # scheduled, not manual
    assert {t.task_id for t in dag.leaves} == {"verdict"}
