"""Operators for the Kafka Connect connector lifecycle: validate, apply, delete, prune, pause, resume,
stop, restart and offsets. All talk to Connect through :class:`KafkaConnectHook`.

Return values (XCom) hold names, actions, states and change summaries only: never config values of
sensitive keys (see :func:`mongorow_airflow.configs.display_value`).
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Sequence

from airflow.sdk import BaseOperator

from mongorow_airflow.configs import (
    MANAGED_BY_KEY,
    ConnectorConfigError,
    ConnectorSpec,
    declared_connector_names,
    diff_configs,
    is_managed,
    load_connectors,
    normalize_config,
)
from mongorow_airflow.hooks.kafka_connect import (
    CONNECTOR_STATES,
    AirflowException,
    KafkaConnectError,
    KafkaConnectHook,
    KafkaConnectUnavailable,
)


class ConnectorValidationError(AirflowException):
    """One or more connector configs are invalid; nothing was changed."""


def _specs(
    connector_name: str | None,
    config: dict[str, Any] | None,
    configs_dir: str | None,
    environment: str | None,
    connectors: Sequence[str] | None,
    mark_managed: bool = True,
) -> list[ConnectorSpec]:
    """Either one inline config (``connector_name`` + ``config``), or connectors from ``connect-configs``."""
    if config is not None:
        if not connector_name:
            raise ValueError("connector_name is required with an inline config")
        if "name" in config and config["name"] != connector_name:
            raise ConnectorValidationError(
                f"inline config of {connector_name}: name: '{config['name']}' disagrees with the connector name")
        merged = dict(config)
        if mark_managed:
            from mongorow_airflow.configs import MANAGED_BY_VALUE

            merged[MANAGED_BY_KEY] = MANAGED_BY_VALUE
        return [ConnectorSpec(connector_name, normalize_config(connector_name, merged), f"<inline {connector_name}>")]
    only = list(connectors) if connectors else ([connector_name] if connector_name else None)
    try:
        return load_connectors(configs_dir, environment, only=only, mark_managed=mark_managed)
    except ConnectorConfigError as e:
        raise ConnectorValidationError(str(e)) from e


def validate_specs(hook: KafkaConnectHook, specs: Iterable[ConnectorSpec], log) -> dict[str, list[str]]:
    """Validates every spec with Connect; returns {name: []} for valid ones and raises
    :class:`ConnectorValidationError` listing file, key and Connect's message for every invalid one."""
    problems: list[str] = []
    results: dict[str, list[str]] = {}
    for spec in specs:
        try:
            result = hook.validate(spec.config)
        except KafkaConnectUnavailable:
            raise
        except KafkaConnectError as e:
            # e.g. a connector class that no plugin provides: Connect refuses to validate at all
            line = f"{spec.describe()}: connector.class: {e.connect_message} (HTTP {e.status})"
            problems.append(line)
            results[spec.name] = [line]
            log.error("invalid: %s", line)
            continue
        if result.ok:
            log.info("valid: %s (%s, %s)", spec.name, spec.connector_class, spec.describe())
            results[spec.name] = []
        else:
            lines = [f"{spec.describe()}: {line}" for line in result.lines()]
            for line in lines:
                log.error("invalid: %s", line)
            problems.extend(lines)
            results[spec.name] = lines
    if problems:
        raise ConnectorValidationError(
            f"{sum(1 for v in results.values() if v)} of {len(results)} connector config(s) invalid, nothing changed:\n  "
            + "\n  ".join(problems))
    return results


