"""Where reference episodes start: weighted towards the clip times from which episodes failed.

InterMimic draws a tracking episode's start frame with a probability that falls as episodes from that frame go
well, so training spends its samples on the hard parts of the clips. :class:`FailureWeightedStarts` does this on
bins of clip time: a bin's weight is its share of uniform sampling (clips in proportion to their duration, times
uniform) times ``floor`` + its failure rate, a moving average over the episodes that started in it.
"""

from __future__ import annotations

import torch

from isaaclab.utils import configclass


@configclass
class FailureWeightedStartsCfg:
    """Bins of start times and how their failure rates weight them."""

    bin_duration: float = 1.0
    """Length of a bin of start times (s)."""
    floor: float = 0.1
    """Weight of a bin from which no episode fails, relative to ``1 + floor`` for one from which every episode fails."""
    smoothing: float = 0.1
    """Step of a bin's failure rate towards the outcome of each episode that started in it (0 < smoothing <= 1)."""


class FailureWeightedStarts:
    """Start clips and times of ``durations`` (C,) clips (s), each start leaving ``truncate_time`` of its clip (a
    shorter clip starts at 0), drawn by :meth:`sample` and weighted by the outcomes :meth:`record` is given.

    Every bin's failure rate starts at 1, so sampling starts uniform.
    """

    def __init__(self, cfg: FailureWeightedStartsCfg, durations: torch.Tensor, truncate_time: float):
        if not (cfg.bin_duration > 0.0 and cfg.floor > 0.0 and 0.0 < cfg.smoothing <= 1.0):
            raise ValueError(f"FailureWeightedStartsCfg: need bin_duration > 0, floor > 0, 0 < smoothing <= 1; got {cfg}")
        self.cfg = cfg
        device = durations.device
        latest = torch.clamp(durations - truncate_time, min=0.0)
        self.bins_per_clip = torch.clamp(torch.ceil(latest / cfg.bin_duration).long(), min=1)
        """(C,) bins of each clip's start times."""
        num_bins = int(self.bins_per_clip.sum())
        self.first_bin = torch.cumsum(self.bins_per_clip, 0) - self.bins_per_clip
        """(C,) index of each clip's first bin."""
        self.bin_clip = torch.repeat_interleave(torch.arange(len(durations), device=device), self.bins_per_clip)
        """(K,) clip of each bin."""
        self.bin_start = (torch.arange(num_bins, device=device) - self.first_bin[self.bin_clip]) * cfg.bin_duration
        """(K,) earliest start time of each bin (s)."""
        self.bin_width = torch.clamp(latest[self.bin_clip] - self.bin_start, max=cfg.bin_duration)
        """(K,) span of start times of each bin (s); 0 for a clip shorter than the truncation."""
        clip_latest = latest[self.bin_clip]
        share = torch.where(clip_latest > 0.0, self.bin_width / clip_latest.clamp(min=1e-9), torch.ones_like(clip_latest))
        self.uniform_weight = durations[self.bin_clip] * share
        """(K,) each bin's weight under uniform sampling: its clip's duration times its share of the clip's starts."""
        self.failure_rate = torch.ones(num_bins, device=device)
        """(K,) moving average of the failures of the episodes started in each bin."""
        self.recorded = torch.zeros(num_bins, dtype=torch.long, device=device)
        """(K,) episodes recorded per bin."""

    @property
    def probabilities(self) -> torch.Tensor:
        """(K,) probability of drawing a start from each bin."""
        weight = self.uniform_weight * (self.cfg.floor + self.failure_rate)
        return weight / weight.sum()

    def sample(self, count: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``count`` starts: (count,) long clip ids and (count,) times (s), uniform within the drawn bins."""
        bins = torch.multinomial(self.probabilities, count, replacement=True, generator=generator)
        offset = torch.rand(count, generator=generator, device=bins.device) * self.bin_width[bins]
        return self.bin_clip[bins], self.bin_start[bins] + offset

    def bin_of(self, clip_ids: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        """(N,) long bin of each start time ``times`` (N,) (s) of ``clip_ids`` (N,)."""
        index = torch.div(times, self.cfg.bin_duration, rounding_mode="floor").long()
        return self.first_bin[clip_ids] + torch.clamp(index, min=0).minimum(self.bins_per_clip[clip_ids] - 1)

    def record(self, bins: torch.Tensor, failed: torch.Tensor) -> None:
        """Record episodes that started in ``bins`` (E,) long and ``failed`` (E,) bool: a bin with n of them moves its
        failure rate by 1 - (1 - smoothing)^n of the way to their share of failures."""
        counts = torch.bincount(bins, minlength=len(self.failure_rate))
        failures = torch.bincount(bins, weights=failed.float(), minlength=len(self.failure_rate))
        kept = (1.0 - self.cfg.smoothing) ** counts.float()
        mean = failures / counts.clamp(min=1)
        self.failure_rate = torch.where(counts > 0, kept * self.failure_rate + (1.0 - kept) * mean, self.failure_rate)
        self.recorded += counts
