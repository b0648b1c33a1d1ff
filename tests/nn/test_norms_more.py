"""BatchNorm3d, InstanceNorm1d and InstanceNorm3d against PyTorch (float64): outputs, input and
parameter gradients and running statistics through train and eval steps; defaults; errors."""
import pytest

import wonderland as wl
from tests.nn.test_norms import check_state, check_steps, twin
from wonderland import nn

LAYERS = [
    ("BatchNorm3d", (3,), {}, (2, 3, 3, 4, 2)),
    ("BatchNorm3d", (2,), {"momentum": None, "affine": False}, (3, 2, 2, 2, 3)),
    ("BatchNorm3d", (2,), {"track_running_stats": False}, (2, 2, 3, 2, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 6)),
    ("InstanceNorm1d", (4,), {"track_running_stats": True, "affine": True}, (2, 4, 5)),
    ("InstanceNorm3d", (2,), {}, (2, 2, 3, 4, 2)),
    ("InstanceNorm3d", (2,), {"affine": True}, (2, 3, 2, 4)),
    ("InstanceNorm3d", (3,), {"track_running_stats": True, "momentum": None}, (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS)
def test_layer_matches_torch_in_train_then_eval_mode(name, args, kwargs, shape):
    wm, tm = twin(name, *args, **kwargs)
    check_state(wm, tm)
    check_steps(wm, tm, shape, steps=2, training=True)
    check_steps(wm, tm, shape, steps=1, training=False)


@pytest.mark.parametrize("layer, shape, match", [
    (nn.BatchNorm3d(3), (2, 3, 4, 4), r"BatchNorm3d: expected input of shape "
                                      r"\(N, 3, D, H, W\), got shape \(2, 3, 4, 4\)"),
    (nn.InstanceNorm1d(3), (2, 4, 5), r"InstanceNorm1d: expected input of shape \(N, 3, L\) "
                                      r"or \(3, L\), got shape \(2, 4, 5\)"),
    (nn.InstanceNorm3d(2), (2, 3, 3), r"InstanceNorm3d: expected input of shape "
                                      r"\(N, 2, D, H, W\) or \(2, D, H, W\)"),
])
def test_bad_input_names_layer_and_shapes(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(wl.zeros(*shape))
