"""Benchmarks (not part of the test run): one command each, figures appended to RESULTS.md."""
