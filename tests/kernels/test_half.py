"""Half-precision weight storage (kernels/_half.py): conversion, stochastic rounding, kernels on float16."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from embedlab.kernels._half import add_w, float_bits, get_w, kernel_view, put_w
from embedlab.kernels.sgns import neg_accumulate, sg_neg_window


@njit(cache=False)
def _round_trip(x, out):
    """``out[i, j]`` = ``x[i, j]`` stored to half precision through ``put_w`` (salt: the row's first value)."""
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            put_w(out, i, j, x[i, j], float_bits(x[i, 0]))


@njit(cache=False)
def _accumulate(a, n, updates, salts):
    for t in range(n):
        for d in range(a.shape[1]):
            add_w(a, 0, d, updates[t], salts[t])


def test_round_trip_is_within_one_half_unit_and_exact_values_stay_exact():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((200, 64)) * 0.3).astype(np.float32)
    out = np.zeros_like(x, dtype=np.float16)
    _round_trip(x, kernel_view(out))
    y = out.astype(np.float32)
    ulp = np.spacing(np.abs(x).astype(np.float16)).astype(np.float32)
    assert np.all(np.abs(y - x) <= ulp * 1.0001)
    assert np.abs((y - x).mean()) < 1e-5  # unbiased on average
    exact = x.astype(np.float16).astype(np.float32)  # representable values round to themselves
    again = np.zeros_like(out)
    _round_trip(exact, kernel_view(again))
    assert np.array_equal(again.astype(np.float32), exact)


@pytest.mark.parametrize("step", [1e-5, 1e-6])
def test_updates_below_half_a_unit_accumulate_in_expectation(step):
    """0.5 in float16 has a unit of 4.9e-4: round-to-nearest drops every one of these updates
    (checked below), stochastic rounding keeps their sum on average."""
    n, width = 1000, 4000
    updates = np.full(n, step, np.float32)
    salts = np.random.default_rng(1).integers(0, 2**32, n)
    a = np.full((1, width), 0.5, np.float16)
    _accumulate(kernel_view(a), n, updates, salts)
    got = a.astype(np.float64).mean()
    want = 0.5 + n * step
    se = a.astype(np.float64).std() / np.sqrt(width)
    assert abs(got - want) < 5 * se + 1e-6, (got, want, se)
    nearest = np.float16(0.5)
    for _ in range(n):
        nearest = np.float16(np.float32(nearest) + np.float32(step))
    assert nearest == np.float16(0.5)  # what plain float16 arithmetic would have kept


def test_kernel_view_refuses_other_dtypes():
    assert kernel_view(np.zeros((2, 2), np.float16)).dtype == np.uint16
    with pytest.raises(TypeError, match="float32 or float16"):
        kernel_view(np.zeros((2, 2), np.float64))


def test_window_and_cbow_steps_on_float16_outputs_follow_float32():
    rng = np.random.default_rng(3)
    dim, v = 32, 12
    syn0 = rng.normal(0, 0.5, (v, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (v, dim)).astype(np.float16).astype(np.float32)  # representable start
    ctx = np.array([1, 2, 5, 2, 8], np.int32)
    outs = np.array([3, 7, 0, 7, 9], np.int32)
    bufs = lambda: (np.empty((5, dim), np.float32), np.empty((5, 5), np.float32), np.empty(dim, np.float32))  # noqa: E731
    a0, a1 = syn0.copy(), syn1.copy()
    la = sg_neg_window(a0, a1, ctx, 5, outs, 5, 0.05, *bufs())
    b0, b1 = syn0.copy(), syn1.astype(np.float16)
    lb = sg_neg_window(b0, kernel_view(b1), ctx, 5, outs, 5, 0.05, *bufs())
    assert lb == pytest.approx(la, rel=1e-6)  # the same scores: the start rows are equal
    assert not np.array_equal(b1.astype(np.float32), syn1)  # the outputs moved
    assert np.allclose(b1.astype(np.float32), a1, atol=2e-3)  # ... as far as float32's, to a unit
    assert np.allclose(b0, a0, atol=1e-6)
    h = syn0[4].copy()
    n1, n2 = np.zeros(dim, np.float32), np.zeros(dim, np.float32)
    c1, c2 = syn1.copy(), syn1.astype(np.float16)
    l1 = neg_accumulate(h, c1, outs, 5, 0.05, n1, np.empty(5, np.float32))
    l2 = neg_accumulate(h, kernel_view(c2), outs, 5, 0.05, n2, np.empty(5, np.float32))
    assert l2 == pytest.approx(l1, rel=1e-6)
    # row 7 is drawn twice: its second step reads the rounded first update, so neu1e moves by ~1e-5
    assert np.allclose(n2, n1, atol=1e-4) and np.allclose(c2.astype(np.float32), c1, atol=2e-3)


def test_plain_python_path_rounds_bit_for_bit_like_the_compiled_one():
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((8, 16)) * 0.3).astype(np.float32)
    compiled = np.zeros(x.shape, np.float16)
    _round_trip(x, kernel_view(compiled))
    python = np.zeros(x.shape, np.float16)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            put_w(kernel_view(python), i, j, x[i, j], int(x[i, 0].view(np.uint32)))
    assert np.array_equal(python.view(np.uint16), compiled.view(np.uint16))
    add_w(kernel_view(python), 0, 0, np.float32(0.25), 7)
    assert abs(get_w(kernel_view(python), 0, 0) - (float(compiled[0, 0]) + 0.25)) <= 2e-3
