"""`make bench`: every benchmark, one after the other."""
import importlib
import sys

MODULES = ("bench.search", "bench.importer", "bench.alerts", "bench.matching", "bench.images",
           "bench.stats", "bench.insights", "bench.sitemap", "bench.news", "bench.members",
           "bench.load", "bench.relevance", "bench.relevance.semantic")

if __name__ == "__main__":
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        print(f"== {name}", flush=True)
        module.main()
    sys.exit(0)
