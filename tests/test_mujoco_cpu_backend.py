"""The MuJoCo C thread-pool backend (preset ``physics=newton_mjc_cpu``) against Newton's MuJoCo Warp backend on
InterPrior-Scene-v0.

Parity tolerances (stated in issue 9 terms, smooth case over 1 s at 30 Hz control): the humanoid holding its pose
stays within 1 cm (root position) and 0.02 rad (every hinge) of the MuJoCo Warp trajectory; a box dropped from 0.3 m
above its resting height comes to rest within 2 mm of the MuJoCo Warp resting height. Contact sensors: the vertical
contact forces on the resting box and on the standing humanoid agree with MuJoCo Warp's and with their weights
within 5 %.
"""

from __future__ import annotations

import copy
import logging
import os

import mujoco
import numpy as np
from mujoco import rollout
import pytest
import torch
import warp as wp
from newton import ModelFlags
from newton.solvers import SolverMuJoCo

from isaaclab_newton.physics import NewtonManager

from interprior.physics import NewtonMujocoCpuManager
from interprior.physics.mujoco_cpu_solver import (
    CONTROL_SPEC,
    NOTIFIED_FIELD_PREFIXES,
    SolverMuJoCoCpuWorlds,
    contact_frame_forces,
    log_mujoco_warning,
    refresh_bounds,
)
from interprior.assets.object_cfg import object_cfg
from interprior.physics.openmp import release_openmp_threads
from interprior.physics.state_layout import state_slice
from interprior.tasks.env_factory import load_env_cfg, open_env
from interprior.tasks.hoi.physics import PHYSICS_STEPS_PER_CONTROL_STEP

TASK = "InterPrior-Scene-v0"
NUM_ENVS = 4
"""More envs than stepping threads (2 here), so the contact read-back handles several worlds per thread."""
DROPPED = slice(0, None, 2)
"""The envs whose box is dropped; the others' boxes stay resting on the ground."""
SECOND = 30
"""Env-steps in one second of simulated time (30 Hz control)."""
DROP_HEIGHT = 0.3
"""Height above its resting pose from which the box is dropped (m)."""


def hold_then_drop(physics: str) -> dict[str, np.ndarray]:
    """On the ``physics`` preset, hold the default pose for 1 s, then drop the :data:`DROPPED` envs' boxes from
    ``DROP_HEIGHT`` and let them settle for 1 s.

    Returns root positions (SECOND, NUM_ENVS, 3), joint positions (SECOND, NUM_ENVS, 69) over the hold, the box
    height (SECOND, NUM_ENVS) over the drop, all in metres/radians; the vertical contact force (N) on the resting box
    and summed over the humanoid's bodies (NUM_ENVS,) at the end of the hold, with the weights they should carry, and
    on every box 3 steps after the drop (``box_force_in_flight``), when the dropped ones are in the air.
    """
    cfg = load_env_cfg(TASK, num_envs=NUM_ENVS, overrides=[f"physics={physics}"])
    cfg.episode_length_s = 100.0
    with open_env(TASK, num_envs=NUM_ENVS, env_cfg=cfg) as env:
        env.reset(seed=0)
        humanoid, box = env.scene["humanoid"], env.scene["object"]
        hold = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
        roots, joints, heights = [], [], []
        for _ in range(SECOND):
            env.step(hold)
            roots.append(humanoid.data.root_pos_w.torch.numpy().copy())
            joints.append(humanoid.data.joint_pos.torch.numpy().copy())
        forces = {
            "box_force": env.scene["object_contacts"].data.net_forces_w.torch[:, 0, 2].numpy().copy(),
            "humanoid_force": env.scene["humanoid_contacts"].data.net_forces_w.torch[..., 2].sum(-1).numpy().copy(),
            "box_weight": box.data.default_mass.torch.sum(-1).numpy() * 9.81,
            "humanoid_weight": humanoid.data.default_mass.torch.sum(-1).numpy() * 9.81,
        }
        dropped = torch.arange(NUM_ENVS)[DROPPED]
        pose = box.data.root_pose_w.torch[dropped].clone()
        pose[:, 2] += DROP_HEIGHT
        box.write_root_pose_to_sim_index(root_pose=pose, env_ids=dropped)
        for step in range(SECOND):
            env.step(hold)
            heights.append(box.data.root_pos_w.torch[:, 2].numpy().copy())
            if step == 2:
                forces["box_force_in_flight"] = env.scene["object_contacts"].data.net_forces_w.torch[:, 0, 2].numpy().copy()
    return {"root": np.stack(roots), "joints": np.stack(joints), "box_height": np.stack(heights), **forces}


