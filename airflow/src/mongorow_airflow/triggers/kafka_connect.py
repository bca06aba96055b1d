"""Trigger of the deferrable :class:`~mongorow_airflow.sensors.kafka_connect.KafkaConnectorStateSensor`.

Runs in the triggerer: polls ``GET /connectors/{name}/status`` (the blocking hook call runs in a thread,
so the triggerer's event loop never blocks) until the connector and all its tasks reach the expected
state, or fires at once with the trace when the connector or a task is FAILED, or when the connector does
not exist (unless ``allow_missing``), exactly as the sensor's own poke does. A Connect cluster that cannot
be reached (the hook has already retried, bounded) is waited for, as the sensor's timeout allows; any other
error of the REST API (401, 400, ...) ends the wait with that error.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

from airflow.triggers.base import BaseTrigger, TriggerEvent

from mongorow_airflow.hooks.kafka_connect import KafkaConnectUnavailable
from mongorow_airflow.status import evaluate


class KafkaConnectorStateTrigger(BaseTrigger):
    def __init__(self, connector_name: str, expected_state: str = "RUNNING", min_tasks: int = 1,
                 kafka_connect_conn_id: str = "kafka_connect_default", poll_interval: float = 5.0,
                 allow_missing: bool = False) -> None:
        super().__init__()
        self.allow_missing = allow_missing
        self.connector_name = connector_name
        self.expected_state = expected_state
        self.min_tasks = min_tasks
        self.kafka_connect_conn_id = kafka_connect_conn_id
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "mongorow_airflow.triggers.kafka_connect.KafkaConnectorStateTrigger",
            {
                "connector_name": self.connector_name,
                "expected_state": self.expected_state,
                "min_tasks": self.min_tasks,
                "kafka_connect_conn_id": self.kafka_connect_conn_id,
                "poll_interval": self.poll_interval,
                "allow_missing": self.allow_missing,
            },
        )

    def _poll(self) -> dict[str, Any]:
        from mongorow_airflow.hooks.kafka_connect import KafkaConnectHook

        hook = KafkaConnectHook(self.kafka_connect_conn_id)
        verdict = evaluate(self.connector_name, hook.get_status(self.connector_name), self.expected_state, self.min_tasks)
        return {"state": verdict.state, "message": verdict.message, "trace": verdict.trace}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        last = None
        while True:
            try:
                result = await asyncio.to_thread(self._poll)
            except KafkaConnectUnavailable as e:
                # down or rebalancing for longer than the hook's bounded retries: the sensor's timeout decides
                self.log.warning("%s: Kafka Connect unavailable, still waiting: %s", self.connector_name, e)
                await asyncio.sleep(self.poll_interval)
                continue
            except Exception as e:  # noqa: BLE001 - reported to the task, which fails with it
                yield TriggerEvent({"status": "error", "connector": self.connector_name, "message": str(e)})
                return
            if result["message"] != last:
                self.log.info("%s", result["message"])
                last = result["message"]
            if result["state"] == "done":
                yield TriggerEvent({"status": "success", "connector": self.connector_name, "message": result["message"]})
                return
            if result["state"] == "failed" or (result["state"] == "missing" and not self.allow_missing):
                yield TriggerEvent({"status": "failed", "connector": self.connector_name,
                                    "message": result["message"], "trace": result["trace"]})
                return
            await asyncio.sleep(self.poll_interval)
