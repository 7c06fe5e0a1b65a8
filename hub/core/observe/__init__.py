"""What the hub tells its operators: Prometheus metrics and structured log lines."""
