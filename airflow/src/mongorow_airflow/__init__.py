"""mongorow's Airflow integration: Kafka Connect hook, operators, sensor and trigger, connector configs
loader, lag metrics, and the ingest/reconcile helpers used by the DAGs in ``airflow/dags``."""

__version__ = "0.1.0"
