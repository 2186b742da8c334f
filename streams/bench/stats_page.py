"""Read a worker's `/flamewatch/stats/` page (counters, threads in its table)."""

from __future__ import annotations

from typing import Any


async def worker_stats(port: int, host: str = "127.0.0.1") -> dict[str, Any] | None:
    """The worker's stats as a dict, or None when it does not answer."""
    import aiohttp

    try:
        async with aiohttp.ClientSession() as session, session.get(
            f"http://{host}:{port}/flamewatch/stats/", timeout=aiohttp.ClientTimeout(total=5)
        ) as response:
            data: dict[str, Any] = await response.json()
            return data
    except Exception:
        return None
