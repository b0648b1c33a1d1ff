"""Op-spec rows: sorting (ArgSort, and sort / topk whose values are gathered)."""
import numpy as np
import torch

import wonderland as wl

from ..spec import const, distinct, ints, spec

S = (3, 4)

SPECS = [
    spec("argsort_last", "ArgSort", lambda x: x.argsort(), [distinct(*S)],
         lambda x: np.argsort(x, axis=-1), lambda x: x.argsort(), grad=False),
    spec("argsort_dim0_descending", "ArgSort", lambda x: wl.argsort(x, 0, descending=True),
         [distinct(*S)], lambda x: np.argsort(-x, axis=0),
         lambda x: torch.argsort(x, 0, descending=True), grad=False),
    spec("argsort_ties_stable", "ArgSort", lambda x: x.argsort(stable=True), [ints(2, 6, high=3)],
         lambda x: np.argsort(x, axis=-1, kind="stable"), lambda x: x.argsort(stable=True),
         grad=False),
    spec("argsort_bools_descending", "ArgSort", lambda x: x.argsort(descending=True),
         [const([[True, False, True, False]])], None,
         lambda x: torch.argsort(x, descending=True, stable=True), grad=False),
    spec("sort_values", ("ArgSort", "Gather"), lambda x: x.sort(1).values, [distinct(*S)],
         lambda x: np.sort(x, axis=1), lambda x: x.sort(1).values),
    spec("sort_descending_dim0", ("ArgSort", "Gather"),
         lambda x: x.sort(0, descending=True).values, [distinct(*S)],
         lambda x: -np.sort(-x, axis=0), lambda x: x.sort(0, descending=True).values),
    spec("topk_largest", ("ArgSort", "Gather"), lambda x: x.topk(2).values, [distinct(*S)],
         lambda x: -np.sort(-x, axis=1)[:, :2], lambda x: x.topk(2).values),
    spec("topk_smallest_dim0", ("ArgSort", "Gather"),
         lambda x: x.topk(2, dim=0, largest=False).values, [distinct(*S)],
         lambda x: np.sort(x, axis=0)[:2], lambda x: x.topk(2, dim=0, largest=False).values),
]
