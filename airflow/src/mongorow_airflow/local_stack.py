"""Airflow environment for the local stack (``./pipeline up``): AIRFLOW_HOME, the metadata DB, and the
Airflow Connections, built at run time from the stack's own files under ``.pipeline/``:

* ``run/stack.properties``: ports of the last ``up`` (no secrets);
* ``data/secrets/mysql.properties``, ``data/secrets/mongodb.properties``: generated credentials.

Connections are handed to Airflow only as ``AIRFLOW_CONN_<ID>`` environment variables of the processes
started from here (``dag.test`` in tests, ``airflow standalone`` for the UI); they are never written to
the repository, to the metadata DB, or to a log.

Command line (used by ``./pipeline``)::

    python -m mongorow_airflow.local_stack dag-test <dag_id> [--conf JSON]   run one DAG in-process
    python -m mongorow_airflow.local_stack exec -- <command ...>              run a command with the env
    python -m mongorow_airflow.local_stack env-names                          list the variables (no values)
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from mongorow_airflow.configs import repo_root

from mongorow_airflow.connections import (  # noqa: F401 - re-exported
    KAFKA_CONN_ID,
    KAFKA_CONNECT_CONN_ID,
    KAFKA_PRODUCER_CONN_ID,
    MONGO_CONN_ID,
    MYSQL_CONN_ID,
)


def stack_home() -> Path:
    return Path(os.environ.get("PIPELINE_HOME") or repo_root() / ".pipeline").resolve()


def read_properties(path: Path) -> dict[str, str]:
    """A minimal reader of Java .properties files as ``java.util.Properties.store`` writes them."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$", line)
        if not m:
            continue
        unescape = lambda s: re.sub(r"\\(.)", lambda g: {"n": "\n", "t": "\t", "r": "\r"}.get(g.group(1), g.group(1)), s)
        out[unescape(m.group(1))] = unescape(m.group(2))
    return out


def _jdbc_parts(url: str) -> tuple[str, int, str]:
    """host, port, database of a jdbc:mariadb:// or jdbc:mysql:// URL."""
    m = re.match(r"jdbc:(?:mariadb|mysql)://([^/:?]+)(?::(\d+))?/([^?;]*)", url)
    if not m:
        raise ValueError("not a jdbc:mariadb:// or jdbc:mysql:// URL (value not shown)")
    return m.group(1), int(m.group(2) or 3306), m.group(3) or "pipeline"


def _mongo_connection(uri: str) -> dict[str, Any]:
    p = urllib.parse.urlsplit(uri)
    hosts = p.netloc.rsplit("@", 1)[-1]
    first = hosts.split(",")[0]
    host, _, port = first.partition(":")
    extra: dict[str, Any] = dict(urllib.parse.parse_qsl(p.query))
    if "," not in hosts and "replicaSet" not in extra:
        extra.setdefault("directConnection", "true")
    conn: dict[str, Any] = {"conn_type": "mongo", "host": host, "port": int(port or 27017),
                            "schema": "pipeline", "extra": extra}
    if p.username:
        conn["login"] = urllib.parse.unquote(p.username)
        conn["password"] = urllib.parse.unquote(p.password or "")
    return conn


