"""Mutual information between two layers of a network you already have, with intervals and kinds.

Any ``nn.Module`` works: forward hooks collect two layers' activations on a data set, and
infossl estimates

* I(layer A; layer B) with the Gaussian estimator (exact for jointly Gaussian activations, a
  point estimate otherwise) and with InfoNCE (a lower bound, capped at ln K);
* I(layer; Y) with Ross's kNN estimator for a discrete Y, on the top principal components;

each with a 95 % resampling interval, its kind (point / lower / upper / proxy), ceiling and
notes, so you know what each number can and cannot claim. Here the "pretrained" network is a
small classifier fitted on the bundled digits in a few seconds; replace ``load_network`` with
your own model (no weights are downloaded).

    python examples/layer_information.py [--unit bits]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from torch import nn

import infossl
from infossl.data.digits import load_digits


def load_network(x: torch.Tensor, y: torch.Tensor, seed: int = 0) -> nn.Module:
    """Stand-in for your own trained model: an MLP classifier fitted on digits."""
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 128),
        nn.ReLU(),
        nn.Linear(128, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
    )
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(300):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()


def activations(
    net: nn.Module, x: torch.Tensor, layers: dict[str, nn.Module]
) -> dict[str, np.ndarray]:
    """The outputs of ``layers`` (name → submodule) on ``x``, via forward hooks."""
    store: dict[str, torch.Tensor] = {}
    hooks = [
        m.register_forward_hook(
            lambda _m, _i, out, name=name: store.__setitem__(name, out.detach().flatten(1))
        )
        for name, m in layers.items()
    ]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h in hooks:
            h.remove()
    return {k: v.double().numpy() for k, v in store.items()}


def top_components(a: np.ndarray, dims: int) -> np.ndarray:
    centred = a - a.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:dims].T


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", choices=("nats", "bits"), default="nats")
    parser.add_argument("--pca", type=int, default=4, help="principal components per layer")
    parser.add_argument("--resamples", type=int, default=50)
    parser.add_argument("--neural-steps", type=int, default=300)
    args = parser.parse_args(argv)

    data = load_digits("all")
    x = (data.inputs.float() / 255.0 - 0.3) / 0.38
    y = data.labels
    net = load_network(x, y)
    acts = activations(net, x, {"hidden1": net[2], "hidden2": net[4]})
    a = top_components(acts["hidden1"], args.pca)
    b = top_components(acts["hidden2"], args.pca)
    labels = y.numpy()

    rows = [
        (
            "I(hidden1; hidden2)",
            infossl.estimate_mi(
                a, b, method="gaussian", unit=args.unit, ci=0.95, n_resamples=args.resamples
            ),
        ),
        (
            "I(hidden1; hidden2)",
            infossl.estimate_mi(a, b, method="infonce", unit=args.unit, steps=args.neural_steps),
        ),
        (
            "I(hidden1; Y)",
            infossl.estimate_mi(
                labels, a, method="ross", unit=args.unit, ci=0.95, n_resamples=args.resamples
            ),
        ),
        (
            "I(hidden2; Y)",
            infossl.estimate_mi(
                labels, b, method="ross", unit=args.unit, ci=0.95, n_resamples=args.resamples
            ),
        ),
    ]
    print(
        f"{len(labels)} digits, top {args.pca} principal components of each layer "
        f"(H(Y) = {infossl.estimate_entropy(labels, method='plugin', unit=args.unit).value:.3f}"
        f" {args.unit} bounds every I(layer; Y))"
    )
    for name, est in rows:
        interval = f"[{est.ci[0]:.3f}, {est.ci[1]:.3f}]" if est.ci is not None else "—"
        ceiling = "—" if est.ceiling is None else f"{est.ceiling:.3f}"
        print(
            f"{name:22s} {est.method:9s} {est.kind:6s} {est.value:7.3f} {est.unit}  "
            f"95% CI {interval:18s} ceiling {ceiling}"
        )
    print(
        "Gaussian: exact only for jointly Gaussian activations; InfoNCE: a lower bound "
        "(≤ ln K); Ross: a kNN point estimate. Intervals cover sampling variability only."
    )
    print(
        "The full layers are deterministic functions of each other, so their I is infinite "
        "for continuous activations; the principal-component projections keep it finite."
    )


if __name__ == "__main__":
    main()
