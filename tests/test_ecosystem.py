"""The Docker images and the Omniverse Kit extension, checked without Docker or Isaac Sim.

The Dockerfiles are parsed into instructions; what they copy and install must exist in the repository (and not be
hidden by their .dockerignore), and the compose file must load and point at them. The Kit extension's
extension.toml must be valid and its module must import without Kit, exposing the task list, the checkpoint finder
and the play.py launcher.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import shlex
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOCKER = REPO / "docker"
EXTENSION = REPO / "exts" / "interprior"
DOCKERFILES = ("Dockerfile", "Dockerfile.isaacsim")
INSTRUCTIONS = set(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR"
    .split()
)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int


def parse_dockerfile(path: Path) -> list[Instruction]:
    """The instructions of a Dockerfile: comments dropped, backslash continuations joined."""
    instructions, pending, start = [], "", 0
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = ""
    assert not pending, f"{path.name}: the last instruction ends with a line continuation"
    return instructions


def copy_sources(instruction: Instruction) -> list[str]:
    """The build-context sources of a COPY (none for ``COPY --from``)."""
    words = shlex.split(instruction.arguments)
    if any(word.startswith("--from") for word in words):
        return []
    paths = [word for word in words if not word.startswith("--")]
    return paths[:-1]


def dockerignore_patterns(dockerfile: Path) -> list[str]:
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    lines = ignore.read_text().splitlines() if ignore.is_file() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether a context path or one of its parents matches a .dockerignore pattern (``**/`` = any depth)."""
    parts = Path(relative).parts
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch("/".join(parts[: depth + 1]), pattern) for depth in range(len(parts))):
            return True
    return False


def index_of(instructions: list[Instruction], keyword: str, containing: str) -> int:
    matches = [i for i, ins in enumerate(instructions) if ins.keyword == keyword and containing in ins.arguments]
    assert matches, f"no {keyword} containing {containing!r}"
    return matches[0]


@pytest.fixture(scope="module", params=DOCKERFILES)
def dockerfile(request) -> tuple[Path, list[Instruction]]:
    path = DOCKER / request.param
    return path, parse_dockerfile(path)


def test_dockerfile_parses_into_known_instructions(dockerfile):
    path, instructions = dockerfile
    assert instructions, f"{path.name} has no instructions"
    unknown = [(ins.line, ins.keyword) for ins in instructions if ins.keyword not in INSTRUCTIONS]
    assert not unknown, f"{path.name}: unknown instructions {unknown}"
    first = next(ins for ins in instructions if ins.keyword != "ARG")
    assert first.keyword == "FROM", f"{path.name}: the first instruction after ARGs is {first.keyword}"
    for ins in instructions:
        if ins.keyword in ("ENTRYPOINT", "CMD", "SHELL"):
            assert isinstance(json.loads(ins.arguments), list), f"{path.name}:{ins.line} {ins.keyword} not exec form"


def test_every_copy_source_exists_and_reaches_the_build_context(dockerfile):
    path, instructions = dockerfile
    patterns = dockerignore_patterns(path)
    assert ".venv" in patterns and "logs" in patterns, f"{path.name}: local venv and runs would enter the image"
    sources = [source for ins in instructions if ins.keyword == "COPY" for source in copy_sources(ins)]
    assert sources, f"{path.name} copies nothing"
    for source in sources:
        assert (REPO / source).exists(), f"{path.name}: COPY source {source} is not in the repository"
        assert not is_ignored(source.rstrip("/"), patterns), f"{path.name}: COPY source {source} is .dockerignored"


def test_install_has_its_inputs_copied_first_and_assets_converted_after(dockerfile):
    path, instructions = dockerfile
    install = index_of(instructions, "RUN", "uv pip install")
    assert "-e ." in instructions[install].arguments
    copies = [ins for ins in instructions[:install] if ins.keyword == "COPY"]
    copied_before = {source.rstrip("/") for ins in copies for source in copy_sources(ins)}
    # setup.py installs the package rooted at source/ with its bundled data (package_dir, package_data).
    assert {"setup.py", "source"} <= copied_before, f"{path.name}: install runs before setup.py and source/ exist"
    setup_py = (REPO / "setup.py").read_text()
    assert 'package_dir={"interprior": "source"}' in setup_py and "isaaclab==3.0.0" in setup_py
    assert index_of(instructions, "RUN", "-m interprior.assets.build") > install
    assert (REPO / "source" / "assets" / "build.py").is_file()


def test_default_command_runs_a_script_the_image_holds(dockerfile):
    path, instructions = dockerfile
    command = json.loads(next(ins for ins in reversed(instructions) if ins.keyword == "CMD").arguments)
    script = command[0]
    assert (REPO / script).is_file()
    copied = {s.rstrip("/") for ins in instructions if ins.keyword == "COPY" for s in copy_sources(ins)}
    assert Path(script).parts[0] in copied, f"{path.name}: default command runs {script}, which is not copied"


