"""GAE against a plain per-environment reference loop written from the definition (the sum of
discounted TD errors up to the episode's end) and against cases worked by hand, episode ends
included."""
import numpy as np
import pytest

from wonderland.rl import gae


def reference(rewards, values, dones, last_value, gamma, lam):
    """A_t = sum_k (gamma lam)^k delta_{t+k}, the sum stopping after the step that ends an
    episode; delta_t = r_t + gamma V_{t+1} (1 - d_t) - V_t. Written as a forward double loop."""
    t_max, n = rewards.shape
    adv = np.zeros((t_max, n))
    for e in range(n):
        nxt = np.append(values[1:, e], last_value[e])
        delta = rewards[:, e] + gamma * nxt * (1 - dones[:, e]) - values[:, e]
        for t in range(t_max):
            total, weight = 0.0, 1.0
            for k in range(t, t_max):
                total += weight * delta[k]
                if dones[k, e]:
                    break
                weight *= gamma * lam
            adv[t, e] = total
    return adv


@pytest.mark.parametrize("lam", [0.0, 0.95, 1.0])
def test_gae_matches_the_reference_loop(lam):
    rng = np.random.default_rng(0)
    t_max, n = 17, 3
    rewards = rng.normal(size=(t_max, n))
    values = rng.normal(size=(t_max, n))
    dones = (rng.random((t_max, n)) < 0.2).astype(np.float32)
    last = rng.normal(size=n)
    adv, ret = gae(rewards, values, dones, last, 0.99, lam)
    want = reference(rewards, values, dones, last, 0.99, lam)
    np.testing.assert_allclose(adv, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ret, want + values, rtol=1e-5, atol=1e-5)


def test_by_hand_an_episode_ends_in_the_middle():
    # one env, rewards 1, values 0.5, the episode ends at step 1; gamma 0.9, lambda 0.5
    rewards = np.ones((3, 1))
    values = np.full((3, 1), 0.5)
    dones = np.array([[0.0], [1.0], [0.0]])
    adv, ret = gae(rewards, values, dones, np.array([2.0]), gamma=0.9, lam=0.5)
    d2 = 1 + 0.9 * 2.0 - 0.5            # bootstrapped from last_value: 2.3
    d1 = 1 - 0.5                        # the episode ends: no value after it
    d0 = 1 + 0.9 * 0.5 - 0.5            # 0.95
    np.testing.assert_allclose(adv[:, 0], [d0 + 0.45 * d1, d1, d2], rtol=1e-6)
    np.testing.assert_allclose(ret[:, 0], adv[:, 0] + 0.5, rtol=1e-6)


def test_lambda_one_is_the_discounted_return_less_the_baseline():
    rewards = np.array([[1.0], [2.0], [3.0]])
    values = np.array([[0.3], [0.2], [0.1]])
    adv, ret = gae(rewards, values, np.zeros((3, 1)), np.array([4.0]), gamma=0.5, lam=1.0)
    np.testing.assert_allclose(ret[:, 0], [1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 4,
                                           2 + 0.5 * 3 + 0.25 * 4, 3 + 0.5 * 4], rtol=1e-6)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="gae: rewards, values and dones"):
        gae(np.zeros((3, 2)), np.zeros((3, 1)), np.zeros((3, 2)), np.zeros(2), 0.9, 0.9)
    with pytest.raises(ValueError, match="last_value must have shape"):
        gae(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 2)), np.zeros(3), 0.9, 0.9)