class _ConnectOperator(BaseOperator):
    ui_color = "#e8f1fb"

    def __init__(self, *, kafka_connect_conn_id: str = KafkaConnectHook.default_conn_name,
                 hook_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kafka_connect_conn_id = kafka_connect_conn_id
        self.hook_kwargs = hook_kwargs or {}

    @property
    def hook(self) -> KafkaConnectHook:
        if getattr(self, "_hook", None) is None:
            self._hook = KafkaConnectHook(self.kafka_connect_conn_id, **self.hook_kwargs)
        return self._hook


class KafkaConnectValidateOperator(_ConnectOperator):
    """Validates connector configs with ``PUT /connector-plugins/{class}/config/validate`` and fails,
    listing file, key and Connect's message per error, if any is invalid. Changes nothing.

    :param connector_name: one connector (with ``config``: an inline config; without: from connect-configs).
    :param config: an inline connector config.
    :param configs_dir: the connect-configs folder (default: the repository's).
    :param environment: overlay name under ``overlays/`` or path of an overlay file.
    :param connectors: names to validate (default: every declared connector).
    """

    template_fields: Sequence[str] = ("connector_name", "config", "configs_dir", "environment", "connectors")

    def __init__(self, *, connector_name: str | None = None, config: dict[str, Any] | None = None,
                 configs_dir: str | None = None, environment: str | None = None,
                 connectors: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connector_name = connector_name
        self.config = config
        self.configs_dir = configs_dir
        self.environment = environment
        self.connectors = connectors

    def execute(self, context: Any) -> dict[str, str]:
        specs = _specs(self.connector_name, self.config, self.configs_dir, self.environment, self.connectors)
        validate_specs(self.hook, specs, self.log)
        return {s.name: "valid" for s in specs}


def apply_spec(hook: KafkaConnectHook, spec: ConnectorSpec, initial_state: str, desired_state: str | None,
               log) -> dict[str, Any]:
    """Create, update (only if the normalised config differs) or leave a connector; returns what was done."""
    live = hook.get_config(spec.name)
    if live is None:
        hook.create_connector(spec.name, spec.config, initial_state)
        log.info("%s: created in state %s from %s", spec.name, initial_state, spec.describe())
        return {"action": "created", "state": initial_state, "wait_for": initial_state, "changes": "new connector"}
    diff = diff_configs(spec.config, live)
    action = "unchanged"
    if not diff.empty:
        if not is_managed(live):
            log.warning("%s: exists without the %s marker: adopting it as declared in %s", spec.name,
                        MANAGED_BY_KEY, spec.describe())
        hook.put_config(spec.name, spec.config)
        action = "updated"
        log.info("%s: updated (%s)", spec.name, diff.summary())
    else:
        log.info("%s: unchanged, not touched", spec.name)
    state, _ = hook.connector_state(spec.name)
    if desired_state and state != desired_state.upper() and state is not None:
        target = desired_state.upper()
        {"RUNNING": hook.resume, "PAUSED": hook.pause, "STOPPED": hook.stop}[target](spec.name)
        log.info("%s: state %s -> %s", spec.name, state, target)
        state = target
        action = action if action != "unchanged" else "state-changed"
    wait_for = state if state in ("PAUSED", "STOPPED") else "RUNNING"
    return {"action": action, "state": state, "wait_for": wait_for, "changes": diff.summary()}


class KafkaConnectApplyOperator(_ConnectOperator):
    """Applies connector configs idempotently: validate (all before any change), compare with the live
    config after normalising, then create (in ``initial_state``) or PUT only connectors whose config
    differs. An unchanged connector is not touched (a PUT would rewrite the config topic and restart it).

    :param initial_state: state of newly created connectors: RUNNING, PAUSED or STOPPED.
    :param desired_state: if set, also bring existing connectors to this state (drift correction).
    :param validate: validate before applying (deploy validates once up front and passes False).
    """

    template_fields: Sequence[str] = ("connector_name", "config", "configs_dir", "environment", "connectors",
                                      "initial_state", "desired_state")

    def __init__(self, *, connector_name: str | None = None, config: dict[str, Any] | None = None,
                 configs_dir: str | None = None, environment: str | None = None,
                 connectors: Sequence[str] | None = None, initial_state: str = "RUNNING",
                 desired_state: str | None = None, validate: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connector_name = connector_name
        self.config = config
        self.configs_dir = configs_dir
        self.environment = environment
        self.connectors = connectors
        self.initial_state = initial_state
        self.desired_state = desired_state
        self.validate = validate

    def execute(self, context: Any) -> dict[str, dict[str, Any]]:
        if str(self.initial_state).upper() not in CONNECTOR_STATES:
            raise ValueError(f"initial_state must be one of {CONNECTOR_STATES}, not {self.initial_state!r}")
        specs = _specs(self.connector_name, self.config, self.configs_dir, self.environment, self.connectors)
        if self.validate:
            validate_specs(self.hook, specs, self.log)
        results = {}
        for spec in specs:
            results[spec.name] = apply_spec(self.hook, spec, str(self.initial_state).upper(),
                                            self.desired_state or None, self.log)
        return results


class KafkaConnectDeleteOperator(_ConnectOperator):
    """Deletes one connector (``DELETE /connectors/{name}``); absent is fine unless ``missing_ok=False``."""

    template_fields: Sequence[str] = ("connector_name",)

    def __init__(self, *, connector_name: str, missing_ok: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connector_name = connector_name
        self.missing_ok = missing_ok

    def execute(self, context: Any) -> bool:
        deleted = self.hook.delete_connector(self.connector_name, missing_ok=self.missing_ok)
        self.log.info("%s: %s", self.connector_name, "deleted" if deleted else "not present, nothing to delete")
        return deleted


def prune(hook: KafkaConnectHook, declared: Iterable[str], dry_run: bool, log) -> list[str]:
    """Deletes connectors that carry our ownership marker and are not declared. Others are never touched."""
    declared = set(declared)
    live = hook.list_connectors(expand=("info",))
    pruned = []
    for name, entry in sorted(live.items()):
        config = (entry.get("info") or {}).get("config") or {}
        if name in declared:
            continue
        if not is_managed(config):
            log.info("%s: not declared, but not created by this tool (no %s marker): left alone", name, MANAGED_BY_KEY)
            continue
        if dry_run:
            log.info("%s: would be pruned (dry run)", name)
        else:
            hook.delete_connector(name)
            log.info("%s: pruned (managed by this tool, no longer declared)", name)
        pruned.append(name)
    if not pruned:
        log.info("prune: nothing to delete")
    return pruned


class KafkaConnectPruneOperator(_ConnectOperator):
    """Deletes connectors created by this tool (``mongorow.managed.by=airflow-deploy``) that
    connect-configs no longer declares. Connectors without the marker are never touched.

    :param declared: names to keep (default: the file names under ``configs_dir/connectors``).
    """

    template_fields: Sequence[str] = ("configs_dir", "declared", "dry_run")

    def __init__(self, *, configs_dir: str | None = None, declared: Sequence[str] | None = None,
                 dry_run: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.configs_dir = configs_dir
        self.declared = declared
        self.dry_run = dry_run

    def execute(self, context: Any) -> list[str]:
        declared = self.declared if self.declared is not None else declared_connector_names(self.configs_dir)
        dry_run = self.dry_run if isinstance(self.dry_run, bool) else str(self.dry_run).strip().lower() in ("true", "1", "yes")
        return prune(self.hook, declared, dry_run, self.log)


class KafkaConnectStateOperator(_ConnectOperator):
    """Pauses, resumes or stops a connector and (by default) waits until it reports the new state."""

    template_fields: Sequence[str] = ("connector_name", "action")
    _targets = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}

    def __init__(self, *, connector_name: str, action: str, wait: bool = True, wait_timeout: float = 60.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connector_name = connector_name
        self.action = action
        self.wait = wait
        self.wait_timeout = wait_timeout

    def execute(self, context: Any) -> str:
        action = str(self.action).lower()
        if action not in self._targets:
            raise ValueError(f"action must be one of {sorted(self._targets)}, not {self.action!r}")
        before, _ = self.hook.connector_state(self.connector_name)
        if before is None:
            raise AirflowException(f"connector {self.connector_name} does not exist")
        getattr(self.hook, action)(self.connector_name)
        target = self._targets[action]
        if self.wait:
            self.hook.wait_for_state(self.connector_name, [target], timeout=self.wait_timeout)
        self.log.info("%s: %s -> %s (%s)", self.connector_name, before, target, action)
        return target


class KafkaConnectPauseOperator(KafkaConnectStateOperator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(action="pause", **kwargs)


class KafkaConnectResumeOperator(KafkaConnectStateOperator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(action="resume", **kwargs)


class KafkaConnectStopOperator(KafkaConnectStateOperator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(action="stop", **kwargs)


class KafkaConnectRestartOperator(_ConnectOperator):
    """``POST /connectors/{name}/restart?includeTasks=..&onlyFailed=..``."""

    template_fields: Sequence[str] = ("connector_name",)

    def __init__(self, *, connector_name: str, include_tasks: bool = True, only_failed: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connector_name = connector_name
        self.include_tasks = include_tasks
        self.only_failed = only_failed

    def execute(self, context: Any) -> dict[str, Any] | None:
        status = self.hook.restart(self.connector_name, self.include_tasks, self.only_failed)
        self.log.info("%s: restart requested (includeTasks=%s, onlyFailed=%s)", self.connector_name,
                      self.include_tasks, self.only_failed)
        return status


def change_offsets(hook: KafkaConnectHook, name: str, action: str, offsets: list | None, log,
                   timeout: float = 60.0) -> dict[str, Any]:
    """Stops the connector (alter/reset need STOPPED), alters or resets its offsets, then brings it back
    to the state it had (RUNNING or PAUSED), also when the change fails."""
    before, _ = hook.connector_state(name)
    if before is None:
        raise AirflowException(f"connector {name} does not exist")
    if before not in ("RUNNING", "PAUSED", "STOPPED"):
        # FAILED, or UNASSIGNED / RESTARTING in a rebalance: its target state is RUNNING, so that is the way back
        log.info("%s: %s counts as RUNNING, the state it returns to", name, before)
        before = "RUNNING"
    if before != "STOPPED":
        hook.stop(name)
        hook.wait_for_state(name, ["STOPPED"], timeout=timeout)
        log.info("%s: %s -> STOPPED (offsets %s needs a stopped connector)", name, before, action)
    try:
        if action == "reset":
            message = hook.reset_offsets(name)
        else:
            if not offsets:
                raise ValueError("alter needs a non-empty list of offsets "
                                 '([{"partition": {...}, "offset": {...}}, ...])')
            message = hook.alter_offsets(name, offsets)
        log.info("%s: offsets %s: %s", name, action, message)
    finally:
        if before == "RUNNING":
            hook.resume(name)
        elif before == "PAUSED":
            hook.pause(name)
        if before != "STOPPED":
            hook.wait_for_state(name, [before], timeout=timeout)
            log.info("%s: STOPPED -> %s (state restored)", name, before)
    return {"action": action, "message": message, "state": before}


class KafkaConnectOffsetsOperator(_ConnectOperator):
    """Gets, alters or resets a connector's offsets. Alter and reset stop the connector first and
    restore its previous state afterwards.

    :param action: ``get``, ``alter`` or ``reset``.
    :param offsets: for ``alter``: ``[{"partition": {...}, "offset": {...}}]`` as the REST API takes them.
    """

    template_fields: Sequence[str] = ("connector_name", "action", "offsets")

    def __init__(self, *, connector_name: str, action: str = "get", offsets: list[dict[str, Any]] | None = None,
                 timeout_seconds: float = 60.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connector_name = connector_name
        self.action = action
        self.offsets = offsets
        self.timeout_seconds = timeout_seconds

    def execute(self, context: Any) -> Any:
        action = str(self.action).lower()
        if action == "get":
            offsets = self.hook.get_offsets(self.connector_name)
            self.log.info("%s: %d offset entr%s", self.connector_name, len(offsets), "y" if len(offsets) == 1 else "ies")
            return offsets
        if action not in ("alter", "reset"):
            raise ValueError(f"action must be get, alter or reset, not {self.action!r}")
        return change_offsets(self.hook, self.connector_name, action, self.offsets, self.log, self.timeout_seconds)


def sleep_backoff(attempt: int, initial: float, maximum: float) -> float:
    """Pause before restart ``attempt`` (1-based): initial, 2x, 4x, ... capped at maximum."""
    pause = min(maximum, initial * (2 ** (attempt - 1)))
    time.sleep(pause)
    return pause
