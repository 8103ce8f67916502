"""The same SSL run under PyTorch Lightning, with infossl's callback.

Your LightningModule stays as it is; ``InformationCallback`` records the information
diagnostics (and the loss with every information term, when ``training_step`` returns the
infossl ``LossOutput`` beside the loss) into a run folder that ``infossl report`` renders.

    pip install 'infossl[lightning]'
    python examples/lightning_vicreg.py --out runs/lightning-vicreg [--epochs 20]
    infossl report runs/lightning-vicreg
"""

from __future__ import annotations

import argparse

import lightning as L
import torch
from torch import nn

from infossl.data.digits import load_digits
from infossl.integrations.lightning import InformationCallback
from infossl.objectives import VICRegLoss


def augment(images: torch.Tensor) -> torch.Tensor:
    """Random shifts by up to 1 pixel and Gaussian noise, normalised."""
    x = images.float() / 255.0
    shifts = torch.randint(-1, 2, (2,))
    x = torch.roll(x, shifts=(int(shifts[0]), int(shifts[1])), dims=(2, 3))
    return (x + 0.1 * torch.randn_like(x) - 0.3) / 0.38


def clean(images: torch.Tensor) -> torch.Tensor:
    return (images.float() / 255.0 - 0.3) / 0.38


class VICRegModule(L.LightningModule):
    """A plain Lightning SSL module: backbone, projector, VICReg."""

    def __init__(self, dim: int = 64, lr: float = 2e-3) -> None:
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
        self.crit = VICRegLoss()
        self.lr = lr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projector(self.backbone(x))

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> dict:
        images, _ = batch
        out = self.crit(self(augment(images)), self(augment(images)))
        self.log("loss", out.loss)
        return {"loss": out.loss, "info": out}  # "info": every term, for infossl's callback

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=1e-4)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/lightning-vicreg")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--eval-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="use the first N images only")
    args = parser.parse_args(argv)

    L.seed_everything(args.seed, verbose=False)
    data = load_digits("train")
    if args.limit is not None:
        data = data.subset(range(args.limit))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(data.inputs, data.labels),
        batch_size=args.batch_size,
        shuffle=True,
        drop_last=True,
    )
    callback = InformationCallback(
        data.inputs,
        data.labels,
        views=augment,
        clean=clean,
        run_dir=args.out,
        batch_size=args.eval_size,
        log_every_n_steps=5,
        name="digits",
        method="vicreg (Lightning)",
    )
    trainer = L.Trainer(
        max_epochs=args.epochs,
        callbacks=[callback],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="auto",
        devices=1,
        default_root_dir=args.out,
    )
    trainer.fit(VICRegModule(), loader)
    print(f"run folder: {args.out}  (render it with: infossl report {args.out})")


if __name__ == "__main__":
    main()
