"""Provider metadata, registered through the ``apache_airflow_provider`` entry point."""


def get_provider_info() -> dict:
    return {
        "package-name": "mongorow-airflow",
        "name": "mongorow",
        "description": "Kafka Connect lifecycle (deploy, validate, monitor, restart, offsets) for the mongorow pipeline.",
        "versions": ["0.1.0"],
        "connection-types": [
            {
                "connection-type": "kafka_connect",
                "hook-class-name": "mongorow_airflow.hooks.kafka_connect.KafkaConnectHook",
            }
        ],
        "hooks": [
            {"integration-name": "Kafka Connect", "python-modules": ["mongorow_airflow.hooks.kafka_connect"]}
        ],
        "operators": [
            {"integration-name": "Kafka Connect", "python-modules": ["mongorow_airflow.operators.kafka_connect"]}
        ],
        "sensors": [
            {"integration-name": "Kafka Connect", "python-modules": ["mongorow_airflow.sensors.kafka_connect"]}
        ],
        "triggers": [
            {"integration-name": "Kafka Connect", "python-modules": ["mongorow_airflow.triggers.kafka_connect"]}
        ],
        "integrations": [
            {"integration-name": "Kafka Connect", "external-doc-url": "https://kafka.apache.org/documentation/#connect_rest"}
        ],
    }
