"""Benchmark: chainrule against micrograd, PyTorch on 0-d tensors, and hand-written floats.

Every engine starts from the same weights and data, and its losses (or gradient) must
match the reference: a fast wrong answer is an error, not a result. Engines run in turns
in one process (A B C, A B C, ...) with the garbage collector on, and each ratio is taken
turn by turn; the table shows its median and its range over the turns.

Workloads:
  moons   micrograd's demo step: MLP 2-16-16-1 (ReLU, linear output), 100 two-moons
          points, mean hinge loss + 1e-4 L2, backward, SGD update; chainrule through
          ``nn`` (fused neurons) and element-wise (``sum(w * x) + b`` with Value ops)
  xor     the derivation's 2-4-1 sigmoid network on XOR: MSE, lr 0.5, 500 epochs
  chain   y = y * 1.0001 + 0.001, 10^3 ... 10^6 links, then backward: time per node
  memory  bytes per node of a chain's graph, each engine in a fresh process
  weights what the Values cost a NumPy step: moons' weights read, gradients and new
          weights written back, SGD.step, beside a hand-written NumPy step
  compile chainrule compiled (``autograd.compile``): seconds to compile graphs of 10^3 ...
          10^6 nodes; on moons and XOR the compiled engines' trace-and-compile time is
          shown on its own, outside their step times

micrograd (``pip install micrograd==0.1.0``), torch and NumPy (the vectorized engine and
the hand-written NumPy one) are optional: a missing one is skipped. A few minutes with
everything installed; ``--quick`` for a shorter run.

Run: python -m demos.benchmark [--quick] [--repeat N] [--json PATH]
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from demos.bench import machine, measure, problems, report, workloads
from demos.bench.measure import DisagreementError
from demos.bench.workloads import CompileResult, MemoryResult, WorkloadResult

ENGINES = {  # name -> module; the float code is the reference every engine must match
    "chainrule": "demos.bench.chainrule_engine",
    "micrograd": "demos.bench.micrograd_engine",
    "torch": "demos.bench.torch_engine",
    "floats": "demos.bench.float_engine",
}
OPTIONAL = {  # the baselines, and how to install each
    "micrograd": "pip install -e '.[bench]' (micrograd==0.1.0)",
    "torch": "pip install torch (a CPU build is enough)",
}
CONTENDERS = (
    "chainrule",
    "chainrule element-wise",
    "chainrule compiled",
    "chainrule compiled element-wise",
    "chainrule vectorized",
)
BASELINES = ("micrograd", "torch", "floats", "numpy")
# Too slow for the wide workload's turns (a step of minutes), and what they would show
# is already shown on moons.
WIDE_LEFT_OUT = ("micrograd", "torch", "chainrule element-wise", "chainrule compiled element-wise")
TARGET_LINKS = 1_000_000
LEGEND = """
Engines run in turns in this one process, garbage collector on. Times are medians over
the turns. X speed-up: a baseline's time over X's in the same turn, as median [min-max]
over the turns (below 1: X is slower). in gc: the share of the timed runs spent in
Python's cyclic garbage collector."""
# Settings of a full run and of --quick; an option given on the command line wins.
FULL = {
    "repeat": 5,
    "chain_repeat": 3,
    "chain": "1000,10000,100000,1000000",
    "memory": 500_000,
    "compile_nodes": "1000,10000,100000,1000000",
}
QUICK = {
    "repeat": 3,
    "chain_repeat": 2,
    "chain": "1000,10000,100000",
    "memory": 100_000,
    "compile_nodes": "1000,10000,100000",
}
END_TO_END_STEPS = 100  # the end-to-end target: this many moons steps, compiling included


