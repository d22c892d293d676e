"""Bench: the app under load with gunicorn, next to a bare Flask "hello" app served the same way.

    .venv/bin/python -m bench.load                          # 100,000 demo listings
    BENCH_LISTINGS=10000 BENCH_LOAD_SECONDS=5 .venv/bin/python -m bench.load
    BENCH_PROFILE=1 ...                                     # also print a cProfile per page

One run builds a PostgreSQL database for the bench (SQLite when PostgreSQL is unreachable),
fills it with the demo generator, indexes it into a Meilisearch process started for the run,
then serves the app and bench/hello.py with the production gunicorn.conf.py on loopback.
A closed-loop load generator (a few processes, each driving several keep-alive connections
with a minimal HTTP/1.1 client on a selector, so the client stays lighter than the server)
measures requests/s and p50/p95 latency for each page, and for the bare endpoint before and
after them.
Before the load, each page is requested in-process to count its SQL queries and size.
"""
import cProfile
import io
import multiprocessing
import os
import pstats
import random
import runpy
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import seed_demo
from bench.report import REPORT, write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LISTINGS = int(os.environ.get("BENCH_LISTINGS", "100000"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "15"))
WARMUP = float(os.environ.get("BENCH_LOAD_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "16"))
PROCESSES = int(os.environ.get("BENCH_LOAD_PROCESSES", "2"))
WORKERS = os.environ.get("BENCH_WORKERS")  # default: gunicorn.conf.py's, sized to the machine
PROFILE = bool(os.environ.get("BENCH_PROFILE"))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "3"))  # signed-in members the member rows rotate
# the member rows' clients say who they are as the browser they signed in with did (the
# session is tied to it, as Flask-Login's session protection ties it)
MEMBER_AGENT = "exchange-bench-load"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARK_START = "<!-- bench:load:start -->"
MARK_END = "<!-- bench:load:end -->"
NOTES_START = "<!-- bench:load:notes:start -->"
NOTES_END = "<!-- bench:load:notes:end -->"

# a query and two filters, as a visitor narrows a search; rotated so no answer repeats in a row
SEARCHES = [
    "q=may+say&sector=agriculture&province=ha_noi",
    "q=khoan+cnc&kind=offer&category=equipment",
    "q=xu+ly+nuoc+thai&kind=request&sector=environment",
    "q=robot+han&category=equipment&province=phu_tho",
    "q=phan+mem&sector=ict&kind=offer",
    "q=vinh+phuc&kind=offer&category=technology",
]


# --- load generator (runs in child processes; keep it free of app imports) -------------

