"""Kafka Connect REST API hook, built on the HTTP provider's :class:`HttpHook`.

Connection ``kafka_connect_default`` (type ``http`` or ``kafka_connect``):

* ``host``, ``port``; ``schema`` = ``http`` or ``https`` (or a full URL in ``host``);
* ``login`` / ``password``: HTTP basic auth (``BasicAuthSecurityRestExtension``); the password is masked by
  Airflow and never logged here;
* extra: ``verify`` (``true``/``false`` or the path of a CA bundle), ``cert`` (client certificate path, or
  ``[cert, key]``), ``timeout`` (seconds per request, default 30).

Every request is retried with a growing, capped backoff on connection errors, timeouts, ``409 Conflict``
(the cluster is rebalancing) and ``5xx``; the number of attempts and the total time are bounded, so a
Connect cluster that is down gives a clear :class:`KafkaConnectUnavailable` instead of a hang. Every
error carries Connect's JSON error body (``error_code``, ``message``).
"""

from __future__ import annotations

import random
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import requests
from airflow.providers.http.hooks.http import HttpHook

try:  # Airflow 3: the task SDK's exception type
    from airflow.sdk.exceptions import AirflowException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowException

CONNECTOR_STATES = ("RUNNING", "PAUSED", "STOPPED")

#: A 500 from Connect is retried only when its message says it is transient (a request that timed out
#: while the herder was busy, a rebalance, a leader change); other 500s (e.g. an unknown connector class)
#: are deterministic and fail at once.
TRANSIENT_500 = re.compile(r"timed out|timeout|rebalanc|not the leader|leader is|in progress|try again|"
                           r"cannot complete request|unavailable|starting", re.IGNORECASE)
_PLUGIN_DESC = re.compile(r"PluginDesc\{klass=class ([^,}]+)[^}]*\}")


def _shorten(message: str, limit: int = 2000) -> str:
    """Connect's messages can list every plugin in full: keep the class names only."""
    message = _PLUGIN_DESC.sub(r"\1", message)
    return message if len(message) <= limit else message[:limit] + " ..."


class KafkaConnectError(AirflowException):
    """A request to the Connect REST API failed; carries the HTTP status and Connect's error body."""

    def __init__(self, method: str, path: str, status: int | None, error_code: int | None, message: str,
                 attempts: int = 1):
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        self.connect_message = message
        self.attempts = attempts
        where = f"{method} {path}"
        code = f" (error_code {error_code})" if error_code is not None and error_code != status else ""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"Kafka Connect {where} -> HTTP {status}{code}{tries}: {message}")


class KafkaConnectNotFound(KafkaConnectError):
    """404: no such connector (or task, or plugin)."""


class KafkaConnectUnavailable(KafkaConnectError):
    """The worker could not be reached (or kept answering 409/5xx) within the bounded retries."""


@dataclass
class ValidationResult:
    """Outcome of ``PUT /connector-plugins/{class}/config/validate``."""

    connector_class: str
    error_count: int
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def lines(self) -> list[str]:
        out = [f"{key}: {msg}" for key, msgs in sorted(self.errors.items()) for msg in msgs]
        if self.error_count and not out:
            out.append(f"{self.error_count} error(s) reported without a key")
        return out


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


