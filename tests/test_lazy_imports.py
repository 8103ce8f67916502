"""What importing a part of infossl loads: one fresh interpreter checks, in order,

1. ``import infossl`` (and its version) does not load torch;
2. the numpy kNN estimators (KD-tree and brute force) run without torch;
3. the neural estimators are registered by name without importing torch;
4. the core (monitor, trainer, CLI, report) never imports Lightning, which is an optional extra.

One interpreter for the four, since each fresh one costs about a second of start-up; the order
goes from the lightest import to the heaviest, so each check sees only what came before it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import infossl

ROOT = Path(__file__).resolve().parents[1]

_CODE = """
import sys
import pytest

import infossl
print(infossl.__version__)
assert 'torch' not in sys.modules, '1: import infossl loaded torch'

import numpy as np
from infossl.estimators.knn import KSG1
x = np.random.default_rng(0).standard_normal((500, 2))
KSG1().estimate(x[:, :1], x[:, 1:])
KSG1(algorithm='brute').estimate(x, x[::-1])
assert 'torch' not in sys.modules, '2: a numpy kNN estimate loaded torch'

import infossl.estimators as e
assert 'infonce' in e.method_names('mi'), '3: infonce is not registered'
assert 'torch' not in sys.modules, '3: registering the neural estimators loaded torch'

import infossl.analysis.monitor, infossl.train.trainer, infossl.cli.main, infossl.report
lightning = sorted(m for m in sys.modules if m.split('.')[0] in ('lightning', 'pytorch_lightning'))
assert not lightning, f'4: the core imported {lightning[:5]}'
"""


@pytest.mark.slow
def test_each_part_loads_only_what_it_needs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CODE], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [infossl.__version__]
