#!/bin/sh
# Health of one Kafka node: it answers an ApiVersions request on its CLIENT listener (TLS + SCRAM as user broker).
KAFKA_HEAP_OPTS="-Xmx96m" KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1" \
  exec /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server "kafka-${KAFKA_NODE_ID:?}:9092" \
  --command-config /run/kafka/client.properties > /dev/null 2>&1
