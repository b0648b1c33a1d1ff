"""Shared custom rules for the custom-derivative tests: a numerically stable softplus written
with custom_vjp, custom_jvp and Function (each counting its rule's calls), and helpers."""
import numpy as np
import torch

import wonderland as wl
from wonderland.autodiff.custom import Function, custom_jvp, custom_vjp

POINTS = [-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0]
SOFTPLUS_OPS = {"Abs", "Neg", "Exp", "Log1p", "Relu", "Add"}  # what softplus's forward binds


def softplus_ops(x):
    """log(1 + exp(x)) without overflow: log1p(exp(-|x|)) + relu(x)."""
    return wl.log1p(wl.exp(-x.abs())) + x.relu()


def sigmoid_np(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # no overflow at |x| = 1000
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def make_softplus_vjp(calls):
    def fwd(x):
        calls["fwd"] += 1
        return softplus_ops(x), x

    def bwd(x, g):
        calls["bwd"] += 1
        return (g * wl.sigmoid(x),)

    return custom_vjp(softplus_ops).defvjp(fwd, bwd)


def make_softplus_jvp(calls):
    def rule(primals, tangents):
        calls["rule"] += 1
        (x,), (t,) = primals, tangents
        return sp(x), t * wl.sigmoid(x)

    sp = custom_jvp(softplus_ops).defjvp(rule)
    return sp


def make_softplus_function(calls):
    class Softplus(Function):
        @staticmethod
        def forward(ctx, x):
            calls["forward"] += 1
            ctx.save_for_backward(x)
            return softplus_ops(x)

        @staticmethod
        def backward(ctx, g):
            calls["backward"] += 1
            (x,) = ctx.saved_tensors
            return g * wl.sigmoid(x)

        @staticmethod
        def jvp(ctx, t):
            calls["jvp"] += 1
            (x,) = ctx.saved_tensors
            return t * wl.sigmoid(x)

    return Softplus.apply


MAKERS = {"custom_vjp": make_softplus_vjp, "custom_jvp": make_softplus_jvp,
          "Function": make_softplus_function}


def counter():
    return {"fwd": 0, "bwd": 0, "rule": 0, "forward": 0, "backward": 0, "jvp": 0}


def xpair(values=POINTS):
    return (wl.tensor(values, dtype=wl.float64, requires_grad=True),
            torch.tensor(values, dtype=torch.float64, requires_grad=True))
