import timeit, operator
import numpy as np
from demos.bench import problems, chainrule_engine, scalar, compiled_engine, numpy_engine
from autograd import compile, Value
import nn
prob = problems.moons_problem(100, 2, 0)
forward, params = chainrule_engine.nn_network(prob)
def loss(x, y):
    return scalar.example_loss(prob, forward(x), y, Value.relu) + nn.l2_penalty(params, prob.alpha)
f = compile(loss, prob.X[0], prob.y[0], vectorize=True)
X, y = np.array(prob.X), np.array(prob.y)
leaves = f.leaves
def best(fn, n=200):
    return min(timeit.repeat(fn, number=n, repeat=7)) / n * 1e6
arrays = f._arrays((X, y)); w = np.array([v.data for v in leaves]).reshape(-1, 1); seeds = f._seeds(0.01, 100, [])
out, g = f._run(*arrays, 100, w, seeds)
gl = g.ravel().tolist()
def wb():
    for v, gg in zip(leaves, gl): v.grad += gg
def sgd():
    for p in params: p.data -= 0.0 * p.grad
def zero():
    for p in params: p.grad = 0.0
for name, fn in [("batch", lambda: f.batch(X, y, seed=0.01)), ("arrays", lambda: f._arrays((X, y))),
                 ("read listcomp", lambda: np.array([v.data for v in leaves]).reshape(-1, 1)),
                 ("read fromiter", lambda: np.fromiter(map(operator.attrgetter("data"), leaves), float, len(leaves)).reshape(-1, 1)),
                 ("run", lambda: f._run(*arrays, 100, w, seeds)), ("write back", wb), ("sgd", sgd), ("zero", zero),
                 ("per example", lambda: f._per_example(out, 100)), ("tolist", lambda: g.ravel().tolist()),
                 ("numpy step", numpy_engine.train(problems.moons_problem(100, 1, 0))),
                 ("vectorized step", compiled_engine.train_vectorized(problems.moons_problem(100, 1, 0)))]:
    print(f"{name:16s} {best(fn):8.1f} us")
def run_err():
    with np.errstate(all="raise", under="ignore"):
        f._run(*arrays, 100, w, seeds)
def run_err2():
    with np.errstate(all="raise"):
        f._run(*arrays, 100, w, seeds)
print("run in errstate", best(run_err), best(run_err2), "plain", best(lambda: f._run(*arrays, 100, w, seeds)))
import cProfile, pstats
cProfile.run("for _ in range(300): f.batch(X, y, seed=0.01)", "/tmp/p2.out")
pstats.Stats("/tmp/p2.out").sort_stats("tottime").print_stats(12)