def _parse(buffer: bytearray):
    """One complete response at the start of `buffer` -> (status, body size, server closes,
    bytes used); None while it is incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).split(b"\r\n")
    status = int(head[0][9:12])
    length, closes = 0, False
    for line in head[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            closes = value.strip().lower() == b"close"
        elif name == b"transfer-encoding":
            raise ConnectionError("chunked responses are not expected here")
    used = end + 4 + length
    if len(buffer) < used:
        return None
    return status, length, closes, used


def _read_response(sock, buffer: bytearray) -> tuple[int, int, bool]:
    """Blocking read of one response (server start-up probes)."""
    while (parsed := _parse(buffer)) is None:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the end of the response")
        buffer += chunk
    del buffer[:parsed[3]]
    return parsed[:3]


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _Connection:
    def __init__(self, port, number, member=0):
        self.port, self.number, self.member = port, number, member
        self.sock, self.buffer, self.began = _connect(port), bytearray(), 0.0
        self.sock.setblocking(False)


def _client(port, paths, connections, offset, start_at, warmup, seconds, results,
            cookies=()):
    """A closed loop on each of `connections` keep-alive connections, driven by one selector
    so the client's CPU grows with the request rate, not with the connection count. With
    `cookies` (signed-in members' session cookies), each connection is one of them."""
    import selectors

    def head(path, cookie=None):
        extra = f"Cookie: {cookie}\r\nUser-Agent: {MEMBER_AGENT}\r\n" if cookie else ""
        return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode()

    by_member = [[head(path, cookie) for path in paths] for cookie in cookies] or \
        [[head(path) for path in paths]]
    latencies, errors, sizes, statuses = [], 0, 0, {}
    measure_from, stop_at = start_at + warmup, start_at + warmup + seconds
    selector = selectors.DefaultSelector()
    while time.monotonic() < start_at:
        time.sleep(0.001)

    def send(conn):
        conn.began = time.monotonic()
        requests = by_member[conn.member % len(by_member)]
        conn.sock.sendall(requests[conn.number % len(requests)])
        conn.number += 1

    def record(began, finished, status, size):
        nonlocal errors, sizes
        if began < measure_from or finished > stop_at:
            return
        latencies.append(finished - began)
        sizes += size
        if status != 200:
            errors += 1
            statuses[status] = statuses.get(status, 0) + 1

    def reopen(conn):
        selector.unregister(conn.sock)
        conn.sock.close()
        fresh = _Connection(port, conn.number, conn.member)
        selector.register(fresh.sock, selectors.EVENT_READ, fresh)
        return fresh

    for number in range(connections):
        conn = _Connection(port, offset + number * 13, number)
        selector.register(conn.sock, selectors.EVENT_READ, conn)
        send(conn)
    while selector.get_map():
        for key, _events in selector.select(timeout=1.0):
            conn = key.data
            try:
                chunk = conn.sock.recv(262144)
                if not chunk:
                    raise ConnectionError("closed by the server")
                conn.buffer += chunk
                parsed = _parse(conn.buffer)
            except OSError as exc:  # ConnectionError included: count it, reconnect, go on
                record(conn.began, time.monotonic(), exc.__class__.__name__, 0)
                conn = reopen(conn)
                parsed = None
                if time.monotonic() < stop_at:
                    send(conn)
                continue
            if parsed is None:
                continue
            finished = time.monotonic()
            status, size, closes, used = parsed
            del conn.buffer[:used]
            record(conn.began, finished, status, size)
            if closes:
                conn = reopen(conn)
            if finished < stop_at:
                send(conn)
            else:
                selector.unregister(conn.sock)
                conn.sock.close()
    results.put({"latencies": latencies, "errors": errors, "bytes": sizes,
                 "statuses": statuses})


def load(port: int, paths: list[str], seconds: float = SECONDS,
         connections: int = CONNECTIONS, processes: int = PROCESSES, cookies=()) -> dict:
    """`connections` keep-alive connections spread over `processes` client processes (each
    signed in as one of the members whose session `cookies` are given, if any)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.monotonic() + 1.5  # after every client process has started
    shares = [connections // processes + (n < connections % processes)
              for n in range(processes)]
    clients = [context.Process(target=_client, args=(port, paths, share, number * 101,
                                                     start_at, WARMUP, seconds, results,
                                                     tuple(cookies[number:]) + tuple(cookies[:number])))
               for number, share in enumerate(shares) if share]
    for process in clients:
        process.start()
    parts = [results.get(timeout=seconds + WARMUP + 120) for _ in clients]
    for process in clients:
        process.join(10)
    latencies = sorted(value for part in parts for value in part["latencies"])
    count = len(latencies)
    statuses = {}
    for part in parts:
        for status, times in part["statuses"].items():
            statuses[status] = statuses.get(status, 0) + times
    return {
        "requests": count,
        "rps": count / seconds,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95": latencies[min(count - 1, int(0.95 * count))] * 1000 if latencies else float("nan"),
        "errors": sum(part["errors"] for part in parts),
        "statuses": statuses,
        "bytes": sum(part["bytes"] for part in parts) / max(count, 1),
    }


# --- servers and data --------------------------------------------------------------------

def gunicorn(spec: str, port: int, env: dict, probe: str) -> subprocess.Popen:
    settings = {"BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESSLOG": "/dev/null"}
    if WORKERS:
        settings["WEB_CONCURRENCY"] = WORKERS
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), spec],
        cwd=ROOT, env={**os.environ, **env, **settings},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {spec} exited with {process.returncode}")
        try:
            with _connect(port) as sock:
                sock.sendall(f"GET {probe} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                             "Connection: close\r\n\r\n"
                             .encode())
                if _read_response(sock, bytearray())[0] == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn {spec} did not start")


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Database:
    """A PostgreSQL database made for this run and dropped after it; SQLite as a fallback."""

    def __init__(self, workdir: str, prefix: str = "exchange_bench_load"):
        self.name = f"{prefix}_{os.getpid()}"
        self.admin = None
        try:
            import psycopg
            self.admin = psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True,
                                         connect_timeout=3)
        except Exception as exc:  # noqa: BLE001  (any failure to reach it means SQLite)
            print(f"PostgreSQL unreachable ({exc.__class__.__name__}); using SQLite",
                  flush=True)
            self.url, self.kind = f"sqlite:///{workdir}/bench.db", "SQLite"
            return
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        self.url = PG_URL.rsplit("/", 1)[0] + f"/{self.name}"
        version = self.admin.execute("SHOW server_version").fetchone()[0]
        self.kind = f"PostgreSQL {version.split()[0]}"

    def drop(self):
        if self.admin is None:
            return
        import psycopg
        try:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        except psycopg.OperationalError:  # the server restarted meanwhile: a new connection
            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            self.admin.close()
            self.admin = None


def build_data() -> dict:
    from sqlalchemy import select, text

    from exchange.extensions import db
    from exchange.listings.models import Listing, Status
    from exchange.matching.services import run_match_jobs
    from exchange.search.outbox import sync
    from exchange.search.rebuild import reindex

    seed_demo(LISTINGS)
    figures = reindex(batch_size=5000)
    # what the periodic jobs of a live site leave: index jobs confirmed, matching done
    sync()
    run_match_jobs(force=True)
    public = db.session.scalars(select(Listing.id).where(Listing.status == Status.PUBLISHED)
                                .order_by(Listing.id)).all()
    add_index_history(public)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # the statistics a live database has
        db.session.commit()
    listing_ids = random.Random(11).sample(list(public), min(300, len(public)))
    return {"indexed": figures["documents"], "listing_ids": listing_ids}


def add_index_history(listing_ids: list[int]) -> None:
    """One confirmed index job per public listing, as a live site has from their approvals
    (the generator writes listings straight to the tables, around the outbox)."""
    from datetime import timedelta

    from sqlalchemy import insert

    from exchange.extensions import db
    from exchange.search.models import IndexJob, JobState
    from exchange.timeutil import utcnow

    at = utcnow() - timedelta(days=1)
    for start in range(0, len(listing_ids), 10_000):
        db.session.execute(insert(IndexJob.__table__), [
            {"listing_id": listing_id, "reason": "approved", "state": JobState.DONE.value,
             "attempts": 1, "next_attempt_at": at, "created_at": at, "done_at": at}
            for listing_id in listing_ids[start:start + 10_000]])
    db.session.commit()


def pages(listing_ids: list[int]) -> dict[str, list[str]]:
    return {
        "home page `/`": ["/"],
        "`/search`, a query and two filters": [f"/search?{s}" for s in SEARCHES],
        "listing page `/listings/<id>`": [f"/listings/{i}" for i in listing_ids],
        "`/api/v1/search`, a query and two filters": [f"/api/v1/search?{s}" for s in SEARCHES],
    }


def member_cookies(app, count: int) -> list[str]:
    """Session cookies of `count` demo business members, signed in through the app's own
    sign-in form (same secret key as the served app), with the sign-in's message read."""
    import re

    from sqlalchemy import select

    from exchange.accounts.demo import DEMO_PASSWORD
    from exchange.accounts.models import Member
    from exchange.extensions import db

    with app.app_context():
        emails = db.session.scalars(select(Member.email).where(Member.business_id.isnot(None))
                                    .order_by(Member.id).limit(count)).all()
    cookies = []
    for email in emails:
        client = app.test_client()
        # production cookies are https-only and its forms check the referrer over https
        client.environ_base.update(HTTP_USER_AGENT=MEMBER_AGENT, REMOTE_ADDR="127.0.0.1",
                                   HTTP_REFERER="https://localhost/auth/login")
        client.environ_base["wsgi.url_scheme"] = "https"
        form = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        signed = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD,
                                                  "csrf_token": token})
        assert signed.status_code == 302, (email, signed.status_code)
        client.get("/")  # the welcome message is read: the session carries nothing to show
        name = app.config["SESSION_COOKIE_NAME"]
        cookies.append(f"{name}={client.get_cookie(name).value}")
    return cookies


