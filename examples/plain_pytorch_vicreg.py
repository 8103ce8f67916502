"""A plain PyTorch SSL loop on your own model, with infossl's VICReg loss and the monitor.

Nothing here is infossl's trainer: the model, the augmentation, the optimiser and the loop are
the kind a researcher already has. infossl adds two things:

* ``VICRegLoss`` used as any torch loss (``loss = crit(z1, z2); loss.backward()``), whose
  output also carries every term with its information reading (``loss.terms``);
* ``InformationMonitor``, which records Ĥ(Z), Ĥ(Z1|Z2), Î(Z1;Z2) with its ceiling, Î(Z;Y),
  RankMe … on a fixed batch each epoch, under a 10 % time budget, into a run folder that
  ``infossl report`` renders.

    python examples/plain_pytorch_vicreg.py --out runs/plain-vicreg [--epochs 20]
    infossl report runs/plain-vicreg        # → runs/plain-vicreg/report.html
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

import infossl
from infossl.data.digits import load_digits
from infossl.objectives import VICRegLoss


def augment(images: torch.Tensor) -> torch.Tensor:
    """The user's own augmentation: random shifts by up to 1 pixel and Gaussian noise."""
    x = images.float() / 255.0
    shifts = torch.randint(-1, 2, (2,))
    x = torch.roll(x, shifts=(int(shifts[0]), int(shifts[1])), dims=(2, 3))
    return (x + 0.1 * torch.randn_like(x) - 0.3) / 0.38


def clean(images: torch.Tensor) -> torch.Tensor:
    return (images.float() / 255.0 - 0.3) / 0.38


class Encoder(nn.Module):
    """The user's own model: a small convnet backbone and an MLP projector."""

    def __init__(self, dim: int = 64) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1, stride=2),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.projector = nn.Sequential(
            nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projector(self.backbone(x))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/plain-vicreg")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--eval-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="use the first N images only")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    data = load_digits("train")
    if args.limit is not None:
        data = data.subset(range(args.limit))
    model = Encoder()
    crit = VICRegLoss()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)

    # Two lines of infossl: a fixed evaluation batch, your augmentation, a run folder.
    monitor = infossl.InformationMonitor(
        args.out,
        data.inputs,
        data.labels,
        views=augment,
        clean=clean,
        batch_size=args.eval_size,
        name="digits",
        method="vicreg (own loop)",
    )
    monitor.step(model, epoch=0)  # the initialisation

    step, result = 0, None
    for epoch in range(1, args.epochs + 1):
        model.train()
        for idx in torch.randperm(len(data)).split(args.batch_size):
            images = data.inputs[idx]
            loss = crit(model(augment(images)), model(augment(images)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if step % 5 == 0:
                monitor.log_loss(loss, step=step, epoch=epoch)  # every term, labelled
        # computed when due and within the time budget (else None); forced at the end
        result = monitor.step(model, epoch=epoch, step=step, force=epoch == args.epochs)
    monitor.close()

    assert result is not None
    nce = result.estimates["I(Z1;Z2):infonce"]
    print(f"epoch {args.epochs}: {nce}")
    print(
        f"RankMe {result.metrics['rankme']:.1f}, held-out probe accuracy "
        f"{result.metrics['probe_accuracy']:.3f}"
    )
    print(f"run folder: {args.out}  (render it with: infossl report {args.out})")


if __name__ == "__main__":
    main()
