"""Read a worker's `/flamewatch/stats/` page (counters, threads in its table)."""

from __future__ import annotations

import uuid
from typing import Any

WEB_TOKEN = uuid.uuid4().hex
"""FLAMEWATCH_WEB_TOKEN of the workers this process starts (their stats page needs it)."""
HEADERS = {"Authorization": f"Bearer {WEB_TOKEN}"}


async def worker_stats(port: int, host: str = "127.0.0.1") -> dict[str, Any] | None:
    """The worker's stats as a dict, or None when it does not answer."""
    import aiohttp

    try:
        async with aiohttp.ClientSession(headers=HEADERS) as session, session.get(
            f"http://{host}:{port}/flamewatch/stats/", timeout=aiohttp.ClientTimeout(total=5)
        ) as response:
            data: dict[str, Any] = await response.json()
            return data
    except Exception:
        return None


class StatsPoller:
    """Polls the stats pages of several workers with one HTTP session."""

    def __init__(self, ports: list[int], host: str = "127.0.0.1") -> None:
        self.ports = ports
        self.host = host
        self._session: Any = None

    async def processed(self) -> list[int | None]:
        """Each worker's `processed` counter (None when it does not answer)."""
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2),
                                                  headers=HEADERS)
        out: list[int | None] = []
        for port in self.ports:
            try:
                async with self._session.get(
                    f"http://{self.host}:{port}/flamewatch/stats/"
                ) as response:
                    out.append(int((await response.json())["processed"]))
            except Exception:
                out.append(None)
        return out

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
