"""The humanoid MJCF, the object library, the USD conversion cache and the errors for bad asset input."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import mujoco
import numpy as np
import pytest

from interprior.assets import build
from interprior.assets.humanoid import canonical_joint_name, sim_joint_regex
from interprior.assets.humanoid_mjcf import SEGMENTS, humanoid_mjcf
from interprior.assets.object_cfg import object_cfg
from interprior.assets.objects import OBJECT_NAMES, get_object
from interprior.assets.skeleton import BODY_NAMES, JOINT_NAMES, PARENTS
from interprior.tasks.env_factory import check_task_id


@pytest.fixture(scope="module")
def model() -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_path(str(build.HUMANOID_MJCF))


def test_committed_mjcf_is_what_the_generator_writes():
    assert build.HUMANOID_MJCF.read_text() == humanoid_mjcf(), "run `python -m interprior.assets.build`"


def test_humanoid_has_the_smpl_tree_with_three_hinges_per_body(model):
    bodies = [model.body(i).name for i in range(1, model.nbody)]
    assert bodies == list(BODY_NAMES)
    for i, name in enumerate(bodies, start=1):
        parent = model.body(model.body_parentid[i]).name
        assert parent == (PARENTS[name] or "world")
    hinges = [model.joint(i).name for i in range(1, model.njnt)]
    assert hinges == list(JOINT_NAMES) and len(hinges) == 69
    assert (model.jnt_type[1:] == mujoco.mjtJoint.mjJNT_HINGE).all()
    assert model.nu == 69, "every hinge has a PD position actuator"
    assert 65.0 < model.body_mass.sum() < 75.0, "an adult's mass"
    assert (model.dof_armature[6:] > 0).all()


def test_right_side_mirrors_the_left(model):
    for body in BODY_NAMES:
        if not body.startswith("L_"):
            continue
        twin = "R_" + body[2:]
        assert model.body(twin).mass == pytest.approx(model.body(body).mass)
        np.testing.assert_allclose(model.body(twin).pos, model.body(body).pos * [1, -1, 1])
        for axis, flips in (("x", True), ("y", False), ("z", True)):
            low, high = model.joint(f"{body}_{axis}").range
            expected = (-high, -low) if flips else (low, high)
            np.testing.assert_allclose(model.joint(f"{twin}_{axis}").range, expected)


def test_joint_limits_are_human(model):
    ranges = np.degrees(model.jnt_range[1:])
    assert (ranges[:, 0] < ranges[:, 1]).all() and (np.abs(ranges) <= 180).all()
    knee_flexion = np.degrees(model.joint("L_Knee_y").range)
    assert knee_flexion[1] >= 120 and knee_flexion[0] <= 0, "a knee bends one way, by more than 120 deg"
    assert all(SEGMENTS[body].gains[0] > 0 for body in BODY_NAMES[1:])


def test_simulator_joint_names_map_back_to_ours():
    import re

    for name in JOINT_NAMES:
        body, axis = name.rsplit("_", 1)
        newton_name = f"{body}_x:{'xyz'.index(axis)}"
        assert canonical_joint_name(newton_name) == name
        assert canonical_joint_name(name) == name
        assert re.fullmatch(sim_joint_regex(name), newton_name) and re.fullmatch(sim_joint_regex(name), name)


def test_objects_are_physical():
    for name in OBJECT_NAMES:
        spec = get_object(name)
        assert spec.mass > 0 and 0 < spec.friction <= 2 and min(spec.size) > 0
        model = mujoco.MjModel.from_xml_string(build.object_mjcf(name))
        assert model.body("object").mass[0] == pytest.approx(spec.mass)
        data = mujoco.MjData(model)
        mujoco.mj_forward(model, data)
        low = min(data.geom_xpos[g][2] - model.geom_rbound[g] for g in range(model.ngeom))
        assert low < 0.0, f"{name}: geoms should reach the ground plane around its centre"


def test_usd_conversion_is_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERPRIOR_CACHE", str(tmp_path))
    first = build.object_usd("box_small")
    assert first.is_file() and first.is_relative_to(tmp_path)
    mtime = first.stat().st_mtime_ns
    assert build.object_usd("box_small") == first and first.stat().st_mtime_ns == mtime, "second call converts again"
    assert build.object_usd("box_large") != first


def test_unknown_object_and_task_names_are_refused_with_the_known_names():
    with pytest.raises(KeyError, match="box_small"):
        object_cfg("sofa")
    with pytest.raises(ValueError, match="InterPrior-Scene-v0"):
        check_task_id("InterPrior-Sofa-v0")


def test_missing_object_usd_fails_with_the_path():
    """A scene whose object USD does not exist stops with an error naming the file (own process: sim state)."""
    script = textwrap.dedent(
        """
        from interprior.tasks.env_factory import load_env_cfg, open_env
        cfg = load_env_cfg("InterPrior-Scene-v0", num_envs=1)
        cfg.scene.object.spawn.usd_path = "/nonexistent/box.usd"
        with open_env("InterPrior-Scene-v0", env_cfg=cfg):
            pass
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "/nonexistent/box.usd" in result.stderr.splitlines()[-1]
