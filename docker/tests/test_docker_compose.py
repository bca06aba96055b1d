"""docker/compose.yaml and what it references, checked by parsing (the `docker compose config` that this
machine cannot run, and more): variables, pinned official images, files, secrets as files mounted where
they are read, loopback-only ports, start order, Kafka listeners and ACLs, the Connect worker's hardening."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dockerstatic import COMPOSE_FILE, DOCKER, REPO, InterpolationError, interpolate, interpolate_tree, \
    secret_names_of_generator
from dockerstatic import compose, docker_connectors, env, raw_compose, services, alternative_config  # noqa: F401 (fixtures)

# ---------------------------------------------------------------------------------------------- helpers

OFFICIAL_REPOSITORIES = {"apache/kafka", "mongo", "mysql", "postgres", "apache/airflow"}
SHELL_SCRIPTS = sorted(DOCKER.glob("*/*.sh")) + [DOCKER / "gen-dev-secrets.sh"]


def split_image(image: str) -> tuple[str, str]:
    assert "@" not in image or re.search(r"@sha256:[0-9a-f]{64}$", image), image
    name, _, tag = image.split("@")[0].rpartition(":")
    return name, tag


def bind_mounts(service: dict) -> list[tuple[str, str]]:
    """(source, target) of the service's bind mounts (short syntax), sources relative to docker/."""
    out = []
    for v in service.get("volumes", []):
        assert isinstance(v, str), f"use the short volume syntax: {v!r}"
        parts = v.split(":")
        if parts[0].startswith((".", "/")):
            out.append((parts[0], parts[1]))
    return out