@dataclass
class Target:
    name: str
    goal: str
    measured: str  # as shown
    value: float | None  # the median speed-up, or bytes per node
    met: bool | None  # None: not measured in this run


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if args.profile:
        return _profile(args)
    engines, missing = load_engines(args.without)
    info = machine.describe(["chainrule", "micrograd", "torch"])
    command = "python -m demos.benchmark " + " ".join(sys.argv[1:] if argv is None else argv)
    print("chainrule benchmark:", command.strip())
    print(", ".join(f"{key} {value}" for key, value in info.items()))
    for name, why in missing.items():
        print(f"{name}: skipped ({why})")
    print(LEGEND)
    try:
        results, memory = _run(args, engines)
    except DisagreementError as exc:
        print(f"error: the engines disagree: {exc}", file=sys.stderr)
        return 1
    weights = _weight_costs(args)
    compiling = _compile_costs(args.compile_nodes)
    targets = evaluate_targets(results, memory, compiling)
    print("\n" + _targets_table(targets))
    if args.json:
        document = {
            "command": command.strip(),
            "machine": info,
            "skipped": missing,
            "settings": {k: v for k, v in vars(args).items() if k != "json"},
            "workloads": [asdict(result) for result in results],
            "ratios": _ratios_json(results),
            "memory": [asdict(row) for row in memory],
            "weights": [asdict(row) for row in weights],
            "compile": [{**asdict(row), "per_node": row.per_node} for row in compiling],
            "targets": [asdict(target) for target in targets],
        }
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


def load_engines(without: Sequence[str] = ()) -> tuple[dict[str, ModuleType], dict[str, str]]:
    """The engines' modules, and the reason each optional engine left out is missing."""
    engines, missing = {}, {}
    for name, module in ENGINES.items():
        if name in without:
            missing[name] = "--without"
            continue
        try:
            engines[name] = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if name not in OPTIONAL or (exc.name or "").partition(".")[0] != name:
                raise
            missing[name] = f"{name} is not installed: {OPTIONAL[name]}"
    return engines, missing


def _run(
    args: argparse.Namespace, engines: dict[str, ModuleType]
) -> tuple[list[WorkloadResult], list[MemoryResult]]:
    moons = problems.moons_problem(args.points, args.steps, args.seed)
    xor = problems.xor_problem(args.xor_epochs, args.seed)
    trainings = [
        (
            moons,
            f"moons training step: MLP {_sizes(moons)} ({moons.parameter_count} parameters), "
            f"{args.points} points, hinge + {moons.alpha:g} L2, SGD lr {moons.lr:g}"
            f"\n   {args.steps} steps a run, {_turns(args.repeat)}",
            "step",
        ),
        (
            xor,
            f"XOR, the derivation's network: MLP {_sizes(xor)} sigmoid, MSE, SGD lr {xor.lr:g}"
            f"\n   {args.xor_epochs} epochs a run, {_turns(args.repeat)}",
            "epoch",
        ),
    ]
    results = []
    for problem, title, unit in trainings:
        results.append(workloads.training(problem, title, unit, engines, args.repeat))
        _print_workload(results[-1], "losses and final weights match the hand-written floats'")
    if args.wide_points:
        wide = problems.wide_problem(args.wide_points, args.wide_hidden, args.seed)
        title = (
            f"wide: MLP {_sizes(wide)} ({wide.parameter_count:,} parameters), "
            f"{args.wide_points:,} points, hinge + {wide.alpha:g} L2, one step a run, "
            f"{_turns(args.repeat)}"
        )
        left_out = {name: _left_out(name, results[0], moons, wide) for name in WIDE_LEFT_OUT}
        results.append(workloads.training(wide, title, "step", engines, args.repeat, left_out))
        _print_workload(results[-1], "losses and final weights match the hand-written floats'")
    failed: dict[str, int] = {}  # engine -> the chain length it first failed at
    for i, links in enumerate(args.chain):
        result = workloads.chain(links, engines, args.chain_repeat, failed, warmup=i == 0)
        result.title += f" then backward; {_turns(args.chain_repeat)}"
        for name, engine in result.engines.items():
            if engine.failure:
                failed.setdefault(name, links)
        results.append(result)
        _print_workload(result, "dy/dx matches 1.0001 ** links")
    memory = _memory(args, engines)
    return results, memory


