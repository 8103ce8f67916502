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
    num_views: int, *, bound: str, kind: str = "proxy", ordered: bool = False, note: str = ""
) -> InfoTerm:
    """``H(Z2|Z1)`` predicted through a cross-decoder ``Q(Z2|Z1)``: the invariance term.

    ``ordered=True`` (BYOL, SimSiam: an online view predicts a target view) averages over ordered
    pairs ``a≠b`` when ``V > 2``; otherwise over unordered pairs ``a<b``.
    """
    if num_views == 2:
        path = (encoder("X1", "Z1"), cross_decoder("Z1", "Z2"))
        return entropy("Z2", given="Z1", path=path, bound=bound, kind=kind, note=note)
    path = (encoder("Xa", "Za"), cross_decoder("Za", "Zb"))
    return entropy(
        "Zb", given="Za", path=path, bound=bound, kind=kind,
        aggregate="a≠b" if ordered else "a<b", note=note,
    )


def view_entropy(view: int, *, bound: str, kind: str, orientation: int = 1, note: str = ""
                 ) -> InfoTerm:
    """``H(Zv)`` of view ``v`` (1-based) along its encoder ``P(Zv|Xv)``."""
    x, z = f"X{view}", f"Z{view}"
    return entropy(z, path=(encoder(x, z),), bound=bound, kind=kind, orientation=orientation,
                   note=note)
