"""Airflow connection ids used by the DAGs. Define them in any environment through the secrets backend
or ``AIRFLOW_CONN_<ID>`` variables (``./pipeline`` derives them from the local stack, see local_stack.py).

* ``kafka_connect_default`` (http): the Kafka Connect REST API (host, port, https, basic auth, CA);
* ``kafka_default`` (kafka): admin client for sink lag and dead-letter depth (extra = librdkafka config);
* ``mongorow_kafka_producer`` (kafka): producer of the ingest DAG (idempotent, acks=all);
* ``mongorow_mysql`` (mysql): read access to the ``pipeline`` database, for reconcile;
* ``mongorow_mongo`` (mongo): read access to the ``pipeline`` database, for reconcile.
"""

KAFKA_CONNECT_CONN_ID = "kafka_connect_default"
KAFKA_CONN_ID = "kafka_default"
KAFKA_PRODUCER_CONN_ID = "mongorow_kafka_producer"
MYSQL_CONN_ID = "mongorow_mysql"
MONGO_CONN_ID = "mongorow_mongo"
