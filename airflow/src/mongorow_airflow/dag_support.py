"""Small helpers shared by the DAG files."""

from __future__ import annotations

import re

from airflow.sdk import Asset


def task_suffix(connector_name: str) -> str:
    """A task id part for a connector name (task ids allow letters, digits, '_', '-' and '.')."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", connector_name)


def connector_asset(connector_name: str) -> Asset:
    """The Asset of one deployed connector (updated when deploy leaves it RUNNING)."""
    return Asset(name=f"mongorow.connector.{connector_name}", uri=f"kafka-connect://mongorow/connectors/{connector_name}",
                 group="kafka-connect")
