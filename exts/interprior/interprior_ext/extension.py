"""The InterPrior panel in Omniverse Kit: pick a task and a checkpoint, press Play. Needs Kit (``omni``, ``carb``)."""

from __future__ import annotations

from pathlib import Path

import carb.settings
import omni.ext
import omni.ui as ui

from .catalog import DEFAULT_REPO_ROOT, run_checkpoints, task_ids
from .launch import PlayProcess, PlayRequest

SETTINGS = "/exts/interprior"
"""Root of this extension's settings (declared in config/extension.toml)."""

NO_CHECKPOINT = "(none: zero actions)"
"""Checkpoint choice that plays the PD drives holding the default pose."""

ROW_HEIGHT = 24
LABEL_WIDTH = 100


class InterPriorExtension(omni.ext.IExt):
    """Registers the InterPrior tasks on startup and shows the panel that plays them with ``scripts/play.py``."""

    def on_startup(self, ext_id: str) -> None:
        settings = carb.settings.get_settings()
        self._repo_root = Path(settings.get(f"{SETTINGS}/repo_root") or DEFAULT_REPO_ROOT)
        self._python = settings.get(f"{SETTINGS}/python") or ""
        self._tasks = task_ids()
        self._checkpoints: list[Path] = []
        self._process: PlayProcess | None = None
        self._status_text = f"{len(self._tasks)} InterPrior tasks registered"
        self._window = ui.Window("InterPrior", width=520, height=230)
        self._num_envs = ui.SimpleIntModel(settings.get(f"{SETTINGS}/num_envs") or 16)
        self._device = ui.SimpleStringModel(settings.get(f"{SETTINGS}/device") or "cpu")
        self._physics = ui.SimpleStringModel(settings.get(f"{SETTINGS}/physics") or "")
        self._window.frame.set_build_fn(self._build)

    def on_shutdown(self) -> None:
        if self._process is not None:
            self._process.stop()
        self._window.destroy()
        self._window = None

    def _build(self) -> None:
        """Lay out the panel; called again by Refresh to list new checkpoints."""
        self._checkpoints = run_checkpoints(self._repo_root)
        checkpoint_names = [NO_CHECKPOINT] + [str(path.relative_to(self._repo_root)) for path in self._checkpoints]
        with ui.VStack(spacing=6, height=0):
            with ui.HStack(height=ROW_HEIGHT):
                ui.Label("Task", width=LABEL_WIDTH)
                self._task_box = ui.ComboBox(0, *self._tasks)
            with ui.HStack(height=ROW_HEIGHT):
                ui.Label("Checkpoint", width=LABEL_WIDTH)
                self._checkpoint_box = ui.ComboBox(min(1, len(self._checkpoints)), *checkpoint_names)
                ui.Button("Refresh", width=70, clicked_fn=self._window.frame.rebuild)
            with ui.HStack(height=ROW_HEIGHT):
                ui.Label("Environments", width=LABEL_WIDTH)
                ui.IntField(self._num_envs, width=60)
                ui.Label("Device", width=60)
                ui.StringField(self._device, width=80)
                ui.Label("Physics", width=60)
                ui.StringField(self._physics)
            with ui.HStack(height=ROW_HEIGHT + 4):
                ui.Button("Play", clicked_fn=self._on_play)
                ui.Button("Stop", clicked_fn=self._on_stop)
            self._status = ui.Label(self._status_text, word_wrap=True)

    def _selected(self, box: ui.ComboBox) -> int:
        return box.model.get_item_value_model().as_int

    def _set_status(self, text: str) -> None:
        self._status_text = text
        self._status.text = text

    def _on_play(self) -> None:
        if self._process is not None and self._process.exit_code() is None:
            self._set_status(f"already playing (pid {self._process.pid}); press Stop first")
            return
        choice = self._selected(self._checkpoint_box)
        request = PlayRequest(
            task=self._tasks[self._selected(self._task_box)],
            checkpoint=None if choice == 0 else self._checkpoints[choice - 1],
            num_envs=self._num_envs.as_int,
            device=self._device.as_string,
            physics=self._physics.as_string,
            python=self._python,
        )
        try:
            self._process = PlayProcess(request, self._repo_root)
        except OSError as error:  # FileNotFoundError for a missing script or interpreter
            self._set_status(f"cannot play: {error}")
            return
        self._set_status(f"playing (pid {self._process.pid}): {' '.join(self._process.command)}")

    def _on_stop(self) -> None:
        if self._process is None:
            self._set_status("nothing is playing")
            return
        self._set_status(f"play.py exited with status {self._process.stop()}")
        self._process = None