@pytest.fixture(scope="module")
def trajectories() -> dict[str, dict[str, np.ndarray]]:
    return {"mjwarp": hold_then_drop("newton_mjwarp"), "mujoco_cpu": hold_then_drop("newton_mjc_cpu")}


def test_holding_pose_matches_mujoco_warp(trajectories):
    warp, cpu = trajectories["mjwarp"], trajectories["mujoco_cpu"]
    assert np.isfinite(cpu["root"]).all() and np.isfinite(cpu["joints"]).all()
    assert np.abs(cpu["root"] - warp["root"]).max() < 0.01
    assert np.abs(cpu["joints"] - warp["joints"]).max() < 0.02
    assert cpu["root"][-1, :, 2].min() > 0.8  # still standing, not merely equal to a fall


def test_dropped_box_rests_at_mujoco_warp_height(trajectories):
    warp, cpu = trajectories["mjwarp"], trajectories["mujoco_cpu"]
    assert cpu["box_height"][0, DROPPED].min() > cpu["box_height"][-1, DROPPED].max() + 0.1  # it did fall
    assert np.abs(cpu["box_height"][-1] - warp["box_height"][-1]).max() < 0.002
    assert np.abs(cpu["box_height"][-1] - cpu["box_height"][-5]).max() < 1e-3  # and is at rest


def test_contact_sensors_read_what_mujoco_warp_reads(trajectories):
    warp, cpu = trajectories["mjwarp"], trajectories["mujoco_cpu"]
    for body in ("box", "humanoid"):
        weight = cpu[f"{body}_weight"]
        np.testing.assert_allclose(cpu[f"{body}_force"], weight, rtol=0.05, err_msg=f"{body} carried by its contacts")
        np.testing.assert_allclose(cpu[f"{body}_force"], warp[f"{body}_force"], rtol=0.05, err_msg=body)
    # each world reports its own contacts: the boxes in the air carry nothing, the resting ones their weight
    in_flight = cpu["box_force_in_flight"]
    assert np.abs(in_flight[DROPPED]).max() < 1e-3
    np.testing.assert_allclose(np.delete(in_flight, np.arange(NUM_ENVS)[DROPPED]), cpu["box_weight"][1::2], rtol=0.05)


def test_contact_forces_decode_as_mj_contactForce():
    scene = """<mujoco><option cone="{cone}"/><worldbody><geom type="plane" size="5 5 .1" condim="1"/>
      <body pos="0 0 .2"><freejoint/><geom type="box" size=".1 .2 .1" condim="6"/></body>
      <body pos="1 0 .2"><freejoint/><geom type="capsule" size=".1 .2" condim="4"/></body>
      <body pos="2 0 .2"><freejoint/><geom type="box" size=".1 .1 .1" condim="1"/></body>
      <body pos="3 0 .2"><freejoint/><geom type="box" size=".1 .1 .1"/></body></worldbody></mujoco>"""
    for cone in ("pyramidal", "elliptic"):
        model = mujoco.MjModel.from_xml_string(scene.format(cone=cone))
        data = mujoco.MjData(model)
        data.qvel[0], data.qvel[6 + 1], data.qvel[18] = 0.5, 0.3, 1.0  # sliding and rolling contacts
        for _ in range(300):
            mujoco.mj_step(model, data)
        expected = np.zeros((data.ncon, 6))
        for index in range(data.ncon):
            mujoco.mj_contactForce(model, data, index, expected[index])
        contact = data.contact
        assert set(contact.dim.tolist()) >= {1, 3, 4, 6}, cone
        forces = contact_frame_forces(int(model.opt.cone), contact.dim, contact.efc_address, contact.friction, data.efc_force)
        np.testing.assert_allclose(forces, expected, atol=1e-9, err_msg=cone)


