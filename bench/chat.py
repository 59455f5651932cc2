"""Benchmark of the live chat (issue 16): message delivery over the sockets under load.

    make bench-chat      # or: .venv/bin/python bench/chat.py [--tenants 200 --clerks 20 --messages 5]

1. starts a throwaway PostgreSQL 15 cluster (or uses DATABASE_URL's server) and a throwaway
   Redis (or CHAT_REDIS_URL's), migrates a database with production settings (DEBUG=0);
2. seeds ``--tenants`` tenants, each with a conversation already taken by one of ``--clerks``
   clerks (chat permission, TOTP device), and a logged-in session for each (the clerks' verified
   by the second factor, as the console's socket requires);
3. serves the ASGI application with daphne (one process, as the compose service ``chat``) and
   opens every tenant's socket and every clerk's console socket (each subscribed to its
   conversations) at once;
4. every tenant sends ``--messages`` messages at random intervals (``--interval``, default 2–8 s:
   a quick typist; 200 of them offer about 40 messages and 40 answers a second); the clerk of the
   conversation answers each as soon as it arrives. Delivery latency is the time from a socket
   sending a message to the other side's socket receiving it (both ends are in this process);
   prints p50, p95, max, messages delivered per second and how many were lost (target: p95
   ≤ 200 ms, none lost);
5. and, because latency on a shared machine follows everyone else's load, what the server side
   spent on the talk: CPU time of daphne, of PostgreSQL (every backend) and of Redis per message
   delivered, read from /proc before and after, with the load average (``uptime``) at both ends.
   CPU per message hardly depends on the neighbours; compare it between two versions run back
   to back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
# This file's own folder would make "chat" this script instead of the portal's app: the project
# root only (bench/import_bundle.py's throwaway PostgreSQL is loaded by its path below).
sys.path[:] = [str(BASE)] + [p for p in sys.path if Path(p or ".").resolve() != BASE / "bench"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes (every thread), from /proc."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def children_of(parent: int) -> list[int]:
    """PostgreSQL's backends: every process whose parent is the postmaster."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
    return found


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def production_env(database_url: str, redis_url: str, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "DEMO": "0",
        "SECRET_KEY": "bench-chat-" + "y" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "PZ_ENVIRONMENT": "off",
        "CELERY_BROKER_URL": "",
        "CHAT_REDIS_URL": redis_url,
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        # Each tenant sends a handful; the per-minute limit is not what is measured.
        "CHAT_MESSAGES_PER_MINUTE": "1000",
    }


