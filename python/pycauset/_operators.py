"""Arithmetic operators of Matrix and Vector; each delegates to the module that owns the operation."""
from __future__ import annotations


class ArithmeticMixin:
    """Operators shared by Matrix and Vector."""

    def __matmul__(self, other):
        from ._matmul import matmul

        return matmul(self, other)

    def __rmatmul__(self, other):
        from ._matmul import matmul

        return matmul(other, self)
