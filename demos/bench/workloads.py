"""The workloads: each runs every engine in turns on one problem and checks their answers.

A workload's result holds, per engine, the seconds per unit of work (a training step,
an epoch, a graph node) for every turn, the share of time in the garbage collector and
the engine's answer (losses and final weights, or a gradient), which must agree with
the reference.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from demos.bench import compiled_engine, measure
from demos.bench.problems import Problem

try:  # NumPy (the "fast" extra) runs the vectorized engine and the hand-written NumPy one
    from demos.bench import numpy_engine
except ModuleNotFoundError as missing:
    if missing.name != "numpy":
        raise
    numpy_engine = None  # type: ignore[assignment]

Prepare = Callable[[], Callable[[], Any]]


@dataclass
class EngineResult:
    """One engine on one workload: seconds per unit for each turn, or why it failed."""

    per_unit: list[float] = field(default_factory=list)
    gc_share: float = 0.0
    answer: list[float] = field(default_factory=list)
    failure: str = ""
    compile_seconds: list[float] = field(default_factory=list)  # a compiled engine's, per turn
    grouping_seconds: list[float] = field(default_factory=list)  # its grouping pass's, per turn
    nodes: int = 0  # how many nodes it compiled

    @property
    def median(self) -> float:
        return statistics.median(self.per_unit) if self.per_unit else math.nan


@dataclass
class WorkloadResult:
    name: str
    title: str
    unit: str  # what one measured unit is: "step", "epoch" or "node"
    engines: dict[str, EngineResult]


def training(
    problem: Problem,
    title: str,
    unit: str,
    engines: Mapping[str, ModuleType],
    repeat: int,
    left_out: Mapping[str, str] | None = None,
) -> WorkloadResult:
    """Train from the same weights in every engine; losses and final weights must match
    the hand-written floats'. Engines in ``left_out`` are not run (the value says why)."""
    runners: dict[str, Prepare] = {}
    for name, module in engines.items():
        runners[name] = lambda module=module: module.train(problem)
        if name == "chainrule":
            runners["chainrule element-wise"] = lambda m=module: m.train_elementwise(problem)
            runners["chainrule compiled"] = lambda: compiled_engine.train(problem)
            runners["chainrule compiled element-wise"] = lambda: compiled_engine.train_elementwise(
                problem
            )
            if numpy_engine is not None:
                runners["chainrule vectorized"] = lambda: compiled_engine.train_vectorized(problem)
                runners["numpy"] = lambda: numpy_engine.train(problem)
    left_out = left_out or {}
    runs = measure.interleaved({k: v for k, v in runners.items() if k not in left_out}, repeat)
    expected = runs["floats"].results[0]
    measure.check_agreement(problem.name, expected, "the hand-written floats", runs)
    summaries = _summaries(runs, problem.steps)
    for name, why in left_out.items():
        if name in runners:
            summaries[name] = EngineResult(failure=why)
    return WorkloadResult(problem.name, title, unit, summaries)


def chain(
    links: int,
    engines: Mapping[str, ModuleType],
    repeat: int,
    failed: Mapping[str, int],
    warmup: bool,
) -> WorkloadResult:
    """y = y * 1.0001 + 0.001, ``links`` times, then backward: dy/dx must be 1.0001^links.

    Engines in ``failed`` already failed on a shorter chain (its length is the value) and
    are not run again: a recursion too deep at n links is too deep at more.
    """
    runners: dict[str, Prepare] = {
        name: lambda m=module: lambda: m.chain_backward(m.chain_forward(links))
        for name, module in engines.items()
        if name not in failed
    }
    runs = measure.interleaved(runners, repeat, warmup=warmup)
    expected = [math.pow(1.0001, links)]
    measure.check_agreement(f"chain of {links} links", expected, "1.0001 ** links", runs)
    summaries = _summaries(runs, 2 * links)
    for name, shorter in failed.items():
        summaries[name] = EngineResult(failure=f"not run (failed at {shorter:,} links)")
    return WorkloadResult(f"chain {links}", f"chain of {links:,} links", "node", summaries)


def _summaries(runs: Mapping[str, measure.Runs], units: int) -> dict[str, EngineResult]:
    summaries = {}
    for name, run in runs.items():
        if run.failure:
            summaries[name] = EngineResult(failure=run.failure)
        else:
            summaries[name] = EngineResult(
                per_unit=[s / units for s in run.seconds],
                gc_share=run.gc_share,
                answer=measure.flat(run.results[0]),
                compile_seconds=run.compile_seconds,
                grouping_seconds=run.grouping_seconds,
                nodes=run.nodes,
            )
    return summaries


@dataclass
class MemoryResult:
    engine: str
    links: int
    method: str
    graph_bytes_per_node: float
    peak_bytes_per_node: float | None
    failure: str = ""


def memory(engine: str, module: ModuleType, links: int, method: str) -> MemoryResult:
    """Bytes per node of a chain of ``links`` links (2 nodes a link), in a fresh process."""
    result = measure.chain_memory(module.__name__, links, method)
    nodes = 2 * links
    peak = None if result.peak_bytes is None else result.peak_bytes / nodes
    return MemoryResult(engine, links, method, result.graph_bytes / nodes, peak, result.failure)


@dataclass
class CompileResult:
    """compile(root) of a chain's graph: the seconds to write and compile it, or why not."""

    nodes: int
    seconds: float | None
    failure: str = ""

    @property
    def per_node(self) -> float | None:
        return None if self.seconds is None else self.seconds / self.nodes


def compile_cost(nodes: int) -> CompileResult:
    """A chain of about ``nodes`` nodes compiled (timed) and replayed (checked)."""
    try:
        seconds, count = compiled_engine.compile_chain(max(1, nodes // 2))
    except ValueError as exc:  # past compile's max_nodes: its message says the limit
        limit = re.search(r"more than max_nodes=[\d,]+", str(exc))
        return CompileResult(nodes, None, f"refused: {limit[0] if limit else exc}")
    return CompileResult(count, seconds)
