"""The benchmark report: ratios, targets of issue 4 (met / missed and by how much), the
printed table and the JSON document. Pure functions over the results dict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _get(results: dict[str, Any], *path: str) -> Any:
    value: Any = results
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def add_ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """flamewatch / bare_faust, flamewatch / raw_consume and two workers / one (in place)."""
    fw = _get(results, "flamewatch", "per_s")
    ratios = {
        "flamewatch_over_bare_faust": ratio(fw, _get(results, "bare_faust", "per_s")),
        "flamewatch_over_raw_consume": ratio(fw, _get(results, "raw_consume", "per_s")),
        "two_workers_over_one": ratio(
            _get(results, "scaleout", "two", "per_s"), _get(results, "scaleout", "one", "per_s")
        ),
    }
    results["ratios"] = ratios
    return ratios


@dataclass(frozen=True)
class Target:
    key: str
    what: str
    goal: float
    higher_is_better: bool
    unit: str
    measured: Callable[[dict[str, Any]], float | None]
    stretch: float | None = None

    def goal_text(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        text = f"{sign} {_num(self.goal)}{self.unit}"
        if self.stretch is not None:
            text += f" (stretch {_num(self.stretch)}{self.unit})"
        return text


def _num(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")


TARGETS: tuple[Target, ...] = (
    Target("flamewatch_over_bare_faust", "flamewatch / bare_faust", 0.8, True, "",
           lambda r: _get(r, "ratios", "flamewatch_over_bare_faust"), stretch=1.0),
    Target("flamewatch_per_s", "flamewatch comments/s per worker", 10_000, True, "/s",
           lambda r: _get(r, "flamewatch", "per_s")),
    Target("latency_p99_ms", "alert latency p99 at 1,000 comments/s", 100, False, " ms",
           lambda r: _get(r, "latency", "p99_ms")),
    Target("two_workers_over_one", "two workers / one worker (4 partitions)", 1.6, True, "x",
           lambda r: _get(r, "ratios", "two_workers_over_one")),
    Target("state_bytes_per_thread", "state per active thread (encoded)", 2048, False, " B",
           lambda r: _get(r, "memory", "state_bytes_mean")),
    Target("rss_bytes_per_thread", "worker RSS per active thread", 2048, False, " B",
           lambda r: _get(r, "memory", "rss_per_thread_bytes")),
    Target("rss_growth_after_expiry", "RSS growth once threads expire (gen 2 -> last)",
           0.10, False, "", lambda r: _get(r, "memory", "rss_growth_once_expiring")),
    Target("core_per_s", "core comments/s (score + state update, one core)", 50_000, True,
           "/s", lambda r: _get(r, "core", "step_per_s")),
)


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One verdict per target: measured value, met (None when not measured) and the gap."""
    verdicts = []
    for target in TARGETS:
        value = target.measured(results)
        met: bool | None = None
        gap = ""
        if value is not None:
            met = value >= target.goal if target.higher_is_better else value <= target.goal
            gap = gap_text(value, target.goal, target.higher_is_better)
        verdict: dict[str, Any] = {
            "key": target.key,
            "target": target.what,
            "goal": target.goal_text(),
            "measured": value,
            "met": met,
            "gap": gap,
        }
        if target.stretch is not None and value is not None:
            verdict["stretch_met"] = value >= target.stretch
        verdicts.append(verdict)
    results["targets"] = verdicts
    return verdicts


def gap_text(value: float, goal: float, higher_is_better: bool) -> str:
    """'' when met; else how far off, e.g. '56% short (needs 2.3x)' or '3.4x the limit'."""
    if higher_is_better:
        if value >= goal:
            return ""
        if value <= 0:
            return "nothing measured"
        return f"{(1 - value / goal) * 100:.0f}% short (needs {goal / value:.1f}x)"
    if value <= goal:
        return ""
    if goal <= 0:
        return f"{value:+.2f} over"
    return f"{value / goal:.1f}x the limit ({(value / goal - 1) * 100:.0f}% over)"


# -- the printed table --------------------------------------------------------------------------

def _rate(value: Any) -> str:
    return f"{value:>12,.0f} msg/s" if isinstance(value, int | float) else f"{'n/a':>12}      "


def _ms(value: Any) -> str:
    return f"{value:,.0f} ms" if isinstance(value, int | float) else "n/a"


def _mb(value: Any) -> str:
    return f"{value / MB:,.0f} MB" if isinstance(value, int | float) else "n/a"


