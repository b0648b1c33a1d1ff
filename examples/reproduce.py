"""Reproduce the published tables: train every reproduction recipe in full, then write
docs/results.md with our figure (test accuracy, or the language models' validation loss) next to
the published one and the wall time, and for the language models a comparison table, samples of
their text and the PyTorch twin's run (benchmarks/shakespeare_gpt.py).

    python examples/reproduce.py                       # all of them (about four hours on 2 cores)
    python examples/reproduce.py mnist1d_cnn --steps 50 --seeds 1 --out /tmp/results.md
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import generative_models  # examples/generative_models.py: figures and pictures of samplers
import graph_models  # examples/graph_models.py: the Cora runs and the over-smoothing table
import language_models  # examples/language_models.py: the language models' part of the page
import numpy as np
import rl_models  # examples/rl_models.py: PPO and its contrasts on CartPole, the PyTorch twin
import trace_estimators  # examples/trace_estimators.py: the neural ODE, Hutchinson and Hutch++

from wonderland.atomic import write_atomic
from wonderland.recipes import get
from wonderland.train.run import train_recipe

RECIPES = ["mnist1d_logreg", "mnist1d_mlp", "mnist1d_cnn", "mnist1d_gru", "fashion_mlp",
           "fashion_cnn", "fashion_resnet", "shakespeare_char_gpt", "shakespeare_char_gru",
           "shakespeare_char_lstm",
           "moons_realnvp", "swiss_roll_realnvp", "fashion_vae", "fashion_conv_vae",
           "eight_gaussians_wgan", "twenty_five_gaussians_wgan", "swiss_roll_wgan",
           "moons_diffusion", "fashion_diffusion", "cora_gcn", "cora_gat",
           "cartpole_ppo", "cartpole_reinforce", "cartpole_actor_critic", "spiral_ode",
           "moons_cnf", "mnist1d_deq"]
# MNIST-1D's table gives the mean of three runs, and its runs take a minute or so: three seeds,
# as for the GPT (3 minutes a run). A Fashion-MNIST CNN run takes a quarter of an hour here, a
# recurrent language model's or the RealNVP's ten minutes: one; a WGAN's half an hour: two.
SEEDS = {"fashion_mlp": 1, "fashion_cnn": 1, "shakespeare_char_gru": 1,
         "shakespeare_char_lstm": 1, "moons_realnvp": 1, "swiss_roll_realnvp": 1,
         "fashion_conv_vae": 1, "eight_gaussians_wgan": 2, "twenty_five_gaussians_wgan": 2,
         "swiss_roll_wgan": 2, "fashion_diffusion": 1, "spiral_ode": 1, "moons_cnf": 1,
         "cora_gcn": 10, "cora_gat": 10}  # GAT's paper: mean ± std of 100 runs; ten here
ROOT = Path(__file__).resolve().parents[1]
# tiny Shakespeare where this workplace keeps a copy (its checksum is checked on load); elsewhere
# the recipes download it
SHARED_TEXT = ROOT.parent / "shared" / "data" / "tinyshakespeare"
SHARED_PLANETOID = ROOT.parent / "shared" / "data" / "planetoid"  # Cora, likewise
NOTES = """
How the runs differ from the papers' (and why the figures may):

- MNIST-1D (Greydanus & Kobak): the recipes follow the benchmark's protocol (Adam 1e-2, no
  weight decay, 6000 steps of 100 taken in the stored order, the same four architectures and
  parameter counts). Its Table 1 averages three runs; the accuracies its notebook prints at the
  end of single runs are a little lower than the table (CNN 92.3, GRU 89.1, MLP 65.1, logistic
  regression 31.5). Our MLP, GRU and logistic regression land on those single-run figures, our
  CNN on the table's. The seeds are wonderland's, so no run is the same run as the paper's.
