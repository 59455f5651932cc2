"""The production set as processes: what docker compose would run, without a container engine.

``build_image`` performs the Dockerfile's instructions into a folder: ``COPY`` honours
``.dockerignore``, ``RUN`` runs the step's own shell text with a clean virtualenv first on
``PATH``. ``ComposeSet`` reads docker-compose.yml and .env the way compose does (env_file,
``${VAR:?…}``/``${VAR:-…}`` interpolation, ``$$``), then starts each service's own command
and runs each service's own health check.

What differs from containers is only where things are, and it is all in ``Relocation``:
service names become 127.0.0.1 with a free port, absolute folders of the image move into the
test's folder, and the proxy's fixed address on the compose network is 127.0.0.1 here. The
system-level steps (apt, useradd) run against shims that record them.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.client import HTTPResponse, HTTPSConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- .dockerignore and the image -------------------------------------------------------------------


def dockerignore_patterns(root: Path) -> list[tuple[bool, str]]:
    patterns = []
    for line in (root / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        patterns.append((negated, line.lstrip("!").rstrip("/")))
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, str]]) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern matching a folder takes its contents."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for negated, pattern in patterns:
        if pattern.startswith("**/"):
            tail = pattern[3:]
            hit = any(fnmatch.fnmatchcase(part, tail) for part in parts) or fnmatch.fnmatchcase(relative, tail)
        else:
            hit = any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes)
        if hit:
            result = not negated
    return result


def copy_context(source: Path, target: Path) -> None:
    """``COPY . .``: the build context less what .dockerignore names."""
    patterns = dockerignore_patterns(source)
    for directory, dirnames, filenames in os.walk(source):
        relative_dir = Path(directory).relative_to(source)
        dirnames[:] = [d for d in dirnames if not ignored((relative_dir / d).as_posix(), patterns)]
        for name in filenames:
            relative = (relative_dir / name).as_posix()
            if ignored(relative, patterns):
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(directory) / name, destination)


@dataclass
class Image:
    app: Path  # WORKDIR /app
    venv: Path  # the image's Python environment
    root: Path  # where the image's absolute paths live
    system_steps: list[str] = field(default_factory=list)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def path_env(self) -> str:
        return f"{self.venv / 'bin'}:{self.root / 'usr/local/bin'}:{os.environ['PATH']}"


def _shims(folder: Path, log: Path) -> None:
    """useradd would change the machine: it is recorded instead of run."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "useradd"
    shim.write_text(f'#!/bin/sh\necho "useradd $*" >> {shlex.quote(str(log))}\n')
    shim.chmod(0o755)


