"""numba compilation of the routing kernels, cached on disk where the install allows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from numba import njit

F = TypeVar("F", bound=Callable[..., Any])


def compile_kernel(function: F, helper: bool = False) -> F:
    """njit with an on-disk cache where possible.

    helper=True compiles a small function the kernels call in their hot loops without the
    reference counting of its array arguments (it allocates nothing and keeps no array): with
    it such a call costs what the code written inline costs, without it several times more.
    cache=True needs a writable cache directory; numba refuses at decoration when none is
    usable (read-only install), so fall back to compiling in memory on every process start.
    """
    options: dict[str, Any] = {"nogil": True, "_nrt": False} if helper else {"nogil": True}
    try:
        return cast(F, njit(cache=True, **options)(function))
    except RuntimeError:
        return cast(F, njit(cache=False, **options)(function))
