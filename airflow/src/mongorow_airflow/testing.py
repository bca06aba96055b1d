"""Running DAGs in-process (``dag.test()``) against the local stack: used by the tests and by
``./pipeline demo``. Call :func:`mongorow_airflow.local_stack.apply_env` first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def ensure_db() -> None:
    """Creates or upgrades the SQLite metadata DB under AIRFLOW_HOME (idempotent)."""
    from airflow.utils import db

    db.initdb() if not Path(os.environ["AIRFLOW_HOME"], "airflow.db").exists() else db.upgradedb()


def dag_bag(dag_folder: str | None = None):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=dag_folder or os.environ["AIRFLOW__CORE__DAGS_FOLDER"])


def get_dag(dag_id: str, dag_folder: str | None = None):
    bag = dag_bag(dag_folder)
    if bag.import_errors:
        raise RuntimeError("DAG import errors:\n" + "\n".join(f"{k}: {v}" for k, v in bag.import_errors.items()))
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id} in {dag_folder or os.environ['AIRFLOW__CORE__DAGS_FOLDER']}")
    return dag


def run_dag(dag_id: str, conf: dict[str, Any] | None = None, dag_folder: str | None = None):
    """Runs the whole DAG once with ``dag.test()``; returns the run's state as a string."""
    ensure_db()
    dag = get_dag(dag_id, dag_folder)
    run = dag.test(run_conf=conf or {})
    return str(getattr(run.state, "value", run.state))
