"""The one place that reads ``connect-configs/``: connector JSON files plus an environment overlay.

Layout (see connect-configs/):

* ``connectors/<name>.json``: exactly the body of ``PUT /connectors/<name>/config``; the file name is the
  connector name, and a ``name`` key, if present, must agree with it;
* ``overlays/<env>.json``: ``{"connectors": {"<name>": {"key": "value" | null}}}``; ``null`` removes a
  key; top-level keys starting with ``_`` are comments. An overlay can only change connectors that
  ``connectors/`` declares.

Ownership marker: every config that this package applies carries ``mongorow.managed.by = airflow-deploy``
(Kafka Connect keeps unknown keys and hands them to no client). Prune deletes only connectors that carry
this marker and are no longer declared; connectors created by anyone else are never touched.

Comparison with a live config (:func:`diff_configs`) is done on normalised configs: every value a string
as the REST API returns it, ``name`` present, masked values (``[hidden]``) treated as equal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

MANAGED_BY_KEY = "mongorow.managed.by"
MANAGED_BY_VALUE = "airflow-deploy"

#: Values the Connect REST API may return instead of a secret.
MASKED_VALUES = frozenset({"[hidden]", "********", "<hidden>"})

#: Substrings of key names whose values are never logged.
SENSITIVE_KEY_PARTS = ("password", "secret", "token", "credential", "sasl.jaas", "key.password", "api.key", "uri", "url")


def repo_root() -> Path:
    """The repository root: ``MONGOROW_REPO_ROOT`` or three levels above this file (airflow/src/mongorow_airflow)."""
    env = os.environ.get("MONGOROW_REPO_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3]


def default_configs_dir() -> Path:
    """``MONGOROW_CONNECT_CONFIGS`` or ``<repo>/connect-configs``."""
    env = os.environ.get("MONGOROW_CONNECT_CONFIGS")
    return Path(env).resolve() if env else repo_root() / "connect-configs"


def default_environment() -> str:
    return os.environ.get("MONGOROW_ENV", "local")


class ConnectorConfigError(ValueError):
    """One or more connector files are unusable. ``problems`` holds (file, key, message) triples."""

    def __init__(self, problems: list[tuple[str, str | None, str]]):
        self.problems = problems
        lines = [f"{f}: {k + ': ' if k else ''}{m}" for f, k, m in problems]
        super().__init__(f"{len(problems)} problem(s) in connector configs:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class ConnectorSpec:
    """A connector as declared: its name, its normalised config, and the files it came from."""

    name: str
    config: dict[str, str]
    source: str
    overlay: str | None = None
    overlay_keys: tuple[str, ...] = field(default_factory=tuple)

    @property
    def connector_class(self) -> str:
        return self.config.get("connector.class", "")

    def describe(self) -> str:
        return self.source + (f" + {self.overlay}" if self.overlay else "")


def config_value_to_string(value: Any) -> str:
    """Connect stores every value as a string; JSON numbers and booleans are written the way Java prints them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError(f"expected a string, number or boolean, got {type(value).__name__}")


def normalize_config(name: str, config: Mapping[str, Any]) -> dict[str, str]:
    """Strings everywhere, ``name`` set: the form in which the REST API returns a config."""
    out = {str(k): config_value_to_string(v) for k, v in config.items() if v is not None}
    out["name"] = name
    return out


def is_sensitive_key(key: str) -> bool:
    k = key.lower()
    return any(part in k for part in SENSITIVE_KEY_PARTS)


def display_value(key: str, value: str | None) -> str:
    """A value as it may appear in a log line: placeholders shown, literal secrets never."""
    if value is None:
        return "<absent>"
    if value.startswith("${") and value.endswith("}"):
        return value
    if is_sensitive_key(key):
        return "***"
    return value if len(value) <= 80 else value[:77] + "..."


@dataclass(frozen=True)
class ConfigDiff:
    added: dict[str, str]
    changed: dict[str, tuple[str, str]]
    removed: dict[str, str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        """Keys only, values where they are safe to show (never literal secrets)."""
        if self.empty:
            return "no change"
        parts = []
        if self.added:
            parts.append("added " + ", ".join(f"{k}={display_value(k, v)}" for k, v in sorted(self.added.items())))
        if self.changed:
            parts.append("changed " + ", ".join(
                f"{k}: {display_value(k, old)} -> {display_value(k, new)}" for k, (old, new) in sorted(self.changed.items())))
        if self.removed:
            parts.append("removed " + ", ".join(sorted(self.removed)))
        return "; ".join(parts)


def diff_configs(desired: Mapping[str, str], live: Mapping[str, Any], ignore_keys: Iterable[str] = ()) -> ConfigDiff:
    """What a PUT of ``desired`` would change in ``live``; both compared as strings, masked live values match."""
    ignore = set(ignore_keys)
    live_s = {k: config_value_to_string(v) for k, v in live.items() if v is not None and k not in ignore}
    want = {k: v for k, v in desired.items() if k not in ignore}
    added = {k: v for k, v in want.items() if k not in live_s}
    removed = {k: v for k, v in live_s.items() if k not in want}
    changed = {
        k: (live_s[k], v)
        for k, v in want.items()
        if k in live_s and live_s[k] != v and live_s[k] not in MASKED_VALUES
    }
    return ConfigDiff(added, changed, removed)


def is_managed(config: Mapping[str, Any]) -> bool:
    return str(config.get(MANAGED_BY_KEY, "")) == MANAGED_BY_VALUE


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(repo_root()))
    except ValueError:
        return str(path)