def test_state_slice_finds_components_where_mj_getState_puts_them():
    ball = "<mujoco><worldbody><body><freejoint/><geom size='0.1'/></body></worldbody></mujoco>"
    model = mujoco.MjModel.from_xml_string(ball)
    data = mujoco.MjData(model)
    data.qpos[:] = np.arange(7) + 1.0
    data.qvel[:] = -np.arange(6) - 1.0
    spec = int(mujoco.mjtState.mjSTATE_FULLPHYSICS)
    state = np.empty(mujoco.mj_stateSize(model, spec))
    mujoco.mj_getState(model, data, state, spec)
    np.testing.assert_array_equal(state[state_slice(model, spec, mujoco.mjtState.mjSTATE_QPOS)], data.qpos)
    np.testing.assert_array_equal(state[state_slice(model, spec, mujoco.mjtState.mjSTATE_QVEL)], data.qvel)
    with pytest.raises(ValueError, match="not a single component"):
        state_slice(model, spec, mujoco.mjtState.mjSTATE_CTRL)


def test_resized_primitives_get_the_bounds_mujoco_compiles():
    scene = """<mujoco><worldbody><geom type="plane" size="5 5 .1"/>
      <body pos="0 0 1"><freejoint/><inertial pos=".02 -.01 .03" quat=".9 .1 .3 0" mass="2" diaginertia=".1 .2 .3"/>
        <geom type="{kind}" size="{size}" pos=".05 0 -.02" quat=".8 .2 0 .1"/></body></worldbody></mujoco>"""
    for kind, small, large in [("box", ".1 .2 .3", ".3 .1 .25"), ("capsule", ".05 .2", ".1 .3"), ("cylinder", ".1 .1", ".2 .05")]:
        model = mujoco.MjModel.from_xml_string(scene.format(kind=kind, size=small))
        compiled = mujoco.MjModel.from_xml_string(scene.format(kind=kind, size=large))
        model.geom_size[1] = compiled.geom_size[1]
        refresh_bounds(model, np.array([1]))
        np.testing.assert_allclose(model.geom_aabb, compiled.geom_aabb, atol=1e-12, err_msg=kind)
        np.testing.assert_allclose(model.bvh_aabb, compiled.bvh_aabb, atol=1e-12, err_msg=kind)


def test_a_body_of_several_geoms_gets_the_bounds_mujoco_compiles_in_its_new_inertial_frame():
    """Newton rewrites inertial frames (an equivalent principal-axes choice); the body's bounding volume hierarchy,
    kept in that frame, must follow, or the broadphase culls real contacts (a stool's legs, a G1's foot spheres)."""
    scene = """<mujoco><worldbody><geom type="plane" size="5 5 .1"/>
      <body pos="0 0 1"><freejoint/><inertial pos="{ipos}" quat="{iquat}" mass="2" diaginertia=".1 .2 .3"/>
        <geom type="box" size=".1 .2 .05" pos=".1 0 0" quat=".8 .2 0 .1"/>
        <geom type="sphere" size="{radius}" pos="-.2 .1 .05"/>
        <geom type="capsule" size=".03 .1" pos="0 -.2 .1" quat=".7 .7 0 0"/>
        <geom type="cylinder" size=".04 .06" pos=".05 .05 -.1"/></body></worldbody></mujoco>"""
    model = mujoco.MjModel.from_xml_string(scene.format(ipos="0 0 0", iquat="1 0 0 0", radius=".05"))
    compiled = mujoco.MjModel.from_xml_string(scene.format(ipos=".02 -.01 .03", iquat=".9 .1 .3 0", radius=".08"))
    assert compiled.body_bvhnum[1] > 1, "several geoms make a hierarchy of boxes"
    for field in ("body_ipos", "body_iquat", "geom_size"):
        getattr(model, field)[:] = getattr(compiled, field)
    refresh_bounds(model, np.array([1]))
    np.testing.assert_allclose(model.geom_aabb, compiled.geom_aabb, atol=1e-12)

    # the trees may split the geoms differently; each geom's leaf box and the root box (all geoms) must agree
    def leaf_boxes(m: mujoco.MjModel) -> dict[int, np.ndarray]:
        nodes = range(m.body_bvhadr[1], m.body_bvhadr[1] + m.body_bvhnum[1])
        return {int(m.bvh_nodeid[node]): m.bvh_aabb[node] for node in nodes if m.bvh_nodeid[node] >= 0}

    leaves, compiled_leaves = leaf_boxes(model), leaf_boxes(compiled)
    assert leaves.keys() == compiled_leaves.keys() == {1, 2, 3, 4}
    for geom, box in leaves.items():
        np.testing.assert_allclose(box, compiled_leaves[geom], atol=1e-12, err_msg=f"geom {geom}")
    root = model.body_bvhadr[1]
    np.testing.assert_allclose(model.bvh_aabb[root], compiled.bvh_aabb[compiled.body_bvhadr[1]], atol=1e-12)


