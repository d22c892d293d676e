"""A published import while Meilisearch is down: the database is complete, the index
catches up through the outbox once the server is back."""
import time

import pytest

from exchange.search.outbox import backlog
from tests.helpers import api_ids, settle
from tests.transfer.conftest import row, run, write_file


@pytest.fixture
def stoppable(meili):
    yield meili
    if not meili.is_running:
        meili.start()


def test_import_with_meilisearch_down_converges_after_sync(app, client, moderator, stoppable,
                                                           tmp_path):
    app.config["IMPORT_INDEX_TIMEOUT"] = 1
    path = write_file(tmp_path / "old.csv", [row(n, title=f"Máy ép viên nén mùn cưa {n}")
                                             for n in range(1, 6)])
    stoppable.stop()
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email)
    assert result.exit_code == 3, result.output  # done, but the index is behind
    assert "5 were created" in result.output
    assert "5 job(s) pending" in result.output and "sync-index" in result.output
    assert backlog()["pending"] == 5

    stoppable.start()
    assert run(app, "sync-index").exit_code == 0
    settle(stoppable)
    assert len(api_ids(client, q="may ep vien nen")) == 5


def test_import_does_not_wait_for_a_meilisearch_that_does_not_answer(app, moderator, stoppable,
                                                                    tmp_path):
    app.config.pop("IMPORT_INDEX_TIMEOUT", None)  # the default wait: ten minutes
    path = write_file(tmp_path / "old.csv", [row(n) for n in range(1, 4)])
    stoppable.stop()
    started = time.monotonic()
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email)
    # a fault test about hanging: without its own bound the import would wait ten minutes,
    # so a generous 30 s tells "gave up" from "hung", not fast from slow
    assert time.monotonic() - started < 30
    assert result.exit_code == 3, result.output
    assert "3 row(s) read" in result.output and "3 were created" in result.output
    assert "Meilisearch does not answer" in result.output
    assert "3 index job(s) wait in the outbox" in result.output
    assert backlog()["pending"] == 3


def test_the_wait_for_meilisearch_is_an_option(app, moderator, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1)])
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email, "--index-wait", "30")
    assert result.exit_code == 0, result.output
    assert "search index in sync" in result.output
    result = run(app, "import-listings", path, "--index-wait", "-1")
    assert result.exit_code == 2 and "--index-wait" in result.output
