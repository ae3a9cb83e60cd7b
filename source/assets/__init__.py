"""The humanoid, the object library and the scene assets, with their Isaac Lab configs."""
