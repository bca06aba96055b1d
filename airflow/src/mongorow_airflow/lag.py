"""Sink lag and dead-letter depth, read from Kafka with the apache-kafka provider's admin client.

* Sink lag of connector ``<name>``: for each partition its consumer group ``connect-<name>`` has
  committed, ``end offset - committed offset``; partitions of the connector's topics without a commit
  count from the earliest offset.
* Dead-letter depth: records in the topic named by ``errors.deadletterqueue.topic.name`` (end - start,
  summed over partitions); 0 if the topic does not exist yet (Connect creates it on the first error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

TIMEOUT = 15.0


@dataclass
class Lag:
    group: str
    total: int = 0
    partitions: dict[str, int] = field(default_factory=dict)
    uncommitted_partitions: int = 0


def _admin(kafka_config_id: str):
    from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook

    return KafkaAdminClientHook(kafka_config_id=kafka_config_id).get_conn  # a cached_property


def _partitions(admin, topics: Iterable[str]) -> list[tuple[str, int]]:
    out = []
    for topic in topics:
        md = admin.list_topics(topic=topic, timeout=TIMEOUT)
        tmd = md.topics.get(topic)
        if tmd is None or tmd.error is not None:
            continue
        out.extend((topic, p) for p in sorted(tmd.partitions))
    return out


def _offsets(admin, tps: list[tuple[str, int]], spec: str) -> dict[tuple[str, int], int]:
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    if not tps:
        return {}
    make = OffsetSpec.latest if spec == "latest" else OffsetSpec.earliest
    futures = admin.list_offsets({TopicPartition(t, p): make() for t, p in tps}, request_timeout=TIMEOUT)
    return {(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()}


def topic_depth(topic: str, kafka_config_id: str = "kafka_default") -> int | None:
    """Records currently in ``topic`` (end - start over all partitions); None if it does not exist."""
    admin = _admin(kafka_config_id)
    tps = _partitions(admin, [topic])
    if not tps:
        return None
    end = _offsets(admin, tps, "latest")
    start = _offsets(admin, tps, "earliest")
    return sum(max(0, end[tp] - start[tp]) for tp in tps)


def sink_lag(connector_name: str, topics: Iterable[str], kafka_config_id: str = "kafka_default") -> Lag:
    """Lag of the sink connector's consumer group ``connect-<name>`` over ``topics``."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    admin = _admin(kafka_config_id)
    group = f"connect-{connector_name}"
    tps = _partitions(admin, topics)
    lag = Lag(group)
    if not tps:
        return lag
    fut = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=TIMEOUT)[group]
    committed = {(tp.topic, tp.partition): tp.offset for tp in fut.result().topic_partitions or []}
    end = _offsets(admin, tps, "latest")
    start = _offsets(admin, tps, "earliest")
    for tp in tps:
        c = committed.get(tp)
        if c is None or c < 0:
            lag.uncommitted_partitions += 1
            c = start[tp]
        n = max(0, end[tp] - c)
        lag.partitions[f"{tp[0]}-{tp[1]}"] = n
        lag.total += n
    return lag


def connector_topics(config: dict[str, Any]) -> list[str]:
    """Topics a sink connector reads, from ``topics`` (``topics.regex`` is not expanded)."""
    return [t.strip() for t in str(config.get("topics", "")).split(",") if t.strip()]