class KafkaConnectHook(HttpHook):
    """Talks to one Kafka Connect cluster through its REST API.

    :param kafka_connect_conn_id: Airflow connection id (default ``kafka_connect_default``).
    :param max_attempts: attempts per request on retryable failures (connection refused, timeout, 409, 5xx).
    :param backoff_initial: first pause between attempts, in seconds; doubled each time.
    :param backoff_max: longest pause between attempts.
    :param max_retry_seconds: bound on the total time spent retrying one request.
    :param timeout: seconds per HTTP request (the connection extra ``timeout`` overrides it).
    """

    conn_name_attr = "kafka_connect_conn_id"
    default_conn_name = "kafka_connect_default"
    conn_type = "kafka_connect"
    hook_name = "Kafka Connect"
    default_headers = {"Accept": "application/json"}

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": [],
            "relabeling": {"schema": "Scheme (http or https)", "login": "Basic auth user", "password": "Basic auth password"},
            "placeholders": {"host": "127.0.0.1", "port": "8083", "schema": "http",
                             "extra": '{"verify": "/path/to/ca.pem", "timeout": 30}'},
        }

    def __init__(
        self,
        kafka_connect_conn_id: str = default_conn_name,
        *,
        max_attempts: int = 6,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        max_retry_seconds: float = 60.0,
        timeout: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(method="GET", http_conn_id=kafka_connect_conn_id, **kwargs)
        self.kafka_connect_conn_id = kafka_connect_conn_id
        self.max_attempts = max(1, int(max_attempts))
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_retry_seconds = max_retry_seconds
        self.timeout = timeout
        self._session: requests.Session | None = None

    # ------------------------------------------------------------------ transport

    def session(self) -> requests.Session:
        if self._session is None:
            self._session = self.get_conn()
            extra_timeout = self.merged_extra.get("timeout")
            if extra_timeout:
                self.timeout = float(extra_timeout)
        return self._session

    @property
    def url(self) -> str:
        self.session()
        return self.base_url

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_max, self.backoff_initial * (2 ** (attempt - 1)))
        return base * (0.8 + 0.4 * random.random())

    @staticmethod
    def _error_body(resp: requests.Response) -> tuple[int | None, str]:
        try:
            body = resp.json()
        except ValueError:
            text = (resp.text or resp.reason or "").strip()
            return None, text[:2000] or f"HTTP {resp.status_code}"
        if isinstance(body, dict):
            code = body.get("error_code")
            msg = body.get("message")
            return (int(code) if isinstance(code, int) else None), _shorten(str(msg) if msg is not None else str(body))
        return None, str(body)[:2000]

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        json: Any = None,
        retry_statuses: Iterable[int] | None = None,
    ) -> requests.Response:
        """One REST call with bounded retries. Returns the response for 2xx; raises otherwise."""
        session = self.session()
        url = self.url_from_endpoint(path)
        retry_on = set(retry_statuses) if retry_statuses is not None else None
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            reason: str
            status: int | None = None
            error_code: int | None = None
            try:
                resp = session.request(method, url, params=params, json=json, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as e:
                reason = f"{type(e).__name__}: {e}"
            else:
                if resp.status_code < 400:
                    return resp
                status = resp.status_code
                error_code, reason = self._error_body(resp)
                if retry_on is not None:
                    retryable = status in retry_on
                elif status == 500:
                    retryable = bool(TRANSIENT_500.search(reason))
                elif status == 409:
                    # rebalance / stale config: transient. "Connector x already exists": not.
                    retryable = "already exists" not in reason
                else:
                    retryable = status > 500
                if not retryable:
                    cls = KafkaConnectNotFound if status == 404 else KafkaConnectError
                    raise cls(method, path, status, error_code, reason, attempt)
            elapsed = time.monotonic() - started
            pause = self._backoff(attempt)
            if attempt >= self.max_attempts or elapsed + pause > self.max_retry_seconds:
                what = f"HTTP {status}" if status else "unreachable"
                raise KafkaConnectUnavailable(
                    method, path, status, error_code,
                    f"Kafka Connect at {self.base_url} {what} after {attempt} attempts in {elapsed:.1f}s "
                    f"(bounded retries): {reason}",
                    attempt,
                )
            self.log.warning("Kafka Connect %s %s: %s; retry %d/%d in %.1fs", method, path,
                             f"HTTP {status}: {reason}" if status else reason, attempt, self.max_attempts - 1, pause)
            time.sleep(pause)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.request(method, path, **kwargs)
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return resp.text

    # ------------------------------------------------------------------ cluster

    def cluster_info(self) -> dict[str, Any]:
        """``GET /``: version, commit, kafka_cluster_id."""
        return self._json("GET", "/")

    def health(self) -> dict[str, Any]:
        """``GET /health``. Returns ``{"status": "healthy" | ..., "message": ...}``; an unhealthy worker
        (HTTP 500/503) is reported in the result rather than raised, an unreachable one raises."""
        try:
            return self._json("GET", "/health", retry_statuses=())
        except KafkaConnectError as e:
            if e.status is None:
                raise
            return {"status": "unhealthy", "http_status": e.status, "message": e.connect_message}

    def test_connection(self) -> tuple[bool, str]:
        try:
            info = self.cluster_info()
            return True, f"Kafka Connect {info.get('version')} (cluster {info.get('kafka_cluster_id')})"
        except Exception as e:  # noqa: BLE001 - shown in the UI
            return False, str(e)

    def connector_plugins(self, connectors_only: bool = True) -> list[dict[str, Any]]:
        return self._json("GET", "/connector-plugins", params={"connectorsOnly": str(connectors_only).lower()})

    # ------------------------------------------------------------------ connectors

    def list_connectors(self, expand: Iterable[str] = ("status", "info")) -> dict[str, Any]:
        """``GET /connectors?expand=...``: name -> {"status": ..., "info": {"config", "tasks", "type"}}."""
        expand = list(expand)
        if not expand:
            return {name: {} for name in self._json("GET", "/connectors")}
        return self._json("GET", "/connectors", params=[("expand", e) for e in expand])

    def get_config(self, name: str) -> dict[str, str] | None:
        try:
            return self._json("GET", f"/connectors/{_quote(name)}/config")
        except KafkaConnectNotFound:
            return None

    def get_status(self, name: str) -> dict[str, Any] | None:
        try:
            return self._json("GET", f"/connectors/{_quote(name)}/status")
        except KafkaConnectNotFound:
            return None

    def get_topics(self, name: str) -> list[str]:
        body = self._json("GET", f"/connectors/{_quote(name)}/topics")
        return list((body or {}).get(name, {}).get("topics", []))

    def validate(self, config: Mapping[str, str]) -> ValidationResult:
        """``PUT /connector-plugins/{class}/config/validate``. Connect answers 200 even for an invalid config:
        the result holds ``error_count`` and the errors of each key. A class Connect does not know
        raises :class:`KafkaConnectError` with Connect's message."""
        cls = config.get("connector.class") or ""
        if not cls:
            return ValidationResult("", 1, {"connector.class": ["missing: every connector needs its class"]})
        body = self._json("PUT", f"/connector-plugins/{_quote(cls)}/config/validate", json=dict(config))
        errors: dict[str, list[str]] = {}
        for entry in body.get("configs", []) or []:
            value = entry.get("value") or {}
            errs = [e for e in value.get("errors") or [] if e]
            if errs:
                errors.setdefault(value.get("name") or (entry.get("definition") or {}).get("name") or "?", []).extend(errs)
        return ValidationResult(cls, int(body.get("error_count", 0) or 0), errors)

    def create_connector(self, name: str, config: Mapping[str, str], initial_state: str = "RUNNING") -> dict[str, Any]:
        state = initial_state.upper()
        if state not in CONNECTOR_STATES:
            raise ValueError(f"initial_state must be one of {CONNECTOR_STATES}, not {initial_state!r}")
        body = {"name": name, "config": dict(config), "initial_state": state}
        try:
            created = self._json("POST", "/connectors", json=body)
        except KafkaConnectError as e:
            # a POST retried after a timeout may find the connector its first attempt created: that is a success
            # when the live config is the one sent, and a real conflict otherwise
            live = self.get_config(name) if e.status == 409 and e.attempts > 1 else None
            if live != {**dict(config), "name": name}:
                raise
            self.log.info("%s: created by an earlier attempt of the same request", name)
            created = {"name": name, "config": live}
        # the status store learns of the connector a moment later: return once it is visible
        deadline = time.monotonic() + 30
        while self.get_status(name) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        return created

    def put_config(self, name: str, config: Mapping[str, str]) -> dict[str, Any]:
        """``PUT /connectors/{name}/config``: creates or replaces the whole config (restarts the connector)."""
        return self._json("PUT", f"/connectors/{_quote(name)}/config", json=dict(config))

    def patch_config(self, name: str, changes: Mapping[str, str | None]) -> dict[str, Any]:
        """``PATCH /connectors/{name}/config``: merges; a null value removes the key."""
        return self._json("PATCH", f"/connectors/{_quote(name)}/config", json=dict(changes))

    def pause(self, name: str) -> None:
        self._json("PUT", f"/connectors/{_quote(name)}/pause")

    def resume(self, name: str) -> None:
        self._json("PUT", f"/connectors/{_quote(name)}/resume")

    def stop(self, name: str) -> None:
        self._json("PUT", f"/connectors/{_quote(name)}/stop")

    def restart(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> dict[str, Any] | None:
        """``POST /connectors/{name}/restart``; returns the status (202) when tasks are included, else None."""
        params = {"includeTasks": str(include_tasks).lower(), "onlyFailed": str(only_failed).lower()}
        return self._json("POST", f"/connectors/{_quote(name)}/restart", params=params)

    def restart_task(self, name: str, task_id: int) -> None:
        self._json("POST", f"/connectors/{_quote(name)}/tasks/{int(task_id)}/restart")

    def delete_connector(self, name: str, missing_ok: bool = True, wait: bool = True, timeout: float = 30.0) -> bool:
        """Returns True if deleted, False if there was no such connector (and ``missing_ok``). With
        ``wait``, returns once the status endpoint no longer knows the connector (deletion is applied
        through the config topic, a moment after the request returns)."""
        try:
            self._json("DELETE", f"/connectors/{_quote(name)}")
        except KafkaConnectNotFound:
            if missing_ok:
                return False
            raise
        if wait:
            deadline = time.monotonic() + timeout
            while self.get_status(name) is not None:
                if time.monotonic() >= deadline:
                    raise AirflowException(f"connector {name} still listed {timeout:.0f}s after its deletion")
                time.sleep(0.2)
        return True

    # ------------------------------------------------------------------ offsets

    def get_offsets(self, name: str) -> list[dict[str, Any]]:
        body = self._json("GET", f"/connectors/{_quote(name)}/offsets")
        return list((body or {}).get("offsets", []))

    def alter_offsets(self, name: str, offsets: list[dict[str, Any]]) -> str:
        """``PATCH /connectors/{name}/offsets`` (the connector must be STOPPED)."""
        body = self._json("PATCH", f"/connectors/{_quote(name)}/offsets", json={"offsets": offsets})
        return (body or {}).get("message", "") if isinstance(body, dict) else str(body)

    def reset_offsets(self, name: str) -> str:
        """``DELETE /connectors/{name}/offsets`` (the connector must be STOPPED)."""
        body = self._json("DELETE", f"/connectors/{_quote(name)}/offsets")
        return (body or {}).get("message", "") if isinstance(body, dict) else str(body)

    # ------------------------------------------------------------------ helpers

    def connector_state(self, name: str) -> tuple[str | None, list[dict[str, Any]]]:
        """(connector state, tasks) or (None, []) if there is no such connector."""
        status = self.get_status(name)
        if status is None:
            return None, []
        return (status.get("connector") or {}).get("state"), list(status.get("tasks") or [])

    def wait_for_state(self, name: str, states: Iterable[str], timeout: float = 60.0, interval: float = 0.5,
                       tasks_too: bool = False) -> dict[str, Any]:
        """Polls the status until the connector (and, with ``tasks_too``, every task) is in one of ``states``."""
        wanted = {s.upper() for s in states}
        deadline = time.monotonic() + timeout
        status: dict[str, Any] | None = None
        while True:
            status = self.get_status(name)
            if status is not None:
                conn_state = (status.get("connector") or {}).get("state")
                task_states = [t.get("state") for t in status.get("tasks") or []]
                settled = not task_states if conn_state == "STOPPED" else (
                    not tasks_too or all(s in wanted for s in task_states))
                if conn_state in wanted and settled:
                    return status
            if time.monotonic() >= deadline:
                raise AirflowException(
                    f"connector {name} did not reach {sorted(wanted)} within {timeout:.0f}s; last status: {status}")
            time.sleep(interval)