def test_a_stool_of_several_boxes_rests_on_its_legs_as_on_mujoco_warp():
    heights = {}
    for physics in ("newton_mjwarp", "newton_mjc_cpu"):
        cfg = load_env_cfg(TASK, num_envs=1, overrides=[f"physics={physics}"])
        cfg.scene.object = object_cfg("stool", pos=(0.6, 0.0))
        with open_env(TASK, num_envs=1, env_cfg=cfg) as env:
            env.reset(seed=0)
            hold = torch.zeros(1, env.action_manager.total_action_dim)
            heights[physics] = []
            for _ in range(2 * SECOND):
                env.step(hold)
                heights[physics].append(env.scene["object"].data.root_pos_w.torch[0, 2].item())
    warp, cpu = np.array(heights["newton_mjwarp"]), np.array(heights["newton_mjc_cpu"])
    assert np.abs(cpu - warp).max() < 0.005, f"stool height on MuJoCo C {cpu[::10]} vs MuJoCo Warp {warp[::10]} (m)"
    assert np.ptp(cpu[-SECOND:]) < 1e-3, "the stool is at rest on its legs"


def test_each_world_steps_its_own_randomized_object():
    """On Track, every reset draws each world's box, mass, inertia, centre of mass and friction; each world's MjModel
    must carry its own draws."""
    num_envs = 4
    cfg = load_env_cfg("InterPrior-Track-v0", num_envs=num_envs, overrides=["physics=newton_mjc_cpu"])
    with open_env("InterPrior-Track-v0", num_envs=num_envs, env_cfg=cfg) as env:
        env.reset(seed=0)
        for _ in range(5):
            env.step(torch.zeros(num_envs, env.action_manager.total_action_dim))
        solver = NewtonManager._solver
        assert isinstance(solver, SolverMuJoCoCpuWorlds)
        body, geom = solver.mj_model.nbody - 1, solver.mj_model.ngeom - 1  # the object is the last body and geom
        for name, index in [("geom_size", geom), ("geom_friction", geom), ("body_mass", body), ("body_ipos", body),
                            ("body_inertia", body)]:
            per_world = getattr(solver.mjw_model, name).numpy()[:, index]
            assert len(np.unique(per_world, axis=0)) > 1, f"{name} was not randomized across worlds"
            stepped = np.stack([getattr(model, name)[index] for model in solver.world_models])
            np.testing.assert_allclose(stepped, per_world, rtol=1e-6, err_msg=name)


def test_the_inertial_update_of_the_changed_bodies_equals_newtons_update_of_every_body():
    """The solver converts only the bodies whose Newton mass, centre of mass or inertia changed; Newton's update of
    every body afterwards must change nothing, after resets (the object's draws) and after a humanoid body's mass."""
    num_envs = 3
    cfg = load_env_cfg("InterPrior-Track-v0", num_envs=num_envs, overrides=["physics=newton_mjc_cpu"])
    with open_env("InterPrior-Track-v0", num_envs=num_envs, env_cfg=cfg) as env:
        env.reset(seed=0)
        solver = NewtonManager._solver
        fields = ("body_mass", "body_ipos", "body_inertia", "body_iquat")

        def converted() -> dict[str, np.ndarray]:
            return {name: getattr(solver.mjw_model, name).numpy().copy() for name in fields}

        humanoid_body = solver._body_to_newton[1, 3]  # world 1's third humanoid link
        # one of its properties at a time: its mass, its inertia (x 1.5), its centre of mass (+ 1 cm)
        changes = {1: ("body_mass", 1.5, 0.0), 2: ("body_inertia", 1.5, 0.0), 3: ("body_com", 1.0, 0.01)}
        for step in range(5):
            if step in changes:
                name, factor, offset = changes[step]
                values = getattr(solver.model, name).numpy()
                values[humanoid_body] = values[humanoid_body] * factor + offset
                before = converted()
                solver.notify_model_changed(ModelFlags.BODY_INERTIAL_PROPERTIES)
                after = converted()
                assert any(not np.array_equal(before[field][1, 3], after[field][1, 3]) for field in fields)
            env.reset(seed=step)  # every world draws its object again
            env.step(torch.zeros(num_envs, env.action_manager.total_action_dim))
            ours = converted()
            SolverMuJoCo._update_model_inertial_properties(solver)  # Newton's own, over every body
            for name, values in converted().items():
                np.testing.assert_array_equal(ours[name], values, err_msg=f"{name} after step {step}")