def connection_env(home: Path | None = None) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables for the stack in ``home``, derived from its files only (see
    :func:`airflow_env` for the precedence of variables a user exported)."""
    home = home or stack_home()
    props = read_properties(home / "run" / "stack.properties")
    secrets = home / "data" / "secrets"
    env: dict[str, str] = {}

    # run/stack.properties holds the options of the last 'up' (flags and PIPELINE_* included): it wins
    connect_port = int(props.get("connect-port") or os.environ.get("PIPELINE_CONNECT_PORT") or 18083)
    env["AIRFLOW_CONN_KAFKA_CONNECT_DEFAULT"] = json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": connect_port, "schema": "http", "extra": {"timeout": 30}})

    bootstrap = props.get("kafka-bootstrap") or os.environ.get("PIPELINE_KAFKA_BOOTSTRAP") or \
        f"127.0.0.1:{props.get('kafka-port') or os.environ.get('PIPELINE_KAFKA_PORT') or 19092}"
    # admin client (lag, dead-letter depth): only settings every client type accepts
    env["AIRFLOW_CONN_KAFKA_DEFAULT"] = json.dumps({"conn_type": "kafka", "extra": {
        "bootstrap.servers": bootstrap, "socket.timeout.ms": 10000}})
    # producer of the ingest DAG: idempotent, every in-sync replica acknowledges
    env["AIRFLOW_CONN_MONGOROW_KAFKA_PRODUCER"] = json.dumps({"conn_type": "kafka", "extra": {
        "bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 20,
        "message.timeout.ms": 60000}})

    mysql = read_properties(secrets / "mysql.properties")
    if mysql.get("url"):
        host, port, db = _jdbc_parts(mysql["url"])
        env["AIRFLOW_CONN_MONGOROW_MYSQL"] = json.dumps({
            "conn_type": "mysql", "host": host, "port": port, "schema": db,
            "login": mysql.get("user", ""), "password": mysql.get("password", "")})

    mongo = read_properties(secrets / "mongodb.properties")
    if mongo.get("uri"):
        env["AIRFLOW_CONN_MONGOROW_MONGO"] = json.dumps(_mongo_connection(mongo["uri"]))

    if props.get("secure") == "true":
        _secure_connections(env, secrets)

    return env


def _secure_connections(env: dict[str, str], secrets: Path) -> None:
    """A stack started with ``./pipeline up --secure``: every connection over TLS, trusting the stack's
    development CA, as the users generated for Airflow (Connect REST user ``airflow``, SCRAM user ``airflow``);
    the passwords come from the stack's secrets folder at run time and exist only in these variables."""
    ca = str(secrets / "ca.crt")
    rest = read_properties(secrets / "connect-rest-users.properties")
    connect = json.loads(env["AIRFLOW_CONN_KAFKA_CONNECT_DEFAULT"])
    connect.update({"schema": "https", "login": "airflow", "password": rest.get("airflow", "")})
    connect["extra"].update({"verify": ca, "trust_env": False})
    env["AIRFLOW_CONN_KAFKA_CONNECT_DEFAULT"] = json.dumps(connect)
    kafka_password = read_properties(secrets / "kafka-users.properties").get("airflow.password", "")
    for key in ("AIRFLOW_CONN_KAFKA_DEFAULT", "AIRFLOW_CONN_MONGOROW_KAFKA_PRODUCER"):
        conn = json.loads(env[key])
        conn["extra"].update({"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
                              "sasl.username": "airflow", "sasl.password": kafka_password, "ssl.ca.location": ca})
        env[key] = json.dumps(conn)
    if "AIRFLOW_CONN_MONGOROW_MYSQL" in env:
        conn = json.loads(env["AIRFLOW_CONN_MONGOROW_MYSQL"])
        conn["extra"] = {"ssl": {"ca": ca}, "ssl_mode": "VERIFY_IDENTITY"}
        env["AIRFLOW_CONN_MONGOROW_MYSQL"] = json.dumps(conn)
    if "AIRFLOW_CONN_MONGOROW_MONGO" in env:
        conn = json.loads(env["AIRFLOW_CONN_MONGOROW_MONGO"])
        conn["extra"]["tlsCAFile"] = ca
        env["AIRFLOW_CONN_MONGOROW_MONGO"] = json.dumps(conn)


def airflow_env(home: Path | None = None) -> dict[str, str]:
    """AIRFLOW_HOME under ``.pipeline/airflow``, SQLite, no examples, dags folder = airflow/dags."""
    home = home or stack_home()
    af_home = Path(os.environ.get("AIRFLOW_HOME") or home / "airflow").resolve()
    root = repo_root()
    env = {
        "AIRFLOW_HOME": str(af_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "airflow" / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{af_home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": os.environ.get("AIRFLOW__CORE__UNIT_TEST_MODE", "False"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(af_home / "logs"),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "MONGOROW_REPO_ROOT": str(root),
        "PIPELINE_HOME": str(home),
    }
    # connections a user exported (to target another cluster) win over the stack's
    env.update({k: os.environ.get(k) or v for k, v in connection_env(home).items()})
    return env


def apply_env(home: Path | None = None) -> dict[str, str]:
    env = airflow_env(home)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return env


def _dag_test(dag_id: str, conf: dict[str, Any]) -> int:
    apply_env()
    from mongorow_airflow.testing import run_dag

    state = run_dag(dag_id, conf)
    print(f"[airflow] DAG {dag_id}: {state}")
    return 0 if state == "success" else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0 if argv else 2
    cmd = argv.pop(0)
    if cmd == "env-names":
        for k in sorted(airflow_env()):
            print(k)
        return 0
    if cmd == "exec":
        if argv and argv[0] == "--":
            argv.pop(0)
        if not argv:
            print("exec needs a command", file=sys.stderr)
            return 2
        apply_env()
        os.execvp(argv[0], argv)
    if cmd == "dag-test":
        if not argv:
            print("dag-test needs a dag id", file=sys.stderr)
            return 2
        dag_id = argv.pop(0)
        conf: dict[str, Any] = {}
        if argv[:1] == ["--conf"] and len(argv) > 1:
            conf = json.loads(argv[1])
        return _dag_test(dag_id, conf)
    print(f"unknown command {cmd!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