def test_kitless_image_installs_as_setup_sh_does():
    instructions = parse_dockerfile(DOCKER / "Dockerfile")
    base = next(ins for ins in instructions if ins.keyword == "ARG" and ins.arguments.startswith("PYTHON_IMAGE="))
    assert "python:3.12" in base.arguments
    install = instructions[index_of(instructions, "RUN", "uv pip install")].arguments
    setup_sh = (REPO / "setup.sh").read_text()
    steps = (
        "-m pip install --quiet --disable-pip-version-check uv",
        "-m uv pip install --quiet --python .venv/bin/python -e",
    )
    for step in steps:
        assert step in setup_sh, f"setup.sh no longer runs {step!r}: update docker/Dockerfile with it"
        assert step in install, f"docker/Dockerfile does not run setup.sh's {step!r}"


def test_isaacsim_image_starts_from_isaac_sim_with_python_312():
    instructions = parse_dockerfile(DOCKER / "Dockerfile.isaacsim")
    source = next(ins for ins in instructions if ins.keyword == "FROM").arguments
    assert source.startswith("nvcr.io/nvidia/isaac-sim:")
    version = next(ins for ins in instructions if ins.arguments.startswith("ISAACSIM_VERSION=")).arguments
    major = int(version.split("=")[1].split(".")[0])
    assert major >= 6, "Isaac Sim before 6.0 ships Python 3.11; Isaac Lab 3.0 and this package need 3.12"
    assert "ISAACLAB_REF=v3.0.0" in [ins.arguments for ins in instructions if ins.keyword == "ARG"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "docker-compose.yaml").read_text())


def test_compose_services_build_the_dockerfiles(compose):
    built = set()
    for name, service in compose["services"].items():
        build = service["build"]
        context = (DOCKER / build["context"]).resolve()
        assert context == REPO, f"service {name} builds from {context}, not the repository root"
        assert (context / build["dockerfile"]).is_file(), f"service {name}: no {build['dockerfile']}"
        built.add(Path(build["dockerfile"]).name)
    assert built == set(DOCKERFILES)


def test_compose_mounts_datasets_logs_and_declared_volumes(compose):
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        targets = {}
        for mount in service["volumes"]:
            source, target = mount.split(":")[:2]
            targets[target] = source
            if source.startswith("."):
                assert (DOCKER / source).resolve().parent == REPO, f"service {name} mounts {source} outside the repo"
            elif not source.startswith("/"):
                assert source in declared, f"service {name} uses undeclared volume {source}"
        assert targets.get("/workspace/interprior/data") == "../data", f"service {name} does not mount data/"
        assert targets.get("/workspace/interprior/logs") == "../logs", f"service {name} does not mount logs/"
    for dockerfile in DOCKERFILES:
        instructions = parse_dockerfile(DOCKER / dockerfile)
        assert next(ins for ins in instructions if ins.keyword == "WORKDIR").arguments == "/workspace/interprior"


def test_gpu_services_reserve_nvidia_gpus(compose):
    services = compose["services"]
    for name in ("kitless", "isaacsim", "isaacsim-gui", "isaacsim-stream"):
        devices = services[name]["deploy"]["resources"]["reservations"]["devices"]
        assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"], name
    assert "deploy" not in services["kitless-cpu"]


def test_gui_services_enable_the_extension_the_image_copies(compose):
    instructions = parse_dockerfile(DOCKER / "Dockerfile.isaacsim")
    assert "exts/" in {s for ins in instructions if ins.keyword == "COPY" for s in copy_sources(ins)}
    for name in ("isaacsim-gui", "isaacsim-stream"):
        entrypoint = compose["services"][name]["entrypoint"]
        assert "/workspace/interprior/exts" in entrypoint and "/workspace/isaaclab/source" in entrypoint
        extension = entrypoint[entrypoint.index("--enable") + 1]
        assert (REPO / "exts" / extension / "config" / "extension.toml").is_file(), f"{name} enables {extension}"


def test_extension_toml_declares_package_dependencies_and_module():
    config = tomllib.loads((EXTENSION / "config" / "extension.toml").read_text())
    package = config["package"]
    for key in ("title", "version", "description", "keywords"):
        assert package[key], f"extension.toml: [package] {key} is empty"
    assert len(package["version"].split(".")) == 3
    assert (EXTENSION / package["readme"]).is_file()
    assert {"isaaclab", "isaaclab_tasks"} <= set(config["dependencies"])
    modules = [module["name"] for module in config["python"]["module"]]
    assert modules == ["interprior_ext"]
    assert (EXTENSION / "interprior_ext" / "__init__.py").is_file()
    assert set(config["settings"]["exts"]["interprior"]) == {"repo_root", "python", "num_envs", "device", "physics"}


@pytest.fixture(scope="module")
def interprior_ext():
    sys.path.insert(0, str(EXTENSION))
    try:
        import interprior_ext

        yield interprior_ext
    finally:
        sys.path.remove(str(EXTENSION))


