"""Information terms shared by the view-based objectives, for any number of views.

With two views the terms use the review's variables (``X1, X2, Z1, Z2``); with ``V > 2`` views a
pair-averaged term is written with placeholders and an aggregate, e.g. ``mean_{a<b} I(Za;Zb)``.
"""

from __future__ import annotations

from infossl.framework import InfoTerm, cross_decoder, encoder, entropy, mi


def views_mi(num_views: int, *, bound: str, kind: str, note: str = "") -> InfoTerm:
    """``I(Z1;Z2)`` along ``P(Z1|X1) → Q(Z2|Z1)`` (critic = cross-decoder); pair mean if V>2."""
    if num_views == 2:
        path = (encoder("X1", "Z1"), cross_decoder("Z1", "Z2"))
        return mi("Z1", "Z2", path=path, bound=bound, kind=kind, note=note)
    path = (encoder("Xa", "Za"), cross_decoder("Za", "Zb"))
    return mi("Za", "Zb", path=path, bound=bound, kind=kind, aggregate="a<b", note=note)


def views_conditional_entropy(
    num_views: int,
    *,
    bound: str,
    kind: str = "proxy",
    ordered: bool = False,
    predicted: int = 2,
    note: str = "",
) -> InfoTerm:
    """The invariance term: a conditional entropy predicted through a cross-decoder.

    ``predicted=2`` (default): ``H(Z2|Z1)`` along ``P(Z1|X1) → Q(Z2|Z1)``, view 1 predicting
    view 2 (BYOL, SimSiam: the online predictor regresses the target). ``predicted=1``:
    ``H(Z1|Z2)`` along ``P(Z2|X2) → Q(Z1|Z2)``, the reading of a symmetric squared distance as the
    Gaussian cross-entropy ``E[−log q(z1|z2)]`` (:func:`gaussian_invariance`).

    With ``V > 2`` views the pair form ``H(Zb|Za)`` (or ``H(Za|Zb)``) is averaged over ordered
    pairs ``a≠b`` when ``ordered``, otherwise over unordered pairs ``a<b``.
    """
    if predicted not in (1, 2):
        raise ValueError(f"predicted must be 1 or 2, got {predicted!r}")
    if num_views == 2:
        names = ("X1", "Z1", "Z2") if predicted == 2 else ("X2", "Z2", "Z1")
        aggregate = ""
    else:
        names = ("Xa", "Za", "Zb") if predicted == 2 else ("Xb", "Zb", "Za")
        aggregate = "a≠b" if ordered else "a<b"
    x, given, target = names
    path = (encoder(x, given), cross_decoder(given, target))
    return entropy(
        target, given=given, path=path, bound=bound, kind=kind, aggregate=aggregate, note=note
    )


#: the note of :func:`gaussian_invariance`
GAUSSIAN_INVARIANCE_NOTE = (
    "Gaussian cross-decoder q(z1|z2) = N(z2, σ²I): −log q = ‖z1 − z2‖²/2σ² "
    "+ const; mean over samples and dimensions"
)


def gaussian_invariance(num_views: int) -> InfoTerm:
    """VICReg's and CorInfoMax's invariance ``MSE(z1, z2)``: a proxy for ``H(Z1|Z2)``.

    The mean squared distance (over samples and dimensions) is, up to scale and an additive
    constant, the cross-entropy ``E[−log q(z1|z2)]`` of the Gaussian channel
    ``q(z1|z2) = N(z2, σ²I)`` per dimension; that cross-entropy bounds ``H(Z1|Z2)`` from above.
    The same reading as :func:`infossl.analysis.diagnostics.view_conditional_entropy`.
    """
    return views_conditional_entropy(
        num_views, bound="mse", predicted=1, note=GAUSSIAN_INVARIANCE_NOTE
    )


def view_entropy(
    view: int, *, bound: str, kind: str, orientation: int = 1, note: str = ""
) -> InfoTerm:
    """``H(Zv)`` of view ``v`` (1-based) along its encoder ``P(Zv|Xv)``."""
    x, z = f"X{view}", f"Z{view}"
    return entropy(
        z, path=(encoder(x, z),), bound=bound, kind=kind, orientation=orientation, note=note
    )
