"""DistributedDataParallel against one process: N ranks with B examples each end with the
weights of one process trained on the whole N x B batch (float64), for SGD with momentum and for
Adam, with one bucket and with one bucket per parameter; no_sync accumulation; the broadcast at
wrap time; find_unused_parameters; state_dict keys."""
import numpy as np

import wonderland as wl
import wonderland.distributed as dist
import wonderland.nn.functional as F
from wonderland import nn
from wonderland.nn.parallel import DistributedDataParallel

DDP = DistributedDataParallel

dist.init_process_group("mpi")
rank, n = dist.get_rank(), dist.get_world_size()
B, STEPS = 4, 4
rng = np.random.default_rng(0)
X = wl.tensor(rng.standard_normal((STEPS, n * B, 5)))
Y = wl.tensor(rng.standard_normal((STEPS, n * B, 3)))


def mlp(seed):
    wl.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def train(model, opt, xs, ys):
    for x, y in zip(xs, ys):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    return model


def weights(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


optimizers = {"sgd": lambda ps: wl.optim.SGD(ps, lr=0.1, momentum=0.9),
              "adam": lambda ps: wl.optim.Adam(ps, lr=0.01)}
for name, make in optimizers.items():
    reference = mlp(0)
    train(reference, make(reference.parameters()), X, Y)
    for cap in (25, 1e-4):
        model = DDP(mlp(rank), bucket_cap_mb=cap)  # rank 0's weights reach every rank
        assert len(model.reducer.buckets) == (1 if cap == 25 else 4), len(model.reducer.buckets)
        mine = slice(rank * B, (rank + 1) * B)
        train(model, make(model.parameters()), X[:, mine], Y[:, mine])
        for got, want in zip(weights(model.module), weights(reference)):
            assert np.allclose(got, want, rtol=1e-10, atol=1e-12), (name, cap,
                                                                    np.abs(got - want).max())
        assert [np.abs(g - w).max() for g, w in zip(weights(model.module),
                                                     weights(mlp(0)))][0] > 1e-3  # it learned

# the buckets go out during backward: from the second iteration on (buckets rebuilt in the
# order the first one's gradients arrived), each one-parameter bucket is averaged as soon as
# its gradient arrives (a hook registered after DDP's sees the count of buckets done)
model = DDP(mlp(0), bucket_cap_mb=1e-4)
arrived = []
for name, p in model.module.named_parameters():
    p.register_hook(lambda g, name=name: arrived.append((name, model.reducer.next)))
for _ in range(2):
    model.zero_grad()
    F.mse_loss(model(X[0, :B]), Y[0, :B]).backward()
assert [k for _, k in arrived[4:]] == [1, 2, 3, 4], arrived
assert [name for name, _ in arrived[:4]] == [name for name, _ in arrived[4:]]

# wrap time: rank 0's parameters and buffers everywhere
m = mlp(rank)
m.register_buffer("counter", wl.tensor([float(rank + 1)]).double())
ddp = DDP(m)
assert m.counter.item() == 1.0
for got, want in zip(weights(m), weights(mlp(0))):
    assert (got == want).all()
m.counter.data = wl.tensor([float(10 + rank)]).double()  # drifts apart on each rank
ddp(X[0, :B])
assert m.counter.item() == 10.0  # broadcast_buffers: rank 0's again at a training forward
ddp.eval()
m.counter.data = wl.tensor([float(10 + rank)]).double()
ddp(X[0, :B])
assert m.counter.item() == 10.0 + rank  # not in eval mode
ddp.train()
assert all(k.startswith("module.") for k in ddp.state_dict()) and "module.0.weight" in \
    ddp.state_dict() and "module.counter" in ddp.state_dict()

# no_sync: the first half-batch's gradients stay local, the second backward averages the sum
ddp = DDP(mlp(0))
half = B // 2
x, y = X[0].reshape(n, B, 5), Y[0].reshape(n, B, 3)
with ddp.no_sync():
    (F.mse_loss(ddp(x[rank, :half]), y[rank, :half]) / 2).backward()
local = ddp.module[0].weight.grad.numpy().copy()
(F.mse_loss(ddp(x[rank, half:]), y[rank, half:]) / 2).backward()
ref = mlp(0)
F.mse_loss(ref(X[0]), Y[0]).backward()
for got, want in zip(ddp.module.parameters(), ref.parameters()):
    assert np.allclose(got.grad.numpy(), want.grad.numpy(), rtol=1e-10, atol=1e-12)
assert not np.allclose(local, ref[0].weight.grad.numpy())  # no_sync did not average


# float32 and bfloat16 parameters (bfloat16 buckets reduce in float32): the mean of the ranks'
# local gradients, each rank computing every rank's with a plain copy of the model
for dtype, tol in ((wl.float32, 1e-6), (wl.bfloat16, 1e-2)):
    wl.manual_seed(0)
    plain = nn.Linear(5, 3).to(dtype)
    wl.manual_seed(0)
    ddp = DDP(nn.Linear(5, 3).to(dtype))
    xs, ys = X[0].to(dtype).reshape(n, B, 5), Y[0].to(dtype).reshape(n, B, 3)
    F.mse_loss(ddp(xs[rank]), ys[rank]).backward()
    local = []
    for r in range(n):
        plain.zero_grad()
        F.mse_loss(plain(xs[r]), ys[r]).backward()
        local.append(plain.weight.grad.float().numpy())
    got = ddp.module.weight.grad
    assert got.dtype == dtype
    assert np.allclose(got.float().numpy(), np.mean(local, 0), rtol=tol, atol=tol), dtype

# find_unused_parameters: a branch this forward skips; without it the next forward says so
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.skipped = nn.Linear(5, 3).double(), nn.Linear(5, 3).double()

    def forward(self, x):
        return self.used(x)


wl.manual_seed(0)
ddp = DDP(Branchy(), find_unused_parameters=True)
for _ in range(2):
    ddp.zero_grad()
    F.mse_loss(ddp(X[0, rank * B:(rank + 1) * B]), Y[0, rank * B:(rank + 1) * B]).backward()
wl.manual_seed(0)
ref = Branchy()
F.mse_loss(ref(X[0]), Y[0]).backward()
assert np.allclose(ddp.module.used.weight.grad.numpy(), ref.used.weight.grad.numpy(),
                   rtol=1e-10, atol=1e-12)
assert (ddp.module.skipped.weight.grad.numpy() == 0).all()
ddp = DDP(Branchy())
F.mse_loss(ddp(X[0]), Y[0]).backward()
try:
    ddp(X[0])
    raise AssertionError("DDP did not notice the parameters without gradients")
except RuntimeError as e:
    assert "find_unused_parameters" in str(e) and "skipped.weight" in str(e), e
dist.barrier()
print(f"ddp ok on rank {rank} of {n}", flush=True)
