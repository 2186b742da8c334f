"""Which partition a thread lives on (Kafka's default murmur2 partitioner, as producers use)."""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def partition_for(key: bytes, partitions: int) -> int:
    """The partition the Java and aiokafka default partitioners pick for a non-null key."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class PartitionCache:
    """Memoised `partition_for` over thread ids (murmur2 is pure Python in aiokafka)."""

    def __init__(self, partitions: int, max_size: int = 100_000) -> None:
        self.partitions = partitions
        self._max_size = max_size
        self._cache: dict[bytes, int] = {}

    def __call__(self, key: bytes) -> int:
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) >= self._max_size:
                self._cache.clear()
            cached = self._cache[key] = partition_for(key, self.partitions)
        return cached
