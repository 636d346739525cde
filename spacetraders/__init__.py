"""Run a SpaceTraders fleet through an embedded container supervisor."""

__version__ = "0.1.0"
