"""Sensor: a connector and all its tasks are RUNNING (or PAUSED / STOPPED, as asked).

Works in ``poke`` and ``reschedule`` mode, and deferrable (``deferrable=True``) with
:class:`~mongorow_airflow.triggers.kafka_connect.KafkaConnectorStateTrigger`. Fails fast, without
waiting for the timeout, when the connector or a task is FAILED, with the task's trace in the error.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Sequence

from airflow.sdk import BaseSensorOperator

from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook
from mongorow_airflow.status import evaluate
from mongorow_airflow.triggers.kafka_connect import KafkaConnectorStateTrigger

try:
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowException, AirflowFailException


class ConnectorFailedError(AirflowFailException):
    """The connector or one of its tasks is FAILED (no retry: a restart is the monitor's job)."""


class KafkaConnectorStateSensor(BaseSensorOperator):
    """Waits until ``connector_name`` and every one of its tasks (at least ``min_tasks``) are in
    ``expected_state``.

    :param allow_missing: keep waiting while the connector does not exist yet (default: fail at once).
    """

    template_fields: Sequence[str] = ("connector_name", "expected_state")
    ui_color = "#dff0d8"

    def __init__(self, *, connector_name: str, expected_state: str = "RUNNING", min_tasks: int = 1,
                 kafka_connect_conn_id: str = KafkaConnectHook.default_conn_name, deferrable: bool = False,
                 allow_missing: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connector_name = connector_name
        self.expected_state = expected_state
        self.min_tasks = min_tasks
        self.kafka_connect_conn_id = kafka_connect_conn_id
        self.deferrable = deferrable
        self.allow_missing = allow_missing
        self._last_message: str | None = None

    def _check(self) -> bool:
        hook = KafkaConnectHook(self.kafka_connect_conn_id)
        verdict = evaluate(self.connector_name, hook.get_status(self.connector_name), self.expected_state, self.min_tasks)
        if verdict.message != self._last_message:
            self.log.info("%s", verdict.message)
            self._last_message = verdict.message
        if verdict.failed:
            raise ConnectorFailedError(f"{verdict.message}\n{verdict.trace}".rstrip())
        if verdict.state == "missing" and not self.allow_missing:
            raise ConnectorFailedError(verdict.message)
        return verdict.done

    def poke(self, context: Any) -> bool:
        return self._check()

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if self._check():
            return None
        self.defer(
            trigger=KafkaConnectorStateTrigger(
                connector_name=self.connector_name,
                expected_state=self.expected_state,
                min_tasks=self.min_tasks,
                kafka_connect_conn_id=self.kafka_connect_conn_id,
                poll_interval=float(self.poke_interval),
                allow_missing=self.allow_missing,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> None:
        event = event or {}
        status = event.get("status")
        if status == "success":
            self.log.info("%s", event.get("message"))
            return None
        if status == "failed":
            raise ConnectorFailedError(f"{event.get('message')}\n{event.get('trace', '')}".rstrip())
        # an error of the REST API itself (not a FAILED connector): the task's retries apply
        raise AirflowException(f"waiting for {self.connector_name} failed: {event.get('message')}")
