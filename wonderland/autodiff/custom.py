"""Custom derivatives: the custom_vjp and custom_jvp decorators (JAX style) and the
PyTorch-style Function with ctx. Each call puts one entry on the tape (see custom_node.py)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..core.tensor import Tensor
from .custom_batch import lower_jvp, lower_vjp, tape_level
from .custom_node import (
    as_outputs,
    attach_tangents,
    check_cotangents,
    cut,
    dual_level_of,
    is_float_tensor,
    peel_all,
    record,
)


class _Decorated:
    """What custom_vjp and custom_jvp share: the function, its nondiff arguments, its name."""

    kind = ""

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted(set(nondiff_argnums)))

    @property
    def _who(self) -> str:
        return f"{self.kind} function {getattr(self.fun, '__name__', repr(self.fun))}"

    def _split(self, args: tuple) -> tuple[list, list[int]]:
        """(the nondiff argument values, the positions of the differentiable arguments)."""
        for i in self.nondiff_argnums:
            if not -len(args) <= i < len(args):
                raise IndexError(f"{self._who}: nondiff_argnums has {i} but it was called with "
                                 f"{len(args)} arguments")
        nondiff = {i % len(args) for i in self.nondiff_argnums}
        return [args[i] for i in sorted(nondiff)], [i for i in range(len(args))
                                                    if i not in nondiff]


class custom_vjp(_Decorated):  # noqa: N801  (a decorator named as in JAX)
    """A function whose reverse-mode derivative is given by a rule (JAX's custom_vjp).

    `f = custom_vjp(f, nondiff_argnums=())`, then `f.defvjp(fwd, bwd)`: fwd(*args) returns
    (out, residuals); bwd(*nondiff_args, residuals, g) returns one cotangent (or None) per
    differentiable argument, as a tuple; g matches out (a tuple of cotangents for a tuple).

    Calling f runs fwd without recording its operations and records one tape entry whose vjp is
    bwd; when nothing requires grad it just runs f. Gradients reach the arguments only (not
    tensors that f closes over). With create_graph=True, fwd runs again on the tape to rebuild
    the residuals, so that bwd's result is differentiable again, residuals included.
    Forward mode (jvp) of a custom_vjp function raises TypeError, as in JAX: write a custom_jvp,
    whose rule serves both modes, when you need it."""

    kind = "custom_vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> custom_vjp:
        """Set the rule: fwd(*args) -> (out, residuals); bwd(*nondiff, residuals, g) -> tuple."""
        self.fwd, self.bwd = fwd, bwd
        return self

    def _run_fwd(self, args: tuple):
        result = self.fwd(*args)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"{self._who}: fwd must return a pair (output, residuals)")
        return result

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"{self._who} has no rule: call .defvjp(fwd, bwd) first")
        if (level := tape_level(args)) is not None:  # grad(vmap(f)): tape on physical tensors
            return lower_vjp(self, level, args)
        if dual_level_of(args) is not None:
            raise TypeError(f"{self._who}: forward-mode differentiation (jvp) of a custom_vjp "
                            f"function is not supported (as in JAX); define the rule with "
                            f"custom_jvp, which serves both modes")
        nondiff, diff = self._split(args)
        inputs = [args[i] for i in diff if is_float_tensor(args[i])]
        if not (is_grad_enabled() and any(x._requires_grad for x in inputs)):
            with no_grad():
                return self.fun(*args)
        with no_grad():
            out, res = self._run_fwd(args)
        single = isinstance(out, Tensor)

        def rule(gs, ys):
            r = self._run_fwd(args)[1] if is_grad_enabled() else res  # create_graph: on tape
            cots = self.bwd(*nondiff, r, gs[0] if single else tuple(gs))
            return check_cotangents(f"{self._who}: bwd", cots, args, diff,
                                    "one per differentiable argument")

        return record(f"custom_vjp({self.__name__})", rule, inputs, out)


class custom_jvp(_Decorated):  # noqa: N801  (a decorator named as in JAX)
    """A function whose forward-mode derivative is given by a rule (JAX's custom_jvp).

    `f = custom_jvp(f, nondiff_argnums=())`, then `f.defjvp(rule)`:
    rule(*nondiff_args, primals, tangents) returns (out, tangent_out), primals and tangents being
    tuples over the differentiable arguments (a tangent is zeros where the input carries none,
    None for an argument that is not a float tensor).

    Forward mode calls the rule, whose own operations carry any outer transform. Reverse mode
    runs f without recording it and records one tape entry whose vjp is the transpose of the
    rule: tangent_out is linear in the tangents, so the cotangents are the reverse-mode gradient
    of <g, tangent_out(t)> with respect to t. Gradients reach the arguments only."""

    kind = "custom_jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.jvp_rule = None

    def defjvp(self, rule: Callable) -> custom_jvp:
        """Set the rule: rule(*nondiff, primals, tangents) -> (out, tangent_out)."""
        self.jvp_rule = rule
        return self

    def _call_rule(self, nondiff: list, primals: list, tangents: list):
        result = self.jvp_rule(*nondiff, tuple(primals), tuple(tangents))
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"{self._who}: the jvp rule must return a pair (out, tangent_out)")
        return result

    def __call__(self, *args):
        if self.jvp_rule is None:
            raise TypeError(f"{self._who} has no rule: call .defjvp(rule) first")
        if (level := tape_level(args)) is not None:  # grad(vmap(f)): tape on physical tensors
            return lower_jvp(self, level, args)
        level = dual_level_of(args)
        if level is not None:
            return self._jvp_at(level, args)
        with no_grad():
            out = self.fun(*args)
        return self._record(args, out)

    def _record(self, args: tuple, out):
        """out on the tape, made from args by the transposed rule."""
        nondiff, diff = self._split(args)
        inputs = [args[i] for i in diff if is_float_tensor(args[i])]
        return record(f"custom_jvp({self.__name__})",
                      lambda gs, ys: self._transpose(args, nondiff, diff, gs), inputs, out)

    def _jvp_at(self, level: int, args: tuple):
        """The rule at a forward-mode level; the tape entry reads the inputs with their tangents
        so that reverse mode run later (forward over reverse) carries this level too."""
        primals, tangents = peel_all(args, level)
        nondiff, diff = self._split(tuple(primals))
        tangents = [tangents[i] for i in diff]
        out, t_out = self._call_rule(nondiff, [primals[i] for i in diff], tangents)
        return self._record(args, attach_tangents(f"{self._who}: jvp rule", out, t_out, level))

    def _transpose(self, args: tuple, nondiff: list, diff: list[int], gs: list) -> list:
        """The vjp from the jvp rule: gradients of <g, tangent_out(t)> with respect to t."""
        from ..ops.creation import zeros_like
        from .reverse import grad

        create = is_grad_enabled()  # True inside backward(create_graph=True)
        with enable_grad():
            primals = [args[i] if create else cut(args[i]) for i in diff]
            leaves = [zeros_like(p, requires_grad=True) if is_float_tensor(p) else None
                      for p in primals]
            _, t_out = self._call_rule(nondiff, primals, leaves)
            touts = [t_out] if isinstance(t_out, Tensor) else list(t_out)
            pairs = [(t, g) for t, g in zip(touts, gs)
                     if g is not None and isinstance(t, Tensor) and t._requires_grad]
            wanted = [t for t in leaves if t is not None]
            if not pairs:
                return [None] * len(wanted)
            return list(grad([t for t, _ in pairs], wanted, [g for _, g in pairs],
                             create_graph=create, allow_unused=True))


class FunctionCtx:
    """What forward leaves for backward and jvp: save_for_backward, saved_tensors,
    needs_input_grad, and any attribute you set (torch.autograd.function.FunctionCtx)."""

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self._saved: tuple = ()
        self._swap: dict = {}  # during backward: id(saved tensor) -> its tensor on the tape
        self._forward_args: tuple = ()
        self._raw_ids: list[int] = []  # ids of forward's outputs

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (or None) for backward; inputs and outputs stay differentiable."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward takes tensors or None, got "
                                f"{type(t).__name__}; keep other values as ctx attributes")
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        return tuple(self._swap.get(id(t), t) for t in self._saved)

    def _swapping(self, rule: Callable, args: tuple, outs, *rule_args):
        """rule(self, *rule_args) with saved inputs and outputs seen as `args` and `outs`: the
        tensors of the transform at hand, which carry the derivatives of the outer ones."""
        input_ids = {id(a) for a in self._forward_args}
        outs = as_outputs(outs, "forward")[0] if outs is not None else []
        self._swap = {**{id(a): b for a, b in zip(self._forward_args, args) if a is not b},
                      **{r: y for r, y in zip(self._raw_ids, outs)
                         if isinstance(y, Tensor) and r not in input_ids}}
        try:
            return rule(self, *rule_args)
        finally:
            self._swap = {}


class Function:
    """Base of a PyTorch-style custom operation: subclass it with staticmethods
    forward(ctx, *args), backward(ctx, *grads) and optionally jvp(ctx, *tangents), then call
    `MyFn.apply(*args)`.

    forward runs without recording; backward gets one gradient per output (None for outputs that
    are not float tensors) and returns one per input of forward (None for non-tensors and for
    inputs that need none). jvp gets one tangent per input and returns one per output."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    @staticmethod
    def jvp(ctx: FunctionCtx, *tangents):
        raise NotImplementedError("a Function subclass must define jvp(ctx, *tangents) "
                                  "for forward mode")

    @classmethod
    def apply(cls, *args):
        """Run forward and record one tape entry whose vjp is backward (jvp in forward mode)."""
        return cls._call(args)[0]

    @classmethod
    def _call(cls, args: tuple):
        """(outputs, ctx), handling the innermost transform level the inputs carry."""
        if tape_level(args) is not None:
            raise NotImplementedError(f"{cls.__name__}: reverse mode around vmap of a Function "
                                      f"(grad(vmap(f))) is not supported, as its ctx cannot be "
                                      f"batched; use vmap(grad(f)), or custom_vjp/custom_jvp")
        level = dual_level_of(args)
        if level is not None:
            if cls.jvp is Function.jvp:
                raise TypeError(f"{cls.__name__}: forward-mode differentiation (jvp) needs a "
                                f"jvp(ctx, *tangents) staticmethod on the Function")
            primals, tangents = peel_all(args, level)
            primals = tuple(primals)
            out, ctx = cls._call(primals)
            t_out = ctx._swapping(cls.jvp, primals, out, *tangents)
            out = attach_tangents(f"{cls.__name__}.jvp", out, t_out, level)
            return cls._record(args, ctx, out), ctx  # on the tape with the inputs' tangents
        ctx = FunctionCtx(tuple(is_grad_enabled() and isinstance(a, Tensor) and a._requires_grad
                                for a in args))
        with no_grad():
            out = cls.forward(ctx, *args)
        ctx._forward_args = args
        ctx._raw_ids = [id(r) for r in as_outputs(out, f"{cls.__name__}.forward")[0]]
        return cls._record(args, ctx, out), ctx

    @classmethod
    def _record(cls, args: tuple, ctx: FunctionCtx, out):
        """out on the tape, made from args by backward. In backward, saved inputs and outputs
        are swapped for the ones on the tape, so that backward is differentiable again."""

        def rule(gs, ys):
            grads = ctx._swapping(cls.backward, args, ys, *gs)
            return check_cotangents(f"{cls.__name__}.backward", grads, args,
                                    range(len(args)), "one per input of forward")

        return record(cls.__name__, rule, [a for a in args if is_float_tensor(a)], out)