def dockerfile_stages(path: Path) -> list[list[tuple[str, str]]]:
    """Instructions (KEYWORD, arguments) of each stage; the lines before the first FROM are stage 0's prelude."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), args.strip()))
    return stages


def copy_sources(path: Path) -> list[str]:
    """Sources (relative to the build context) of every COPY without --from."""
    out = []
    for stage in dockerfile_stages(path):
        for keyword, args in stage:
            if keyword == "COPY" and "--from=" not in args:
                words = [w for w in args.split() if not w.startswith("--")]
                out.extend(words[:-1])
    return out


def service_texts(name: str, service: dict) -> str:
    """Everything a service runs or reads from the repository: its bind-mounted files, the files its image is
    built from, its command, entry point, health check and environment."""
    texts = [json.dumps({k: service.get(k) for k in ("command", "entrypoint", "healthcheck", "environment")})]
    for source, _ in bind_mounts(service):
        p = (DOCKER / source).resolve()
        if p.is_file():
            texts.append(p.read_text(encoding="utf-8", errors="replace"))
    build = service.get("build")
    if build:
        context = (DOCKER / build["context"]).resolve()
        for source in copy_sources(context / build["dockerfile"]):
            p = context / source
            if p.is_file():
                texts.append(p.read_text(encoding="utf-8", errors="replace"))
    text = "\n".join(texts)
    node = (service.get("environment") or {}).get("KAFKA_NODE_ID")
    return text.replace("@@NODE_ID@@", node) if node else text


def mentioned(name: str, text: str) -> bool:
    return re.search(r"(?<![A-Za-z0-9_.-])" + re.escape(name) + r"(?![A-Za-z0-9_-])", text) is not None


def properties(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            k, _, v = line.partition("=")
            out[k.strip()] = v.strip()
    return out


# ---------------------------------------------------------------------------------------------- the file

def test_compose_file_parses_and_has_only_known_sections(raw_compose):
    assert isinstance(raw_compose, dict)
    unknown = {k for k in raw_compose if not k.startswith("x-")} - {"name", "services", "networks", "volumes", "secrets"}
    assert not unknown, f"unknown top-level sections: {unknown}"
    assert "version" not in raw_compose, "the 'version' key is obsolete in the Compose specification"
    for name, svc in raw_compose["services"].items():
        assert "image" in svc or "build" in svc, f"{name}: neither image nor build"


def test_every_variable_resolves_from_the_env_file(raw_compose, env):
    interpolate_tree(raw_compose, env)  # raises on a missing required variable
    with pytest.raises(InterpolationError):
        interpolate("${NOT_IN_ENV:?x}", env)
    assert interpolate("$${HOSTNAME} ${X:-d}", {}) == "${HOSTNAME} d"


def test_env_file_holds_no_secret(env):
    for key, value in env.items():
        assert not re.search(r"PASSWORD|SECRET|TOKEN|CREDENTIAL", key), f".env: {key} looks like a secret: use a secret file"
        assert "://" not in value or "@" not in value, f".env: {key} holds a URL with credentials"


# ---------------------------------------------------------------------------------------------- images

def test_every_image_is_official_and_pinned_by_exact_version(services, env):
    for name, svc in services.items():
        image = svc.get("image")
        assert image, f"{name}: no image name (built images get one from .env too)"
        repo, tag = split_image(image)
        assert tag and tag != "latest", f"{name}: {image} is not pinned"
        if svc.get("build"):
            assert repo.startswith("mongorow/"), f"{name}: an image built here is named mongorow/..., not {image}"
            assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"{name}: {image}: version tag expected"
            continue
        assert repo in OFFICIAL_REPOSITORIES, f"{name}: {image} is not one of the official images {OFFICIAL_REPOSITORIES}"
        # an exact release: x.y.z, or x.y for PostgreSQL, whose releases are numbered major.minor
        exact = r"\d+\.\d+" if repo == "postgres" else r"\d+\.\d+\.\d+"
        assert re.match(exact + r"($|-)", tag), f"{name}: {image}: the tag must be an exact release ({exact})"


def test_pinned_versions_agree_with_the_rest_of_the_repository(env):
    pom = (REPO / "pom.xml").read_text(encoding="utf-8")
    kafka_version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)
    assert split_image(env["KAFKA_IMAGE"]) == ("apache/kafka", kafka_version), "broker/Connect image = kafka.version of pom.xml"
    airflow_pin = re.search(r"^apache-airflow==(\S+)$", (REPO / "airflow/requirements.txt").read_text(), re.M).group(1)
    repo, tag = split_image(env["AIRFLOW_IMAGE"])
    assert repo == "apache/airflow" and tag.startswith(airflow_pin + "-python3.11"), \
        f"AIRFLOW_IMAGE must be Airflow {airflow_pin} on Python 3.11 (airflow/requirements.txt, bootstrap.sh)"
    assert split_image(env["MYSQL_IMAGE"])[1].startswith("8.4."), "MySQL 8.4 LTS"
    assert split_image(env["MONGO_IMAGE"])[1].startswith("8.0."), "MongoDB 8.0"


def test_dockerfiles_take_their_base_image_from_the_env_file(services, env):
    for name, svc in services.items():
        build = svc.get("build")
        if not build:
            continue
        dockerfile = (DOCKER / build["context"] / build["dockerfile"]).resolve()
        stages = dockerfile_stages(dockerfile)
        prelude_args = dict(a.partition("=")[::2] for k, a in stages[0] if k == "ARG")
        froms = [args.split()[0] for stage in stages[1:] for k, args in stage if k == "FROM"]
        assert froms, f"{dockerfile}: no FROM"
        for base in froms:
            m = re.fullmatch(r"\$\{([A-Z_]+)\}", base)
            assert m, f"{dockerfile}: FROM {base}: the base image must be a build argument pinned in docker/.env"
            arg = m.group(1)
            assert build.get("args", {}).get(arg) == env[arg], f"{name}: build arg {arg} must come from docker/.env"
            assert prelude_args.get(arg) == env[arg], f"{dockerfile}: ARG {arg} default must equal docker/.env ({env[arg]})"


# ---------------------------------------------------------------------------------------------- files

def test_every_file_the_compose_file_references_exists(services, compose):
    for name, svc in services.items():
        for source, target in bind_mounts(svc):
            assert (DOCKER / source).exists(), f"{name}: bind mount source {source} does not exist"
        build = svc.get("build")
        if build:
            context = (DOCKER / build["context"]).resolve()
            dockerfile = context / build["dockerfile"]
            assert context.is_dir() and dockerfile.is_file(), f"{name}: build {build}"
            ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
            assert ignore.is_file(), f"{dockerfile}: a Dockerfile-specific .dockerignore keeps the repository out of the context"
            allowed = [l[1:].rstrip("/") for l in ignore.read_text().splitlines() if l.startswith("!")]
            for source in copy_sources(dockerfile):
                assert any(source.rstrip("/") == a or source.startswith(a + "/") for a in allowed), \
                    f"{dockerfile}: COPY {source} is excluded by {ignore.name}"
                if source.startswith("connect-plugins/target/"):
                    # a build output: `mvn -B package` writes it; ./pipeline test builds it before these tests
                    assert (REPO / "connect-plugins/pom.xml").is_file()
                    if (REPO / "connect-plugins/target").is_dir():
                        assert (context / source).is_dir(), f"{source} missing although connect-plugins was built"
                    continue
                assert (context / source).exists(), f"{dockerfile}: COPY source {source} does not exist"
    for name, spec in compose["secrets"].items():
        assert (DOCKER / spec["file"]).parent == DOCKER / "secrets", f"secret {name}: only files of docker/secrets/"


def test_mounted_scripts_are_not_executable_only_when_the_image_sources_them():
    # the mysql image SOURCES non-executable *.sh init scripts (so they can call docker_process_sql)
    assert not (DOCKER / "mysql/20-users.sh").stat().st_mode & 0o111


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: str(p.relative_to(DOCKER)))
def test_shell_scripts_parse(script):
    first = script.read_text(encoding="utf-8").splitlines()[0]
    shell = "bash" if "bash" in first or script.parent.name == "mysql" else ("dash" if shutil.which("dash") else "sh")
    run = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
    assert run.returncode == 0, f"{shell} -n {script}: {run.stderr}"
    if shutil.which("shellcheck"):
        run = subprocess.run(["shellcheck", "-S", "error", str(script)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout


# ---------------------------------------------------------------------------------------------- secrets

def test_every_secret_is_a_file_reference_of_the_generator(compose):
    declared = compose["secrets"]
    for name, spec in declared.items():
        assert set(spec) == {"file"}, f"secret {name}: only `file:` (no environment, no external): {spec}"
        assert spec["file"] == f"./secrets/{name}", f"secret {name}: file must be ./secrets/{name}"
    assert sorted(declared) == sorted(secret_names_of_generator()), \
        "compose.yaml's secrets and docker/gen-dev-secrets.sh --list must name the same files"


def test_no_secret_value_in_the_compose_file(services, raw_compose):
    secretish = re.compile(r"PASSWORD|PASSWD|TOKEN|FERNET_KEY|JWT_SECRET|SECRET_KEY|HMAC|CREDENTIAL")
    for name, svc in services.items():
        for key, value in (svc.get("environment") or {}).items():
            if secretish.search(key):
                assert key.endswith(("_FILE", "_CMD")), f"{name}: {key} must be read from a file (*_FILE / *_CMD)"
                assert str(value).startswith(("/run/secrets/", "cat /run/secrets/")), f"{name}: {key}={value}"
    text = COMPOSE_FILE.read_text()
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", text), "inline credentials in a URL"


def test_services_mount_exactly_the_secrets_they_read(services, compose):
    names = list(compose["secrets"])
    for name, svc in services.items():
        text = service_texts(name, svc)
        used = {s for s in names if mentioned(s, text)}
        mounted = set(svc.get("secrets", []))
        assert mounted <= set(names), f"{name}: undeclared secrets {mounted - set(names)}"
        assert used <= mounted, f"{name}: reads {sorted(used - mounted)} but does not mount them"
        # least privilege: nothing mounted that the service does not read (the CA certificate is public)
        assert mounted - {"ca.crt"} <= used, f"{name}: mounts {sorted(mounted - used - {'ca.crt'})} without reading them"


# ---------------------------------------------------------------------------------------------- runtime

def test_ports_are_published_on_loopback_only(services):
    for name, svc in services.items():
        for port in svc.get("ports", []):
            assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name}: {port} must bind 127.0.0.1"


def test_start_order_and_health_checks(services):
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on with conditions"
        for dep, spec in deps.items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            cond = spec["condition"]
            if cond == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy, which has no health check"
            elif cond == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"{dep} is a one-shot job: restart must be 'no'"
        mode = svc.get("network_mode", "")
        if mode.startswith("service:"):
            assert mode.split(":", 1)[1] in services and "networks" not in svc
        elif svc.get("restart") != "no":
            assert "healthcheck" in svc, f"{name}: a long-running service needs a health check"


def test_runtime_secrets_of_entry_points_live_on_tmpfs(services):
    for name, svc in services.items():
        entry = " ".join(svc.get("entrypoint") or [])
        if "kafka/entrypoint.sh" in entry:
            assert any(t.startswith("/run/kafka:") for t in svc.get("tmpfs", [])), name
        if name.startswith("connect-"):
            assert any(t.startswith("/run/connect:") for t in svc.get("tmpfs", [])), name


# ---------------------------------------------------------------------------------------------- Kafka

def test_kafka_has_no_plaintext_listener_and_a_mutual_tls_quorum():
    p = properties(DOCKER / "kafka/server.properties.template")
    protocols = dict(x.split(":") for x in p["listener.security.protocol.map"].split(","))
    listeners = [l.split("://")[0] for l in p["listeners"].split(",")]
    assert set(listeners) == set(protocols), "every listener has a protocol"
    for listener, protocol in protocols.items():
        assert protocol in ("SASL_SSL", "SSL"), f"{listener}: {protocol}"
        assert protocol == "SSL" or listener != p["controller.listener.names"]
    assert protocols[p["controller.listener.names"]] == "SSL"
    assert p["listener.name.controller.ssl.client.auth"] == "required"
    assert p["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert protocols[p["inter.broker.listener.name"]] == "SASL_SSL"
    assert p["allow.everyone.if.no.acl.found"] == "false"
    assert p["auto.create.topics.enable"] == "false"
    assert int(p["min.insync.replicas"]) == 2 and int(p["default.replication.factor"]) == 3
    voters = p["controller.quorum.voters"].split(",")
    assert len(voters) == 3
    for listener in ("internal", "client", "external"):
        assert f"listener.name.{listener}.scram-sha-512.sasl.jaas.config" in p


def test_placeholders_of_templates_are_filled_by_their_entry_points():
    for template, entry in (("kafka/server.properties.template", "kafka/entrypoint.sh"),
                            ("connect/worker.properties.template", "connect/entrypoint.sh")):
        wanted = set(re.findall(r"@@[A-Z_]+@@", (DOCKER / template).read_text()))
        filled = set(re.findall(r"s\|(@@[A-Z_]+@@)\|", (DOCKER / entry).read_text()))
        assert wanted == filled, f"{template}: placeholders {wanted} vs filled by {entry}: {filled}"


def _acls() -> list[dict]:
    out = []
    for line in (DOCKER / "kafka/init.sh").read_text().splitlines():
        m = re.match(r"\s*acl (\w+) --(topic|group) (\S+)( --resource-pattern-type prefixed)?((?: --operation \w+)+)", line)
        if m:
            out.append({"user": m.group(1), "type": m.group(2), "name": m.group(3), "prefixed": bool(m.group(4)),
                        "ops": set(re.findall(r"--operation (\w+)", m.group(5)))})
    return out


def _allowed(acls, user, kind, name, op) -> bool:
    for a in acls:
        if a["user"] == user and a["type"] == kind and (name.startswith(a["name"]) if a["prefixed"] else name == a["name"]):
            if op in a["ops"] or "All" in a["ops"]:
                return True
    return False


def test_acls_allow_what_the_connectors_and_airflow_use_and_the_topics_exist(docker_connectors):
    acls = _acls()
    assert acls, "kafka/init.sh declares no ACL"
    init = (DOCKER / "kafka/init.sh").read_text()
    created = set(re.findall(r"^topic (\S+) ", init, re.M))
    worker = properties(DOCKER / "connect/worker.properties.template")
    for key in ("config.storage.topic", "offset.storage.topic", "status.storage.topic"):
        for op in ("Read", "Write", "Create", "Describe"):
            assert _allowed(acls, "connect", "topic", worker[key], op), f"connect: {op} on {worker[key]}"
    assert _allowed(acls, "connect", "group", worker["group.id"], "Read")
    for spec in docker_connectors:
        c = spec.config
        consumed = [t for t in c.get("topics", "").split(",") if t]
        for t in consumed:
            assert _allowed(acls, "connect", "topic", t, "Read"), f"{spec.name}: connect may not read {t}"
            assert t in created, f"{spec.name} consumes {t}, which kafka/init.sh does not create"
        if consumed:
            assert _allowed(acls, "connect", "group", f"connect-{spec.name}", "Read"), f"group connect-{spec.name}"
        if c.get("heartbeat.topic.name"):
            assert _allowed(acls, "connect", "topic", c["heartbeat.topic.name"], "Write")
            assert c["heartbeat.topic.name"] in created
        if c.get("topic.prefix"):
            for t in (x for s in docker_connectors for x in s.config.get("topics", "").split(",")):
                if t.startswith(c["topic.prefix"] + "."):
                    assert _allowed(acls, "connect", "topic", t, "Write"), f"{spec.name} writes {t}"
        dlq = c.get("errors.deadletterqueue.topic.name")
        if dlq:
            for op in ("Create", "Write"):
                assert _allowed(acls, "connect", "topic", dlq, op), f"{spec.name}: {op} on {dlq}"
            assert _allowed(acls, "airflow", "topic", dlq, "Describe"), f"airflow reads the depth of {dlq}"
            assert int(c["errors.deadletterqueue.topic.replication.factor"]) <= 3
        if consumed:
            assert _allowed(acls, "airflow", "group", f"connect-{spec.name}", "Describe"), "airflow reads sink lag"
    for t in ("raw.users", "raw.transactions"):
        assert _allowed(acls, "airflow", "topic", t, "Write"), f"the ingest DAG produces to {t}"
    assert not any(a["user"] == "airflow" and a["ops"] & {"All", "Read", "Create", "Delete", "Alter"} for a in acls), \
        "airflow gets Write on raw.* and Describe, nothing more"


def test_init_creates_the_topics_the_local_stack_declares():
    """connect-configs/topics.json (created by the local stack) and kafka/init.sh name the same topics, with the
    same settings; only the partition counts differ (docker's come from RAW_/CHANGE_TOPIC_PARTITIONS)."""
    init = (DOCKER / "kafka/init.sh").read_text()
    created = {m.group(1): m.group(2) for m in re.finditer(r"^topic (\S+) \S+(.*)$", init, re.M)}
    declared = json.loads((REPO / "connect-configs/topics.json").read_text())["topics"]
    assert set(created) == {t["name"] for t in declared}
    retention = re.search(r'retention_ms="\$\{TOPIC_RETENTION_MS:-(\d+)}"', init).group(1)
    for t in declared:
        settings = created[t["name"]].replace('"$retention_ms"', retention)
        for key, value in t["config"].items():
            assert f"--config {key}={value}" in settings, f"{t['name']}: {key}={value} in kafka/init.sh"


# ---------------------------------------------------------------------------------------------- Connect

def _java_list(source: str, name: str) -> list[str]:
    m = re.search(name + r"\s*=\s*List\.of\((.*?)\);", source, re.S)
    return re.findall(r'"([^"]+)"', m.group(1))


def test_connect_worker_has_the_hardening_of_the_local_stack():
    java = (REPO / "local-stack/src/main/java/dev/mongorow/stack/ConnectWorker.java").read_text()
    local = dict(re.findall(r'p\.put\("([^"]+)",\s*"([^"]*)"\)', java))
    w = properties(DOCKER / "connect/worker.properties.template")
    for key in ("plugin.discovery", "config.providers", "config.providers.env.class",
                "config.providers.env.param.allowlist.pattern", "config.providers.file.class",
                "config.providers.dir.class", "connector.client.config.override.policy",
                "key.converter", "value.converter", "key.converter.schemas.enable", "value.converter.schemas.enable"):
        assert w[key] == local[key], f"{key}: docker {w[key]!r} vs local stack {local[key]!r}"
    assert w["group.id"] == re.search(r'GROUP_ID\s*=\s*"([^"]+)"', java).group(1)
    for internal in ("CONFIG_TOPIC", "OFFSET_TOPIC", "STATUS_TOPIC"):
        value = re.search(internal + r'\s*=\s*"([^"]+)"', java).group(1)
        assert value in (w["config.storage.topic"], w["offset.storage.topic"], w["status.storage.topic"])
    assert w["connector.client.config.override.allowlist"].split(",") == _java_list(java, "CLIENT_OVERRIDE_ALLOWLIST")
    for provider in ("file", "dir"):
        # connector configs must not reach the worker's own secrets (/run/secrets, /run/connect)
        assert w[f"config.providers.{provider}.param.allowed.paths"] == "/etc/mongorow/connector-secrets", provider
    modules = re.search(r'DISALLOWED_LOGIN_MODULES\s*=\s*"([^"]+)"', java).group(1)
    entry = (DOCKER / "connect/entrypoint.sh").read_text()
    assert f"-Dorg.apache.kafka.disallowed.login.modules={modules}" in entry
    # REST: HTTPS only, basic auth, no admin endpoints
    assert w["listeners"].startswith("https://") and "http://" not in w["listeners"]
    assert w["rest.extension.classes"].split(",") == [re.search(r'BASIC_AUTH_EXTENSION\s*=\s*"([^"]+)"', java).group(1),
                                                     re.search(r'REFERENCE_GUARD_EXTENSION\s*=\s*"([^"]+)"', java).group(1)]
    assert w["admin.listeners"] == ""
    assert "KafkaConnect" in (DOCKER / "connect/rest-jaas.conf").read_text()
    assert "-Djava.security.auth.login.config=$connect_home/config/rest-jaas.conf" in entry
    assert "COPY docker/connect/worker.properties.template docker/connect/rest-jaas.conf /opt/connect/config/" in \
        (DOCKER / "connect/Dockerfile").read_text()
    # every Kafka client of the worker and of the connectors: SASL_SSL + SCRAM
    for prefix in ("", "producer.", "consumer.", "admin."):
        assert w[prefix + "security.protocol"] == "SASL_SSL" and w[prefix + "sasl.mechanism"] == "SCRAM-SHA-512", prefix
        assert 'username="connect"' in w[prefix + "sasl.jaas.config"]
    assert int(w["config.storage.replication.factor"]) == 3


def test_every_env_placeholder_of_the_connectors_is_provided_in_docker(services, docker_connectors, alternative_config):
    entry = (DOCKER / "connect/entrypoint.sh").read_text()
    exported = set(re.findall(r"\b(MONGOROW_[A-Z_]+)\b", " ".join(re.findall(r"^export ([^\n]*(?:\\\n[^\n]*)*)", entry, re.M))))
    for name in ("connect-1", "connect-2"):
        env = services[name]["environment"]
        provided = exported | {k for k in env if k.startswith("MONGOROW_")}
        wanted = set()
        for config in [s.config for s in docker_connectors] + [alternative_config]:
            for value in config.values():
                wanted |= set(re.findall(r"\$\{env:([A-Za-z0-9_]+)\}", value))
        assert wanted, "the connector configs read their connection values from ${env:...}"
        assert all(w.startswith("MONGOROW_") for w in wanted), "the env provider only allows ^MONGOROW_.*"
        assert wanted <= provided, f"{name}: {sorted(wanted - provided)} are read by connector configs but never set"
        assert env["MONGOROW_MYSQL_JDBC_URL"].startswith("jdbc:mysql://mysql:3306/") and "?" not in env["MONGOROW_MYSQL_JDBC_URL"], \
            "the mysql-sink appends ?rewriteBatchedStatements=...: the URL must have no parameters of its own"
        assert env["MONGOROW_MYSQL_JDBC_PARAMS"].startswith("&") and "sslMode=VERIFY_IDENTITY" in env["MONGOROW_MYSQL_JDBC_PARAMS"]
        assert "tls=true" in env["MONGOROW_MONGO_OPTIONS"] and "replicaSet=rs0" in env["MONGOROW_MONGO_OPTIONS"]


def test_connect_image_runs_the_entry_point_as_the_unprivileged_user():
    stages = dockerfile_stages(DOCKER / "connect/Dockerfile")
    final = stages[-1]
    users = [a for k, a in final if k == "USER"]
    assert users and users[-1] == "appuser"
    assert ("ENTRYPOINT", '["/opt/connect/bin/entrypoint.sh"]') in final
    # the file/dir config providers refuse to start on an allowed path that does not exist
    worker = properties(DOCKER / "connect/worker.properties.template")
    run = " ".join(a for k, a in final if k == "RUN")
    for provider in ("file", "dir"):
        assert worker[f"config.providers.{provider}.param.allowed.paths"] in run.split(), "the image creates it"
    assert any(k == "COPY" and "--from=plugins" in a for k, a in final)


def test_mysql_users_are_least_privilege():
    sql = (DOCKER / "mysql/20-users.sh").read_text()
    grants = re.findall(r"GRANT ([A-Z, ]+) ON \\`pipeline\\`\.\* TO '(\w+)'", sql)
    assert dict((u, set(p.replace(" ", "").split(","))) for p, u in grants) == {
        "pipeline_sink": {"SELECT", "INSERT", "UPDATE", "DELETE"}, "pipeline_reader": {"SELECT"}}
    assert sql.count("REQUIRE SSL") == 2
    cnf = (DOCKER / "mysql/tls.cnf").read_text()
    assert "require_secure_transport=ON" in cnf
    mysql_sink = json.loads((REPO / "connect-configs/connectors/mysql-sink.json").read_text())
    assert mysql_sink["schema.evolution"] == "none", "the sink user has no CREATE/ALTER"


def test_mongo_users_are_least_privilege():
    js = (DOCKER / "mongo/init.sh").read_text()
    assert 'actions: ["find", "changeStream"]' in js
    assert re.search(r'ensureUser\("mongorow_sink", [^,]+, \[\{role: "readWrite", db: "pipeline"\}\]\)', js)
    assert re.search(r'ensureUser\("mongorow_source", [^,]+, \[\{role: "mongorowChangeStreamReader"', js)
    assert re.search(r'ensureUser\("mongorow_airflow", [^,]+, \[\{role: "read", db: "pipeline"\}\]\)', js)


def test_airflow_reads_its_secrets_and_connections_from_files(services):
    airflow = {n: s for n, s in services.items() if n.startswith("airflow-")}
    assert set(airflow) == {"airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"}
    for name, svc in airflow.items():
        env = svc["environment"]
        for section in ("SECRETS__BACKEND", "WORKERS__SECRETS_BACKEND"):
            assert env[f"AIRFLOW__{section}"] == "airflow.secrets.local_filesystem.LocalFilesystemBackend", name
            kwargs = json.loads(env[f"AIRFLOW__{section}_KWARGS"])
            assert kwargs == {"connections_file_path": "/run/secrets/airflow_connections.json"}, name
        assert env["MONGOROW_ENV"] == "docker"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD"] == "cat /run/secrets/airflow_db_url"
        mounts = dict(bind_mounts(svc))
        assert mounts["../airflow/dags"] == "/opt/airflow/dags" and mounts["../airflow/src"] == env["PYTHONPATH"]
        assert mounts["../connect-configs"] == env["MONGOROW_REPO_ROOT"] + "/connect-configs"
        assert mounts["../datasets"] == env["MONGOROW_REPO_ROOT"] + "/datasets"
    assert {services[n]["command"][0] for n in airflow} == {"version", "api-server", "scheduler", "dag-processor", "triggerer"}
