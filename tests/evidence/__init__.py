"""Evidence: the benchmark against a naive poller, and the day of faults."""