def build_image(context: Path, where: Path) -> Image:
    """Carry out the Dockerfile's instructions; the log of each step is in ``where/build.log``."""
    image = Image(app=where / "app", venv=where / "venv", root=where / "root")
    image.root.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "venv", str(image.venv)], check=True)
    shims = where / "shims"
    _shims(shims, where / "system-steps.log")
    env = {"PATH": f"{image.venv / 'bin'}:{shims}:{image.root / 'usr/local/bin'}:{os.environ['PATH']}"}
    env["EBOK_SRV"] = str(image.root / "srv/ebok")
    workdir = image.root
    with (where / "build.log").open("w") as log:
        for instruction, argument in dockerfile_instructions(context / "Dockerfile"):
            if instruction == "FROM":
                assert argument.startswith("python:3.11"), argument
            elif instruction == "ENV":
                for assignment in shlex.split(argument):
                    name, _, value = assignment.partition("=")
                    env[name] = value
            elif instruction == "WORKDIR":
                workdir = image.app if argument == "/app" else image.root / argument.lstrip("/")
                workdir.mkdir(parents=True, exist_ok=True)
            elif instruction == "COPY":
                source, destination = shlex.split(argument)
                target = workdir / destination if not destination.startswith("/") else image.root / destination[1:]
                if source == ".":
                    copy_context(context, target)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(context / source, target)
            elif instruction == "RUN":
                command = relocate_image_paths(argument, image)
                # pip's own cache makes the test's clean install take seconds, not minutes.
                command = command.replace("pip install --no-cache-dir", "pip install")
                log.write(f"$ {command}\n")
                log.flush()
                result = subprocess.run(
                    ["sh", "-c", command],
                    cwd=workdir,
                    env={**os.environ, **env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=900,
                )
                assert result.returncode == 0, f"RUN {argument} failed: see {where / 'build.log'}"
            elif instruction in {"USER", "EXPOSE", "CMD"}:
                continue
            else:
                raise AssertionError(f"Dockerfile instruction the test does not know: {instruction}")
    steps = where / "system-steps.log"
    image.system_steps = steps.read_text().splitlines() if steps.exists() else []
    return image


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", path.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, argument = line.partition(" ")
            instructions.append((instruction.upper(), argument.strip()))
    return instructions


def relocate_image_paths(text: str, image: Image) -> str:
    for absolute in ("/usr/local/bin", "/var/lib/apt/lists", "/srv/ebok"):
        text = text.replace(absolute, str(image.root / absolute.lstrip("/")))
    return text


# What an operator's checkout holds beside the repository's files; none of it may enter the image.
PLANTED = {
    ".env": "SECRET_KEY=planted-secret\n",
    "secrets/postgres_password": "planted-password\n",
    "var/db.sqlite3": "planted database\n",
    "var/private/tenant.pdf": "planted private file\n",
    ".venv/bin/python": "planted virtualenv\n",
    "portal/__pycache__/settings.cpython-311.pyc": "planted cache\n",
}
_image: Image | None = None


def image_of_the_checkout(tmp_path_factory) -> Image:
    """The Dockerfile carried out on a copy of the checkout with local state planted in it; built
    once per test run (the production set and the two web nodes run the same image)."""
    global _image
    if _image is not None:
        return _image
    checkout = tmp_path_factory.mktemp("checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=BASE_DIR, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for relative in filter(None, listed):
        source = BASE_DIR / relative
        if source.is_file():
            target = checkout / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    for relative, content in PLANTED.items():
        (checkout / relative).parent.mkdir(parents=True, exist_ok=True)
        (checkout / relative).write_text(content)
    _image = build_image(checkout, tmp_path_factory.mktemp("image"))
    return _image


# --- .env and docker-compose.yml, read as compose reads them ---------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """Compose's reading of an env_file for the lines we allow: NAME=value, comment lines."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"{path}:{number}: {line!r}"
        values[name] = value.strip()
    return values


_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:\?|:-)(?P<arg>[^}]*))?\}")


