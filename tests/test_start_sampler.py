"""Failure-weighted start sampling: uniform while nothing is known, then towards the bins episodes fail from."""

from __future__ import annotations

import pytest
import torch

from interprior.tasks.hoi.mdp.start_sampler import FailureWeightedStarts, FailureWeightedStartsCfg

DURATIONS = torch.tensor([3.5, 2.0, 0.5])
"""Seconds: with 1 s left at the end, 2.5 s of starts (3 bins, the last 0.5 s wide), 1 s (1 bin), and none."""
SAMPLES = 200_000


def _starts(**cfg) -> FailureWeightedStarts:
    return FailureWeightedStarts(FailureWeightedStartsCfg(**cfg), DURATIONS, truncate_time=1.0)


def _generator() -> torch.Generator:
    generator = torch.Generator()
    generator.manual_seed(0)
    return generator


def test_bins_cover_each_clips_start_times():
    starts = _starts()
    assert starts.bin_clip.tolist() == [0, 0, 0, 1, 2]
    torch.testing.assert_close(starts.bin_start, torch.tensor([0.0, 1.0, 2.0, 0.0, 0.0]))
    torch.testing.assert_close(starts.bin_width, torch.tensor([1.0, 1.0, 0.5, 1.0, 0.0]))
    clip_ids, times = starts.sample(SAMPLES, _generator())
    assert (times >= 0).all() and (times <= torch.clamp(DURATIONS[clip_ids] - 1.0, min=0.0)).all()
    assert (times[clip_ids == 2] == 0).all()  # shorter than the truncation: starts at its first frame
    bins = starts.bin_of(clip_ids, times)
    assert (starts.bin_clip[bins] == clip_ids).all()
    assert ((times >= starts.bin_start[bins]) & (times <= starts.bin_start[bins] + starts.bin_width[bins])).all()


def test_before_any_outcome_sampling_is_uniform_in_time_with_clips_in_proportion_to_duration():
    clip_ids, times = _starts().sample(SAMPLES, _generator())
    share = torch.bincount(clip_ids, minlength=3).float() / SAMPLES
    torch.testing.assert_close(share, DURATIONS / DURATIONS.sum(), atol=0.005, rtol=0)
    first_clip = times[clip_ids == 0]
    assert abs(float((first_clip < 1.25).float().mean()) - 0.5) < 0.01  # uniform over its 2.5 s of starts


def test_failures_draw_starts_to_their_bin():
    starts = _starts(floor=0.1, smoothing=0.2)
    for _ in range(60):  # bins 0, 1, 3 always succeed, bin 2 always fails
        bins = torch.tensor([0, 1, 2, 3])
        starts.record(bins, bins == 2)
    torch.testing.assert_close(starts.failure_rate[:4], torch.tensor([0.0, 0.0, 1.0, 0.0]), atol=1e-4, rtol=0)
    assert starts.recorded.tolist() == [60, 60, 60, 60, 0]
    weight = starts.uniform_weight * torch.tensor([0.1, 0.1, 1.1, 0.1, 1.1])
    expected = weight / weight.sum()
    clip_ids, times = starts.sample(SAMPLES, _generator())
    drawn = torch.bincount(starts.bin_of(clip_ids, times), minlength=5).float() / SAMPLES
    torch.testing.assert_close(drawn, expected, atol=0.005, rtol=0)
    assert drawn[2] > 0.3 > drawn[0]  # half a second of starts drawn far more than a whole second that succeeds


def test_a_batch_of_outcomes_moves_a_rate_as_far_as_one_by_one():
    one_by_one, batched = _starts(smoothing=0.3), _starts(smoothing=0.3)
    for _ in range(3):
        one_by_one.record(torch.tensor([1]), torch.tensor([False]))
    batched.record(torch.tensor([1, 1, 1]), torch.tensor([False, False, False]))
    torch.testing.assert_close(batched.failure_rate, one_by_one.failure_rate)
    assert float(batched.failure_rate[1]) == pytest.approx(0.7**3)


@pytest.mark.parametrize("cfg", [{"bin_duration": 0.0}, {"floor": 0.0}, {"smoothing": 1.5}])
def test_bad_settings_are_refused(cfg):
    with pytest.raises(ValueError, match="FailureWeightedStartsCfg"):
        _starts(**cfg)
