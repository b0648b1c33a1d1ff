"""PPO's loss and the policy-gradient loss against the same losses written in PyTorch on the same
tensors and weights: values and every parameter's gradient; the Categorical policy's log_prob
and entropy against torch.distributions."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.rl import ActorCritic, policy_gradient_loss, ppo_loss


def twin(model: ActorCritic) -> torch.nn.Module:
    """A PyTorch copy of the actor-critic with the same weights, same parameter names."""
    def seq(n_in, n_out):
        return torch.nn.Sequential(torch.nn.Linear(n_in, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                   torch.nn.Tanh(), torch.nn.Linear(8, n_out))
    t = torch.nn.Module()
    t.critic, t.actor = seq(4, 1), seq(4, 3)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return t


def batch(seed=0, n=32):
    rng = np.random.default_rng(seed)
    return {"obs": rng.normal(size=(n, 4)).astype(np.float32),
            "actions": rng.integers(0, 3, n),
            "logprobs": np.log(rng.uniform(0.2, 0.5, n)).astype(np.float32),
            "values": rng.normal(size=n).astype(np.float32),
            "advantages": rng.normal(size=n).astype(np.float32),
            "returns": rng.normal(size=n).astype(np.float32)}


def torch_ppo(t, b, clip, vf, ent, clip_vloss, norm_adv):
    dist = torch.distributions.Categorical(logits=t.actor(b["obs"]))
    ratio = (dist.log_prob(b["actions"]) - b["logprobs"]).exp()
    adv = b["advantages"]
    if norm_adv:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    pg = torch.max(-adv * ratio, -adv * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
    v = t.critic(b["obs"]).view(-1)
    if clip_vloss:
        vc = b["values"] + torch.clamp(v - b["values"], -clip, clip)
        vl = 0.5 * torch.max((v - b["returns"]) ** 2, (vc - b["returns"]) ** 2).mean()
    else:
        vl = 0.5 * ((v - b["returns"]) ** 2).mean()
    return pg - ent * dist.entropy().mean() + vf * vl


def assert_same(loss, want, model, twin_model) -> None:
    """The loss and every parameter's gradient equal PyTorch's."""
    np.testing.assert_allclose(loss.item(), want.item(), rtol=1e-5)
    grads = dict(twin_model.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-6, err_msg=name)


@pytest.mark.parametrize("clip_vloss,norm_adv", [(True, True), (False, False)])
def test_ppo_loss_and_gradients_match_pytorch(clip_vloss, norm_adv):
    wl.manual_seed(0)
    model = ActorCritic(4, 3, hidden=8)
    # scale the actor's head up so the ratios leave [0.8, 1.2] and the clipping matters
    with wl.no_grad():
        model.actor[4].weight.mul_(100.0)
    t = twin(model)
    b = batch()
    loss, figures = ppo_loss(model, {k: wl.tensor(v) for k, v in b.items()}, 0.2, 0.5, 0.01,
                             clip_vloss, norm_adv)
    loss.backward()
    want = torch_ppo(t, {k: torch.tensor(v) for k, v in b.items()}, 0.2, 0.5, 0.01, clip_vloss,
                     norm_adv)
    want.backward()
    assert 0 < figures["clipfrac"] < 1  # both branches of the clip are taken
    assert_same(loss, want, model, t)


def test_policy_gradient_loss_matches_pytorch():
    wl.manual_seed(1)
    model = ActorCritic(4, 3, hidden=8)
    t = twin(model)
    b = batch(1)
    loss, _ = policy_gradient_loss(model, {k: wl.tensor(v) for k, v in b.items()}, 0.5, 0.01,
                                   norm_adv=False)
    loss.backward()
    tb = {k: torch.tensor(v) for k, v in b.items()}
    dist = torch.distributions.Categorical(logits=t.actor(tb["obs"]))
    v = t.critic(tb["obs"]).view(-1)
    want = (-(dist.log_prob(tb["actions"]) * tb["advantages"]).mean()
            - 0.01 * dist.entropy().mean() + 0.5 * 0.5 * ((v - tb["returns"]) ** 2).mean())
    want.backward()
    assert_same(loss, want, model, t)


def test_the_policy_is_a_categorical_with_torchs_log_prob_and_entropy():
    wl.manual_seed(2)
    model = ActorCritic(4, 3, hidden=8)
    with wl.no_grad():
        model.actor[4].weight.mul_(50.0)
    t = twin(model)
    obs = np.random.default_rng(2).normal(size=(10, 4)).astype(np.float32)
    actions = np.arange(10) % 3
    dist = model.distribution(wl.tensor(obs))
    assert isinstance(dist, wl.distributions.Categorical)
    ref = torch.distributions.Categorical(logits=t.actor(torch.tensor(obs)))
    np.testing.assert_allclose(dist.log_prob(wl.tensor(actions)).detach().numpy(),
                               ref.log_prob(torch.tensor(actions)).detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(dist.entropy().detach().numpy(), ref.entropy().detach().numpy(),
                               rtol=1e-5)
    np.testing.assert_allclose(model.value(wl.tensor(obs)).detach().numpy(),
                               t.critic(torch.tensor(obs)).view(-1).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
