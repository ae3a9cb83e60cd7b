"""Which library box each environment's object is, switched per environment at reset on Newton's MuJoCo solver.

MuJoCo Warp needs every world to share its shape types and layout, but a box's size is a per-world number: the
library boxes (``box_small``, ``box_medium``, ``box_large``, ``plate``) are all one box geom, so one scene object can
be any of them in each world. :class:`ObjectSwitch` rewrites, per world, the box's half extents in the Newton model
(the solver copies them into MuJoCo's per-world ``geom_size``), its bounding sphere and bounding box for the
broadphase, and the body's mass and solid-box inertia through the rigid object's API.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import newton
import torch
import warp as wp

from isaaclab.managers import EventTermCfg, ManagerTermBase, SceneEntityCfg
from isaaclab_newton.physics import NewtonManager

from interprior.assets.object_sdf import BoxSdf
from interprior.assets.objects import get_object

if TYPE_CHECKING:
    from isaaclab.assets import RigidObject
    from isaaclab.envs import ManagerBasedEnv

OBJECT_SWITCH_TERM = "object_switch"
"""Event term name under which tasks register :class:`ObjectSwitch` (see :func:`object_switch_term`)."""


def box_half_extents(names: Sequence[str]) -> torch.Tensor:
    """(len(names), 3) half extents (m) of library boxes ``names``; raises ``ValueError`` for a non-box object."""
    specs = [get_object(name) for name in names]
    for spec in specs:
        if spec.shape != "box":
            raise ValueError(f"object switch: library object {spec.name!r} is a {spec.shape}, not a single box")
    return 0.5 * torch.tensor([spec.size for spec in specs])


def solid_box_inertia(mass: torch.Tensor, half_extents: torch.Tensor) -> torch.Tensor:
    """(N, 9) row-major inertia (kg m^2) about the centre of solid boxes of ``mass`` (N,) and ``half_extents`` (N, 3)."""
    squared = (2.0 * half_extents) ** 2
    diagonal = mass.unsqueeze(-1) / 12.0 * (squared.sum(-1, keepdim=True) - squared)
    return torch.diag_embed(diagonal).reshape(-1, 9)


def object_switch_term(env: ManagerBasedEnv, term_name: str = OBJECT_SWITCH_TERM) -> ObjectSwitch:
    """The :class:`ObjectSwitch` registered as event term ``term_name``."""
    term = env.event_manager.get_term_cfg(term_name).func
    if not isinstance(term, ObjectSwitch):
        raise TypeError(f"event term {term_name!r} is {type(term).__name__}, not ObjectSwitch")
    return term


class ObjectSwitch(ManagerTermBase):
    """Event term (mode ``"reset"``): each reset environment's object becomes a random box of ``names``, resting
    upright at its default position.

    Params: ``asset_cfg`` (the object), ``names`` (library boxes to choose from), ``size_scale_range`` (a uniform
    factor on the library box's size, its proportions kept), ``mass_scale_range`` (a factor on its density: the mass
    is the library mass times the size factor cubed times this) and ``inertia_scale_range`` (a factor on each
    principal moment); each a uniform draw per switch, default (1, 1).
    Other terms read :attr:`object_ids`, :attr:`object_names`, :attr:`half_extents` and :attr:`sdf`, and choose
    objects with :meth:`set_objects` (the reference motion sets each environment to its clip's object).
    """

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        asset_cfg: SceneEntityCfg = cfg.params["asset_cfg"]
        self.asset: RigidObject = env.scene[asset_cfg.name]
        self.names: tuple[str, ...] = tuple(cfg.params["names"])
        """Library boxes this term switches between; :attr:`object_ids` index it."""
        self.size_scale_range: tuple[float, float] = cfg.params.get("size_scale_range", (1.0, 1.0))
        self.mass_scale_range: tuple[float, float] = cfg.params.get("mass_scale_range", (1.0, 1.0))
        self.inertia_scale_range: tuple[float, float] = cfg.params.get("inertia_scale_range", (1.0, 1.0))
        self._library_half_extents = box_half_extents(self.names).to(self.device)
        self._library_masses = torch.tensor([get_object(name).mass for name in self.names], device=self.device)

        self._model = NewtonManager.get_model()
        if self._model is None:
            raise RuntimeError(
                f"object switch of {asset_cfg.name!r}: needs a Newton physics backend (physics=newton_mjc_cpu or newton_mjwarp); "
                f"this scene runs {type(env.cfg.sim.physics).__name__}"
            )
        self._shape_ids = self._box_shape_per_env(asset_cfg.name)
        self._mjw_model, self._geom_id = None, None
        spawned = wp.to_torch(self._model.shape_scale)[self._shape_ids].to(self.device)
        self.half_extents = spawned.clone()
        """(N, 3) half extents (m) of each environment's box, updated in place by :meth:`set_objects`."""
        self.size_scales = torch.ones(self.num_envs, device=self.device)
        """(N,) factor of each environment's box size on its library box's."""
        self.object_ids = torch.full((self.num_envs,), -1, dtype=torch.long, device=self.device)
        """(N,) long index into :attr:`names` of each environment's object; -1 until first set."""
        self.sdf = BoxSdf(self.half_extents)
        """Distance field of each environment's box in its object frame: :meth:`BoxSdf.distance` of (N, ..., 3)."""
        self._generator = torch.Generator(device=self.device)
        self._generator.manual_seed(env.cfg.seed if env.cfg.seed is not None else 0)

    @property
    def object_names(self) -> list[str | None]:
        """Library object name of each environment (``None`` until first set)."""
        return [self.names[i] if i >= 0 else None for i in self.object_ids.tolist()]

    def set_objects(self, env_ids: torch.Tensor, objects: Sequence[str] | torch.Tensor) -> None:
        """Make the object of environments ``env_ids`` (E,) the library boxes ``objects``.

        Args:
            env_ids: (E,) long environment indices.
            objects: E library names, or (E,) long indices into :attr:`names`.

        Takes effect at the next physics step. The size is the library box's times a draw from ``size_scale_range``;
        the mass the library mass times that factor cubed times a draw from ``mass_scale_range``; the inertia the
        solid box's, each principal moment times a draw from ``inertia_scale_range``.
        """
        env_ids = torch.as_tensor(env_ids, dtype=torch.long, device=self.device)
        object_ids = self._object_ids(objects)
        if len(object_ids) != len(env_ids):
            raise ValueError(f"object switch: {len(object_ids)} objects for {len(env_ids)} environments")
        size_scale = self._uniform(self.size_scale_range, len(env_ids))
        half = self._library_half_extents[object_ids] * size_scale.unsqueeze(-1)
        self.object_ids[env_ids] = object_ids
        self.size_scales[env_ids] = size_scale
        self.half_extents[env_ids] = half

        mjw_model, geom_id = self._mujoco_geom()
        shape_scale = wp.to_torch(self._model.shape_scale)
        shape_ids = self._shape_ids[env_ids.to(shape_scale.device)]
        rbound = torch.linalg.norm(half, dim=-1)
        shape_scale[shape_ids] = half.to(shape_scale)
        wp.to_torch(self._model.shape_collision_radius)[shape_ids] = rbound.to(shape_scale)
        geom_rbound = wp.to_torch(mjw_model.geom_rbound)  # (worlds, geoms)
        geom_rbound[env_ids.to(geom_rbound.device), geom_id] = rbound.to(geom_rbound)
        # the geom's bounding box for MuJoCo's broadphase is shared by all worlds: it grows to enclose every box
        geom_aabb = wp.to_torch(mjw_model.geom_aabb)  # (worlds or 1, geoms, 2: centre and half size, 3)
        largest = half.max(dim=0).values.to(geom_aabb)
        geom_aabb[:, geom_id, 1] = torch.maximum(geom_aabb[:, geom_id, 1], largest)
        NewtonManager.add_model_change(newton.ModelFlags.SHAPE_PROPERTIES)

        mass = self._library_masses[object_ids] * size_scale**3 * self._uniform(self.mass_scale_range, len(env_ids))
        inertia = solid_box_inertia(mass, half)
        inertia[:, [0, 4, 8]] *= self._uniform(self.inertia_scale_range, len(env_ids), 3)
        self.asset.set_masses_index(masses=mass.unsqueeze(-1), env_ids=env_ids)
        self.asset.set_inertias_index(inertias=inertia.unsqueeze(1), env_ids=env_ids)

    def __call__(
        self,
        env: ManagerBasedEnv,
        env_ids: torch.Tensor | slice | None,
        asset_cfg: SceneEntityCfg,
        names: Sequence[str],
        size_scale_range: tuple[float, float] = (1.0, 1.0),
        mass_scale_range: tuple[float, float] = (1.0, 1.0),
        inertia_scale_range: tuple[float, float] = (1.0, 1.0),
    ) -> None:
        env_ids = torch.arange(self.num_envs, device=self.device)[slice(None) if env_ids is None else env_ids]
        choice = torch.randint(len(self.names), (len(env_ids),), device=self.device, generator=self._generator)
        self.set_objects(env_ids, choice)
        pose = self.asset.data.default_root_pose.torch[env_ids].clone()
        pose[:, :3] += env.scene.env_origins[env_ids]
        pose[:, 2] = self.half_extents[env_ids, 2]
        self.asset.write_root_pose_to_sim_index(root_pose=pose, env_ids=env_ids)
        self.asset.write_root_velocity_to_sim_index(root_velocity=torch.zeros(len(env_ids), 6, device=self.device), env_ids=env_ids)

    def rise(self, env_ids: torch.Tensor) -> torch.Tensor:
        """(E,) how much higher (m) the centre of each box of ``env_ids`` rests on its bottom face than its library
        box's: a reference pose of the library box is moved up by this to keep the bottom face where it was."""
        return self.half_extents[env_ids, 2] - self._library_half_extents[self.object_ids[env_ids], 2]

    def _object_ids(self, objects: Sequence[str] | torch.Tensor) -> torch.Tensor:
        if isinstance(objects, torch.Tensor):
            return objects.to(self.device, torch.long)
        unknown = sorted(set(objects) - set(self.names))
        if unknown:
            raise ValueError(f"object switch: {', '.join(map(repr, unknown))} not among its boxes {self.names}")
        return torch.tensor([self.names.index(name) for name in objects], dtype=torch.long, device=self.device)

    def _uniform(self, bounds: tuple[float, float], *shape: int) -> torch.Tensor:
        low, high = bounds
        return low + (high - low) * torch.rand(*shape, device=self.device, generator=self._generator)

    def _box_shape_per_env(self, asset_name: str) -> torch.Tensor:
        """(N,) long Newton shape index of the object's one colliding box in each environment."""
        pattern = re.compile(self.asset.cfg.prim_path + "/.*")  # prim paths are regular expressions
        worlds = self._model.shape_world.numpy()
        types = self._model.shape_type.numpy()
        colliding = self._model.shape_flags.numpy() & int(newton.ShapeFlags.COLLIDE_SHAPES)
        shapes: list[list[int]] = [[] for _ in range(self.num_envs)]
        for index, label in enumerate(self._model.shape_label):
            if colliding[index] and pattern.fullmatch(label):
                shapes[worlds[index]].append(index)
        for env_id, found in enumerate(shapes):
            if len(found) != 1 or types[found[0]] != int(newton.GeoType.BOX):
                kinds = [newton.GeoType(int(types[i])).name for i in found]
                raise ValueError(
                    f"object switch of {asset_name!r}: env {env_id} has colliding shapes {kinds or 'none'} under "
                    f"{self.asset.cfg.prim_path}; switching needs exactly one box"
                )
        return torch.tensor([found[0] for found in shapes], dtype=torch.long, device=str(self._model.device))

    def _mujoco_geom(self) -> tuple[object, int]:
        """The MuJoCo Warp model and the box's geom index in it (the same in every world).

        The solver is built after the event terms, so it is looked up on first use.
        """
        if self._geom_id is None:
            solver = NewtonManager._solver
            if not isinstance(solver, newton.solvers.SolverMuJoCo) or solver.use_mujoco_cpu:
                raise RuntimeError(
                    f"object switch: needs Newton's MuJoCo Warp solver, the scene's solver is {type(solver).__name__}"
                )
            geom_shapes = wp.to_torch(solver.mjc_geom_to_newton_shape)  # (worlds, geoms) Newton shape of each geom
            match = geom_shapes == self._shape_ids.unsqueeze(-1)
            geom_ids = match.long().argmax(dim=-1)
            if not match.any(dim=-1).all() or (geom_ids != geom_ids[0]).any():
                raise ValueError("object switch: the object's box is not the same MuJoCo geom in every world")
            self._mjw_model, self._geom_id = solver.mjw_model, int(geom_ids[0])
        return self._mjw_model, self._geom_id