- Fashion-MNIST: Zalando's benchmark lists about 0.88 for MLPs and 0.91-0.93 for small CNNs,
  without one fixed protocol; the recipes hold out 5,000 training images for validation and
  train 10 epochs with Adam 1e-3.
- Wall times were taken on a shared 2-core machine and vary with its load.
- Fashion-MNIST ResNet (`fashion_resnet`): issue 19 asks for 0.94 within 30 minutes on the two
  cores. Ten epochs are what fit: seed 0, alone on both cores, trained and was scored in
  1,631 s; seeds 1 and 2 ran side by side on one thread each (2,133 and 2,139 s; the row's
  mean wall time mixes the two kinds of run). All three stop short of 0.94 (test 0.9241 ±
  0.0009, validation 0.933). A PyTorch twin of the network on the same schedule (without label
  smoothing, one thread) reached 0.927 after ten epochs, so the shortfall is the number of
  epochs the budget buys: a training step of this network takes 0.35 s here against
  PyTorch's 0.16 s on the same cores (docs/benchmarks.md), and at PyTorch's speed the half
  hour would hold twenty epochs.
- nanoGPT's "loss of only 1.88" for its CPU run is its estimate from 20 random batches of 12
  windows (`--eval_iters=20`). nanoGPT itself, run here on 2026-12-07 with its README's command
  (PyTorch 2.13), printed "step 2000: train loss 1.7648, val loss 1.8857"; its checkpoint scored
  over all 1,742 non-overlapping validation windows, as we score ours, gives 1.898. Our GPT's
  three seeds (1.900, 1.901, 1.913) and the PyTorch twin (1.900, identical to wonderland's seed 0
  to four decimals) land on that figure: the recipe reproduces nanoGPT's run, and the 0.02 to the
  published 1.88 is the noise of its 240-window estimate, not a shortfall of the framework.
- RealNVP on two moons: the published run reports its best NLL (1.3375) for separate scale and
  shift networks (71,744 parameters); ours share one network per coupling (36,940) and score the
  final model on 1,000 fresh points. Its best test NLL during training was 1.347, 0.01 above.
- The generative recipes were run on 2026-12-07 as two or three single-thread reproductions side
  by side (OPENBLAS_NUM_THREADS=1: with two BLAS threads each, processes sharing the two cores
  thrash, a step taking several times as long), so their wall times are up to half as long
  again as a run with the machine to itself.
- WGAN-GP: the toy script runs 100,000 generator steps and publishes pictures, not figures; ours
  runs 3,000 (half an hour here; two seeds, the pictures seed 0's). The eight Gaussians are
  all covered, with thin trails of samples between neighbouring modes, which is why the MMD
  stays ten to twenty times its floor (0.028 and 0.054 on the two seeds); the 25 Gaussians are
  all reached too, with samples still strung along the grid lines between them (the picture
  the paper shows comes after 100,000 steps); the swiss roll comes closest (0.0116 and 0.0114,
  four times its floor).
- Score-based diffusion on Fashion-MNIST: 1,000 steps of 64 images (about one epoch) is what
  fits the issue's 30 minutes on two cores with this U-Net. With the machine to itself (one
  thread) the command trained in 997 s and finished, sampling and scoring included, in 1,478 s
  (25 minutes); the row's 3,268 s is the latest run, made with four other jobs on the two
  cores. The samples are recognisable garments, shoes and bags, noisy at this training. The
  classifier that scores them is this reproduction's own `fashion_cnn` run (test accuracy
  0.912): it is confident on 0.93 of real test images on average and 0.72 on the reverse SDE's
  samples, which spread over the classes almost as evenly as the data (entropy 2.19 against the
  data's 2.30; log 10 = 2.30). The probability-flow ODE's samples are worse (confidence 0.68,
  entropy 1.89): finer ODE steps gave the same images, so the network, not the solver, falls
  short.
- The convolutional VAE's PyTorch twin: 10 epochs from the same weights on the same batches give
  242.859 nats against PyTorch's 242.892 (ratio 0.99986); its training took 3.7 times
  PyTorch's with other jobs sharing the cores (2.6 times in a quiet one-epoch run): the
  convolution gradients dominate, and are the CPU round's target.
- FFJORD on two moons (moons_cnf) trains 3,000 steps where RealNVP's recipe takes 16,000: each
  step solves the ODE forward and its adjoint backward (dopri5 at 1e-5), about 19 minutes in
  all here. Its test NLL with the exact divergence, 1.381, is 0.03 above RealNVP's 1.348.
  Hutchinson's estimate of the same figure (one Rademacher probe a point, fixed along the
  solve) is unbiased point by point but noisy: 1.266 on this draw. In two dimensions the exact
  divergence costs only two vector-Jacobian products (0.47 s for the 1,000 test points against
  0.22 s); the estimator pays where the dimension is large.