def seed(tenants: int, clerks: int) -> dict:
    """Runs in a child process with the production settings; prints the sessions as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Permission
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from chat.models import Conversation, Message

    permission = Permission.objects.get(codename="handle_chat", content_type__app_label="chat")

    def session(user: User, device: TOTPDevice | None = None) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if device is not None:
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        return store.session_key

    clerk_rows = []
    for n in range(clerks):
        # No passwords: the sessions are made here, and hashing 220 of them would be the seeding's whole time.
        clerk = User.objects.create(username=f"bench.obsluga{n:02d}", email=f"o{n}@bench.test", is_staff=True)
        clerk.first_name = f"Pracownik {n}"
        clerk.save()
        clerk.user_permissions.add(permission)
        device = TOTPDevice.objects.create(user=clerk, name="bench", confirmed=True)
        clerk_rows.append({"user": clerk, "session": session(clerk, device), "conversations": []})
    tenant_rows = []
    now = timezone.now()
    for n in range(tenants):
        tenant = User.objects.create(username=f"bench.lokator{n:03d}", email=f"t{n}@bench.test")
        clerk = clerk_rows[n % clerks]
        conversation = Conversation.objects.create(
            tenant=tenant,
            status=Conversation.Status.ACTIVE,
            assignee=clerk["user"],
            taken_at=now,
            tenant_seen_at=now,
        )
        Message.objects.create(conversation=conversation, author_kind="tenant", author=tenant, body="Dzień dobry")
        clerk["conversations"].append(conversation.pk)
        tenant_rows.append({"session": session(tenant), "conversation": conversation.pk})
    return {
        "tenants": tenant_rows,
        "clerks": [{"session": c["session"], "conversations": c["conversations"]} for c in clerk_rows],
    }


async def run_load(
    port: int, seeded: dict, messages: int, interval: tuple[float, float], servers: dict[str, object]
) -> dict:
    import websockets

    origin = f"http://127.0.0.1:{port}"
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    received: set[str] = set()
    clerk_sockets: dict[int, object] = {}
    tenant_sockets: dict[int, object] = {}
    done = asyncio.Event()
    expected = 2 * messages * len(seeded["tenants"])

    def connect(path: str, session: str):
        return websockets.connect(
            f"ws://127.0.0.1:{port}{path}",
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=60,
            max_queue=None,
        )

    async def listen(ws, on_message) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "message":
                await on_message(frame)

    async def mark(frame: dict) -> bool:
        key = frame.get("client_id") or ""
        if key in sent_at and key not in received:
            received.add(key)
            latencies.append(time.perf_counter() - sent_at[key])
            if len(received) == expected:
                done.set()
            return True
        return False

    async def clerk_got(frame: dict) -> None:
        if frame["author"] == "tenant" and await mark(frame):
            ws = clerk_sockets[frame["conversation"]]
            key = "a" + frame["client_id"]
            sent_at[key] = time.perf_counter()
            await ws.send(
                json.dumps(
                    {"type": "message", "conversation": frame["conversation"], "body": "Odpowiedź", "client_id": key}
                )
            )

    async def tenant_got(frame: dict) -> None:
        if frame["author"] == "staff":
            await mark(frame)

    # Open every socket first (the clerks subscribe to their conversations), then start talking.
    clerk_conns = []
    for clerk in seeded["clerks"]:
        ws = await connect("/ws/czat/obsluga/", clerk["session"])
        for conversation in clerk["conversations"]:
            await ws.send(json.dumps({"type": "subscribe", "conversation": conversation, "after": 10**12}))
            clerk_sockets[conversation] = ws
        clerk_conns.append(ws)
    tenant_conns = []
    opened = time.perf_counter()
    gate = asyncio.Semaphore(25)  # handshakes in flight at once, as browsers arriving over a few seconds

    async def open_tenant(tenant: dict):
        async with gate:
            return await connect(f"/ws/czat/{tenant['conversation']}/?after={10**12}", tenant["session"])

    tenant_conns = await asyncio.gather(*(open_tenant(t) for t in seeded["tenants"]))
    for tenant, ws in zip(seeded["tenants"], tenant_conns, strict=True):
        tenant_sockets[tenant["conversation"]] = ws
    open_seconds = time.perf_counter() - opened
    listeners = [asyncio.create_task(listen(ws, clerk_got)) for ws in clerk_conns]
    listeners += [asyncio.create_task(listen(ws, tenant_got)) for ws in tenant_conns]
    await asyncio.sleep(1)  # the subscriptions are in place

    async def talk(index: int, tenant: dict) -> None:
        ws = tenant_sockets[tenant["conversation"]]
        for n in range(messages):
            await asyncio.sleep(random.uniform(*interval))
            key = f"t{index}-{n}"
            sent_at[key] = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": f"Pytanie {n}", "client_id": key}))

    def cpu() -> dict[str, float]:
        return {name: cpu_seconds(pids() if callable(pids) else pids) for name, pids in servers.items()}

    cpu_before, load_before = cpu(), load_average()
    started = time.perf_counter()
    await asyncio.gather(*(talk(i, t) for i, t in enumerate(seeded["tenants"])))
    with contextlib.suppress(TimeoutError):  # what did not arrive by then counts as lost
        await asyncio.wait_for(done.wait(), timeout=60)
    elapsed = time.perf_counter() - started
    cpu_after, load_after = cpu(), load_average()
    for task in listeners:
        task.cancel()
    for ws in [*clerk_conns, *tenant_conns]:
        await ws.close()
    ordered = sorted(latencies)
    return {
        "sockets": len(clerk_conns) + len(tenant_conns),
        "open_seconds": open_seconds,
        "expected": expected,
        "delivered": len(received),
        "lost": expected - len(received),
        "p50_ms": 1000 * statistics.median(ordered) if ordered else None,
        "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))] if ordered else None,
        "max_ms": 1000 * ordered[-1] if ordered else None,
        "messages_per_second": len(received) / elapsed,
        "seconds": elapsed,
        "cpu_ms_per_message": {
            name: 1000 * (cpu_after[name] - cpu_before[name]) / max(len(received), 1) for name in servers
        },
        "load": (load_before, load_after),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--clerks", type=int, default=20)
    parser.add_argument("--messages", type=int, default=5, help="messages each tenant sends (each gets an answer)")
    parser.add_argument(
        "--interval", default="2,8", help="seconds between a tenant's messages, MIN,MAX (e.g. 0.2,2 for a burst)"
    )
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        print(json.dumps(seed(args.tenants, args.clerks)))
        return

    folder = Path(tempfile.mkdtemp(prefix="ebok-bench-chat-"))
    pg = redis = server = None
    try:
        admin_url = os.environ.get("DATABASE_URL", "")
        if not admin_url.startswith("postgres"):
            import importlib.util

            spec = importlib.util.spec_from_file_location("bench_import_bundle", BASE / "bench" / "import_bundle.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            pg = module.ThrowawayPostgres()
            admin_url = pg.start()
        redis_url = os.environ.get("CHAT_REDIS_URL", "")
        if not redis_url:
            redis_port = free_port()
            redis = subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS ebok_bench_chat")
            conn.execute("CREATE DATABASE ebok_bench_chat")
        env = production_env(admin_url.rsplit("/", 1)[0] + "/ebok_bench_chat", redis_url, folder)
        print("migrate …", flush=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"seeding {args.tenants} tenants with a conversation each, {args.clerks} clerks …", flush=True)
        seeded = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--seed", "--tenants", str(args.tenants), "--clerks", str(args.clerks)],
                cwd=BASE, env=env, check=True, capture_output=True, text=True,
            ).stdout
        )  # fmt: skip
        port = free_port()
        daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
        server = subprocess.Popen(
            [daphne, "-e", f"tcp:port={port}:interface=127.0.0.1", "-v", "0", "portal.asgi:application"],
            cwd=BASE, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/zdrowie/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("daphne did not start")
                time.sleep(0.3)
        print(
            f"{args.tenants} tenants × {args.messages} messages {args.interval} s apart, each answered by its clerk …",
            flush=True,
        )
        low, high = (float(x) for x in args.interval.split(","))
        servers: dict[str, object] = {"daphne": [server.pid]}
        if pg is not None:
            postmaster = int((pg.dir / "pg" / "postmaster.pid").read_text().split()[0])
            servers["postgresql"] = lambda: [postmaster, *children_of(postmaster)]
        if redis is not None:
            servers["redis"] = [redis.pid]
        result = asyncio.run(run_load(port, seeded, args.messages, (low, high), servers))
        print(
            f"sockets {result['sockets']} (opened in {result['open_seconds']:.1f} s); "
            f"delivered {result['delivered']}/{result['expected']} (lost {result['lost']}) in {result['seconds']:.1f} s"
        )
        print(
            f"delivery latency: p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms; "
            f"{result['messages_per_second']:.0f} messages/s (target p95 ≤ 200 ms, none lost)"
        )
        cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in result["cpu_ms_per_message"].items())
        print(f"CPU per message delivered (ms): {cpu}; load average {result['load'][0]} → {result['load'][1]}")
        if result["lost"] or result["p95_ms"] > 200:
            sys.exit(1)
    finally:
        for process in (server, redis):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
        if pg is not None:
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
