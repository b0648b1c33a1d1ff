"""Reference models against PyTorch twins holding the same weights (float64 and float32):
outputs, cross-entropy loss and every parameter gradient; parameter counts against the
published ones; input shapes, errors, and that each model learns."""
import numpy as np
import pytest
import torch

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import models

from . import twins

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=2e-4, atol=2e-5)}

# name: (model class, constructor kwargs, input shape)
CASES = {
    "logreg_mnist1d": ("LogisticRegression", {}, (8, 40)),
    "logreg_images": ("LogisticRegression", dict(in_features=784), (4, 1, 28, 28)),
    "mlp_mnist1d": ("MLP", {}, (8, 40)),
    "mlp_plain_deep": ("MLP", dict(hidden=(16, 16, 8), residual=False), (8, 40)),
    "mlp_residual_deep": ("MLP", dict(hidden=(16, 16, 16, 8)), (8, 40)),
    "mlp_fashion": ("MLP", dict(in_features=784, hidden=(256,), residual=False, dropout=0.2),
                    (4, 1, 28, 28)),
    "cnn1d_mnist1d": ("ConvNet1d", {}, (8, 40)),
    "cnn1d_channel_input": ("ConvNet1d", dict(channels=7, in_length=33), (8, 1, 33)),
    "cnn2d_fashion": ("ConvNet2d", {}, (4, 1, 28, 28)),
    "cnn2d_hidden_rgb": ("ConvNet2d", dict(in_channels=3, image_size=16, channels=(8, 16),
                                           hidden=32), (4, 3, 16, 16)),
    "gru_mnist1d": ("GRUClassifier", {}, (8, 40)),
    "gru_unidirectional": ("GRUClassifier", dict(seq_len=12, hidden_size=5,
                                                 bidirectional=False), (8, 12)),
    "gru_features": ("GRUClassifier", dict(seq_len=10, input_size=3), (8, 10, 3)),
}


def make_pair(name, dtype, rng):
    """The wonderland model, its torch twin with the same weights, and an input for both."""
    cls, kwargs, shape = CASES[name]
    model = getattr(models, cls)(**kwargs)
    twin = getattr(twins, cls)(**kwargs).to(getattr(torch, dtype))
    model.to(dtype=getattr(wl, dtype))
    state = model.state_dict()
    assert list(state) == list(twin.state_dict()), "parameter names differ from the twin's"
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    model.eval(), twin.eval()  # dropout off: the two draw different masks
    return model, twin, rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name, dtype):
    rng = np.random.default_rng(0)
    model, twin, x = make_pair(name, dtype, rng)
    y = rng.integers(0, 10, size=x.shape[0])
    out, ref = model(wl.tensor(x)), twin(torch.from_numpy(x))
    assert out.dtype == getattr(wl, dtype)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **TOL[dtype])
    loss = F.cross_entropy(out, wl.tensor(y))
    ref_loss = torch.nn.functional.cross_entropy(ref, torch.from_numpy(y))
    np.testing.assert_allclose(loss.item(), ref_loss.item(), **TOL[dtype])
    loss.backward()
    ref_loss.backward()
    ref_params = dict(twin.named_parameters())
    for pname, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), ref_params[pname].grad.numpy(),
                                   err_msg=pname, **TOL[dtype])


@pytest.mark.parametrize("cls, kwargs, count", [
    ("LogisticRegression", {}, 410),      # 40 * 10 + 10
    ("MLP", {}, 15_210),                  # the counts MNIST-1D's notebook prints
    ("ConvNet1d", {}, 5_210),
    ("GRUClassifier", {}, 5_134),
    ("ConvNet2d", {}, 34_826),            # Keras' simple MNIST convnet's summary
    ("MLP", dict(in_features=784, hidden=(256,), residual=False), 203_530),
])
def test_parameter_counts(cls, kwargs, count):
    assert getattr(models, cls)(**kwargs).num_parameters() == count
    assert sum(p.numel() for p in getattr(twins, cls)(**kwargs).parameters()) == count


def test_mnist1d_shapes_follow_the_paper():
    cnn = models.ConvNet1d()
    assert cnn.linear.in_features == 125  # 25 channels x 5 positions after three stride-2 convs
    gru = models.GRUClassifier()
    assert gru.linear.in_features == 480  # 40 steps x 2 directions x 6 units
    mlp = models.MLP()
    assert mlp.skips == [False, True]  # only the 100 -> 100 layer adds its input back


def test_gru_rejects_another_sequence_length():
    with pytest.raises(ValueError, match="40 steps"):
        models.GRUClassifier()(wl.randn(2, 39))


def test_convnet2d_rejects_too_small_images():
    with pytest.raises(ValueError, match="leave nothing"):
        models.ConvNet2d(image_size=8)


def test_dropout_only_while_training():
    model = models.ConvNet2d()
    x = wl.randn(4, 1, 28, 28)
    model.eval()
    a, b = model(x).detach().numpy(), model(x).detach().numpy()
    np.testing.assert_array_equal(a, b)
    model.train()
    assert not np.allclose(model(x).detach().numpy(), a)


@pytest.mark.parametrize("cls, kwargs, shape", [
    ("LogisticRegression", {}, (64, 40)), ("MLP", {}, (64, 40)), ("ConvNet1d", {}, (64, 40)),
    ("GRUClassifier", dict(seq_len=12), (64, 12)),
    ("ConvNet2d", dict(image_size=12, channels=(4, 8), dropout=0.0), (64, 1, 12, 12)),
])
def test_learns(cls, kwargs, shape):
    """A few Adam steps on one batch whose labels a linear rule of the inputs decides: the loss
    must fall well below its start."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = (x.reshape(len(x), -1) @ rng.standard_normal((x[0].size, 4))).argmax(1)
    model = getattr(models, cls)(**kwargs)
    opt = wl.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = wl.tensor(x), wl.tensor(y)
    losses = []
    for _ in range(40):
        loss = F.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses
