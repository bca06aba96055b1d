"""Logic of the monitor and ops DAGs (the DAG files stay thin).

Monitor: cluster health -> state of every connector and task -> restart of failed connectors/tasks with a
growing backoff and a cap -> sink lag and dead-letter depth -> one summary line per connector -> the run
fails, with the trace, if a connector is still FAILED after the cap.
"""

from __future__ import annotations

import time
from typing import Any

from mongorow_airflow.hooks.kafka_connect import AirflowException, KafkaConnectHook
from mongorow_airflow.status import evaluate


class ConnectorsUnhealthyError(AirflowException):
    """Connectors stayed FAILED after the restart cap; the message carries their traces."""


def cluster_health(hook: KafkaConnectHook, log) -> dict[str, Any]:
    info = hook.cluster_info()
    health = hook.health()
    log.info("Kafka Connect %s at %s: cluster %s, health %s (%s)", info.get("version"), hook.url,
             info.get("kafka_cluster_id"), health.get("status"), health.get("message", ""))
    if str(health.get("status", "")).lower() != "healthy":
        raise AirflowException(f"Kafka Connect at {hook.url} is not healthy: {health}")
    return {"version": info.get("version"), "kafka_cluster_id": info.get("kafka_cluster_id"),
            "health": health.get("status")}


def heal(hook: KafkaConnectHook, log, *, max_restarts: int = 3, backoff_initial: float = 5.0,
         backoff_max: float = 60.0, settle_seconds: float = 20.0, poll: float = 1.0) -> dict[str, dict[str, Any]]:
    """Reads every connector's status; restarts failed ones (``includeTasks=true&onlyFailed=true``) up to
    ``max_restarts`` times, pausing ``backoff_initial * 2^(n-1)`` (capped at ``backoff_max``) before the
    n-th restart and then watching it for up to ``settle_seconds``. Never raises for a FAILED connector:
    the result says which ones stayed FAILED (see :func:`verdict`)."""
    listing = hook.list_connectors(expand=("status", "info"))
    results: dict[str, dict[str, Any]] = {}
    for name in sorted(listing):
        entry = listing[name]
        info = entry.get("info") or {}
        v = evaluate(name, entry.get("status"), "RUNNING")
        result = {"type": info.get("type"), "state": v.connector_state, "tasks": v.task_states,
                  "restarts": 0, "failed": False, "trace": ""}
        if v.failed:
            log.warning("%s", v.message)
            for attempt in range(1, max_restarts + 1):
                pause = min(backoff_max, backoff_initial * (2 ** (attempt - 1)))
                log.info("%s: restart %d/%d in %.0fs (failed tasks only)", name, attempt, max_restarts, pause)
                time.sleep(pause)
                hook.restart(name, include_tasks=True, only_failed=True)
                result["restarts"] = attempt
                v = _settle(hook, name, settle_seconds, poll)
                if not v.failed:
                    log.info("%s: recovered after %d restart(s): %s", name, attempt, v.message)
                    break
                log.warning("%s: still failed after restart %d: %s", name, attempt, v.message)
            if v.failed:
                result["failed"] = True
                result["trace"] = v.trace
                log.error("%s: FAILED after %d restart(s) (cap %d):\n%s", name, result["restarts"], max_restarts, v.trace)
        result["state"], result["tasks"] = v.connector_state, v.task_states
        results[name] = result
    return results


def _settle(hook: KafkaConnectHook, name: str, seconds: float, poll: float):
    """Watches a restarted connector: FAILED again ends early; RUNNING must hold until the end."""
    deadline = time.monotonic() + seconds
    v = evaluate(name, hook.get_status(name), "RUNNING")
    while time.monotonic() < deadline:
        time.sleep(poll)
        v = evaluate(name, hook.get_status(name), "RUNNING")
        if v.failed:
            return v
    return v