def test_each_world_steps_with_the_constants_of_its_own_masses():
    """After a reset draws every world's box, each world's derived constants (``mj_setConst``: subtree masses, inverse
    weights) must be those of its own model, computed before it steps; ``world_models`` computes the ones still
    pending after a change between steps."""
    num_envs = 3
    cfg = load_env_cfg("InterPrior-Track-v0", num_envs=num_envs, overrides=["physics=newton_mjc_cpu"])
    with open_env("InterPrior-Track-v0", num_envs=num_envs, env_cfg=cfg) as env:
        env.reset(seed=0)
        env.step(torch.zeros(num_envs, env.action_manager.total_action_dim))
        solver = NewtonManager._solver

        def assert_constants_are_their_own(models) -> None:
            for world, model in enumerate(models):
                fresh = copy.deepcopy(model)
                mujoco.mj_setConst(fresh, mujoco.MjData(fresh))
                for name in ("body_subtreemass", "body_invweight0", "dof_invweight0"):
                    message = f"{name}, world {world}"
                    np.testing.assert_allclose(getattr(model, name), getattr(fresh, name), rtol=1e-9, err_msg=message)

        assert not solver._constants_pending.any(), "the step computed them"
        assert_constants_are_their_own(solver._world_models)
        assert len({model.body_subtreemass[-1] for model in solver._world_models}) == num_envs, "one box mass per world"
        object_body = solver._body_to_newton[1, -1]
        solver.model.body_mass.numpy()[object_body] *= 2.0
        solver.notify_model_changed(ModelFlags.BODY_INERTIAL_PROPERTIES)
        models = solver.world_models
        assert not solver._constants_pending.any()
        assert models[1].body_subtreemass[-1] == pytest.approx(solver.model.body_mass.numpy()[object_body])
        assert_constants_are_their_own(models)


def test_each_model_flag_changes_only_the_fields_the_mirror_compares_for_it():
    """The mirror compares, after a notification, only the MuJoCo Warp fields that Newton's update for the notified
    flags can rewrite (:data:`NOTIFIED_FIELD_PREFIXES`). With every scalar and vector property of the Newton model
    changed, each flag's update must leave every other field as it was, and the flags together must change fields."""
    cfg = load_env_cfg(TASK, num_envs=2, overrides=["physics=newton_mjc_cpu"])
    with open_env(TASK, num_envs=2, env_cfg=cfg) as env:
        env.reset(seed=0)
        solver = NewtonManager._solver
        for name in dir(solver.model):
            array = getattr(solver.model, name, None)  # None: names Newton keeps only to report their removal
            if isinstance(array, wp.array) and array.dtype in (wp.float32, wp.vec3) and array.size > 0:
                array.assign(array.numpy() * 1.01 + 0.001)

        def mirrored_fields() -> dict[str, np.ndarray]:
            return {name: getattr(solver.mjw_model, name).numpy().copy() for name in solver._mirrored}

        before, changed_by_any = mirrored_fields(), set()
        for flag in NOTIFIED_FIELD_PREFIXES:
            solver.notify_model_changed(flag)
            after = mirrored_fields()
            changed = {name for name in after if not np.array_equal(after[name], before[name])}
            assert changed <= set(solver._fields_changed_by(int(flag))), flag
            changed_by_any |= changed
            before = after
        assert {"body_mass", "geom_size", "geom_friction", "dof_damping", "actuator_gainprm"} <= changed_by_any
        assert set(solver._fields_changed_by(int(ModelFlags.MODEL_PROPERTIES))) == set(solver._mirrored)


