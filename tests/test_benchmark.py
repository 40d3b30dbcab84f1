"""The benchmark: tiny sizes, every installed engine agreeing, JSON written. Never timing."""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import sys
import time

import pytest

from demos import benchmark
from demos.bench import float_engine, measure, problems
from demos.bench.measure import DisagreementError, Runs
from demos.bench.workloads import CompileResult, EngineResult, MemoryResult, WorkloadResult

TINY = ["--repeat", "1", "--chain-repeat", "1", "--points", "6", "--steps", "2"]
TINY += ["--xor-epochs", "3", "--chain", "20,1500", "--memory", "50", "--compile-nodes", "20,300"]
TINY += ["--wide-points", "20", "--wide-hidden", "3"]
COMPILED = ("chainrule compiled", "chainrule compiled element-wise", "chainrule vectorized")


def installed_engines() -> list[str]:
    return list(benchmark.load_engines()[0])


def test_a_tiny_run_writes_json_in_which_every_installed_engine_agrees(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert benchmark.main([*TINY, "--json", str(path)]) == 0
    document = json.loads(path.read_text())
    engines = installed_engines()
    assert document["machine"]["cores"]
    assert document["command"].startswith("python -m demos.benchmark")

    by_name = {w["name"]: w for w in document["workloads"]}
    for name, steps in (("moons", 2), ("xor", 3)):
        answers = by_name[name]["engines"]
        assert set(answers) == {*engines, "chainrule element-wise", *COMPILED, "numpy"}
        for engine in COMPILED:  # preparing it compiled this many nodes, timed on its own
            assert answers[engine]["nodes"] > 0 and len(answers[engine]["compile_seconds"]) == 1
        expected = answers["floats"]["answer"]
        parameters = problems.moons_problem(6, 2, 0).parameter_count if name == "moons" else 17
        assert len(expected) == steps + parameters
        for engine, result in answers.items():
            assert len(result["per_unit"]) == 1, engine
            for got, want in zip(result["answer"], expected, strict=True):
                assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), engine

    wide = by_name["wide"]["engines"]  # the vectorized engine beside NumPy by hand, agreeing
    assert wide["chainrule vectorized"]["answer"] and wide["numpy"]["answer"]
    assert "not run (about" in wide["micrograd"]["failure"]
    assert len(wide["floats"]["answer"]) == 1 + problems.wide_problem(20, 3, 0).parameter_count
    for engine, result in wide.items():
        if result["failure"]:
            continue
        for got, want in zip(result["answer"], wide["floats"]["answer"], strict=True):
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), engine

    for links in (20, 1500):
        chain = by_name[f"chain {links}"]["engines"]
        for engine, result in chain.items():
            if engine == "micrograd" and links == 1500:  # its recursive sort
                assert "RecursionError" in result["failure"]
            else:
                assert math.isclose(result["answer"][0], 1.0001**links, rel_tol=1e-12), engine

    memory = {(row["engine"], row["method"]): row for row in document["memory"]}
    traced = memory[("chainrule", "tracemalloc")]
    assert 0 < traced["graph_bytes_per_node"] <= traced["peak_bytes_per_node"]
    assert {name for name, _ in memory} == set(engines) - {"floats"}
    targets = {t["name"]: t for t in document["targets"]}
    assert targets["chain of 1,000,000 links: forward + backward, dy/dx correct"]["met"] is None
    assert targets["compile(root) of a graph of 10^6 nodes"]["met"] is None  # not asked for
    assert [row["nodes"] for row in document["compile"]] == [21, 301]  # 2 a link, and x
    assert all(row["per_node"] > 0 for row in document["compile"])
    costs = {row["what"]: row["seconds"] for row in document["weights"]}
    assert set(costs) == {  # each loop over moons' 337 weights, and NumPy's step for scale
        "read 337 weights' .data into an array",
        "add 337 gradients into their .grad",
        "write 337 new weights into their .data",
        "SGD.step over 337 weights",
        "hand-written NumPy step (moons), for scale",
    }
    assert all(0 < seconds < 1 for seconds in costs.values())
    out = capsys.readouterr().out
    assert "== the Values' own cost: moons' 337 weights" in out
    assert "== targets" in out and "chainrule compiled: traced and compiled in" in out
    assert "chainrule vectorized: of which the grouping pass" in out and "met / missed" in out


def test_missing_baselines_are_skipped(monkeypatch, tmp_path):
    for name in ("micrograd", "torch"):
        for module in [m for m in sys.modules if m.startswith(f"{name}.")]:
            monkeypatch.delitem(sys.modules, module)
        monkeypatch.setitem(sys.modules, name, None)  # makes `import name` fail
        monkeypatch.delitem(sys.modules, f"demos.bench.{name}_engine", raising=False)
    engines, missing = benchmark.load_engines()
    assert set(engines) == {"chainrule", "floats"}
    assert set(missing) == {"micrograd", "torch"}
    assert "pip install" in missing["torch"]

    path = tmp_path / "bench.json"
    assert benchmark.main([*TINY, "--json", str(path)]) == 0
    document = json.loads(path.read_text())
    assert set(document["skipped"]) == {"micrograd", "torch"}
    targets = {t["name"]: t for t in document["targets"]}
    assert targets["moons step: chainrule vs micrograd"]["met"] is None


