"""Reading a connector's ``GET /connectors/{name}/status``: one verdict shared by the sensor, the trigger and
the monitor DAG, so all three agree on what "healthy" and "failed" mean."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: How much of a Java stack trace goes into an exception message or a log line.
TRACE_CHARS = 4000


@dataclass
class Verdict:
    """``state``: done (connector and every task in the expected state), failed (connector or a task
    FAILED), missing (no such connector) or waiting."""

    state: str
    message: str
    connector_state: str | None = None
    task_states: dict[int, str] = field(default_factory=dict)
    failed_tasks: list[int] = field(default_factory=list)
    trace: str = ""

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def failed(self) -> bool:
        return self.state == "failed"


def short_trace(trace: str | None, limit: int = TRACE_CHARS) -> str:
    if not trace:
        return ""
    return trace if len(trace) <= limit else trace[:limit] + f"\n... ({len(trace) - limit} more characters)"


def evaluate(name: str, status: dict[str, Any] | None, expected: str = "RUNNING", min_tasks: int = 1) -> Verdict:
    expected = expected.upper()
    if status is None:
        return Verdict("missing", f"connector {name} does not exist")
    conn = status.get("connector") or {}
    conn_state = conn.get("state")
    tasks = {int(t.get("id", i)): t for i, t in enumerate(status.get("tasks") or [])}
    task_states = {i: t.get("state") for i, t in tasks.items()}
    failed = [i for i, s in task_states.items() if s == "FAILED"]
    if conn_state == "FAILED" or failed:
        parts, traces = [], []
        if conn_state == "FAILED":
            parts.append(f"connector FAILED on {conn.get('worker_id')}")
            if conn.get("trace"):
                traces.append(f"connector {name}:\n{conn.get('trace')}")
        for i in failed:
            parts.append(f"task {i} FAILED on {tasks[i].get('worker_id')}")
            if tasks[i].get("trace"):
                traces.append(f"task {name}-{i}:\n{tasks[i].get('trace')}")
        trace = short_trace("\n".join(traces))
        return Verdict("failed", f"{name}: " + ", ".join(parts), conn_state, task_states, failed, trace)
    # a connector created PAUSED has not generated task configs yet, and a STOPPED one has none
    want_tasks = 0 if expected in ("STOPPED", "PAUSED") else min_tasks
    tasks_ok = not task_states if expected == "STOPPED" else (
        len(task_states) >= want_tasks and all(s == expected for s in task_states.values()))
    if conn_state == expected and tasks_ok:
        return Verdict("done", f"{name}: connector {conn_state}, {len(task_states)} task(s) {expected}",
                       conn_state, task_states)
    shown = ", ".join(f"{i}={s}" for i, s in sorted(task_states.items())) or "none"
    return Verdict("waiting", f"{name}: connector {conn_state}, tasks {shown}; waiting for {expected}",
                   conn_state, task_states)