def _left_out(
    name: str, moons: WorkloadResult, small: problems.Problem, wide: problems.Problem
) -> str:
    """Why an engine is not run on the wide workload, and what a step would take: its
    moons step scaled by the work (points x parameters)."""
    engine = moons.engines.get(name)
    if engine is None or engine.failure:
        return "not run"
    scale = (len(wide.X) * wide.parameter_count) / (len(small.X) * small.parameter_count)
    return f"not run (about {report.duration(engine.median * scale)} a step, scaled from moons)"


def _weight_costs(args: argparse.Namespace) -> list[Any]:
    """The Values' own cost under a NumPy step (``demos.bench.weights``); needs NumPy."""
    if workloads.numpy_engine is None:
        return []
    from demos.bench import weights  # imports NumPy

    moons = problems.moons_problem(args.points, args.steps, args.seed)
    rows = weights.costs(moons, repeat=args.repeat)
    print(
        f"\n== the Values' own cost: moons' {moons.parameter_count} weights, best of {args.repeat}"
    )
    print(
        "   the vectorized engine reads the weights from their Values and writes back once a step"
    )
    print(
        report.table(["work", "time"], [[row.what, report.duration(row.seconds)] for row in rows])
    )
    return rows


def _compile_costs(sizes: Sequence[int]) -> list[CompileResult]:
    rows = [workloads.compile_cost(n) for n in sizes]
    print("\n== compile: autograd.compile(root) of a chain's graph (y = y * 1.0001 + 0.001)")
    print("   writing the Python and compiling it, once; the replay is checked")
    print(
        report.table(
            ["nodes", "compile", "per node"],
            [
                [f"{row.nodes:,}", row.failure or report.duration(row.seconds or 0.0), ""]
                if row.seconds is None
                else [f"{row.nodes:,}", report.duration(row.seconds), _per_node(row)]
                for row in rows
            ],
        )
    )
    return rows


def _per_node(row: CompileResult) -> str:
    return report.duration(row.per_node) if row.per_node is not None else ""


def _profile(args: argparse.Namespace) -> int:
    """cProfile one chainrule run of a training workload: where its time goes."""
    chainrule = importlib.import_module(ENGINES["chainrule"])
    if args.profile == "xor":
        run = chainrule.train(problems.xor_problem(args.xor_epochs, args.seed))
    else:
        train = chainrule.train if args.profile == "moons" else chainrule.train_elementwise
        run = train(problems.moons_problem(args.points, args.steps, args.seed))
    rows = [
        [spot.function, f"{spot.calls:,}", f"{spot.own:.1%}", f"{spot.cumulative:.1%}"]
        for spot in measure.hotspots(run, top=15)
    ]
    print(f"== chainrule, {args.profile}, under cProfile: the 15 functions with most own time")
    print(report.table(["function", "calls", "own", "cumulative"], rows))
    return 0


def _sizes(problem: problems.Problem) -> str:
    return "-".join(map(str, problem.sizes))


def _turns(n: int) -> str:
    return f"{n} turn" if n == 1 else f"{n} turns"