def test_step_inputs_replayed_by_rollout_reproduce_each_control_step():
    """The benchmark's raw ceiling steps the backend's recorded inputs again with ``mujoco.rollout`` alone; that must
    be the very computation the backend does: one solver call per control step, its physics steps back to back."""
    num_envs = 4
    cfg = load_env_cfg("InterPrior-Track-v0", num_envs=num_envs, overrides=["physics=newton_mjc_cpu"])
    with open_env("InterPrior-Track-v0", num_envs=num_envs, env_cfg=cfg) as env:
        env.reset(seed=0)
        solver = NewtonManager._solver
        recorded = []
        solver_step = solver.step

        def recording_step(*args) -> None:
            solver_step(*args)
            state, controls = solver.step_inputs
            recorded.append((state.copy(), controls.copy(), solver.mjw_data.qpos.numpy().copy()))

        solver.step = recording_step
        for _ in range(3):
            env.step(0.1 * torch.randn(num_envs, env.action_manager.total_action_dim))
        del solver.step
        state, _ = solver.step_inputs
        with pytest.raises(ValueError):
            state[0, 0] = 1.0  # the views are read-only
        models = list(solver.world_models)
        substeps = solver.substeps
    qpos = state_slice(models[0], mujoco.mjtState.mjSTATE_FULLPHYSICS, mujoco.mjtState.mjSTATE_QPOS)
    threads = [mujoco.MjData(models[0]) for _ in range(2)]
    assert len(recorded) == 3 and substeps == PHYSICS_STEPS_PER_CONTROL_STEP
    with rollout.Rollout(nthread=2) as pool:
        for state, controls, stepped_qpos in recorded:
            held = np.repeat(controls[:, None], substeps, axis=1)
            replayed, _ = pool.rollout(models, threads, state, held, control_spec=CONTROL_SPEC, nstep=substeps)
            np.testing.assert_allclose(replayed[:, -1, qpos], stepped_qpos, atol=1e-9)


CHAOTIC_ENVS = 16
"""Seeds (one per env) of the chaotic cases: each env gets its own push and its own tumbling box."""


def push_and_tumble(physics: str) -> dict[str, np.ndarray]:
    """On the ``physics`` preset, push every humanoid over and drop every box from 0.5 m at a random orientation and
    spin (same draws on both backends), then watch 2 s.

    Returns per env (CHAOTIC_ENVS,): ``fall_time`` (s) until the pelvis is below 0.5 m, ``lying_height`` (m) of the
    pelvis at the end, ``rest_time`` (s) from which the box stays within 2 cm of where it ends (a position criterion:
    a resting box on MuJoCo Warp shows single-step speed spikes of several cm/s), ``rest_height`` (m) of the box
    centre and ``box_force`` (N) the vertical contact force on it at the end, with ``box_weight`` (N).
    """
    generator = torch.Generator().manual_seed(0)
    cfg = load_env_cfg(TASK, num_envs=CHAOTIC_ENVS, overrides=[f"physics={physics}"])
    cfg.episode_length_s = 100.0
    cfg.terminations.fall = None
    with open_env(TASK, num_envs=CHAOTIC_ENVS, env_cfg=cfg) as env:
        env.reset(seed=0)
        humanoid, box = env.scene["humanoid"], env.scene["object"]
        ids = torch.arange(CHAOTIC_ENVS)
        heading = 2 * torch.pi * torch.rand(CHAOTIC_ENVS, generator=generator)
        push = torch.zeros(CHAOTIC_ENVS, 6)
        push[:, 0], push[:, 1] = 2.0 * torch.cos(heading), 2.0 * torch.sin(heading)
        humanoid.write_root_velocity_to_sim_index(root_velocity=push, env_ids=ids)
        pose = box.data.root_pose_w.torch.clone()
        pose[:, 2] += 0.5
        pose[:, 3:] = torch.nn.functional.normalize(torch.randn(CHAOTIC_ENVS, 4, generator=generator), dim=-1)
        spin = torch.cat([torch.zeros(CHAOTIC_ENVS, 3), 4.0 * torch.randn(CHAOTIC_ENVS, 3, generator=generator)], -1)
        box.write_root_pose_to_sim_index(root_pose=pose, env_ids=ids)
        box.write_root_velocity_to_sim_index(root_velocity=spin, env_ids=ids)
        hold = torch.zeros(CHAOTIC_ENVS, env.action_manager.total_action_dim)
        pelvis, box_position = [], []
        for _ in range(2 * SECOND):
            env.step(hold)
            pelvis.append(humanoid.data.root_pos_w.torch[:, 2].numpy().copy())
            box_position.append(box.data.root_pos_w.torch.numpy().copy())
        box_force = env.scene["object_contacts"].data.net_forces_w.torch[:, 0, 2].numpy().copy()
        box_weight = box.data.default_mass.torch.sum(-1).numpy() * 9.81
    pelvis, box_position = np.stack(pelvis), np.stack(box_position)
    away = np.linalg.norm(box_position - box_position[-1], axis=-1) > 0.02
    last_away = np.where(away.any(0), len(away) - 1 - np.argmax(away[::-1], axis=0), -1)
    return {
        "fall_time": (np.argmax(pelvis < 0.5, axis=0) + 1) / SECOND,
        "fell": (pelvis < 0.5).any(0),
        "lying_height": pelvis[-1],
        "rest_time": (last_away + 1) / SECOND,
        "rest_height": box_position[-1, :, 2],
        "box_force": box_force,
        "box_weight": box_weight,
    }