def metrics(hook: KafkaConnectHook, results: dict[str, dict[str, Any]], log,
            kafka_config_id: str = "kafka_default") -> list[str]:
    """Sink lag and dead-letter depth per connector, and one summary line per connector. Configs (for
    topics and dead-letter topic names) are read again from Connect, not passed through XCom."""
    from mongorow_airflow import lag as lagmod

    infos = hook.list_connectors(expand=("info",))
    lines = []
    for name, r in sorted(results.items()):
        config = ((infos.get(name) or {}).get("info") or {}).get("config") or {}
        parts = [f"{name}: {r.get('type') or '?'} {r.get('state')}"]
        tasks = r.get("tasks") or {}
        running = sum(1 for s in tasks.values() if s == "RUNNING")
        parts.append(f"tasks {running}/{len(tasks)} RUNNING")
        try:
            if r.get("type") == "sink":
                lag = lagmod.sink_lag(name, lagmod.connector_topics(config), kafka_config_id)
                r["lag"] = lag.total
                parts.append(f"lag {lag.total} ({lag.group}"
                             + (f", {lag.uncommitted_partitions} partition(s) without commit)" if lag.uncommitted_partitions else ")"))
            dlq = config.get("errors.deadletterqueue.topic.name")
            if dlq:
                depth = lagmod.topic_depth(dlq, kafka_config_id)
                r["dlq"] = depth or 0
                parts.append(f"dlq {depth or 0} ({dlq}{'' if depth is not None else ', not created yet'})")
        except Exception as e:  # noqa: BLE001 - metrics are best effort; the line says why they are missing
            parts.append(f"metrics unavailable: {type(e).__name__}: {e}")
        parts.append(f"restarts {r.get('restarts', 0)}")
        if r.get("failed"):
            parts.append("FAILED")
        line = ", ".join(parts)
        log.info("%s", line)
        lines.append(line)
    if not lines:
        log.info("no connectors on this cluster")
    return lines


def verdict(results: dict[str, dict[str, Any]]) -> None:
    failed = {n: r for n, r in results.items() if r.get("failed")}
    if failed:
        raise ConnectorsUnhealthyError(
            f"{len(failed)} connector(s) still FAILED after {max(r['restarts'] for r in failed.values())} restart(s): "
            + ", ".join(sorted(failed)) + "\n"
            + "\n".join(f"--- {n} ---\n{r.get('trace', '')}" for n, r in sorted(failed.items())))


OPS_ACTIONS = ("status", "pause", "resume", "stop", "restart", "delete", "get_offsets", "alter_offsets", "reset_offsets")


def run_op(hook: KafkaConnectHook, connector: str, action: str, log, *, offsets: list | None = None,
           include_tasks: bool = True, only_failed: bool = False, confirm: str = "") -> dict[str, Any]:
    """One operation on one connector, as the ops DAG's params ask. Destructive actions (delete,
    reset_offsets, alter_offsets) need ``confirm`` equal to the connector name."""
    from mongorow_airflow.operators.kafka_connect import change_offsets

    action = action.lower()
    if action not in OPS_ACTIONS:
        raise ValueError(f"action must be one of {OPS_ACTIONS}, not {action!r}")
    if action in ("delete", "reset_offsets", "alter_offsets") and confirm != connector:
        raise AirflowException(f"{action} of {connector} needs the param confirm = '{connector}'")
    before, _ = hook.connector_state(connector)
    if before is None:
        raise AirflowException(f"connector {connector} does not exist on {hook.url}")
    out: dict[str, Any] = {"connector": connector, "action": action, "before": before}
    if action in ("pause", "resume", "stop"):
        getattr(hook, action)(connector)
        target = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}[action]
        hook.wait_for_state(connector, [target], timeout=60)
        out["after"] = target
    elif action == "restart":
        hook.restart(connector, include_tasks=include_tasks, only_failed=only_failed)
        out["after"] = hook.connector_state(connector)[0]
    elif action == "delete":
        hook.delete_connector(connector, missing_ok=False)
        out["after"] = "DELETED"
    elif action == "get_offsets":
        out["offsets"] = hook.get_offsets(connector)
        out["after"] = before
    elif action in ("alter_offsets", "reset_offsets"):
        r = change_offsets(hook, connector, action.split("_")[0], offsets, log)
        out["message"] = r["message"]
        out["after"] = hook.connector_state(connector)[0]
    else:
        out["after"] = before
        out["status"] = hook.get_status(connector)
    log.info("%s: %s: %s -> %s", connector, action, before, out.get("after"))
    return out