def _memory(args: argparse.Namespace, engines: dict[str, ModuleType]) -> list[MemoryResult]:
    """Every engine by resident-set growth at ``args.memory`` links; chainrule also at the
    target's 10^6 links when the run goes that far, and by tracemalloc (exact, but slow).
    Resident-set growth needs Linux's /proc: elsewhere tracemalloc alone."""
    plan = []
    if measure.RSS_MEASURABLE:
        plan += [(name, args.memory, "rss") for name in engines if name != "floats"]
    chainrule_links = TARGET_LINKS if TARGET_LINKS in args.chain else args.memory
    if measure.RSS_MEASURABLE and chainrule_links != args.memory:
        plan.append(("chainrule", chainrule_links, "rss"))
    plan.append(("chainrule", chainrule_links, "tracemalloc"))
    rows = [workloads.memory(name, engines[name], links, method) for name, links, method in plan]
    print("\n== memory: bytes per node of a chain's graph (2 nodes a link), in a fresh process")
    print("   graph: held after forward; peak: the most at once through forward and backward")
    print(
        report.table(
            ["engine", "links", "measured by", "graph B/node", "peak B/node"],
            [
                [
                    row.engine,
                    f"{row.links:,}",
                    row.method,
                    f"{row.graph_bytes_per_node:.0f}",
                    row.failure or f"{row.peak_bytes_per_node:.0f}",
                ]
                for row in rows
            ],
        )
    )
    return rows


def _print_workload(result: WorkloadResult, checked: str) -> None:
    contenders = [c for c in CONTENDERS if c in result.engines and not result.engines[c].failure]
    headers = ["engine", f"per {result.unit}", "in gc"] + [f"{c} speed-up" for c in contenders]
    rows = []
    for name, engine in result.engines.items():
        if engine.failure:
            rows.append([name, engine.failure, ""] + [""] * len(contenders))
            continue
        row = [name, report.duration(engine.median), f"{engine.gc_share:.0%}"]
        for contender in contenders:
            is_baseline = name in BASELINES
            row.append(report.ratio(speedups(result, contender, name)) if is_baseline else "")
        rows.append(row)
    print(f"\n== {result.title}")
    print(report.table(headers, rows))
    print(f"answers: every engine's {checked} (rel. {measure.REL_TOL:g})")
    for name, engine in result.engines.items():
        if engine.compile_seconds:
            seconds = statistics.median(engine.compile_seconds)
            print(
                f"{name}: traced and compiled in {report.duration(seconds)} once per run "
                f"({engine.nodes:,} nodes, {report.duration(seconds / engine.nodes)} a node), "
                "outside the times above"
            )
        if engine.grouping_seconds:
            seconds = statistics.median(engine.grouping_seconds)
            print(
                f"{name}: of which the grouping pass {report.duration(seconds)} "
                f"({report.duration(seconds / engine.nodes)} a node)"
            )


def speedups(result: WorkloadResult, contender: str, baseline: str) -> list[float]:
    """How many times faster ``contender`` ran than ``baseline``, one ratio per turn."""
    fast, slow = result.engines[contender].per_unit, result.engines[baseline].per_unit
    return [s / f for s, f in zip(slow, fast, strict=True)]


def _ratios_json(results: list[WorkloadResult]) -> list[dict]:
    rows = []
    for result in results:
        for contender in CONTENDERS:
            for baseline in BASELINES:
                engines = result.engines
                if contender in engines and baseline in engines:
                    if engines[contender].failure or engines[baseline].failure:
                        continue
                    turns = speedups(result, contender, baseline)
                    rows.append(
                        {
                            "workload": result.name,
                            "contender": contender,
                            "baseline": baseline,
                            "per_turn": turns,
                            "median": statistics.median(turns),
                        }
                    )
    return rows


