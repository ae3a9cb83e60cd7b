"""The Track expert shipped with the package (``interprior.agents.checkpoints.PRETRAINED_TRACK_EXPERT``): a released
checkpoint that fits today's Track task and keeps the humanoids on their training clips longer than the zero action
it starts from (PD at the reference's joint angles).

If a change to Track's observations or actions breaks the first test, retrain the expert and release it again
(README, "The shipped expert").
"""

from __future__ import annotations

import numpy as np
import torch

from interprior.agents.checkpoints import OPTIMIZER_KEY, PRETRAINED_TRACK_EXPERT
from interprior.agents.runner import load_task_configs
from interprior.eval.clip_set import clip_set_root, clips_of_objects, make_episodes
from interprior.eval.episodes import run_episodes
from interprior.eval.tasks import TRACK
from interprior.eval.thresholds import THRESHOLDS

NUM_ENVS = 16


def _mean_steps(checkpoint, clip_files, root) -> float:
    """Mean control steps the policy of ``checkpoint`` tracks each clip from its first frame before an episode ends."""
    recorded = run_episodes(TRACK, checkpoint, clip_files, make_episodes(clip_files, root, 1), NUM_ENVS, seed=0)
    return float(np.mean([TRACK.score(episode, THRESHOLDS).steps for episode in recorded]))


def test_the_shipped_expert_is_released_and_tracks_longer_than_the_zero_action(tmp_path):
    saved = torch.load(PRETRAINED_TRACK_EXPERT, map_location="cpu", weights_only=False)
    assert OPTIMIZER_KEY not in saved and saved["iter"] > 0
    # the same actor with a zero last layer outputs the zero action: PD at the reference's joint angles
    zero = dict(saved)
    actor = dict(saved["actor_state_dict"])
    last = max(int(name.split(".")[1]) for name in actor if name.startswith("mlp.") and name.endswith(".weight"))
    for name in (f"mlp.{last}.weight", f"mlp.{last}.bias"):
        actor[name] = torch.zeros_like(actor[name])
    zero["actor_state_dict"] = actor
    torch.save(zero, tmp_path / "zero_action.pt")

    root = clip_set_root("train")
    clip_files = clips_of_objects(root, TRACK.clip_objects(load_task_configs(TRACK.task_id)[0]))
    assert len(clip_files) == NUM_ENVS
    expert_steps = _mean_steps(PRETRAINED_TRACK_EXPERT, clip_files, root)
    zero_steps = _mean_steps(tmp_path / "zero_action.pt", clip_files, root)
    # measured: 106.1 control steps against 14.8 (iteration 1875 of the shipped run)
    assert expert_steps > 2.0 * zero_steps, (expert_steps, zero_steps)
