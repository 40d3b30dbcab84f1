"""Measuring: interleaved repetitions, time spent in the garbage collector, memory, checks.

Engines run in turns (A B C, A B C, ...) in one process, so a slow spell of the machine
hits every engine alike. The collector stays enabled in every timed run, as in normal
use; between runs, untimed, ``gc.collect()`` clears the last run's garbage so no engine
pays for another's (the baselines' cyclic garbage from their final step is thus freed
for free: that only favours them). A short run (under ``WARM_BELOW``) is timed after an
untimed run of the same engine, so a step of microseconds is timed warm, as a training
loop runs it, whatever the engine.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import importlib
import json
import math
import os
import pstats
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Engines sum in different orders, so their losses differ in the last bits, and those
# differences grow a little over hundreds of training steps.
REL_TOL, ABS_TOL = 1e-6, 1e-9
WARM_BELOW = 0.05  # seconds: an engine's run shorter than this is timed warm (interleaved)


class DisagreementError(RuntimeError):
    """Two engines gave different answers to the same problem."""


@dataclass
class Runs:
    """One engine's timed runs on one workload."""

    seconds: list[float] = field(default_factory=list)
    gc_seconds: list[float] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)
    failure: str = ""  # why the engine could not do this workload, if it could not
    # A compiled engine's runner says what preparing it cost (untimed above): each turn's
    # trace-and-compile seconds, and the number of nodes compiled.
    compile_seconds: list[float] = field(default_factory=list)
    grouping_seconds: list[float] = field(default_factory=list)  # the vectorized engine's
    nodes: int = 0

    @property
    def gc_share(self) -> float:
        """The part of the timed runs spent in the garbage collector."""
        return sum(self.gc_seconds) / sum(self.seconds)


@contextlib.contextmanager
def gc_clock() -> Iterator[list[float]]:
    """Yield a one-item list that accumulates the seconds the collector runs meanwhile."""
    total = [0.0]
    started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            total[0] += time.perf_counter() - started[0]

    gc.callbacks.append(on_gc)
    try:
        yield total
    finally:
        gc.callbacks.remove(on_gc)


def interleaved(
    runners: Mapping[str, Callable[[], Callable[[], Any]]], repeat: int, warmup: bool = True
) -> dict[str, Runs]:
    """Time each engine ``repeat`` times, in turns; each runner is prepared untimed.

    ``runners[name]()`` prepares a fresh run (building models is not timed) and returns
    the callable to time, whose return value is kept for the agreement check. A warm-up
    turn first, untimed, when ``warmup``. An engine whose last run took under
    ``WARM_BELOW`` runs a second prepared run, untimed, just before the timed one. An
    engine that hits ``RecursionError`` is marked failed and left out of later turns.
    """
    runs = {name: Runs() for name in runners}
    last: dict[str, float] = {}  # each engine's latest run, warm-up turn included
    for turn in range(-1 if warmup else 0, repeat):
        for name, prepare in runners.items():
            engine = runs[name]
            if engine.failure:
                continue
            run = prepare()
            compiled, nodes = getattr(run, "compile_seconds", None), getattr(run, "nodes", 0)
            grouped = getattr(run, "grouping_seconds", None)
            # A short run is timed warm: a second run, prepared alike, goes first, untimed,
            # after the collector (whose sweep empties the CPU's caches), so a run of
            # microseconds is not timed from a cold start: cold, a 70 µs NumPy step took
            # 3x as long. A run of WARM_BELOW or more loses under 1% to a cold start.
            warm = prepare() if last.get(name, math.inf) < WARM_BELOW else None
            gc.collect()
            if warm is not None:
                warm()
                del warm
            with gc_clock() as in_gc:
                start = time.perf_counter()
                try:
                    result = run()
                except RecursionError:
                    engine.failure = "fails (RecursionError)"
                    continue
                finally:
                    elapsed = time.perf_counter() - start
                    del run
            last[name] = elapsed
            if turn >= 0:
                engine.seconds.append(elapsed)
                engine.gc_seconds.append(in_gc[0])
                engine.results.append(result)
                if compiled is not None:
                    engine.compile_seconds.append(compiled)
                    engine.nodes = nodes
                if grouped is not None:
                    engine.grouping_seconds.append(grouped)
            gc.collect()
    return runs


