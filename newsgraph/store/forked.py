"""Set-level work spread over forked worker processes: pure functions of their items (judging
pairs, describing copies), run while the ingest's own workers sit idle. The store's connection
stays in the parent; a child only computes."""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def forked_map(
    function: Callable[[_In], _Out], items: Sequence[_In], workers: int, at_least: int, runs: int = 4
) -> list[_Out]:
    """`function` over `items` in order; in `workers` forked processes when there are `at_least`
    items (fewer are not worth starting processes for). Items go out in contiguous runs, about
    `runs` a worker, so a worker sees neighbouring items together."""
    if workers <= 1 or len(items) < at_least:
        return [function(item) for item in items]
    chunk = max(1, math.ceil(len(items) / (workers * runs)))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(function, items, chunksize=chunk))