def test_without_leaves_an_installed_baseline_out():
    engines, missing = benchmark.load_engines(["torch"])
    assert "torch" not in engines
    assert missing["torch"] == "--without"


def test_an_import_error_inside_an_engine_is_not_taken_for_a_missing_baseline(monkeypatch):
    monkeypatch.setitem(sys.modules, "nn", None)
    monkeypatch.delitem(sys.modules, "demos.bench.chainrule_engine", raising=False)
    with pytest.raises(ModuleNotFoundError):
        benchmark.load_engines()


def test_disagreeing_engines_make_main_fail(monkeypatch, capsys):
    def off_by_a_little(problem):
        honest = float_engine.train(problem)
        return lambda: [v * (1 + 1e-4) for v in honest()]

    chainrule = importlib.import_module("demos.bench.chainrule_engine")
    monkeypatch.setattr(chainrule, "train", off_by_a_little)
    assert benchmark.main(TINY) == 1
    assert "moons: chainrule (turn 1, number 1)" in capsys.readouterr().err


def test_check_agreement_names_the_engine_turn_and_number():
    runs = {"good": Runs(results=[[1.0, 2.0]]), "bad": Runs(results=[[1.0, 2.0], [1.0, 2.1]])}
    with pytest.raises(DisagreementError, match=r"bad \(turn 2, number 2\) gives 2.1"):
        measure.check_agreement("w", [1.0, 2.0], "ref", runs)
    with pytest.raises(DisagreementError, match="gave 1 numbers"):
        measure.check_agreement("w", [1.0, 2.0], "ref", {"short": Runs(results=[[1.0]])})


def test_only_a_short_run_is_timed_after_an_untimed_one_prepared_alike(monkeypatch):
    monkeypatch.setattr(measure, "WARM_BELOW", 0.1)  # a wide margin: CI shares 2 cores
    events = []

    def engine(name, seconds):
        def prepare():
            events.append(f"prepare {name}")

            def run():
                events.append(f"run {name}")
                time.sleep(seconds)
                return name

            return run

        return prepare

    runs = measure.interleaved({"quick": engine("quick", 0), "slow": engine("slow", 0.2)}, 1)
    assert events == [
        *["prepare quick", "run quick", "prepare slow", "run slow"],  # the warm-up turn
        *["prepare quick", "prepare quick", "run quick", "run quick"],  # an untimed run first
        *["prepare slow", "run slow"],  # a long run is timed from its start
    ]
    assert runs["slow"].seconds[0] >= 0.2 > runs["quick"].seconds[0]


def test_interleaved_runs_every_engine_each_turn_and_marks_recursion_failures():
    calls = []

    def engine(name):
        def prepare():
            return lambda: calls.append(name) or len(calls)

        return prepare

    def too_deep():
        def recurse(n):
            return recurse(n + 1)

        return lambda: recurse(0)

    runs = measure.interleaved({"a": engine("a"), "b": engine("b"), "c": too_deep}, repeat=2)
    # a warm-up turn, then two timed turns, each short run after an untimed one
    assert calls == ["a", "b", "a", "a", "b", "b", "a", "a", "b", "b"]
    assert runs["a"].results == [4, 8] and runs["b"].results == [6, 10]
    assert len(runs["a"].seconds) == len(runs["a"].gc_seconds) == 2
    assert runs["c"].failure == "fails (RecursionError)" and not runs["c"].seconds


@pytest.mark.parametrize(
    "problem",
    [problems.moons_problem(5, 1, seed=3), problems.xor_problem(1, seed=4)],
    ids=["moons", "xor"],
)
def test_the_hand_written_backprop_matches_central_differences(problem):
    """One step with lr h moves each parameter by -h * gradient: read the gradient back."""
    h = 1e-3
    stepped = float_engine.train(dataclasses.replace(problem, lr=h))()[1:]
    start = flat_parameters(problem)
    hand = [(p0 - p1) / h for p0, p1 in zip(start, stepped, strict=True)]

    def loss_at(params):
        return float_engine.train(with_parameters(problem, params))()[0]

    eps = 1e-6
    for i, p in enumerate(start):
        up, down = list(start), list(start)
        up[i], down[i] = p + eps, p - eps
        numeric = (loss_at(up) - loss_at(down)) / (2 * eps)
        assert math.isclose(hand[i], numeric, rel_tol=1e-4, abs_tol=1e-6), i


def flat_parameters(problem):
    return [
        p
        for layer in problem.layers
        for w, b in zip(layer.W, layer.b, strict=True)
        for p in (*w, b)
    ]


