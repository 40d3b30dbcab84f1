exec(open("dbg_scratch.py").read().split("for name, fn in")[0])
import time
def manual():
    arrays = f._arrays((X, y))
    seeds = f._seeds(0.01, 100, [])
    w = np.array([v.data for v in f.leaves], dtype=float).reshape(-1, 1)
    t0 = time.perf_counter()
    with np.errstate(all="raise", under="ignore"):
        out, gradients = f._run(*arrays, 100, w, seeds)
    t1 = time.perf_counter()
    for v, g in zip(f.leaves, gradients.ravel().tolist(), strict=True):
        v.grad += g
    t2 = time.perf_counter()
    r = f._per_example(out, 100)
    return t1 - t0, t2 - t1, time.perf_counter() - t2
for _ in range(3):
    ts = [manual() for _ in range(300)]
    print([round(sorted(c)[150] * 1e6, 1) for c in zip(*ts)])
print("batch", best(lambda: f.batch(X, y, seed=0.01)), "manual", best(manual))
tot = []
for _ in range(1000):
    s = time.perf_counter(); f.batch(X, y, seed=0.01); tot.append(time.perf_counter() - s)
tot.sort(); print("batch per call: min", tot[0]*1e6, "median", tot[500]*1e6, "p90", tot[900]*1e6, "mean", sum(tot)/len(tot)*1e6)
