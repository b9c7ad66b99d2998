"""Optimiser (placeholder: identity until the passes land)."""

from __future__ import annotations

from .ir import Block


def optimize(root: Block) -> Block:
    """Return an equivalent, smaller DAG."""
    return root