# --- in-process look: SQL queries per request, sizes, optional profile -------------------

def inspect(app, paths_by_page: dict[str, list[str]]) -> dict[str, dict]:
    from sqlalchemy import event

    from exchange.extensions import db

    counted = []

    def count(*_args, **_kwargs):
        counted.append(1)

    figures = {}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client = app.test_client()
        for page, paths in paths_by_page.items():
            sample = paths[:6]
            for path in sample:  # warm caches the way a running worker has them
                client.get(path)
            counted.clear()
            sizes = []
            for path in sample:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                sizes.append(len(response.data))
            figures[page] = {"queries": len(counted) / len(sample),
                             "size": sum(sizes) / len(sizes)}
            if PROFILE:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(5):
                    for path in sample:
                        client.get(path)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
                print(f"---- profile: {page}\n{out.getvalue()}", flush=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return figures


# --- report --------------------------------------------------------------------------------

def write_report(figures: dict) -> Path:
    hello = figures["hello"]
    ceiling = statistics.mean(run["rps"] for run in hello)
    rates = " / ".join(format(run["rps"], ",.0f") for run in hello)
    rows = [(f"| bare Flask `/hello` (ceiling; before and after the pages) | {rates} | 100% | "
             f"{statistics.mean(r['p50'] for r in hello):.1f} | "
             f"{statistics.mean(r['p95'] for r in hello):.1f} | "
             f"{sum(r['errors'] for r in hello)} | – | – |")]
    for page, run in figures["pages"].items():
        look = figures["inspect"].get(page, {})
        rows.append(
            f"| {page} | {run['rps']:,.0f} | {run['rps'] / ceiling * 100:.0f}% | "
            f"{run['p50']:.1f} | {run['p95']:.1f} | {run['errors']} | "
            f"{look.get('queries', 0):.1f} | {look.get('size', 0) / 1024:.1f} |")
    for page, run in figures["members"].items():
        rows.append(
            f"| {page}, **signed-in member** | {run['rps']:,.0f} | "
            f"{run['rps'] / ceiling * 100:.0f}% | "
            f"{run['p50']:.1f} | {run['p95']:.1f} | {run['errors']} | – | – |")
    for page, run in figures["uncached"].items():
        rows.append(
            f"| {page}, page cache off | {run['rps']:,.0f} | {run['rps'] / ceiling * 100:.0f}% | "
            f"{run['p50']:.1f} | {run['p95']:.1f} | {run['errors']} | – | – |")
    member_share = " / ".join(f"{run['rps'] / ceiling * 100:.0f}%"
                              for run in figures["members"].values())
    table = "\n".join(rows)
    api = figures["pages"]["`/api/v1/search`, a query and two filters"]["rps"] / ceiling * 100
    listing = figures["pages"]["listing page `/listings/<id>`"]["rps"] / ceiling * 100
    api_off = figures["uncached"]["`/api/v1/search`, a query and two filters"]["rps"] / ceiling * 100
    listing_off = figures["uncached"]["listing page `/listings/<id>`"]["rps"] / ceiling * 100
    errors = sum(run["errors"] for kind in ("pages", "members", "uncached")
                 for run in figures[kind].values())
    text = REPORT.read_text() if REPORT.exists() else ""
    notes = ""
    if NOTES_START in text and NOTES_END in text:
        notes = NOTES_START + text.split(NOTES_START, 1)[1].split(NOTES_END, 1)[0] + NOTES_END
    section = f"""{MARK_START}
## Load: pages under gunicorn next to a bare Flask endpoint

`make bench` (`python -m bench.load`), {figures['listings']:,} demo listings
({figures['indexed']:,} public and indexed, one confirmed index job each as the outbox
leaves them), {figures['database']}, Meilisearch
{figures['meili_version']}, gunicorn with `gunicorn.conf.py` ({figures['workers']} workers ×
{figures['threads']} threads, gthread, access log off), everything on loopback on
{os.cpu_count()} CPU(s) shared with the load generator; run on
{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. The load generator keeps
{CONNECTIONS} keep-alive connections busy from {PROCESSES} processes (closed loop, a minimal
HTTP/1.1 client on one selector per process, {SECONDS:.0f} s measured after {WARMUP:.0f} s of
warm-up per row). The machine's 1-minute load average was {figures['loadavg'][0]:.1f} before
the load and {figures['loadavg'][1]:.1f} at its end (other work on the machine included).
SQL queries and size are per rendered request (page cache off), counted in-process with an
SQLAlchemy event listener. The visitors are anonymous, as most of a public exchange's are:
their pages come from the page cache (`exchange/core/pagecache.py`) while nothing public
changes; the rows marked "page cache off" are the same requests with
`PAGE_CACHE_SECONDS=0`, every one rendered (searches reaching Meilisearch). The listing
pages rotate over {figures['listing_pages']} listings.

| endpoint | requests/s | of ceiling | p50 (ms) | p95 (ms) | errors | SQL queries | KiB |
|---|---:|---:|---:|---:|---:|---:|---:|
{table}

`/api/v1/search` reaches **{api:.0f}%** of the bare endpoint's throughput (target: at least
40%), listing pages **{listing:.0f}%** (target: at least 30%), with {errors} error(s);
with the page cache off, {api_off:.0f}% and {listing_off:.0f}%. Signed-in members
({figures['member_count']} demo business members, each connection one of them, signed in
through the sign-in form) get home, `/search` and listing pages at **{member_share}** of the
bare endpoint (target: at least 30% each): the page kept once for the members who read it
as the public does (the first reader, signed in or not, renders it), with their own panels
(header, inquiry form, proposals, "save this search", …) put into it: rendered once per
member and page for the instance (`exchange/core/panels.py`; kept in each worker's memory
and as files the workers share), a listing's cards once for all the members of one standing
who are not party to it (kept from the first render of the page, whoever's it was; the
inside of a card's forms is rendered once per language for every listing), then kept until
a write changes what they show (`exchange/core/panelstate.py`), each answer with form tokens
of the member's session (a signed token handed out again within a minute); the member too is
kept in each worker's memory while nothing of theirs has moved (each worker looks at what
moved every `PANEL_STATE_SECONDS`), so such an answer makes no database round trip, and
their session cookie is verified once a minute per worker (`SESSION_VERIFIED_SECONDS`,
`exchange/core/sessions.py`). A member's own listings (one in 12 of the listing pages here)
are kept the same way, for them alone.

{notes}
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def _terminate(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # so the database and servers go too


# production refuses to start without a secret of at least 32 characters
BENCH_SECRET_KEY = "bench-secret-key-" + "0123456789abcdef" * 2


def main() -> dict:
    signal.signal(signal.SIGTERM, _terminate)
    from config import ProductionConfig
    from exchange import create_app
    from tests.services import MeiliServer, free_port

    workdir = tempfile.mkdtemp(prefix="exchange-load-")
    meili = database = app_server = hello_server = None
    try:
        database = Database(workdir)
        meili = MeiliServer(master_key="bench-master-key-0123456789").start()
        env = {"DATABASE_URL": database.url, "MEILI_URL": meili.url,
               "MEILI_MASTER_KEY": meili.master_key, "MEILI_INDEX_PREFIX": "load_",
               "EXCHANGE_ENV": "production", "SECRET_KEY": BENCH_SECRET_KEY,
               "EXCHANGE_INSTANCE_DIR": workdir, "UPLOAD_DIR": f"{workdir}/uploads",
               "TRUSTED_HOSTS": "127.0.0.1,localhost"}
        app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database.url,
                         MEILI_URL=meili.url, MEILI_MASTER_KEY=meili.master_key,
                         MEILI_INDEX_PREFIX="load_", MEILI_TIMEOUT=10.0,
                         UPLOAD_DIR=f"{workdir}/uploads", SECRET_KEY=BENCH_SECRET_KEY,
                         TRUSTED_HOSTS=["127.0.0.1", "localhost"],
                         PAGE_CACHE_SECONDS=0)
        with app.app_context():
            print(f"{database.kind}: generating {LISTINGS:,} demo listings and indexing…",
                  flush=True)
            data = build_data()
            from exchange.extensions import db
            db.session.remove()
            db.engine.dispose()
        targets = pages(data["listing_ids"])
        looked = inspect(app, targets)
        for page, look in looked.items():
            print(f"{page}: {look['queries']:.1f} SQL queries, {look['size'] / 1024:.1f} KiB",
                  flush=True)
        cookies = member_cookies(app, MEMBERS)
        member_targets = {page: paths for page, paths in targets.items()
                          if not page.startswith("`/api")}
        with app.app_context():
            from exchange.extensions import db
            db.engine.dispose()  # the servers get every connection the database allows

        hello_port, app_port = free_port(), free_port()
        hello_server = gunicorn("bench.hello:app", hello_port, env, "/hello")
        hello_runs, runs, uncached, members = [], {}, {}, {}
        quiet = os.getloadavg()[0]  # the load generator and servers raise it from here
        hello_runs.append(load(hello_port, ["/hello"]))
        print(f"hello: {hello_runs[-1]['rps']:,.0f} req/s", flush=True)
        # the same pages with the page cache off (every request rendered), then as served
        for cache_seconds, into in (("0", uncached), ("", runs)):
            app_server = gunicorn("wsgi:app", app_port,
                                  {**env, "PAGE_CACHE_SECONDS": cache_seconds}, "/api/v1/stats")
            rows = [(into, page, paths, ()) for page, paths in targets.items()]
            if into is runs:  # signed-in members, as served
                rows += [(members, page, paths, cookies)
                         for page, paths in member_targets.items()]
            for table, page, paths, signed in rows:
                table[page] = run = load(app_port, paths, cookies=signed)
                label = {id(uncached): " (page cache off)", id(members): " (signed-in member)"}
                print(f"{page}{label.get(id(table), '')}: "
                      f"{run['rps']:,.0f} req/s, p50 {run['p50']:.1f} ms, "
                      f"p95 {run['p95']:.1f} ms, errors {run['errors']} "
                      f"{run['statuses'] or ''}", flush=True)
            stop(app_server)
            app_server = None
        hello_runs.append(load(hello_port, ["/hello"]))
        print(f"hello: {hello_runs[-1]['rps']:,.0f} req/s", flush=True)
        with app.app_context():
            version = meili.request("GET", "/version").json()["pkgVersion"]
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        results = {"listings": LISTINGS, "indexed": data["indexed"], "database": database.kind,
                   "meili_version": version, "workers": int(WORKERS or conf["workers"]),
                   "threads": conf["threads"], "hello": hello_runs, "pages": runs,
                   "uncached": uncached, "members": members, "member_count": len(cookies),
                   "listing_pages": len(data["listing_ids"]),
                   "inspect": looked, "loadavg": (quiet, os.getloadavg()[0])}
        path = write_report(results)
        print(f"written to {path.relative_to(ROOT)}", flush=True)
        return results
    finally:
        stop(app_server)
        stop(hello_server)
        if meili is not None:
            meili.close()
        if database is not None:
            database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
