"""Fault tests: the app served on loopback by a threaded server, browsers as requests
sessions, and a steady load of visitors recording every answer while a service fails."""
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from tests.conftest import extract_csrf
from tests.factories import PASSWORD

REQUEST_TIMEOUT = 15  # a hang is reported as a failed answer, never waited out


@pytest.fixture
def app_overrides():
    # the visitors and staff of these tests all come from 127.0.0.1
    return {"RATELIMIT_ENABLED": False}


class Browser:
    """One person on the live site: a cookie jar, forms posted with their CSRF token."""

    def __init__(self, base_url):
        self.base = base_url
        self.session = requests.Session()
        self.session.headers["Accept-Language"] = "en"
        self.get("/?lang=en")

    def get(self, path, **kwargs):
        return self.session.get(self.base + path, timeout=REQUEST_TIMEOUT, **kwargs)

    def post(self, path, data, token_from="/", **kwargs):
        token = extract_csrf(self.get(token_from).text)
        return self.session.post(self.base + path, data={**data, "csrf_token": token},
                                 timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)

    def login(self, member):
        response = self.post("/auth/login", {"email": member.email, "password": PASSWORD},
                             token_from="/auth/login")
        assert response.status_code == 302, response.text[:300]
        return self


@dataclass
class Answer:
    path: str
    started: float
    seconds: float
    status: int | None  # None: no answer (connection error or timeout)
    body: str = ""


@dataclass
class Load:
    """`threads` visitors each cycling through `paths` until stopped."""

    base_url: str
    paths: list[str]
    threads: int = 4
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._visit, args=(n,), daemon=True)
                         for n in range(self.threads)]

    def _visit(self, n):
        session = requests.Session()
        i = n
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            started = time.monotonic()
            try:
                response = session.get(self.base_url + path, timeout=REQUEST_TIMEOUT)
                answer = Answer(path, started, time.monotonic() - started,
                                response.status_code, response.text)
            except requests.RequestException as exc:
                answer = Answer(path, started, time.monotonic() - started, None, repr(exc))
            with self._lock:
                self.answers.append(answer)
            time.sleep(0.01)

    def __enter__(self):
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for worker in self._workers:
            worker.join(REQUEST_TIMEOUT + 5)

    def run_for(self, seconds):
        time.sleep(seconds)

    def of(self, path_prefix, after=None, before=None) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.path.startswith(path_prefix)
                    and (after is None or a.started >= after)
                    and (before is None or a.started + a.seconds <= before)]