def interpolate(value: str, variables: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        found = variables.get(name, "")
        if op == ":?" and not found:
            raise AssertionError(f"compose would stop: {name}: {arg}")
        if op == ":-" and not found:
            return arg
        return found

    return _INTERPOLATION.sub(replace, value)


# The web nodes of docker-compose.yml: "web", and "web2" of the profile "nodes" (issue 18).
WEB_NODES = ("web", "web2")


@dataclass
class Relocation:
    """Where each thing of the compose network is when the services are processes on one machine."""

    tmp: Path
    ports: dict[str, int]

    def apply(self, text: str, service: str = "web") -> str:
        """``service``: whose own address 0.0.0.0:8000 / 127.0.0.1:8000 is (a second web node's
        command and health check name the same port inside its own container)."""
        p = self.ports
        own = p[service] if service in WEB_NODES else p["web"]
        # The containers' own /tmp first: the test's folder itself may lie under /tmp.
        text = re.sub(r"(?<![\w.])/tmp/", f"{self.tmp}/run/", text)
        for old, new in (
            ("@postgres:5432", f"@127.0.0.1:{p['postgres']}"),
            ("redis://redis:6379", f"redis://127.0.0.1:{p['redis']}"),
            ("0.0.0.0:8000", f"127.0.0.1:{own}"),
            ("127.0.0.1:8000", f"127.0.0.1:{own}"),
            ("web2:8000", f"127.0.0.1:{p['web2']}"),
            ("web:8000", f"127.0.0.1:{p['web']}"),
            ("tcp:port=8001:interface=0.0.0.0", f"tcp:port={p['chat']}:interface=127.0.0.1"),
            ("127.0.0.1:8001", f"127.0.0.1:{p['chat']}"),
            ("chat:8001", f"127.0.0.1:{p['chat']}"),
            ("localhost:2019", f"localhost:{p['caddy_admin']}"),
            ("172.28.0.2", "127.0.0.1"),
            ("/srv/ebok", str(self.tmp / "srv/ebok")),
        ):
            text = text.replace(old, new)
        return text


@dataclass
class Service:
    name: str
    spec: dict
    env: dict[str, str]

    @property
    def healthcheck(self) -> dict | None:
        return self.spec.get("healthcheck")


class ComposeSet:
    """The services of docker-compose.yml started as processes, in dependency order."""

    def __init__(self, image: Image, env_file: Path, tmp: Path, profiles: tuple[str, ...] = ()) -> None:
        self.image = image
        self.tmp = tmp
        self.compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
        self.dotenv = read_env_file(env_file)
        ports = {
            name: free_port() for name in ("postgres", "redis", *WEB_NODES, "chat", "https", "http", "caddy_admin")
        }
        self.relocation = Relocation(tmp, ports)
        self.processes: dict[str, subprocess.Popen] = {}
        # As compose: a service of a profile exists only when its profile is asked for.
        self.services = {
            name: self._service(name, spec)
            for name, spec in self.compose["services"].items()
            if not spec.get("profiles") or set(spec["profiles"]) & set(profiles)
        }
        for folder in ("run", "logs", "home", "srv/ebok"):
            (tmp / folder).mkdir(parents=True, exist_ok=True)
        # A new named volume starts as a copy of what the image holds at its mount point.
        for spec in self.compose["services"].values():
            for volume in spec.get("volumes", []):
                name, _, target = volume.partition(":")
                if name in self.compose.get("volumes", {}) and target.startswith("/srv/"):
                    mount = Path(self.relocation.apply(target))
                    in_image = image.root / target.lstrip("/")
                    if not mount.exists():
                        if in_image.is_dir():
                            shutil.copytree(in_image, mount)
                        else:
                            mount.mkdir(parents=True)

    @property
    def ports(self) -> dict[str, int]:
        return self.relocation.ports

    def _service(self, name: str, spec: dict) -> Service:
        env: dict[str, str] = {}
        for file in spec.get("env_file", []):
            assert file == ".env", file
            env.update({key: self.relocation.apply(value) for key, value in self.dotenv.items()})
        for key, value in (spec.get("environment") or {}).items():
            env[key] = self.relocation.apply(interpolate(str(value), self.dotenv), name)
        return Service(name, spec, env)

    def command(self, service: str) -> list[str]:
        return [
            self.relocation.apply(interpolate(part, self.dotenv), service)
            for part in self.services[service].spec["command"]
        ]

    def process_env(self, service: str, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "EBOK_TEST"))}
        for name in ("DEBUG", "DEMO", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_URL"):
            env.pop(name, None)
        env.update(self.services[service].env)
        env["PATH"] = self.image.path_env()
        env["HOME"] = str(self.tmp / "home")
        env.update(extra)
        return env

    # --- start ---------------------------------------------------------------------------------

    def start_postgres(self) -> None:
        env = self.services["postgres"].env
        # The server's user must reach its folder: not under pytest's private temporary folder.
        self._pg_root = Path(tempfile.mkdtemp(prefix="ebok-production-pg-"))
        self._pg_root.chmod(0o755)
        data = self._pg_root / "data"
        pwfile = self._pg_root / "pgpass"
        pwfile.write_text(env["POSTGRES_PASSWORD"] + "\n")
        sock = self._pg_root / "sock"
        sock.mkdir()
        as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            for path in (self._pg_root, pwfile, sock):
                shutil.chown(path, "postgres")
        subprocess.run(
            [*as_pg, str(PG_BIN / "initdb"), "-D", str(data), "-U", env["POSTGRES_USER"], "--pwfile", str(pwfile),
             "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(self._pg_root / "server.log"), "-w", "-o",
             f"-p {self.ports['postgres']} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.ports["postgres"]),
             "-U", env["POSTGRES_USER"], env["POSTGRES_DB"]],
            check=True, capture_output=True, env={**os.environ, "PGPASSWORD": env["POSTGRES_PASSWORD"]},
        )  # fmt: skip
        self._pg_stop = [*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]

    def start_redis(self) -> None:
        command = [*self.command("redis"), "--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--dir",
                   str(self.tmp / "run")]  # fmt: skip
        self._spawn("redis", command, os.environ.copy())

    def run_once(self, service: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(service), cwd=self.image.app, env=self.process_env(service),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    def start_app(self, service: str, **extra: str) -> None:
        self._spawn(service, self.command(service), self.process_env(service, **extra), cwd=self.image.app)

    def start_proxy(self) -> None:
        spec = self.services["proxy"].spec
        caddyfile = next(v.split(":")[0] for v in spec["volumes"] if v.endswith("/etc/caddy/Caddyfile:ro"))
        env = {
            **os.environ,
            **self.services["proxy"].env,
            "EBOK_HTTP_PORT": str(self.ports["http"]),
            "EBOK_HTTPS_PORT": str(self.ports["https"]),
            "EBOK_CADDY_ADMIN": f"localhost:{self.ports['caddy_admin']}",
            # Caddy's own local CA instead of ACME (no network here), not put into the machine's trust store.
            "EBOK_CADDY_GLOBAL": "local_certs\nskip_install_trust",
            "EBOK_CHAT_UPSTREAM": f"127.0.0.1:{self.ports['chat']}",
            "XDG_DATA_HOME": str(self.tmp / "caddy/data"),
            "XDG_CONFIG_HOME": str(self.tmp / "caddy/config"),
            "HOME": str(self.tmp / "home"),
        }
        # The image's command: caddy run --config /etc/caddy/Caddyfile --adapter caddyfile
        command = ["caddy", "run", "--config", str(BASE_DIR / caddyfile), "--adapter", "caddyfile"]
        self._spawn("proxy", command, env)

    def _spawn(self, name: str, command: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        log = (self.tmp / "logs" / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self, name: str) -> str:
        path = self.tmp / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if hasattr(self, "_pg_stop"):
            subprocess.run(self._pg_stop, capture_output=True)
            shutil.rmtree(self._pg_root, ignore_errors=True)

    # --- health checks ---------------------------------------------------------------------------

    def healthcheck_argv(self, service: str) -> list[str]:
        test = self.services[service].healthcheck["test"]
        kind, rest = test[0], test[1:]
        if kind == "CMD-SHELL":
            argv = ["sh", "-c", self.relocation.apply(rest[0].replace("$$", "$"), service)]
        else:
            assert kind == "CMD", test
            argv = [self.relocation.apply(part, service) for part in rest]
        if argv[0] == "redis-cli":
            argv[1:1] = ["-p", str(self.ports["redis"])]
        return argv

    def healthcheck(self, service: str) -> subprocess.CompletedProcess:
        extra = {"HOSTNAME": socket.gethostname()}
        if service == "postgres":
            # pg_isready inside the container reaches the server on its default socket.
            extra.update(PGHOST="127.0.0.1", PGPORT=str(self.ports["postgres"]))
        app = "env_file" in self.services[service].spec
        env = self.process_env(service, **extra) if app else {**os.environ, **extra}
        return subprocess.run(
            self.healthcheck_argv(service), cwd=self.image.app if service != "proxy" else None,
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def wait_healthy(self, service: str, timeout: float = 90) -> subprocess.CompletedProcess:
        deadline = time.monotonic() + timeout
        while True:
            result = self.healthcheck(service)
            if result.returncode == 0:
                return result
            process = self.processes.get(service)
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                raise AssertionError(
                    f"{service}: health check {self.healthcheck_argv(service)} → {result.returncode}\n"
                    f"{result.stdout}{result.stderr}\n--- log ---\n{self.log(service)}"
                )
            time.sleep(1)


# --- a browser-like client through the proxy ---------------------------------------------------------


class ProxyClient:
    """HTTPS to the proxy from a chosen loopback address, with SNI and Host of the site, keeping cookies."""

    def __init__(self, port: int, domain: str, ca_file: Path, source: str = "127.0.0.1") -> None:
        self.port, self.domain, self.source = port, domain, source
        self.context = ssl.create_default_context(cafile=str(ca_file))
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Response:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30, source_address=(self.source, 0))
        connection = HTTPSConnection(self.domain, self.port, timeout=30, context=self.context)
        connection.sock = self.context.wrap_socket(sock, server_hostname=self.domain)
        all_headers = {"Host": self.domain, **(headers or {})}
        if files:
            body, all_headers["Content-Type"] = multipart(data or {}, files)
        elif data is not None:
            body = urlencode(data).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = None
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            all_headers.setdefault("Origin", f"https://{self.domain}")
            all_headers.setdefault("Referer", f"https://{self.domain}{path}")
        connection.request(method, path, body=body, headers=all_headers)
        raw = connection.getresponse()
        response = Response(raw, raw.read())
        connection.close()
        for header in raw.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> Response:
        data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self.request("POST", path, data=data, **kwargs)


def multipart(data: dict, files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body (a form with a file input) and its Content-Type."""
    boundary = f"ebok{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in data.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Response:
    raw: HTTPResponse
    body: bytes

    @property
    def status(self) -> int:
        return self.raw.status

    @property
    def headers(self):
        return self.raw.headers

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


def hidden_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def names(paths: Iterable[Path], root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in paths}
