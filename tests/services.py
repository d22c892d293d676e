"""Real services for tests: a Meilisearch server and an SMTP server on loopback."""
import email
import email.policy
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
MEILI_BIN = Path(os.environ.get(
    "MEILI_BIN", ROOT / "node_modules" / "@gaubee" / "meilisearch-linux-amd64" / "meilisearch"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MeiliServer:
    """A real Meilisearch process with its own port and data directory."""

    def __init__(self, master_key="test-master-key-0123456789"):
        self.master_key = master_key
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix="meili-test-")
        self.process = None

    def start(self, timeout=30):
        log = open(os.path.join(self.data_dir, "meili.log"), "ab")
        self.process = subprocess.Popen(
            [str(MEILI_BIN), "--http-addr", f"127.0.0.1:{self.port}",
             "--db-path", os.path.join(self.data_dir, "data.ms"),
             "--dump-dir", os.path.join(self.data_dir, "dumps"),
             "--master-key", self.master_key, "--no-analytics", "--env", "development",
             "--log-level", "WARN"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"meilisearch exited with {self.process.returncode}")
            try:
                if requests.get(self.url + "/health", timeout=0.5).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("meilisearch did not become healthy")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def request(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.master_key}"}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def wait_idle(self, timeout=20):
        """Wait until every enqueued or processing task has finished."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tasks = self.request("GET", "/tasks", params={"statuses": "enqueued,processing",
                                                          "limit": 1}).json()
            if not tasks.get("results"):
                return
            time.sleep(0.05)
        raise TimeoutError("meilisearch tasks still running")

    def delete_indexes(self, prefix):
        indexes = self.request("GET", "/indexes", params={"limit": 1000}).json()["results"]
        for index in indexes:
            if index["uid"].startswith(prefix):
                self.request("DELETE", f"/indexes/{index['uid']}")

    def close(self):
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


class _Collector:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    """A real SMTP server (aiosmtpd) on loopback that keeps what arrives."""

    def __init__(self):
        self.port = free_port()
        self.host = "127.0.0.1"
        self.messages = []
        self.controller = None

    def start(self):
        self.controller = Controller(_Collector(self.messages), hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def clear(self):
        self.messages.clear()

    def wait_for(self, count=1, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mail(s), got {len(self.messages)}")

    def to(self, address):
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


__all__ = ["MeiliServer", "SMTPServer", "free_port"]
