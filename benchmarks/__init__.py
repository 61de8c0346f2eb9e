"""Speed benchmarks against peer libraries: run ``python -m benchmarks.run``."""
