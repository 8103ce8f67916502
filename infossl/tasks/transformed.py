"""Tasks built from another task by invertible maps of X and/or Y (the MI is unchanged).

If f and g are injective, I(f(X); g(Y)) = I(X; Y), and the log density ratio is invariant too:
the Jacobians of f and g cancel between the joint and the marginals, so
r'(f(x), g(y)) = r(x, y). The ratio at transformed points is therefore the base ratio at the
inverses.
"""

from __future__ import annotations

import numpy as np

from infossl.tasks._base import Task
from infossl.tasks.transforms import Transform


class TransformedTask(Task):
    """``(f(X), g(Y))`` for (X, Y) drawn from ``base``; either map may be omitted (identity).

    The id is ``"{prefix}-{base.id}"`` where the prefix is the transform's name, suffixed ``_x``
    or ``_y`` when only one side is transformed (``"swissroll_x-normal_cdf-1v1-normal-0.75"``).
    Ground truth, its kind and standard error are the base task's.
    """

    def __init__(
        self,
        base: Task,
        x_transform: Transform | None = None,
        y_transform: Transform | None = None,
        *,
        task_id: str | None = None,
        name: str | None = None,
        prefix: str | None = None,
    ) -> None:
        if not isinstance(base, Task):
            raise TypeError(f"base must be a Task, got {type(base).__name__}")
        for label, t in (("x_transform", x_transform), ("y_transform", y_transform)):
            if t is not None and not isinstance(t, Transform):
                raise TypeError(f"{label} must be a Transform or None, got {type(t).__name__}")
        if x_transform is None and y_transform is None:
            raise ValueError("give x_transform, y_transform or both")
        if (x_transform is not None and base.x_kind != "continuous") or (
            y_transform is not None and base.y_kind != "continuous"
        ):
            raise ValueError("only continuous variables can be transformed")
        dim_x = base.dim_x if x_transform is None else x_transform.output_dim(base.dim_x)
        dim_y = base.dim_y if y_transform is None else y_transform.output_dim(base.dim_y)
        if prefix is None:
            if x_transform is None:
                prefix = f"{y_transform.name}_y"  # type: ignore[union-attr]
            elif y_transform is None:
                prefix = f"{x_transform.name}_x"
            elif x_transform.name == y_transform.name:
                prefix = x_transform.name
            else:
                prefix = f"{x_transform.name}_x-{y_transform.name}_y"
        self.base = base
        self.x_transform = x_transform
        self.y_transform = y_transform
        super().__init__(
            task_id or f"{prefix}-{base.id}",
            name or f"{prefix} @ {base.name}",
            dim_x,
            dim_y,
            params={
                "base": base.id,
                "x_transform": repr(x_transform),
                "y_transform": repr(y_transform),
            },
            x_kind=base.x_kind,
            y_kind=base.y_kind,
        )
        self.ground_truth = base.ground_truth

    @property
    def mi_stderr(self) -> float | None:
        return self.base.mi_stderr

    def _mutual_information(self) -> float:
        return self.base.mutual_information

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.base._sample(n, rng)
        x = self.base._as_output(x, self.base.x_kind)
        y = self.base._as_output(y, self.base.y_kind)
        if self.x_transform is not None:
            x = self.x_transform._forward(x)
        if self.y_transform is not None:
            y = self.y_transform._forward(y)
        return x, y

    def _log_density_ratio(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.x_transform is not None:
            x = self.x_transform._inverse(x)
        if self.y_transform is not None:
            y = self.y_transform._inverse(y)
        return self.base._log_density_ratio(x, y)
