"""nn's activation records: each says truly what its function records, and torch's module
computes what its function computes."""

from __future__ import annotations

import pytest
from hypothesis import given

from autograd import Value
from nn.activations import TABLE, activation_named
from tests.strategies import squash_arguments


@pytest.mark.parametrize("name", sorted(TABLE))
@given(a=squash_arguments)
def test_each_record_names_the_op_its_function_records(name: str, a: float) -> None:
    record = TABLE[name]
    x = Value(a)
    out = record.function(x)
    if record.op is None:
        assert out is x  # linear makes no node
    else:
        assert out.operation is record.op and out.inputs == (x,)


@pytest.mark.parametrize("name", sorted(TABLE))
@given(a=squash_arguments)
def test_torchs_module_computes_what_the_function_computes(name: str, a: float) -> None:
    torch = pytest.importorskip("torch")
    record = TABLE[name]
    module = torch.nn.Identity() if record.torch is None else getattr(torch.nn, record.torch)()
    expected = record.function(Value(a)).data
    assert module(torch.tensor(a, dtype=torch.float64)).item() == pytest.approx(expected, rel=1e-15)


def test_an_unknown_name_lists_the_known_ones() -> None:
    assert activation_named("relu") is TABLE["relu"]
    with pytest.raises(ValueError, match=r"unknown activation 'softmax'.*'linear', 'relu'"):
        activation_named("softmax")
    with pytest.raises(ValueError, match="unknown activation"):
        activation_named(["relu"])  # type: ignore[arg-type]
