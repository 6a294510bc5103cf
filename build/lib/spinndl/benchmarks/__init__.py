"""Benchmark scripts: each prints one ``name: value`` line per figure."""