def _read_json(path: Path, problems: list) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append((_display(path), None, "file not found"))
    except json.JSONDecodeError as e:
        problems.append((_display(path), None, f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"))
    return None


def declared_connector_names(configs_dir: str | os.PathLike | None = None) -> list[str]:
    """Names of the declared connectors (file names), without reading the files: cheap at DAG parse time."""
    base = Path(configs_dir) if configs_dir else default_configs_dir()
    return sorted(p.stem for p in (base / "connectors").glob("*.json"))


def overlay_path(configs_dir: Path, environment: str | None) -> Path | None:
    if not environment:
        return None
    if "/" in environment or environment.endswith(".json"):
        return Path(environment)
    return configs_dir / "overlays" / f"{environment}.json"


def load_connectors(
    configs_dir: str | os.PathLike | None = None,
    environment: str | None = None,
    *,
    only: Iterable[str] | None = None,
    mark_managed: bool = True,
) -> list[ConnectorSpec]:
    """Reads every ``connectors/*.json`` and applies the overlay of ``environment`` (a name under
    ``overlays/`` or a path to a JSON file). Collects every problem and raises one
    :class:`ConnectorConfigError` naming file, key and reason for each, so that nothing is applied
    from a half-valid set."""
    base = Path(configs_dir).resolve() if configs_dir else default_configs_dir()
    problems: list[tuple[str, str | None, str]] = []
    connectors_dir = base / "connectors"
    files = sorted(connectors_dir.glob("*.json"))
    if not files:
        raise ConnectorConfigError([(_display(connectors_dir), None, "no connector JSON files")])

    raw: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in files:
        body = _read_json(path, problems)
        if body is None:
            continue
        shown = _display(path)
        if not isinstance(body, dict):
            problems.append((shown, None, "must be a JSON object (the body of PUT /connectors/{name}/config)"))
            continue
        name = path.stem
        if "name" in body and body["name"] != name:
            problems.append((shown, "name", f"'{body['name']}' disagrees with the file name '{name}'"))
        if not body.get("connector.class"):
            problems.append((shown, "connector.class", "missing: every connector needs its class"))
        for k, v in body.items():
            if isinstance(v, (dict, list)):
                problems.append((shown, k, "values must be strings, numbers or booleans, not JSON objects or arrays"))
            elif v is None:
                problems.append((shown, k, "null is only allowed in overlays (to remove a key)"))
        if MANAGED_BY_KEY in body and body[MANAGED_BY_KEY] != MANAGED_BY_VALUE:
            problems.append((shown, MANAGED_BY_KEY, f"reserved key: only '{MANAGED_BY_VALUE}' is allowed"))
        raw[name] = (path, body)

    ov_path = overlay_path(base, environment)
    ov_changes: dict[str, dict[str, Any]] = {}
    if ov_path is not None:
        ov = _read_json(ov_path, problems)
        shown = _display(ov_path)
        if ov is not None:
            if not isinstance(ov, dict) or not isinstance(ov.get("connectors", {}), dict):
                problems.append((shown, None, 'must be {"connectors": {"<name>": {"key": "value" or null}}}'))
            else:
                for top in ov:
                    if top != "connectors" and not top.startswith("_"):
                        problems.append((shown, top, "unknown top-level key (expected 'connectors', or '_comment')"))
                for cname, changes in ov.get("connectors", {}).items():
                    if cname not in raw and not (connectors_dir / f"{cname}.json").exists():
                        problems.append((shown, cname, f"overlay names connector '{cname}', which connectors/ does not declare"))
                        continue
                    if not isinstance(changes, dict):
                        problems.append((shown, cname, "must map keys to values or null"))
                        continue
                    for k, v in changes.items():
                        if k == "name":
                            problems.append((shown, f"{cname}.name", "an overlay cannot rename a connector"))
                        elif isinstance(v, (dict, list)):
                            problems.append((shown, f"{cname}.{k}", "values must be strings, numbers, booleans or null"))
                    ov_changes[cname] = changes

    if problems:
        raise ConnectorConfigError(problems)

    wanted = set(only) if only is not None else None
    if wanted is not None:
        unknown = wanted - set(raw)
        if unknown:
            raise ConnectorConfigError([(_display(connectors_dir), None, f"no such connector(s): {', '.join(sorted(unknown))}")])

    specs = []
    for name, (path, body) in raw.items():
        if wanted is not None and name not in wanted:
            continue
        merged = dict(body)
        changes = ov_changes.get(name, {})
        for k, v in changes.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        if mark_managed:
            merged[MANAGED_BY_KEY] = MANAGED_BY_VALUE
        specs.append(ConnectorSpec(
            name=name,
            config=normalize_config(name, merged),
            source=_display(path),
            overlay=_display(ov_path) if ov_path is not None and changes else None,
            overlay_keys=tuple(sorted(changes)),
        ))
    return specs
