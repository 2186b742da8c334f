"""The printed table of a benchmark run (the JSON is `Results.to_dict()`).

Numbers and ratios only: what they are held against is in docs/PERFORMANCE.md.
"""

from __future__ import annotations

from typing import Any

from bench.results import Cores, Drain, LatencyRun, Memory, Results

MB = 1024 * 1024


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


def _pct(value: Any) -> str:
    return "n/a" if not isinstance(value, int | float) else f"{value * 100:+.1f}%"


def cores_text(cpu: Cores | None) -> str:
    """'cores: process 0.95, broker 0.40, ...' ('' when unknown)."""
    if cpu is None:
        return ""
    parts = []
    if cpu.processes and all(isinstance(p, int | float) for p in cpu.processes):
        parts.append("process " + "+".join(f"{p:.2f}" for p in cpu.processes if p is not None))
    if cpu.broker is not None:
        parts.append(f"broker {cpu.broker:.2f}")
    if cpu.others is not None:
        parts.append(f"other processes {cpu.others:.2f}")
    if cpu.cpu_pressure is not None:
        parts.append(f"CPU contended {cpu.cpu_pressure * 100:.0f}% of the time")
    return "cores: " + ", ".join(parts) if parts else ""


def _drain_line(label: str, data: Drain) -> str:
    extra = ""
    if data.alerts_expected is not None:
        extra = f"   alerts {data.alerts}/{data.alerts_expected}"
        if data.missing_alerts:
            extra += f" ({data.missing_alerts} missing)"
        if data.unexpected_alerts:
            extra += f" ({data.unexpected_alerts} unexpected)"
    if data.note:
        extra += f"   ({data.note})"
    if data.committed_per_s is not None and data.alerts_expected is not None:
        extra += f"   (by committed offsets {data.committed_per_s:,.0f}/s)"
    if data.changelog_records:
        extra += f"   {data.changelog_records / max(data.messages, 1):.2f} changelog records/comment"
    cores = cores_text(data.cores)
    if cores:
        extra += f"   [{cores}]"
    return f"  {label:<44} {_rate(data.per_s)}{extra}"


def _latency_lines(run: LatencyRun, label: str) -> list[str]:
    lines = [
        f"  {label}: p50 {_ms(run.p50_ms)}   p90 {_ms(run.p90_ms)}   p99 {_ms(run.p99_ms)}   "
        f"max {_ms(run.max_ms)}   ({run.alerts}/{run.alerts_expected} alerts"
        + (f", {run.unmatched_alerts} unmatched" if run.unmatched_alerts else "") + ")",
        f"      produce -> detected_at p50 {_ms(run.produce_to_detected_p50_ms)}, p99 "
        f"{_ms(run.produce_to_detected_p99_ms)};  detected_at -> readable p50 "
        f"{_ms(run.detected_to_readable_p50_ms)}, p99 {_ms(run.detected_to_readable_p99_ms)}",
    ]
    cores = cores_text(run.cores)
    batch = f"{run.mean_batch:,.0f} comments per agent batch" if run.mean_batch else ""
    if cores or batch:
        lines.append(f"      while sending: {'; '.join(x for x in (cores, batch) if x)}")
    return lines


def _memory_lines(mem: Memory) -> list[str]:
    series = ", ".join(
        f"gen {i + 1}: {_mb(r.rss_bytes)} ({r.threads_in_table} threads)"
        for i, r in enumerate(mem.rounds)
    )
    lines = [
        f"memory, {mem.store} — {mem.comments_per_generation:,} comments over "
        f"{mem.threads_per_generation:,} threads per generation, {mem.generations} "
        f"generation(s), inactivity {mem.inactivity_seconds:,.0f}s",
        f"  RSS idle {_mb(mem.rss_idle_bytes)}, after generation 1 "
        f"{_mb(mem.rss_loaded_bytes)} with {mem.active_threads:,} active threads -> "
        f"{_bytes(mem.rss_per_thread_bytes)} per thread",
        f"  state per thread on the changelog: mean {_bytes(mem.state_bytes_mean)}, "
        f"p50 {_bytes(mem.state_bytes_p50)}, p99 {_bytes(mem.state_bytes_p99)}, "
        f"max {_bytes(mem.state_bytes_max)}",
        f"  RSS per generation: {series}",
        f"  RSS growth: first -> last generation {_pct(mem.rss_growth_over_generations)}; "
        f"from generation 2 (older threads expiring) -> last "
        f"{_pct(mem.rss_growth_once_expiring)}",
        f"  RSS after everything expired: {_mb(mem.rss_all_expired_bytes)} "
        f"({mem.threads_after_all_expired} threads)",
    ]
    if mem.data_dir_bytes is not None:
        lines.append(f"  data directory after generation 1: {_mb(mem.data_dir_bytes)}")
    return lines