def check_agreement(workload: str, expected: Any, source: str, runs: Mapping[str, Runs]) -> None:
    """Every run of every engine gives ``expected`` (from ``source``), or DisagreementError."""
    want = flat(expected)
    for name, engine in runs.items():
        for turn, result in enumerate(engine.results):
            got = flat(result)
            if len(got) != len(want):
                raise DisagreementError(
                    f"{workload}: {name} gave {len(got)} numbers, {source} {len(want)}"
                )
            for i, (a, b) in enumerate(zip(got, want, strict=True)):
                if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                    raise DisagreementError(
                        f"{workload}: {name} (turn {turn + 1}, number {i + 1}) gives {a!r} "
                        f"where {source} gives {b!r}"
                    )


def flat(result: Any) -> list[float]:
    """A run's answer as a list of floats: losses and weights, or a single gradient."""
    return [float(v) for v in result] if isinstance(result, Sequence) else [float(result)]


@dataclass
class Memory:
    """Bytes a graph costs: held after the forward pass, and at the peak through backward."""

    method: str  # "tracemalloc" (Python allocations) or "rss" (resident set growth)
    graph_bytes: int
    peak_bytes: int | None  # None when backward failed
    failure: str = ""


def chain_memory(engine: str, links: int, method: str) -> Memory:
    """The memory of a chain of ``links`` links in ``engine`` (a module name), measured
    in a fresh Python process so no earlier allocation hides or inflates it."""
    code = "import sys; from demos.bench.measure import print_chain_memory as m; m(*sys.argv[1:])"
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run(
        [sys.executable, "-c", code, engine, str(links), method],
        env=env,
        capture_output=True,
        text=True,
    )
    if child.returncode:
        raise RuntimeError(f"measuring {engine} at {links} links failed:\n{child.stderr}")
    return Memory(**json.loads(child.stdout))


def print_chain_memory(engine: str, links: str, method: str) -> None:
    """The child process's side of ``chain_memory``: measure, then print it as JSON."""
    module = importlib.import_module(engine)
    measure = _traced if method == "tracemalloc" else _resident
    memory = measure(lambda: module.chain_forward(int(links)), module.chain_backward)
    print(json.dumps(asdict(memory)))


def _traced(build: Callable[[], Any], backprop: Callable[[Any], Any]) -> Memory:
    """Every Python allocation, by tracemalloc: exact for engines made of Python objects."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    graph = build()
    held = tracemalloc.get_traced_memory()[0] - base
    try:
        backprop(graph)
    except RecursionError:
        return Memory("tracemalloc", held, None, "fails (RecursionError)")
    return Memory("tracemalloc", held, tracemalloc.get_traced_memory()[1] - base)


def _resident(build: Callable[[], Any], backprop: Callable[[Any], Any]) -> Memory:
    """Growth of the resident set (Linux): sees C++ nodes too, such as PyTorch's."""
    base = _status_bytes("VmRSS")
    with contextlib.suppress(OSError):  # restart the peak (VmHWM) from here, where allowed
        _STATUS.with_name("clear_refs").write_text("5")
    graph = build()
    held = _status_bytes("VmRSS") - base
    try:
        backprop(graph)
    except RecursionError:
        return Memory("rss", held, None, "fails (RecursionError)")
    return Memory("rss", held, _status_bytes("VmHWM") - base)


_STATUS = Path("/proc/self/status")
RSS_MEASURABLE = _STATUS.exists()  # Linux only; elsewhere tracemalloc alone


def _status_bytes(key: str) -> int:
    """A memory figure of this process from /proc/self/status, where it is in kB."""
    for line in _STATUS.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"{key} is not in {_STATUS}")


@dataclass
class Hotspot:
    function: str  # file:line(name)
    calls: int
    own: float  # share of the total time spent in the function itself
    cumulative: float  # share spent in it and in what it calls


def hotspots(run: Callable[[], Any], top: int) -> list[Hotspot]:
    """The ``top`` functions by own time while ``run()`` runs under cProfile."""
    profiler = cProfile.Profile()
    profiler.runcall(run)
    stats = pstats.Stats(profiler)
    root = str(Path(__file__).resolve().parents[2]) + os.sep
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    return [
        Hotspot(
            f"{file.removeprefix(root)}:{line}({name})",
            calls,
            own / stats.total_tt,
            cumulative / stats.total_tt,
        )
        for (file, line, name), (_, calls, own, cumulative, _) in rows
    ]
