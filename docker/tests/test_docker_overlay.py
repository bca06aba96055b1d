"""connect-configs/overlays/docker.json renders a valid config for every connector, with the Airflow
package's own loader (what the deploy DAG applies), and differs from the local stack only where an
environment must: connection values are the same ${env:...} placeholders (their values are the
container's), and the rest is sizing for three brokers and two workers."""

from __future__ import annotations

from dockerstatic import REPO
from dockerstatic import compose, docker_connectors  # noqa: F401 (fixtures)

# What the docker overlay may change besides connection values (which it must not touch: they are placeholders).
SIZING_KEYS = {"tasks.max", "errors.deadletterqueue.topic.replication.factor"}


def test_the_docker_overlay_renders_every_declared_connector(docker_connectors):
    from mongorow_airflow.configs import MANAGED_BY_KEY, declared_connector_names

    assert sorted(s.name for s in docker_connectors) == declared_connector_names(REPO / "connect-configs")
    for spec in docker_connectors:
        c = spec.config
        assert c["name"] == spec.name and c["connector.class"], spec.name
        assert c[MANAGED_BY_KEY] == "airflow-deploy"
        assert all(isinstance(v, str) for v in c.values())
        assert int(c["tasks.max"]) >= 1


def test_only_sizing_differs_from_the_local_stack(docker_connectors):
    from mongorow_airflow.configs import load_connectors

    local = {s.name: s.config for s in load_connectors(REPO / "connect-configs", "local")}
    for spec in docker_connectors:
        changed = {k for k in set(local[spec.name]) | set(spec.config) if local[spec.name].get(k) != spec.config.get(k)}
        assert changed <= SIZING_KEYS, f"{spec.name}: the docker overlay changes {sorted(changed - SIZING_KEYS)}"
        for key, value in spec.config.items():
            if "${env:" in value:
                assert local[spec.name][key] == value, f"{spec.name}.{key}: connection values come from the environment"


def test_sizing_fits_the_compose_deployment(docker_connectors, compose):
    init = compose["services"]["kafka-init"]["environment"]
    partitions = {"raw.": int(init["RAW_TOPIC_PARTITIONS"]), "mongo.": int(init["CHANGE_TOPIC_PARTITIONS"])}
    brokers = [n for n in compose["services"] if n.startswith("kafka-") and n != "kafka-init"]
    for spec in docker_connectors:
        c = spec.config
        if "errors.deadletterqueue.topic.replication.factor" in c:
            assert int(c["errors.deadletterqueue.topic.replication.factor"]) <= len(brokers)
        topics = [t for t in c.get("topics", "").split(",") if t]
        for t in topics:
            # a sink task gets partitions, never more tasks than partitions of a topic
            available = next(p for prefix, p in partitions.items() if t.startswith(prefix))
            assert int(c["tasks.max"]) <= available, f"{spec.name}: tasks.max {c['tasks.max']} > {available} partitions of {t}"
