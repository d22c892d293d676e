"""Entries a worker keeps as files for the instance's other workers (kept pages, members'
panels): cachelib's FileSystemCache without its file count, which it reads and writes
again with every entry it adds (most of the cost of keeping one). The directory is bounded
by a sweep instead: at most once every `seconds`, the worker that writes next removes the
entries written more than `seconds` ago (every entry here lives that long) and then the
oldest beyond `entries`."""
import logging
import os
import threading
import time

from cachelib import FileSystemCache

logger = logging.getLogger(__name__)


class SweptFiles(FileSystemCache):
    def __init__(self, directory: str, entries: int, seconds: int):
        super().__init__(directory, threshold=0, default_timeout=seconds)
        self.entries, self.seconds = entries, seconds
        self.next_sweep = time.monotonic() + max(seconds, 1)
        self.sweeping = threading.Lock()

    def set(self, key: str, value, timeout=None, mgmt_element: bool = False) -> bool:
        written = super().set(key, value, timeout, mgmt_element)
        if time.monotonic() >= self.next_sweep and self.sweeping.acquire(blocking=False):
            try:
                self.next_sweep = time.monotonic() + max(self.seconds, 1)
                self.sweep()
            except OSError:  # the entry is written; the next sweep tries again
                logger.warning("could not sweep %s", self._path, exc_info=True)
            finally:
                self.sweeping.release()
        return written

    def sweep(self, now: float | None = None) -> int:
        """Remove the expired entries, then the oldest beyond `entries`: how many went."""
        # (with no `seconds`, entries do not expire: only the bound applies)
        cutoff = (time.time() if now is None else now) - self.seconds if self.seconds > 0 \
            else float("-inf")
        kept, removed = [], 0
        with os.scandir(self._path) as found:
            for entry in found:
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue  # not an entry
                    written = entry.stat().st_mtime
                    if written < cutoff:
                        os.remove(entry.path)
                        removed += 1
                    else:
                        kept.append((written, entry.path))
                except FileNotFoundError:
                    continue  # another worker swept it
        kept.sort()
        for _written, path in kept[:max(0, len(kept) - self.entries)]:
            try:
                os.remove(path)
                removed += 1
            except FileNotFoundError:
                continue
        return removed
