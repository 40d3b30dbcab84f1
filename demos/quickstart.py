"""The engine in ten lines: an expression, backward, gradients, a second derivative, gradcheck.

Run: python -m demos.quickstart
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value, grad, gradcheck


def main(argv: Sequence[str] | None = None) -> int:
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    z = (x * y + x.exp()).tanh() + x**2
    z.backward()
    print(f"z = {z.data:.6f}")
    print(f"dz/dx = {x.grad:.6f}   dz/dy = {y.grad:.6f}")

    (dz_dx,) = grad(x**3, [x], create_graph=True)
    (d2z_dx2,) = grad(dz_dx, [x])
    print(f"d/dx x^3 at 2 = {dz_dx.data}   d2/dx2 x^3 at 2 = {d2z_dx2}")

    ok = gradcheck(lambda a, b: (a * b + a.exp()).tanh() + a**2, [x, y])
    print(f"gradcheck against central differences: {'passed' if ok else 'failed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