- The deep equilibrium model on MNIST-1D (56.4 ± 1.2%) stays below the benchmark's MLP (68%;
  ours 64.9%) at the same size: one tanh layer of spectral norm at most 0.9, iterated to its
  fixed point, is a narrower family than two free layers with a skip, and its test loss rises
  late in training. A Frobenius bound on the weight instead of the spectral one gave 52.7%.
- The spiral neural ODE learns the field's shape (its phase portrait lies on the true spiral);
  its mean absolute error of 0.32 over the 1,000 points comes mostly from a phase lag that
  grows along the trajectory, which a window of 10 points barely constrains.
- Score-based diffusion on two moons: the reverse SDE's samples sit on the fresh-data floor of
  both distances. Its NLL through the probability-flow ODE (1.43 ± 0.02) is above RealNVP's
  (1.35): a likelihood is not what denoising score matching optimises. Hutchinson's estimate
  (one Rademacher probe a point) came out 0.013 to 0.018 nats below the exact figure on the
  three seeds, well within its noise: the standard error of that gap over the 1,000 points is
  0.043 nats a seed (measured on the same runs afterwards; the recipe now reports it as
  nll_hutchinson_minus_exact_se).
- The char-rnn models at the GPT's size learn faster per step at these small budgets (0.3 lower
  loss after 2000 steps) but each step costs four times as much here: at the GPT's wall time the
  GRU is about level with it.