def evaluate_targets(
    results: list[WorkloadResult],
    memory: list[MemoryResult],
    compiling: Sequence[CompileResult] = (),
) -> list[Target]:
    """The issue's targets, each met, missed, or not measured in this run."""
    by_name = {result.name: result for result in results}
    moons, xor = by_name["moons"], by_name["xor"]
    targets = [
        _speed_target(moons, "chainrule", "micrograd", 25.0, "moons step"),
        _speed_target(moons, "chainrule", "floats", 1 / 5, "moons step"),
        _speed_target(xor, "chainrule", "micrograd", 4.0, "XOR epoch"),
        _speed_target(moons, "chainrule element-wise", "micrograd", 3.0, "moons step"),
    ]
    chain = by_name.get(f"chain {TARGET_LINKS}")
    ok = chain is not None and not chain.engines["chainrule"].failure
    targets.append(
        Target(
            f"chain of {TARGET_LINKS:,} links: forward + backward, dy/dx correct",
            "no error",
            "ran" if ok else "not run",
            None,
            True if ok else None,
        )
    )
    traced = [
        row
        for row in memory
        if row.engine == "chainrule" and row.links == TARGET_LINKS and row.method == "tracemalloc"
    ]
    peak = traced[0].peak_bytes_per_node if traced else None
    targets.append(
        Target(
            f"chain of {TARGET_LINKS:,} links: peak bytes per node (tracemalloc)",
            "<= 300",
            "not run" if peak is None else f"{peak:.0f}",
            peak,
            None if peak is None else peak <= 300,
        )
    )
    targets += [
        _speed_target(
            moons, "chainrule compiled", "floats", 1 / 0.6, "moons step", "<= 0.6x floats' time"
        ),
        _speed_target(moons, "chainrule compiled", "micrograd", 100.0, "moons step"),
        _speed_target(xor, "chainrule compiled", "micrograd", 25.0, "XOR epoch"),
        _end_to_end_target(moons),
        *_compile_targets(compiling),
        *_vectorized_targets(moons, xor, by_name.get("wide")),
    ]
    return targets


def _vectorized_targets(
    moons: WorkloadResult, xor: WorkloadResult, wide: WorkloadResult | None
) -> list[Target]:
    """The matrix form's: near hand-written NumPy, never slower than the scalar compiled
    code (XOR's 4 examples run the scalar code: min_batch), and a quick grouping pass."""
    contender = "chainrule vectorized"
    targets = [
        _speed_target(moons, contender, "numpy", 1 / 1.5, "moons step"),
        _speed_target(moons, contender, "chainrule compiled", 20.0, "moons step"),
    ]
    if wide is None:
        targets.append(
            Target(
                f"wide step: {contender} within 2x of numpy", "<= 2x slower", "not run", None, None
            )
        )
    else:
        targets.append(_speed_target(wide, contender, "numpy", 1 / 2, "wide step"))
    targets.append(
        _speed_target(
            xor, contender, "chainrule compiled", 0.95, "XOR epoch", ">= 0.95x (not slower)"
        )
    )
    engine = moons.engines.get(contender)
    name = "grouping pass on the moons graph"
    if engine is None or engine.failure or not engine.grouping_seconds:
        targets.append(Target(name, "<= 100 ms", "not run", None, None))
    else:
        seconds = statistics.median(engine.grouping_seconds)
        shown = f"{report.duration(seconds)} ({report.duration(seconds / engine.nodes)} a node)"
        targets.append(Target(name, "<= 100 ms", shown, seconds, seconds <= 0.1))
    return targets


def _end_to_end_target(moons: WorkloadResult) -> Target:
    """END_TO_END_STEPS moons steps, compiled with its tracing and compiling counted, against
    as many interpreted steps: per turn, from that turn's step times and compile time."""
    name = (
        f"{END_TO_END_STEPS} moons steps, trace + compile included: chainrule compiled vs chainrule"
    )
    compiled, interpreted = moons.engines.get("chainrule compiled"), moons.engines["chainrule"]
    if compiled is None or compiled.failure or not compiled.compile_seconds:
        return Target(name, ">= 5x faster", "not run", None, None)
    n = END_TO_END_STEPS
    turns = [
        n * slow / (setup + n * fast)
        for slow, fast, setup in zip(
            interpreted.per_unit, compiled.per_unit, compiled.compile_seconds, strict=True
        )
    ]
    median = statistics.median(turns)
    return Target(name, ">= 5x faster", f"{median:.3g}x faster", median, median >= 5.0)