@pytest.fixture(scope="module")
def chaotic() -> dict[str, dict[str, np.ndarray]]:
    return {"mjwarp": push_and_tumble("newton_mjwarp"), "mujoco_cpu": push_and_tumble("newton_mjc_cpu")}


def test_falls_and_tumbles_match_mujoco_warp_in_distribution(chaotic):
    """Chaotic cases agree in distribution over 16 seeds: mean fall time within 0.1 s, mean lying pelvis height
    within 3 cm, mean box rest time within 0.25 s and the resting heights (which face the box lands on) within 1 cm
    on average; every box rests on the ground carrying its weight within 5 %."""
    warp, cpu = chaotic["mjwarp"], chaotic["mujoco_cpu"]
    assert cpu["fell"].all() and warp["fell"].all()
    assert abs(cpu["fall_time"].mean() - warp["fall_time"].mean()) < 0.1
    assert abs(cpu["lying_height"].mean() - warp["lying_height"].mean()) < 0.03
    assert (cpu["rest_time"] < 1.5).all() and (warp["rest_time"] < 1.5).all()  # every box came to rest
    assert abs(cpu["rest_time"].mean() - warp["rest_time"].mean()) < 0.25
    assert abs(np.sort(cpu["rest_height"]) - np.sort(warp["rest_height"])).mean() < 0.01
    np.testing.assert_allclose(cpu["box_force"], cpu["box_weight"], rtol=0.05)


def control_steps(one_solver_call: bool) -> dict[str, np.ndarray]:
    """Scene on the MuJoCo C backend, its physics steps run one solver call per control step (the manager's default)
    or one per physics step; after each of 20 env-steps of random actions, with the even envs' boxes dropped: the
    humanoids' root positions (20, NUM_ENVS, 3), the boxes' heights (20, NUM_ENVS), the vertical contact forces (N)
    on the boxes (20, NUM_ENVS) and summed over the humanoids' bodies (20, NUM_ENVS), and the solver's substeps."""
    cfg = load_env_cfg(TASK, num_envs=NUM_ENVS, overrides=["physics=newton_mjc_cpu"])
    generator = torch.Generator().manual_seed(0)
    steps_control_steps = NewtonMujocoCpuManager._steps_control_steps
    if not one_solver_call:
        NewtonMujocoCpuManager._steps_control_steps = classmethod(lambda cls: False)
    try:
        with open_env(TASK, num_envs=NUM_ENVS, env_cfg=cfg) as env:
            env.reset(seed=0)
            humanoid, box = env.scene["humanoid"], env.scene["object"]
            dropped = torch.arange(NUM_ENVS)[DROPPED]
            pose = box.data.root_pose_w.torch[dropped].clone()
            pose[:, 2] += DROP_HEIGHT
            box.write_root_pose_to_sim_index(root_pose=pose, env_ids=dropped)
            readings = {"root": [], "box_height": [], "box_force": [], "humanoid_force": []}
            for _ in range(20):
                env.step(0.2 * torch.randn(NUM_ENVS, env.action_manager.total_action_dim, generator=generator))
                readings["root"].append(humanoid.data.root_pos_w.torch.numpy().copy())
                readings["box_height"].append(box.data.root_pos_w.torch[:, 2].numpy().copy())
                readings["box_force"].append(env.scene["object_contacts"].data.net_forces_w.torch[:, 0, 2].numpy().copy())
                forces = env.scene["humanoid_contacts"].data.net_forces_w.torch[..., 2].sum(-1)
                readings["humanoid_force"].append(forces.numpy().copy())
            substeps = NewtonManager._solver.substeps
    finally:
        NewtonMujocoCpuManager._steps_control_steps = steps_control_steps
    return {name: np.stack(values) for name, values in readings.items()} | {"substeps": np.array(substeps)}


