"""A rate-limit store in one SQLite file, shared by the workers of one instance."""
import os
import sqlite3
import threading
import time

from limits.storage import Storage


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file (`sqlite:///path/to/file.db`).

    Every gunicorn worker of an instance opens the same file, so a limit holds for the
    instance and not per process, without a Redis to run; several instances behind a load
    balancer use `redis://` instead. Each counter is one row, bumped by a single UPSERT, so
    concurrent workers never lose a hit."""

    STORAGE_SCHEME = ["sqlite"]
    PURGE_EVERY = 500  # hits between two sweeps of expired rows

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1][1:] or ":memory:"
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        self._hits = 0

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # opened lazily and again after a fork: gunicorn may build the app before it forks
        if self._connection is None or self._pid != os.getpid():
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, "
                "count INTEGER NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID")
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _run(self, sql, params=()):
        with self._lock:
            return self._db().execute(sql, params).fetchall()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        self._hits += 1
        if self._hits % self.PURGE_EVERY == 0:
            self._run("DELETE FROM counters WHERE expires_at <= ?", (now,))
        [(count,)] = self._run(
            "INSERT INTO counters (key, count, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN counters.expires_at <= ? THEN excluded.count "
            "             ELSE counters.count + excluded.count END, "
            "expires_at = CASE WHEN counters.expires_at <= ? THEN excluded.expires_at "
            "                  ELSE counters.expires_at END "
            "RETURNING count",
            (key, amount, now + expiry, now, now))
        return count

    def get(self, key: str) -> int:
        rows = self._run("SELECT count FROM counters WHERE key = ? AND expires_at > ?",
                         (key, time.time()))
        return rows[0][0] if rows else 0

    def get_expiry(self, key: str) -> float:
        rows = self._run("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?",
                         (key, time.time()))
        return rows[0][0] if rows else time.time()

    def clear(self, key: str) -> None:
        self._run("DELETE FROM counters WHERE key = ?", (key,))

    def reset(self) -> int | None:
        with self._lock:
            return self._db().execute("DELETE FROM counters").rowcount

    def check(self) -> bool:
        try:
            self._run("SELECT 1")
        except sqlite3.Error:
            return False
        return True
