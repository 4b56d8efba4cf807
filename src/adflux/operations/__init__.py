"""What an operator sees of a running deployment: workers, queues, stuck work, metrics."""
