"""rsl_rl's training logger with a progress bar over learning iterations."""

from __future__ import annotations

import contextlib
import io
import statistics

from rsl_rl.utils.logger import Logger
from tqdm import tqdm


class ProgressLogger(Logger):
    """Logs like rsl_rl's :class:`Logger` (TensorBoard, console report) and advances a tqdm bar per iteration.

    The bar shows the mean return of the last 100 finished episodes. rsl_rl's per-iteration console report is
    written above the bar so the bar stays on the last line.
    """

    def __init__(self, *args, description: str = "PPO iterations", **kwargs):
        """Arguments as :class:`Logger`; ``description`` labels the progress bar."""
        super().__init__(*args, **kwargs)
        self.description = description
        self.progress: tqdm | None = None

    def log(self, it: int, start_it: int, total_it: int, **kwargs) -> None:
        """Log iteration ``it`` of the run ``[start_it, total_it)``; keyword arguments as :meth:`Logger.log`."""
        if self.writer is None:
            super().log(it=it, start_it=start_it, total_it=total_it, **kwargs)
            return
        if self.progress is None:
            self.progress = tqdm(total=total_it, initial=start_it, unit="it", desc=self.description, dynamic_ncols=True)
        report = io.StringIO()
        with contextlib.redirect_stdout(report):
            super().log(it=it, start_it=start_it, total_it=total_it, **kwargs)
        tqdm.write(report.getvalue().rstrip("\n"))
        if self.rewbuffer:
            self.progress.set_postfix(mean_reward=f"{statistics.mean(self.rewbuffer):.3f}")
        self.progress.update(1)
        if it + 1 >= total_it:
            self.progress.close()
            self.progress = None