def test_kit_extension_class_is_an_iext_with_startup_and_shutdown():
    """extension.py needs Kit to import; read its source instead: one omni.ext.IExt subclass with both hooks."""
    tree = ast.parse((EXTENSION / "interprior_ext" / "extension.py").read_text())
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert [ast.unparse(base) for cls in classes for base in cls.bases] == ["omni.ext.IExt"]
    methods = {node.name for node in classes[0].body if isinstance(node, ast.FunctionDef)}
    assert {"on_startup", "on_shutdown"} <= methods
    init = (EXTENSION / "interprior_ext" / "__init__.py").read_text()
    assert f"from .extension import {classes[0].name}" in init


def test_extension_module_imports_without_kit(interprior_ext):
    assert not interprior_ext.KIT_AVAILABLE
    assert not hasattr(interprior_ext, "InterPriorExtension")
    assert interprior_ext.DEFAULT_REPO_ROOT == REPO


def test_task_list_is_the_registered_interprior_tasks(interprior_ext):
    tasks = interprior_ext.task_ids()
    assert "InterPrior-Track-v0" in tasks and "InterPrior-Scene-v0" in tasks
    assert tasks == sorted(task for task in gym.registry if task.startswith("InterPrior-"))


def test_checkpoint_finder_lists_the_newest_checkpoint_of_each_run(interprior_ext, tmp_path):
    runs = tmp_path / "logs" / "rsl_rl"
    files = {
        "interprior_track/run_a": ["model_0.pt", "model_25.pt", "model_100.pt"],
        "interprior_track/run_b": ["model_5.pt"],
        "interprior_scene/run_c": ["model_3.pt", "events.out.tfevents"],
        "interprior_scene/run_empty": ["params.yaml"],
    }
    for run, names in files.items():
        (runs / run).mkdir(parents=True)
        for name in names:
            (runs / run / name).write_bytes(b"")
    now = time.time()
    for age, path in enumerate(("interprior_track/run_b/model_5.pt", "interprior_scene/run_c/model_3.pt")):
        os.utime(runs / path, (now - 100 * (age + 1), now - 100 * (age + 1)))
    found = [path.relative_to(runs).as_posix() for path in interprior_ext.run_checkpoints(tmp_path)]
    newest_first = ["interprior_track/run_a/model_100.pt", "interprior_track/run_b/model_5.pt"]
    assert found == newest_first + ["interprior_scene/run_c/model_3.pt"]
    assert interprior_ext.run_checkpoints(tmp_path / "nowhere") == []


def declared_options(script: Path) -> set[str]:
    """The ``--options`` a script's argparse parser declares, read from its source."""
    options = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            options |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and arg.value.startswith("--")}
    return options


def test_play_command_uses_options_play_py_declares(interprior_ext):
    checkpoint = Path("logs/rsl_rl/x/model_9.pt")
    request = interprior_ext.PlayRequest("InterPrior-Track-v0", checkpoint, 4, device="cuda:0", physics="physx")
    argv = interprior_ext.play_command(request)
    assert argv[:2] == [sys.executable, str(REPO / "scripts" / "play.py")]
    assert argv[-1] == "physics=physx"
    options = [word for word in argv if word.startswith("--")]
    assert options == ["--task", "--num-envs", "--device", "--checkpoint"]
    assert set(options) <= declared_options(REPO / "scripts" / "play.py")
    assert argv[argv.index("--checkpoint") + 1] == "logs/rsl_rl/x/model_9.pt"
    plain = interprior_ext.play_command(interprior_ext.PlayRequest(task="InterPrior-Scene-v0", python="/py"))
    assert plain[0] == "/py" and "--checkpoint" not in plain and not plain[-1].startswith("physics=")


def test_play_command_names_a_missing_script(interprior_ext, tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "scripts" / "play.py")):
        interprior_ext.play_command(interprior_ext.PlayRequest(task="InterPrior-Track-v0"), tmp_path)


def test_play_process_runs_the_command_and_stops(interprior_ext, tmp_path):
    """A stand-in play.py that records its arguments and waits: the process starts in repo_root and Stop ends it."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "play.py").write_text(
        "import json, os, pathlib, sys, time\n"
        "pathlib.Path('argv.tmp').write_text(json.dumps(sys.argv[1:]))\n"
        "os.replace('argv.tmp', 'argv.json')  # appear whole: the test polls for it\n"
        "time.sleep(60)\n"
    )
    request = interprior_ext.PlayRequest(task="InterPrior-Scene-v0", num_envs=2)
    process = interprior_ext.PlayProcess(request, tmp_path)
    record = tmp_path / "argv.json"
    deadline = time.monotonic() + 60  # a busy machine starts Python slowly
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.exit_code() is None
    assert json.loads(record.read_text()) == ["--task", "InterPrior-Scene-v0", "--num-envs", "2", "--device", "cpu"]
    assert process.stop() != 0
    assert process.exit_code() is not None
