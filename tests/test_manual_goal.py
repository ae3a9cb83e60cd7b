"""Goals written by hand: the goal file's checks, and a goal task pursuing the file's snapshot (real physics)."""

from __future__ import annotations

import pytest
import torch

from interprior.assets.skeleton import body_index
from interprior.tasks.env_factory import load_env_cfg, open_env
from interprior.tasks.goals.manual import HOLD_TIME, apply_goal_file, load_goal_file

from .scripts import error_line, run_script

GOAL = """
clip: test/carry_box_medium_02
time: 1.5
body_positions: [Pelvis, L_Wrist]
object_pos: [1.2, 0.6, 0.9]
contacts: {R_Wrist: 1}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list", "must be a mapping"),
        ("clip: test/carry_box_medium_02\nbody_positions: [Pelvis]", "missing ['time']"),
        ("clip: test/carry_box_medium_02\ntime: 1\nhands: [L_Wrist]", "unknown keys ['hands']"),
        ("clip: test/carry_box_medium_02\ntime: 1\nbody_positions: [Hand]", "unknown bodies ['Hand']"),
        ("clip: test/carry_box_medium_02\ntime: 1", "gives no component"),
        ("clip: test/no_such_clip\ntime: 1\nobject_position: true", "no bundled clip"),
        ("clip: [unclosed", "not valid YAML"),
    ],
)
def test_bad_goal_files_are_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "goal.yaml"
    path.write_text(text)
    with pytest.raises((ValueError, FileNotFoundError)) as error:
        load_goal_file(path)
    assert message in str(error.value)


def test_a_goal_task_pursues_the_files_snapshot(tmp_path):
    path = tmp_path / "goal.yaml"
    path.write_text(GOAL)
    cfg = load_env_cfg("InterPrior-Snapshot-v0", num_envs=2)
    apply_goal_file(cfg, path)
    assert cfg.episode_length_s == pytest.approx(1.5 + HOLD_TIME)
    assert cfg.terminations.body_drift is None and cfg.terminations.clip_end is None
    with open_env("InterPrior-Snapshot-v0", env_cfg=cfg) as env:
        observations, _ = env.reset()
        goal = env.command_manager.get_term("goal")
        reference = env.command_manager.get_term("reference")
        assert reference.library.num_clips == 1
        assert torch.allclose(goal.snapshot_time, torch.tensor(1.5))
        assert torch.allclose(reference.times, torch.tensor(env.step_dt))  # from the clip's first frame

        mask = goal.component_mask
        assert not mask[:, :-1].any(), "no preview tokens"
        given = mask[:, -1].nonzero()[:, 1].unique().tolist()
        layout = goal.layout
        expected = [
            layout.body_pos.start + body_index("Pelvis"),
            layout.body_pos.start + body_index("L_Wrist"),
            layout.object_pos,
            layout.contact.start + body_index("R_Wrist"),
        ]
        assert given == sorted(expected)

        frames = goal.goal_frames()
        assert torch.allclose(frames.object_pos[:, -1], torch.tensor([1.2, 0.6, 0.9]))
        assert (frames.contact_object[:, -1, body_index("R_Wrist")] == 1).all()
        # the policy's snapshot token carries the object's offset to the goal position
        object_pos, _ = reference.object_pose()
        object_features = 3 * layout.object_pos
        offset = goal.residuals()[:, -1, object_features : object_features + 3]
        assert torch.allclose(offset.norm(dim=-1), (frames.object_pos[:, -1] - object_pos).norm(dim=-1), atol=1e-4)

        actions = torch.zeros(2, env.action_manager.total_action_dim)
        for _ in range(50):  # past the goal's time: the goal is held, not redrawn
            env.step(actions)
        assert torch.allclose(goal.snapshot_time, torch.tensor(1.5))


def test_play_refuses_a_bad_goal_file(tmp_path):
    path = tmp_path / "goal.yaml"
    path.write_text("clip: test/carry_box_medium_02\ntime: 1")
    result = run_script("play.py", "--task", "InterPrior-Snapshot-v0", "--goal", str(path), cwd=tmp_path)
    assert "gives no component" in error_line(result)
    result = run_script("play.py", "--task", "InterPrior-Track-v0", "--goal", "docs/goals/lift_small_box.yaml", cwd=tmp_path)
    assert "needs a goal task" in error_line(result)