def render(results: Results) -> str:
    meta = results.meta
    lines: list[str] = []
    add = lines.append
    machine = meta.get("machine", {})
    broker = meta.get("broker", {})
    add(f"flamewatch bench — {meta.get('date', '?')} — {machine.get('cpus', '?')} CPUs "
        f"({machine.get('cpu_model', '?')}), {broker.get('kind', '?')} "
        f"{broker.get('version') or ''}".rstrip())
    source = meta.get("source") or {}
    if source.get("commit"):
        add(f"source {source['commit']}" + (
            f" (uncommitted changes in {', '.join(source['uncommitted_in'])})"
            if source.get("uncommitted_in") else ""))
    sizes = meta.get("sizes", {})
    if sizes:
        add("sizes: " + ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}"
                                  for k, v in sizes.items()))
    if meta.get("worker_env"):
        add("worker env: " + " ".join(f"{k}={v}" for k, v in meta["worker_env"].items()))
    topic = results.topic
    if topic is not None:
        add("")
        add(f"throughput — one pre-produced topic: {topic.comments:,} comments, "
            f"{topic.threads:,} threads, {topic.partitions} partitions, "
            f"{topic.expected_alerts:,} expected alerts")
    for label, drain in (
        ("raw_consume  (aiokafka group + orjson decode)", results.raw_consume),
        ("bare_faust   (agent only iterates)", results.bare_faust),
        ("flamewatch   (1 worker)", results.flamewatch),
        ("flamewatch   (2 workers, one group)", results.two_workers),
    ):
        if drain is not None:
            add(_drain_line(label, drain))
    ratios = results.ratios
    if any(v is not None for v in (ratios.flamewatch_over_bare_faust,
                                   ratios.flamewatch_over_raw_consume,
                                   ratios.two_workers_over_one)):
        add("")
        add("ratios (same run, same topic)")
        add(f"  flamewatch / bare_faust     {_x(ratios.flamewatch_over_bare_faust)}")
        add(f"  flamewatch / raw_consume    {_x(ratios.flamewatch_over_raw_consume, 3)}")
        add(f"  2 workers / 1 worker        {_x(ratios.two_workers_over_one)}")
    lat = results.latency
    if lat is not None and lat.runs:
        first = lat.runs[0]
        add("")
        add(f"alert latency — offered {first.offered_rate:,.0f} comments/s for "
            f"{first.comments:,} comments over {first.threads:,} threads, "
            f"{len(lat.runs)} run(s), a fresh worker each; p99 "
            + ", ".join(_ms(v) for v in lat.p99s_ms))
        for i, run in enumerate(lat.runs):
            lines.extend(_latency_lines(run, f"run {i + 1}"))
    for mem in results.memory:
        add("")
        lines.extend(_memory_lines(mem))
    core = results.core
    if core is not None:
        add("")
        add(f"core (no broker, this process) — {core.comments:,} comments over "
            f"{core.threads:,} threads")
        rules = f"   step (rules only) {core.step_rules_per_s:,.0f}/s" if core.step_rules_per_s else ""
        fast = f" (fast tier {core.fast_tier_us:,.1f} us/comment)" if core.fast_tier_us else ""
        add(f"  scoring only {core.score_only_per_s:,.0f}/s{rules}   step {core.step_per_s:,.0f}/s"
            f"{fast}   step + state codec {core.step_with_state_codec_per_s:,.0f}/s"
            + (" (per CPU second)" if core.timing == "cpu" else ""))
        add(f"  state per thread: {core.state_bytes_mean:,.0f} B compact "
            f"({core.state_json_bytes_mean:,.0f} B as the core's JSON), max "
            f"{core.state_bytes_max:,} B")
    if results.adversarial is not None:
        from bench import adversarial

        add("")
        add(adversarial.render(results.adversarial))
    if results.soak is not None:
        from bench import soak

        add("")
        add(soak.render(results.soak))
    if results.encoder is not None:
        from bench import encoder_stage

        add("")
        add(encoder_stage.render(results.encoder))
    if meta.get("duration_s") is not None:
        add("")
        start = meta.get("loadavg_at_start")
        load = ""
        if start:
            load = (f"; 1-minute load average before it: {start[0]:.2f} (other processes on "
                    f"these CPUs skew every number: compare ratios within one run)")
        add(f"run took {meta['duration_s']:.0f}s{load}")
    return "\n".join(lines)