def _compile_targets(rows: Sequence[CompileResult]) -> list[Target]:
    """A 10^5-node graph compiles in seconds; at 10^6 nodes it compiles, or says the limit."""
    by_size = {10 ** round(math.log10(row.nodes)): row for row in rows}
    targets = []
    for size, goal in ((10**5, "<= 10 s"), (10**6, "compiles, or an error says the limit")):
        name = f"compile(root) of a graph of 10^{round(math.log10(size))} nodes"
        row = by_size.get(size)
        if row is None:
            targets.append(Target(name, goal, "not run", None, None))
        elif row.seconds is None:
            targets.append(Target(name, goal, row.failure, None, "max_nodes" in row.failure))
        else:
            shown = f"{row.seconds:.3g} s ({report.duration(row.seconds / row.nodes)} a node)"
            met = row.seconds <= 10.0 if size == 10**5 else True
            targets.append(Target(name, goal, shown, row.seconds, met))
    return targets


def _speed_target(
    result: WorkloadResult,
    contender: str,
    baseline: str,
    at_least: float,
    what: str,
    goal: str = "",
) -> Target:
    """contender at least ``at_least`` times as fast as baseline (a fraction: at most
    1/at_least times slower), by the median of the per-turn ratios; ``goal`` says it
    another way when given."""
    if at_least >= 1:
        name, goal = f"{what}: {contender} vs {baseline}", goal or f">= {at_least:g}x faster"
    else:
        slower = 1 / at_least
        name, goal = (
            f"{what}: {contender} within {slower:g}x of {baseline}",
            f"<= {slower:g}x slower",
        )
    for engine in (contender, baseline):
        if engine not in result.engines or result.engines[engine].failure:
            return Target(name, goal, f"not run ({engine} missing)", None, None)
    median = statistics.median(speedups(result, contender, baseline))
    measured = f"{median:.3g}x faster" if median >= 1 else f"{1 / median:.3g}x slower"
    return Target(name, goal, measured, median, median >= at_least)


def _targets_table(targets: list[Target]) -> str:
    verdict = {True: "met", False: "MISSED", None: "-"}
    rows = [[t.name, t.goal, t.measured, verdict[t.met]] for t in targets]
    return "== targets\n" + report.table(["target", "goal", "measured", "met / missed"], rows)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demos.benchmark",
        description="chainrule against micrograd, PyTorch (0-d tensors) and hand-written floats.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer turns, chains to 10^5")
    parser.add_argument("--repeat", type=int, help="timed turns of moons and XOR (5; quick 3)")
    parser.add_argument("--chain-repeat", type=int, help="timed turns of each chain (3; quick 2)")
    parser.add_argument("--points", type=int, default=100, help="moons points (100)")
    parser.add_argument("--steps", type=int, default=2, help="moons training steps a run (2)")
    parser.add_argument("--xor-epochs", type=int, default=500, help="XOR epochs a run (500)")
    parser.add_argument(
        "--chain", help="chain lengths in links, comma-separated (1000,...,1000000)"
    )
    parser.add_argument(
        "--memory", type=int, help="links of the chain every engine's memory is measured on"
    )
    parser.add_argument(
        "--compile-nodes", help="sizes of the graphs compiled, in nodes (1000,...,1000000)"
    )
    parser.add_argument(
        "--wide-points", type=int, default=1000, help="points of the wide workload (1000; 0: skip)"
    )
    parser.add_argument(
        "--wide-hidden", type=int, default=64, help="hidden width of the wide workload (64)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and data (0)")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        choices=list(OPTIONAL),
        help="leave a baseline out",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--profile",
        choices=["moons", "moons-elementwise", "xor"],
        help="instead, profile chainrule on one training workload and show its hotspots",
    )
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.chain = [int(n) for n in str(args.chain).split(",")]
    args.compile_nodes = [int(n) for n in str(args.compile_nodes).split(",") if n]
    for option in (
        "repeat",
        "chain_repeat",
        "points",
        "steps",
        "xor_epochs",
        "memory",
        "wide_hidden",
    ):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    return args


if __name__ == "__main__":
    raise SystemExit(main())