def test_a_control_step_in_one_solver_call_matches_its_physics_steps_one_by_one():
    """The manager hands the solver a whole control step (4 physics steps back to back); trajectories and the contact
    sensors' readings after each env-step match stepping the physics steps one solver call at a time (the substeps
    warm-start from each other, single calls start cold: solver tolerance, not more)."""
    batched, single = control_steps(one_solver_call=True), control_steps(one_solver_call=False)
    assert batched["substeps"] == PHYSICS_STEPS_PER_CONTROL_STEP and single["substeps"] == 1
    assert np.abs(single["box_force"]).max() > 1.0 and np.abs(single["box_force"][3, DROPPED]).max() < 1e-3  # landings
    np.testing.assert_allclose(batched["root"], single["root"], atol=1e-3)
    np.testing.assert_allclose(batched["box_height"], single["box_height"], atol=1e-3)
    np.testing.assert_allclose(batched["box_force"], single["box_force"], rtol=0.02, atol=0.5)
    np.testing.assert_allclose(batched["humanoid_force"], single["humanoid_force"], rtol=0.02, atol=0.5)


def test_mujoco_warnings_go_to_the_log_once_per_kind(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    previous = mujoco.get_mju_user_warning()
    mujoco.set_mju_user_warning(log_mujoco_warning)
    try:
        model = mujoco.MjModel.from_xml_string(
            "<mujoco><option><flag autoreset='disable'/></option>"
            "<worldbody><body><freejoint/><geom size='0.1'/></body></worldbody></mujoco>"
        )
        with caplog.at_level(logging.DEBUG, logger="interprior.physics.mujoco_cpu_solver"):
            for _ in range(2):
                data = mujoco.MjData(model)
                data.qvel[0] = np.nan
                mujoco.mj_step(model, data)
    finally:
        mujoco.set_mju_user_warning(previous)
    qvel = [record for record in caplog.records if "QVEL" in record.getMessage()]
    assert [record.levelno for record in qvel] == [logging.WARNING, logging.DEBUG]
    assert not (tmp_path / "MUJOCO_LOG.TXT").exists()


def _process_threads() -> int:
    """Threads of this process now (Linux)."""
    return len(os.listdir("/proc/self/task"))


def _start_openmp_workers() -> torch.Tensor:
    """A parallel torch operation (large enough for torch to split it over its threads), which leaves torch's OpenMP
    worker threads waiting for the next one."""
    return torch.linspace(0.0, 1.0, 4_000_000).sin().sum()


@pytest.mark.skipif(torch.get_num_threads() < 2, reason="torch runs on one thread: it has no OpenMP workers")
def test_released_openmp_workers_end_and_come_back_for_the_next_parallel_operation():
    expected = _start_openmp_workers()
    with_workers = _process_threads()
    assert release_openmp_threads()
    assert _process_threads() == with_workers - (torch.get_num_threads() - 1)
    assert torch.equal(_start_openmp_workers(), expected)
    assert _process_threads() == with_workers


@pytest.mark.skipif(torch.get_num_threads() < 2, reason="torch runs on one thread: it has no OpenMP workers")
def test_the_worlds_step_without_torchs_openmp_workers_waiting_on_the_cores(monkeypatch):
    """torch's idle OpenMP workers spin on the cores after a parallel operation (a policy's forward pass); the solver
    ends them before its threads step the worlds."""
    cfg = load_env_cfg(TASK, num_envs=2, overrides=["physics=newton_mjc_cpu"])
    with open_env(TASK, num_envs=2, env_cfg=cfg) as env:
        env.reset(seed=0)
        hold = torch.zeros(2, env.action_manager.total_action_dim)
        env.step(hold)  # the stepping threads exist from the first step on
        solver = NewtonManager._solver
        threads_while_stepping = []
        map_world_chunks = solver._map_world_chunks

        def counting_map(work, worlds=None):
            threads_while_stepping.append(_process_threads())
            return map_world_chunks(work, worlds)

        monkeypatch.setattr(solver, "_map_world_chunks", counting_map)
        for _ in range(3):
            _start_openmp_workers()
            with_workers = _process_threads()
            threads_while_stepping.clear()
            env.step(hold)
            assert threads_while_stepping == [with_workers - (torch.get_num_threads() - 1)]