def with_parameters(problem, params):
    layers, it = [], iter(params)
    for layer in problem.layers:
        rows = [[next(it) for _ in range(len(w) + 1)] for w in layer.W]
        weights = tuple(tuple(r[:-1]) for r in rows)
        layers.append(problems.Layer(weights, tuple(r[-1] for r in rows), layer.activation))
    return dataclasses.replace(problem, layers=tuple(layers))


@pytest.mark.parametrize("engine", ["chainrule", "micrograd", "torch", "floats"])
def test_every_engine_differentiates_a_short_chain(engine):
    module = benchmark.load_engines()[0].get(engine)
    if module is None:
        pytest.skip(f"{engine} is not installed")
    assert math.isclose(module.chain_backward(module.chain_forward(30)), 1.0001**30)


def result(per_unit: dict[str, list[float]]) -> WorkloadResult:
    return WorkloadResult("w", "w", "step", {k: EngineResult(v) for k, v in per_unit.items()})


def test_speedups_are_taken_turn_by_turn():
    w = result({"chainrule": [1.0, 2.0, 4.0], "micrograd": [30.0, 20.0, 80.0]})
    assert benchmark.speedups(w, "chainrule", "micrograd") == [30.0, 10.0, 20.0]


@pytest.mark.parametrize(
    ("micrograd", "floats", "met"),
    [(26.0, 1 / 4.9, [True, True]), (24.0, 1 / 5.1, [False, False])],
)
def test_targets_are_met_or_missed_on_the_median_turn(micrograd, floats, met):
    turns = 3
    moons = result(
        {
            "chainrule": [1.0] * turns,
            "chainrule element-wise": [1.0] * turns,
            "micrograd": [micrograd, 1.0, 100.0],  # median: ``micrograd``
            "floats": [floats] * turns,
        }
    )
    moons.name = "moons"
    xor = result({"chainrule": [1.0], "micrograd": [4.5]})
    xor.name = "xor"
    memory = [MemoryResult("chainrule", benchmark.TARGET_LINKS, "tracemalloc", 150.0, 301.0)]
    targets = benchmark.evaluate_targets([moons, xor], memory)
    assert [t.met for t in targets[:2]] == met
    assert targets[2].met is True  # XOR: 4.5x >= 4x
    assert targets[4].met is None  # no chain of 10^6 links in this run
    assert targets[5].met is False and targets[5].measured == "301"


@pytest.mark.parametrize("workload", ["moons", "moons-elementwise", "xor"])
def test_profile_shows_the_engine_functions_that_ran(workload, capsys):
    assert benchmark.main(["--profile", workload, "--points", "4", "--xor-epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "autograd/engine.py" in out and "topological_order" in out
    shares = [float(line.split()[-2].rstrip("%")) for line in out.splitlines()[3:]]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 101  # rounded to 0.1%


def test_the_compiled_targets_count_the_compile_time_in_the_end_to_end_ratio():
    moons = result(
        {
            "chainrule": [0.030, 0.020],
            "chainrule compiled": [0.002, 0.002],
            "micrograd": [1.0, 1.0],
            "floats": [0.003, 0.003],
        }
    )
    moons.name = "moons"
    moons.engines["chainrule compiled"].compile_seconds = [0.1, 0.3]
    xor = result({"chainrule": [1.0], "micrograd": [9.0], "chainrule compiled": [0.3]})
    xor.name = "xor"
    rows = [CompileResult(100_001, 4.0), CompileResult(1_000_001, None, "refused: max_nodes=5")]
    targets = {t.name: t for t in benchmark.evaluate_targets([moons, xor], [], rows)}
    end_to_end = targets[
        "100 moons steps, trace + compile included: chainrule compiled vs chainrule"
    ]
    assert end_to_end.value == pytest.approx(7.0)  # the median of 3 / 0.3 = 10 and 2 / 0.5 = 4
    assert end_to_end.met is True
    assert targets["moons step: chainrule compiled vs floats"].met is False  # 1.5x < 1/0.6
    assert targets["moons step: chainrule compiled vs micrograd"].met is True
    assert targets["XOR epoch: chainrule compiled vs micrograd"].met is True  # 30x
    assert targets["compile(root) of a graph of 10^5 nodes"].met is True
    assert targets["compile(root) of a graph of 10^6 nodes"].met is True  # the limit is said


def test_a_compiled_engine_left_out_leaves_its_targets_unmeasured():
    moons = result({"chainrule": [1.0], "micrograd": [30.0], "floats": [0.5]})
    moons.name = "moons"
    xor = result({"chainrule": [1.0], "micrograd": [9.0]})
    xor.name = "xor"
    targets = benchmark.evaluate_targets([moons, xor], [])
    compiled = [t for t in targets if "compiled" in t.name or "compile(" in t.name]
    assert len(compiled) == 8 and all(t.met is None for t in compiled)
    matrix = [t for t in targets if "vectorized" in t.name or "grouping" in t.name]
    assert len(matrix) == 5 and all(t.met is None for t in matrix)
