"""A worker's small memories (members it keeps, split pages, rendered fragments): a dict of
at most `entries` items shared by the worker's threads; when it is full, the oldest goes."""
import threading


class Bounded:
    def __init__(self, entries: int):
        self.entries = entries
        self.items: dict = {}
        self.lock = threading.Lock()

    def get(self, key, default=None):
        return self.items.get(key, default)

    def set(self, key, value) -> None:
        with self.lock:
            if key not in self.items and len(self.items) >= self.entries:
                self.items.pop(next(iter(self.items)), None)
            self.items[key] = value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def __len__(self) -> int:
        return len(self.items)


def bounded_in(app, name: str, entries: int) -> Bounded:
    """The app's memory `name` (in `app.extensions`), made on first use."""
    memory = app.extensions.get(name)
    if memory is None:
        memory = app.extensions.setdefault(name, Bounded(entries))
    return memory
