"""Relevance bench: the app's search against a default-settings Meilisearch index, on real
listings with graded judgments (see docs/benchmarks.md and bench/relevance/SOURCES.md)."""


def main() -> dict:
    from bench.relevance.run import main as run
    return run()
