"""Causal sets: sprinkle into regions of Minkowski space, build the causal matrix, measure the order.

>>> from pycauset import causet
>>> cs = causet.sprinkle(causet.MinkowskiDiamond(2), n=500, seed=7)
>>> round(cs.dimension(), 1) in (1.8, 1.9, 2.0, 2.1, 2.2)
True

Conventions: natural labelling (``C`` strictly upper triangular, ``C[i, j]`` iff i precedes j), open
intervals (``|I(i, j)| = (C C)[i, j]``), ``N_k`` = related pairs with k elements between them.
See ``documentation/user_guide/causal_sets.md``.
"""
from __future__ import annotations

from ._causal_set import CausalSet
from ._regions import MinkowskiBox, MinkowskiCylinder, MinkowskiDiamond, Region
from ._sprinkle import from_coordinates, sprinkle

__all__ = ["CausalSet", "MinkowskiBox", "MinkowskiCylinder", "MinkowskiDiamond", "Region", "from_coordinates",
           "sprinkle"]


def __dir__():
    return sorted(__all__)
