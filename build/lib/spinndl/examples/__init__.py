"""Models from the 2020 thesis and common benchmarks, ready to build."""
