"""Entity resolution on a Dask cluster: `corpus.entity_groups` with the judging of compared pairs
and the resolution of the groups run as tasks on the cluster. The client sends names and rules,
never the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from distributed import Client

from newsgraph.corpus.entities import NameRecord, Resolution, Rule
from newsgraph.corpus.entity_groups import resolve_in_groups
from newsgraph.store.entities import Resolver

TASKS_PER_WORKER = 4  # tasks a round is cut into per worker thread, so that big pieces balance


def cluster_resolver(client: Client) -> Resolver:
    """A resolver for `resolve_entities` that runs `resolve_in_groups` on the client's cluster, a few
    tasks a worker thread: the client sends names and rules, never the store."""

    def map_tasks(task: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        if not items:
            return []
        with client.as_current():  # the runner's client is nobody's default
            futures = client.map(task, client.scatter(items), pure=False)
            return list(client.gather(futures))

    def resolve(
        records: Iterable[NameRecord], rules: Iterable[Rule], oversized: frozenset[str] | None = None
    ) -> Resolution:
        threads = sum(client.nthreads().values()) or 1
        return resolve_in_groups(records, rules, map_tasks, threads * TASKS_PER_WORKER, oversized)

    return resolve