def _x(value: Any, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "n/a"


def _bytes(value: Any) -> str:
    return f"{value:,.0f} B" if isinstance(value, int | float) else "n/a"


def cores_text(cpu: Any) -> str:
    """'cores: worker 0.95, broker 0.40' from a cpu_cores dict ('' when unknown)."""
    if not isinstance(cpu, dict):
        return ""
    parts = []
    workers = cpu.get("workers")
    if workers is None and cpu.get("worker") is not None:
        workers = [cpu["worker"]]
    if workers and all(isinstance(w, int | float) for w in workers):
        parts.append("process " + "+".join(f"{w:.2f}" for w in workers))
    if isinstance(cpu.get("broker"), int | float):
        parts.append(f"broker {cpu['broker']:.2f}")
    if isinstance(cpu.get("others"), int | float):
        parts.append(f"other processes {cpu['others']:.2f}")
    if isinstance(cpu.get("cpu_pressure"), int | float):
        parts.append(f"CPU contended {cpu['cpu_pressure'] * 100:.0f}% of the time")
    return "cores: " + ", ".join(parts) if parts else ""


def render(results: dict[str, Any]) -> str:
    meta = results.get("meta", {})
    lines: list[str] = []
    add = lines.append
    machine = meta.get("machine", {})
    broker = meta.get("broker", {})
    add(f"flamewatch bench — {meta.get('date', '?')} — {machine.get('cpus', '?')} CPUs "
        f"({machine.get('cpu_model', '?')}), {broker.get('kind', '?')} "
        f"{broker.get('version') or ''}".rstrip())
    sizes = meta.get("sizes", {})
    if sizes:
        add("sizes: " + ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}"
                                  for k, v in sizes.items()))
    if meta.get("worker_env"):
        add("worker env: " + " ".join(f"{k}={v}" for k, v in meta["worker_env"].items()))
    th = results.get("throughput_topic")
    if th:
        add("")
        add(f"throughput — one pre-produced topic: {th['comments']:,} comments, "
            f"{th['threads']:,} threads, {th['partitions']} partitions, "
            f"{th['expected_alerts']:,} expected alerts")
    rows = [
        ("raw_consume  (aiokafka group + orjson decode)", "raw_consume", None),
        ("bare_faust   (agent only iterates)", "bare_faust", None),
        ("bare_faust   (take_events batches)", "bare_faust_take", None),
        ("flamewatch   (1 worker)", "flamewatch", "flamewatch"),
    ]
    for label, key, alerts_of in rows:
        data = results.get(key)
        if not isinstance(data, dict):
            continue
        extra = ""
        if alerts_of and data.get("alerts_expected") is not None:
            extra = f"   alerts {data.get('alerts')}/{data['alerts_expected']}"
            if data.get("missing_alerts"):
                extra += f" ({data['missing_alerts']} missing)"
        if data.get("note"):
            extra += f"   ({data['note']})"
        if alerts_of and isinstance(data.get("committed_per_s"), int | float):
            extra += f"   (by committed offsets {data['committed_per_s']:,.0f}/s)"
        cores = cores_text(data.get("cpu_cores"))
        if cores:
            extra += f"   [{cores}]"
        add(f"  {label:<46} {_rate(data.get('per_s'))}{extra}")
    scale = results.get("scaleout")
    if isinstance(scale, dict):
        one, two = scale.get("one", {}), scale.get("two", {})
        add(f"  {'scale-out: 1 worker':<46} {_rate(one.get('per_s'))}")
        note = f"   ({two['note']})" if two.get("note") else ""
        if two.get("missing_alerts"):
            note += f"   ({two['missing_alerts']} alerts missing)"
        cores = cores_text(two.get("cpu_cores"))
        if cores:
            note += f"   [{cores}]"
        add(f"  {'scale-out: 2 workers':<46} {_rate(two.get('per_s'))}"
            f"   alerts {two.get('alerts')}/{two.get('alerts_expected')}{note}")
    ratios = results.get("ratios") or {}
    if ratios:
        add("")
        add("ratios")
        add(f"  flamewatch / bare_faust     {_x(ratios.get('flamewatch_over_bare_faust'))}")
        add(f"  flamewatch / raw_consume    {_x(ratios.get('flamewatch_over_raw_consume'), 3)}")
        add(f"  2 workers / 1 worker        {_x(ratios.get('two_workers_over_one'))}")
    lat = results.get("latency")
    if isinstance(lat, dict):
        add("")
        add(f"alert latency — offered {lat['offered_rate']:,.0f} comments/s "
            f"(achieved {_x(lat.get('achieved_rate'), 0)}/s) for {lat['comments']:,} comments "
            f"over {lat['threads']:,} threads; {lat['alerts']} alerts "
            f"(expected {lat.get('alerts_expected')})")
        add(f"  p50 {_ms(lat.get('p50_ms'))}   p90 {_ms(lat.get('p90_ms'))}   "
            f"p99 {_ms(lat.get('p99_ms'))}   max {_ms(lat.get('max_ms'))}")
        cores = cores_text(lat.get("cpu_cores"))
        batch = lat.get("mean_batch")
        if cores or batch:
            add(f"  while sending: {cores}"
                + (f"; {batch:,.0f} comments per agent batch" if batch else ""))
        split = lat.get("split") or {}
        if split:
            add(f"  produce -> worker detected_at: p50 "
                f"{_ms(split.get('produce_to_detected_p50_ms'))}, p99 "
                f"{_ms(split.get('produce_to_detected_p99_ms'))};  detected_at -> readable: "
                f"p50 {_ms(split.get('detected_to_readable_p50_ms'))}, p99 "
                f"{_ms(split.get('detected_to_readable_p99_ms'))}")
    mem = results.get("memory")
    if isinstance(mem, dict):
        add("")
        add(f"memory — {mem['comments_per_generation']:,} comments over "
            f"{mem['threads_per_generation']:,} threads per generation, "
            f"{mem['generations']} generation(s), inactivity {mem['inactivity_seconds']:,.0f}s")
        add(f"  RSS idle {_mb(mem.get('rss_idle_bytes'))}, after generation 1 "
            f"{_mb(mem.get('rss_loaded_bytes'))} with {mem.get('active_threads'):,} "
            f"active threads -> {_bytes(mem.get('rss_per_thread_bytes'))} per thread")
        add(f"  encoded state per thread: mean {_bytes(mem.get('state_bytes_mean'))}, "
            f"p50 {_bytes(mem.get('state_bytes_p50'))}, p99 {_bytes(mem.get('state_bytes_p99'))}, "
            f"max {_bytes(mem.get('state_bytes_max'))}")
        series = ", ".join(
            f"gen {i + 1}: {_mb(r.get('rss_bytes'))} ({r.get('threads_in_table')} threads)"
            for i, r in enumerate(mem.get("rounds", []))
        )
        growth = mem.get("rss_growth_over_generations")
        expiring = mem.get("rss_growth_once_expiring")
        add(f"  RSS per generation: {series}")
        add(f"  RSS growth: first -> last generation "
            f"{'n/a' if growth is None else f'{growth * 100:+.1f}%'}; from generation 2 (older "
            f"threads expiring) -> last {'n/a' if expiring is None else f'{expiring * 100:+.1f}%'}")
        add(f"  RSS after everything expired: {_mb(mem.get('rss_all_expired_bytes'))} "
            f"({mem.get('threads_after_all_expired')} threads)")
    core = results.get("core")
    if isinstance(core, dict):
        add("")
        add(f"core (no broker, this process) — {core['comments']:,.0f} comments over "
            f"{core['threads']:,.0f} threads")
        add(f"  scoring only {core['score_only_per_s']:,.0f}/s   step {core['step_per_s']:,.0f}/s"
            f"   step + state codec {core['step_with_state_codec_per_s']:,.0f}/s")
    targets = results.get("targets") or []
    if targets:
        add("")
        add("targets (issue 4)")
        for v in targets:
            status = {True: "met   ", False: "MISSED", None: "n/a   "}[v["met"]]
            measured = v["measured"]
            shown = "n/a" if measured is None else (
                f"{measured:,.0f}" if abs(measured) >= 100 else f"{measured:.3g}"
            )
            gap = f"  — {v['gap']}" if v["gap"] else ""
            stretch = ""
            if "stretch_met" in v:
                stretch = "  (stretch met)" if v["stretch_met"] else ""
            add(f"  [{status}] {v['target']:<50} {shown:>10}  goal {v['goal']}{gap}{stretch}")
    for section in ("adversarial", "soak"):  # reliability sections render themselves
        if isinstance(results.get(section), dict):
            from importlib import import_module

            add("")
            add(import_module(f"streams.bench.{section}").render(results[section]))
    if meta.get("duration_s") is not None:
        add("")
        start = meta.get("loadavg_at_start")
        load = ""
        if start:
            load = (f"; 1-minute load average before it: {start[0]:.2f} (other processes on "
                    f"these CPUs skew every number)")
        add(f"run took {meta['duration_s']:.0f}s{load}")
    return "\n".join(lines)
