"""The primitives, one class each with forward, vjp and jvp, and the public functions on them."""
from . import extra_methods, methods, recurrent  # recurrent: the fused GRU and LSTM cells
from .binary import add, div, maximum, minimum, mul, pow, square, sub, where
from .compare import (
                      allclose,
                      eq,
                      equal,
                      ge,
                      gt,
                      isfinite,
                      isinf,
                      isnan,
                      le,
                      logical_and,
                      logical_not,
                      logical_or,
                      logical_xor,
                      lt,
                      ne,
)
from .creation import (
                      arange,
                      as_tensor,
                      empty,
                      empty_like,
                      eye,
                      from_numpy,
                      full,
                      full_like,
                      linspace,
                      ones,
                      ones_like,
                      rand,
                      rand_like,
                      randint,
                      randint_like,
                      randn,
                      randn_like,
                      randperm,
                      tensor,
                      zeros,
                      zeros_like,
)
from .device import to_device
from .einsum import einsum
from .extra_math import (
                      acos,
                      arccos,
                      arcsin,
                      arctan,
                      arctan2,
                      asin,
                      atan,
                      atan2,
                      cosh,
                      exp2,
                      log2,
                      log10,
                      sinh,
)
from .index import (
                      gather,
                      getitem,
                      index_put,
                      index_select,
                      masked_fill,
                      one_hot,
                      scatter_add,
                      take_along_dim,
                      tril,
                      triu,
)
from .join import (
                      cat,
                      chunk,
                      concatenate,
                      flip,
                      narrow,
                      repeat,
                      repeat_interleave,
                      roll,
                      split,
                      stack,
                      tile,
                      unbind,
)
from .matmul import bmm, dot, matmul, mm, outer
from .matrices import diag, hstack, kron, meshgrid, ravel, row_stack, trace, vstack
from .pad import pad
from .pointwise import (
                      addmm,
                      baddbmm,
                      float_power,
                      fmod,
                      frac,
                      hypot,
                      isclose,
                      lerp,
                      log_softmax,
                      logaddexp,
                      nan_to_num,
                      reciprocal,
                      softmax,
)
from .reduce import (
                      all,
                      amax,
                      amin,
                      any,
                      argmax,
                      argmin,
                      count_nonzero,
                      cumsum,
                      logsumexp,
                      max,
                      mean,
                      min,
                      prod,
                      std,
                      sum,
                      var,
)
from .rounding import ceil, floor, floor_divide, remainder, round, trunc
from .sampling import bernoulli, multinomial, normal, poisson
from .selection import (
                      argwhere,
                      index_add,
                      index_fill,
                      masked_select,
                      nonzero,
                      scatter,
                      scatter_reduce,
)
from .shape import (
                      broadcast_tensors,
                      broadcast_to,
                      expand,
                      flatten,
                      movedim,
                      permute,
                      reshape,
                      squeeze,
                      t,
                      transpose,
                      unflatten,
                      unsqueeze,
                      view,
)
from .sort import argsort, sort, topk
from .special import digamma, erfinv, lgamma, polygamma
from .statistics import (
                      bincount,
                      cdist,
                      cummax,
                      cummin,
                      cumprod,
                      diff,
                      dist,
                      histc,
                      kthvalue,
                      median,
                      mode,
                      nanmean,
                      nansum,
                      quantile,
                      std_mean,
                      unique,
                      var_mean,
)
from .strided import as_strided, unfold
from .tensor_api import (
                      BoolTensor,
                      ByteTensor,
                      CharTensor,
                      DoubleTensor,
                      FloatTensor,
                      HalfTensor,
                      IntTensor,
                      LongTensor,
                      ShortTensor,
)
from .unary import (
                      abs,
                      cast,
                      clamp,
                      clip,
                      cos,
                      erf,
                      exp,
                      expm1,
                      log,
                      log1p,
                      neg,
                      relu,
                      rsqrt,
                      sigmoid,
                      sign,
                      sin,
                      sqrt,
                      tan,
                      tanh,
)

methods.install()
extra_methods.install()

# the tensor functions (wl.exp, wl.cat ...); the primitive classes stay in their modules
__all__ = [
    "abs", "add", "all", "allclose", "amax", "amin", "any", "arange", "argmax", "argmin",
    "argsort", "as_strided", "as_tensor", "bmm", "broadcast_tensors", "broadcast_to", "cast",
    "cat", "ceil", "chunk", "clamp", "clip", "concatenate", "cos", "count_nonzero", "cumsum",
    "div", "dot", "einsum", "empty", "empty_like", "eq", "equal", "erf", "exp", "expand", "expm1",
    "eye", "flatten", "flip", "floor", "floor_divide", "from_numpy", "full", "full_like", "gather",
    "ge", "getitem", "gt", "index_put", "index_select", "isfinite", "isinf", "isnan", "le",
    "linspace", "log", "log1p", "logical_and", "logical_not", "logical_or", "logical_xor",
    "logsumexp", "lt", "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum", "mm",
    "movedim", "mul", "narrow", "ne", "neg", "one_hot", "ones", "ones_like", "outer", "pad",
    "permute", "pow", "prod", "rand", "rand_like", "randint", "randint_like", "randn",
    "randn_like", "randperm", "relu", "remainder", "repeat", "repeat_interleave", "reshape",
    "roll", "round", "rsqrt", "scatter_add", "sigmoid", "sign", "sin", "sort", "split", "sqrt",
    "square", "squeeze", "stack", "std", "sub", "sum", "t", "take_along_dim", "tan", "tanh",
    "tensor", "tile", "to_device", "topk", "transpose", "tril", "triu", "trunc", "unbind",
    "unflatten", "unfold", "unsqueeze", "var", "view", "where", "zeros", "zeros_like",
    "digamma", "erfinv", "lgamma", "polygamma",  # special functions (special.py)
    # extra_math, pointwise, statistics, selection, matrices, tensor_api
    "acos", "arccos", "arcsin", "arctan", "arctan2", "asin", "atan", "atan2", "cosh", "exp2",
    "log2", "log10", "sinh", "addmm", "baddbmm", "float_power", "fmod", "frac", "hypot",
    "isclose", "lerp", "log_softmax", "logaddexp", "nan_to_num", "reciprocal", "softmax",
    "bincount", "cdist", "cummax", "cummin", "cumprod", "diff", "dist", "histc", "kthvalue",
    "median", "mode", "nanmean", "nansum", "quantile", "std_mean", "unique", "var_mean",
    "argwhere", "index_add", "index_fill", "masked_select", "nonzero", "scatter",
    "scatter_reduce", "diag", "hstack", "kron", "meshgrid", "ravel", "row_stack", "trace",
    "vstack", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
    "bernoulli", "multinomial", "normal", "poisson",  # sampling.py
]