"""


def figure_of(recipe, results: dict) -> str:
    """The figure a recipe reports: its published one's name ('test_accuracy', 'val_loss'), else
    test accuracy where there is a test split, else validation loss."""
    named = [k for k in (recipe.published or {}) if k != "source"]
    if named:
        return named[0]
    if "test" not in results:
        return "val_loss"
    if "train_return" in results["test"]:  # a policy: its last training episodes' return
        return "test_train_return"
    if "mae" in results["test"]:  # a fitted trajectory: its mean absolute error
        return "test_mae"
    if "nll_exact" in results["test"]:  # a density by an ODE: its likelihood, exact divergence
        return "test_nll_exact"
    return "test_accuracy" if "accuracy" in results["test"] else "test_loss"


def value_of(figure: str, results: dict) -> float:
    split, _, metric = figure.partition("_")
    return results[split][metric]


def table(rows: list[dict]) -> str:
    lines = ["| recipe | dataset | model | figure | ours | published | difference | seeds | "
             "steps | wall time per run | run on |", "|---" * 11 + "|"]
    for r in rows:
        values, figure = np.array(r["values"]), r["figure"]
        pub = (r["published"] or {}).get(figure)
        ours = f"{values.mean():.4f}" + (f" ± {values.std():.4f}" if len(values) > 1 else "")
        if pub is None:
            diff = ""
        elif figure.endswith("accuracy"):
            diff = f"{100 * (values.mean() - pub):+.1f} points"
        else:
            diff = f"{values.mean() - pub:+.3f}"
        seeds = ", ".join(f"{s}: {v:.3f}" for s, v in zip(r["seeds"], values))
        lines.append(f"| `{r['recipe']}` | {r['dataset']} | {r['model']} | "
                     f"{figure.replace('_', ' ')} | {ours} | {'' if pub is None else pub} | "
                     f"{diff} | {seeds} | {r['steps']} | {np.mean(r['walls']):.0f} s | "
                     f"{r['date']} |")
    return "\n".join(lines)


def split_description(description: str) -> tuple[str, str]:
    """(dataset, model) of a recipe's description 'dataset, model ...': split at the first comma
    outside parentheses ('swiss roll (noise 0.25, x-z plane), RealNVP ...')."""
    depth = 0
    for i, ch in enumerate(description):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and description.startswith(", ", i):
            return description[:i], description[i + 2:]
    return description, description


def run(name: str, args, before: dict | None = None) -> dict:
    """Train one recipe over its seeds; its row of the table. With --from-seed K the seeds below
    K are taken from `before` (the stored row) instead of their run directories."""
    recipe = get(name)
    dataset, model = split_description(recipe.description)
    row = {"recipe": name, "dataset": dataset, "model": model or recipe.description,
           "published": recipe.published, "seeds": [], "values": [], "walls": [],
           "date": time.strftime("%Y-%m-%d"), "rl": rl_models.is_rl(recipe),
           "ode": name in trace_estimators.ODE_RECIPES,
           "generative": generative_models.is_generative(recipe) and not rl_models.is_rl(recipe)
           and name not in trace_estimators.ODE_RECIPES
           and not graph_models.is_graph(name)}  # GAT's assess scores its best weights
    first = args.from_seed
    if first:
        if not before or [s for s in before["seeds"] if s < first] != list(range(first)):
            raise SystemExit(f"reproduce.py: --from-seed {first} needs {name}'s stored row to "
                             f"hold seeds 0 to {first - 1}")
        kept = before["seeds"].index(first - 1) + 1
        row.update({k: v for k, v in before.items() if k not in row})  # its pictures, extras
        row.update(figure=before["figure"], steps=before["steps"], seeds=before["seeds"][:kept],
                   values=before["values"][:kept], walls=before["walls"][:kept],
                   tests=before.get("tests", [])[:kept])
    for seed in range(first, args.seeds or SEEDS.get(name, 3)):
        overrides = {"seed": seed, **({"steps": args.steps} if args.steps else {})}
        if "classifier" in recipe.config:  # a generator scored by a trained classifier's eyes
            overrides["classifier"] = args.classifier or str(Path(args.runs) / "fashion_cnn"
                                                             / "seed0")
        if name.startswith(language_models.PREFIX) and SHARED_TEXT.is_dir():
            overrides["data_root"] = str(SHARED_TEXT)
        if name.startswith("cora_") and SHARED_PLANETOID.is_dir():
            graph_models.check_cora(SHARED_PLANETOID)  # the checksums and the public split
            overrides["data_root"] = str(SHARED_PLANETOID)
        run_dir = Path(args.runs) / name / f"seed{seed}"
        # resume: an interrupted reproduction continues, a finished one is re-evaluated
        results = train_recipe(recipe, overrides, run_dir, resume=True,
                               progress=not args.no_progress)
        row["trained"] = row.get("trained", False) or not results.get("finished_before")
        row["figure"] = figure_of(recipe, results)
        row["seeds"].append(seed)
        row["values"].append(value_of(row["figure"], results))
        row["walls"].append(results["wall_time_s"])
        row["steps"] = results["steps"]
        print(f"{name} seed {seed}: {row['figure'].replace('_', ' ')} "
              f"{row['values'][-1]:.4f} in {results['wall_time_s']:.0f} s", flush=True)
        row["tests"] = [*row.get("tests", []), results.get("test", {})]
        if seed == 0 and name.startswith(language_models.PREFIX):
            row.update(language_models.extras(name, run_dir))
        if seed == 0 and (row["generative"] or row["ode"]):
            page = Path(args.out).parent
            row.update(generative_models.extras(name, run_dir, page / "pictures", page))
    if row["rl"]:  # every seed's learning curve on one picture
        page = Path(args.out).parent
        row.update(rl_models.extras(name, [Path(args.runs) / name / f"seed{s}"
                                           for s in row["seeds"]], page / "pictures", page))
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("recipes", nargs="*", default=RECIPES)
    p.add_argument("--steps", type=int, help="override every recipe's step count (a smoke run)")
    p.add_argument("--from-seed", type=int, default=0,
                   help="add seeds from this one on to the stored rows, keeping their earlier "
                        "seeds' figures (whose run directories may be gone)")
    p.add_argument("--seeds", type=int, help="runs per recipe, seeds 0, 1, ... (default: 3, "
                   "1 for Fashion-MNIST and the recurrent language models)")
    p.add_argument("--runs", default="runs/reproduce", help="where the run directories go")
    p.add_argument("--classifier", help="the fashion_cnn run whose classifier scores generated "
                   "images (default: this reproduction's own, RUNS/fashion_cnn/seed0)")
    p.add_argument("--out", default=str(ROOT / "docs" / "results.md"),
                   help="the page; its figures are kept beside it in the same name .json, so "
                        "that recipes not run this time keep their rows")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args()
    store_path = Path(args.out).with_suffix(".json")

    def stored() -> dict:
        return json.loads(store_path.read_text()) if store_path.exists() else {"rows": {}}

    for name in args.recipes:
        row = run(name, args, stored()["rows"].get(name))
        before = stored()
        twin = {}  # the run beside a PyTorch twin, where the recipe has one and it is due
        if name == language_models.PREFIX + "gpt" and (row["trained"] or "twin" not in before):
            twin = {"twin": language_models.twin(ROOT, args.steps)}
        if name in generative_models.VAE_TWINS and (
                row["trained"] or name not in before.get("vae_twins", {})):
            twin = {"vae_twins": {name: generative_models.vae_twin(ROOT, name, args.steps)}}
        if name == "cartpole_ppo" and (row["trained"] or "ppo_twin" not in before):
            twin = {"ppo_twin": rl_models.twin(ROOT, args.steps)}
        store = stored()  # read again: another reproduction may have written rows meanwhile
        store["rows"][name] = row
        for key, value in twin.items():
            store[key] = {**store.get(key, {}), **value} if key == "vae_twins" else value
        # each figure kept at once, whole (a reproduction beside this one may read it)
        write_atomic(store_path, (json.dumps(store, indent=1) + "\n").encode())
    store = stored()
    order = RECIPES + sorted(set(store["rows"]) - set(RECIPES))
    rows = [store["rows"][n] for n in order if n in store["rows"]]
    sources = dict.fromkeys(r["published"]["source"] for r in rows
                            if (r["published"] or {}).get("source"))
    dates = sorted({r["date"] for r in rows})
    cpu = platform.processor() or platform.machine()
    text = (f"# Reproduced results\n\nWritten by `python examples/reproduce.py` "
            f"({cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; rows run on "
            f"{', '.join(dates)}, as the table's last column says). Each recipe trains from "
            f"scratch with its default settings but the seed (`wonderland train <recipe> "
            f"--seed <s>` runs the same); the figure is the final model's (test accuracy on "
            f"the test split, or the validation loss of the language models), as mean ± "
            f"standard deviation over the seeds listed.\n\n{table(rows)}\n\n"
            f"Sources of the published figures:\n\n" + "\n".join(f"- {s}" for s in sources)
            + "\n" + NOTES + language_models.section(rows, store.get("twin"))
            + generative_models.section(rows, store.get("vae_twins"))
            + graph_models.section(rows, Path(args.out).parent)
            + rl_models.section(rows, store.get("ppo_twin"))
            + trace_estimators.section(rows, Path(args.out).parent))
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
