"""How osservatorio runs beyond `airflow standalone`: the Celery mode's processes, settings and
queues, shared by `make ui EXECUTOR=celery`, its test and docker-compose.yml."""
