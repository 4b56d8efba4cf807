"""Background work: Celery workers when a broker is configured, threads in the serving process
otherwise. Both run the very same task functions, so the embedded mode is not a second code path.
"""
