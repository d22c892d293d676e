"""What several benches start from: an app on a database of the run's own (a temporary
SQLite file, or BENCH_DATABASE_URL) with a Meilisearch process of its own."""
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Bench:
    app: object
    workdir: Path
    database_url: str
    meili: object  # tests.services.MeiliServer

    @property
    def database(self) -> str:
        return "PostgreSQL" if self.database_url.startswith("postgresql") else "SQLite"

    def meili_version(self) -> str:
        return self.meili.request("GET", "/version").json()["pkgVersion"]


@contextmanager
def bench_app(name: str, database_url: str | None = None, **overrides):
    """Yield a Bench (app, workdir, database_url, meili): tables created afresh, a Meilisearch started on
    loopback and stopped afterwards, the temporary directory removed. `overrides` are
    config values (MEILI_INDEX_PREFIX, MEILI_TIMEOUT, …)."""
    from config import TestConfig
    from exchange import create_app
    from exchange.extensions import db
    from tests.services import MeiliServer

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    database_url = (database_url or os.environ.get("BENCH_DATABASE_URL")
                    or f"sqlite:///{workdir}/bench.db")
    meili = MeiliServer().start()
    try:
        config = dict(SQLALCHEMY_DATABASE_URI=database_url, MEILI_URL=meili.url,
                      MEILI_MASTER_KEY=meili.master_key, MEILI_INDEX_PREFIX="bench_",
                      MEILI_TIMEOUT=30.0, DRAIN_AFTER_COMMIT=False)
        app = create_app(TestConfig, **{**config, **overrides})
        with app.app_context():
            db.drop_all()
            db.create_all()
        yield Bench(app, workdir, database_url, meili)
    finally:
        meili.close()
        shutil.rmtree(workdir, ignore_errors=True)

