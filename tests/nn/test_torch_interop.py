"""A model trained in PyTorch, saved through safetensors and loaded into the same wonderland model,
gives the same outputs: the layers share PyTorch's parameter names, shapes and semantics."""
import numpy as np
import torch

import wonderland as wl
from wonderland import nn


def torch_cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 8, 3, stride=2, groups=2),
        torch.nn.GroupNorm(2, 8), torch.nn.GELU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 5))


def wl_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, stride=2, groups=2),
        nn.GroupNorm(2, 8), nn.GELU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(8, 5))


class TorchSeq(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(11, 6)
        self.lstm = torch.nn.LSTM(6, 7, num_layers=2, batch_first=True, bidirectional=True)
        self.attn = torch.nn.MultiheadAttention(14, 2, batch_first=True)
        self.norm = torch.nn.LayerNorm(14)
        self.head = torch.nn.Linear(14, 3)

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        a, _ = self.attn(h, h, h, need_weights=False)
        return self.head(self.norm(h + a)).mean(1)


class WlSeq(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(11, 6)
        self.lstm = nn.LSTM(6, 7, num_layers=2, batch_first=True, bidirectional=True)
        self.attn = nn.MultiheadAttention(14, 2, batch_first=True)
        self.norm = nn.LayerNorm(14)
        self.head = nn.Linear(14, 3)

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        a, _ = self.attn(h, h, h, need_weights=False)
        return self.head(self.norm(h + a)).mean(1)


def _train_torch(model, make_batch, target_dim, steps=5):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.manual_seed(0)
    for _ in range(steps):
        x = make_batch()
        loss = ((model(x) - torch.ones(x.shape[0], target_dim)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def _through_safetensors(torch_model, path):
    state = {k: wl.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    wl.save(state, path)
    return wl.load(path)


def test_cnn_trained_in_torch_runs_the_same_in_wonderland(tmp_path):
    torch.manual_seed(0)
    tm = _train_torch(torch_cnn(), lambda: torch.randn(4, 3, 16, 16), 5)
    wm = wl_cnn()
    result = wm.load_state_dict(_through_safetensors(tm, tmp_path / "cnn.safetensors"))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert list(wm.state_dict()) == list(tm.state_dict())
    x = np.random.default_rng(1).standard_normal((3, 3, 16, 16)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.tensor(x)).numpy()
    with wl.no_grad():
        got = wm.eval()(wl.tensor(x))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)


def test_sequence_model_trained_in_torch_runs_the_same_in_wonderland(tmp_path):
    torch.manual_seed(0)
    tm = _train_torch(TorchSeq(), lambda: torch.randint(0, 11, (4, 9)), 3)
    wm = WlSeq()
    wm.load_state_dict(_through_safetensors(tm, tmp_path / "seq.safetensors"))
    assert sorted(wm.state_dict()) == sorted(tm.state_dict())
    tokens = np.random.default_rng(2).integers(0, 11, (5, 9))
    with torch.no_grad():
        want = tm(torch.tensor(tokens)).numpy()
    with wl.no_grad():
        got = wm.eval()(wl.tensor(tokens))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)


def test_gradients_agree_after_loading():
    torch.manual_seed(3)
    tm = torch_cnn().train()
    wm = wl_cnn().train()
    wm.load_state_dict({k: wl.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    tm[9].p = wm[9].p = 0.0  # dropout off, so both see the same function
    x = np.random.default_rng(4).standard_normal((4, 3, 16, 16)).astype(np.float32)
    tm(torch.tensor(x)).square().sum().backward()
    wm(wl.tensor(x)).pow(2).sum().backward()
    for (name, tp), wp in zip(tm.named_parameters(), wm.parameters()):
        np.testing.assert_allclose(wp.grad.numpy(), tp.grad.numpy(), rtol=2e-3, atol=2e-4,
                                   err_msg=name)
