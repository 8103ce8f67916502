"""Distributions with known mutual information, to test and benchmark estimators.

Every task follows one contract (:class:`Task`): ``id``, ``dim_x``, ``dim_y``, the true
``mutual_information`` in nats (``ground_truth`` says whether it is exact, from quadrature, or a
Monte Carlo mean with standard error ``mi_stderr``), ``sample(n, seed)`` and the pointwise
``log_density_ratio(x, y)``. Tasks compose through invertible maps (:class:`TransformedTask`),
which keep the MI. Named suites: ``get_suite("beyond-normal")`` and the others in ``SUITES``.

Example::

    from infossl.tasks import get_task
    task = get_task("spiral-multinormal-sparse-5-5-2-2.0")
    x, y = task.sample(5000, seed=0)
    task.mutual_information          # 1.0217 nats
"""

from infossl.tasks._base import GROUND_TRUTHS, VARIABLE_KINDS, Task
from infossl.tasks._cache import cache_dir, clear_memory_cache
from infossl.tasks._montecarlo import monte_carlo_mi
from infossl.tasks.consistency import (
    ConsistencyResult,
    additivity_inputs,
    check_additivity,
    check_data_processing,
    check_independence,
    data_processing_inputs,
    independence_inputs,
    self_consistency,
)
from infossl.tasks.discrete import (
    BinaryInputGaussianTask,
    DiscreteTask,
    InjectiveDiscreteTask,
    QuantizedUniformTask,
    binary_symmetric_channel,
    independent_discrete,
    pmf_mutual_information,
)
from infossl.tasks.gaussian import (
    GaussianTask,
    bivariate_normal,
    dense_normal,
    dense_normal_for_mi,
    dense_normal_mi,
    gaussian_from_covariance,
    pairs_normal,
    sparse_normal,
)
from infossl.tasks.geometric import Spiral, SwissRoll, so_generator
from infossl.tasks.hidden import HiddenDiscreteTask
from infossl.tasks.invertible_mlp import InvertibleMLP
from infossl.tasks.joint_gaussian import JointGaussian
from infossl.tasks.mixtures import (
    GaussianMixtureTask,
    concentric_gaussians,
    galaxy,
    sparse_with_inliers,
    with_inliers,
    x_mixture,
)
from infossl.tasks.multiview import (
    LinearEncoder,
    LinearGaussianMultiView,
    MultiViewSample,
    NonlinearMultiView,
    ViewPairTask,
)
from infossl.tasks.multiview_shapes import ShapesMultiView, render_shapes
from infossl.tasks.staircase import Staircase
from infossl.tasks.student import (
    StudentTask,
    student_identity,
    student_sparse,
    student_t_entropy,
    student_t_mi_correction,
)
from infossl.tasks.suites import (
    SUITES,
    Suite,
    get_suite,
    get_task,
    list_tasks,
    spiral_task,
)
from infossl.tasks.transformed import TransformedTask
from infossl.tasks.transforms import (
    Asinh,
    Compose,
    GaussianToMixture,
    HalfCube,
    Linear,
    NormalCDF,
    Power,
    Transform,
    Wiggly,
)
from infossl.tasks.uniform import AdditiveUniformTask, additive_uniform_mi

__all__ = [
    "GROUND_TRUTHS",
    "SUITES",
    "VARIABLE_KINDS",
    "AdditiveUniformTask",
    "Asinh",
    "BinaryInputGaussianTask",
    "Compose",
    "ConsistencyResult",
    "DiscreteTask",
    "GaussianMixtureTask",
    "GaussianTask",
    "GaussianToMixture",
    "HalfCube",
    "HiddenDiscreteTask",
    "InjectiveDiscreteTask",
    "InvertibleMLP",
    "JointGaussian",
    "Linear",
    "LinearEncoder",
    "LinearGaussianMultiView",
    "MultiViewSample",
    "NonlinearMultiView",
    "NormalCDF",
    "Power",
    "QuantizedUniformTask",
    "ShapesMultiView",
    "Spiral",
    "Staircase",
    "StudentTask",
    "Suite",
    "SwissRoll",
    "Task",
    "Transform",
    "TransformedTask",
    "ViewPairTask",
    "Wiggly",
    "additive_uniform_mi",
    "additivity_inputs",
    "binary_symmetric_channel",
    "bivariate_normal",
    "cache_dir",
    "check_additivity",
    "check_data_processing",
    "check_independence",
    "clear_memory_cache",
    "concentric_gaussians",
    "data_processing_inputs",
    "dense_normal",
    "dense_normal_for_mi",
    "dense_normal_mi",
    "galaxy",
    "gaussian_from_covariance",
    "get_suite",
    "get_task",
    "independence_inputs",
    "independent_discrete",
    "list_tasks",
    "monte_carlo_mi",
    "pairs_normal",
    "pmf_mutual_information",
    "render_shapes",
    "self_consistency",
    "so_generator",
    "sparse_normal",
    "sparse_with_inliers",
    "spiral_task",
    "student_identity",
    "student_sparse",
    "student_t_entropy",
    "student_t_mi_correction",
    "with_inliers",
    "x_mixture",
]
