"""A generator-aware score for a world of `models/worlds.py`: how far could any model get?

A trained model sees only item vectors. This score sees the same vectors but also knows the
world's rules (its maps, views, nuisance directions, staples, the or-rule): it is an approximation
of the Bayes log-likelihood ratio log p(items | one outfit) − Σ log p(item). It never looks at an
outfit's latent style, so it is *attainable*: a function of the observed vectors that a model
could learn with unlimited training data. Its AUC on the same test pairs (`evaluate`) is thus a
lower bound on the world's ceiling (the approximations below only lose information), and shows
whether a target is reachable in that world.

Per item: staples are recognised exactly (they carry no style); the scale lost to
normalisation is restored with its expected value; the nuisance condition is inferred from the
item's projection on each nuisance direction; the style view is recovered with the pseudo-inverse
of the category's map (noise variance per factor: the diagonal of σ²/d·(AᵀA)⁻¹). Per style factor
(treated as independent): linear views are Gaussian observations of the slot's style; a tanh view
becomes a Gaussian observation by moment matching (one EP step) after undoing its mixing; square
views are integrated with Gauss-Hermite quadrature. The or-rule is a mixture of three hypotheses
(all slots share s; shoes follow the top; shoes follow the bottom). The nuisance rule (items of
one outfit never share a condition) adds its own likelihood ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import numpy as np

from base.vocabulary import ONEPIECE
from models.compat import CompatModel, l2_normalise
from models.data import category_grid
from models.worlds import TANH_RMS, World

BIG = 1e8  # variance of an absent observation: it then cancels between joint and single terms
GH_1D = np.polynomial.hermite_e.hermegauss(48)
GH_2D = np.polynomial.hermite_e.hermegauss(16)


def _directions(hypothesis: str) -> np.ndarray:
    """(K, 3) weights of (s, t, b) in each slot's style under a hypothesis of the or-rule."""
    s, top, bot = np.array([1.0, 0, 0]), np.array([1.0, 1, 0]) / np.sqrt(2), np.array([1.0, 0, 1]) / np.sqrt(2)
    if hypothesis == "same":
        return np.stack([s, s, s, s])
    shoes = top if hypothesis == "top" else bot
    return np.stack([top, bot, shoes, s])


class WorldOracle(CompatModel):
    """Scores outfits of one world with its known rules (see the module docstring)."""

    name = "oracle"

    def __init__(self, w: World) -> None:
        self.w = w
        spec = w.spec
        self.scale = spec.style / np.sqrt(spec.style_dim)
        self.staples = {c: l2_normalise(v + spec.common * w.common + spec.category_offset * w.offsets[c])
                        for c, v in w.staples.items()}
        self.pinv, self.var, self.raw_norm = {}, {}, {}
        for c, m in w.maps.items():
            a = m * self.scale
            self.pinv[c] = np.linalg.pinv(a)
            self.var[c] = np.diag(np.linalg.inv(a.T @ a)) * spec.noise**2 / spec.dim
            u = spec.common * w.common + spec.category_offset * w.offsets[c]
            self.raw_norm[c] = np.sqrt(spec.style**2 + spec.noise**2 + spec.nuisance**2 + u @ u)
        self.inv_mix = {c: np.linalg.inv(b) for c, b in w.mixes.items()}

    @property
    def version(self) -> str:
        return "oracle"

    def project(self, category: str, x: np.ndarray, partner: str | None = None) -> np.ndarray:
        raise NotImplementedError("the oracle scores whole outfits; it has no pairwise projection")

    # ---- per item: observations of the slot's style, one per factor
    def _item(self, category: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(n, D) items -> obs (n, m), variance (n, m), is_staple (n,), nuisance posterior (n, J)."""
        spec, w = self.w.spec, self.w
        staple = (x @ self.staples[category].T).max(1) > 1 - 1e-6
        y = x * self.raw_norm[category] - spec.common * w.common - spec.category_offset * w.offsets[category]
        s2 = (spec.noise**2 + spec.style**2) / spec.dim
        logits = spec.nuisance * (y @ w.nuisances.T) / s2
        post = np.exp(logits - logits.max(1, keepdims=True))
        post /= post.sum(1, keepdims=True)
        y = y - spec.nuisance * w.nuisances[post.argmax(1)]
        z = y @ self.pinv[category].T
        var = np.broadcast_to(self.var[category], z.shape).copy()
        if spec.views[category] == "tanh":
            z, var = self._tanh_site(category, z, var)
        return z, var, staple, post

    def _tanh_site(self, category: str, z: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z = tanh(1.5 B u)/c + noise -> a Gaussian observation of u (moment matching in w = B u)."""
        b = self.w.mixes[category]
        prior = np.diag(b @ b.T)[None, :]  # var of w_i when u ~ N(0, I)
        nodes, weights = GH_1D
        wq = nodes[None, None, :] * np.sqrt(prior)[..., None]  # (1, m, Q)
        ll = -0.5 * (z[..., None] - np.tanh(1.5 * wq) / TANH_RMS) ** 2 / var[..., None]
        p = weights * np.exp(ll - ll.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        mean = (p * wq).sum(-1)
        post_var = np.maximum((p * wq**2).sum(-1) - mean**2, 1e-6)
        site_prec = np.maximum(1.0 / post_var - 1.0 / prior, 1e-6)
        site_mean = mean / post_var / site_prec
        inv = self.inv_mix[category]
        u = site_mean @ inv.T
        u_var = (1.0 / site_prec) @ (inv.T**2)
        return u, u_var

    # ---- per outfit
    def score(self, vectors: np.ndarray, mask: np.ndarray,
              categories: Sequence[Sequence[str]] | Sequence[str]) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float64)
        mask = np.asarray(mask, dtype=bool)
        n, k, _ = vectors.shape
        cats = category_grid(categories, (n, k))
        m, jn = self.w.spec.style_dim, self.w.spec.n_nuisance
        obs = np.zeros((n, k, m))
        var = np.full((n, k, m), BIG)
        square = np.zeros((n, k), dtype=bool)
        posts = np.full((n, k, jn), 1.0 / jn)
        used = np.zeros((n, k), dtype=bool)
        for j in range(k):
            for c in set(cats[mask[:, j], j].tolist()):
                rows = np.flatnonzero(mask[:, j] & (cats[:, j] == c))
                z, v, staple, post = self._item(c, vectors[rows, j])
                keep = rows[~staple]
                obs[keep, j], var[keep, j], posts[keep, j] = z[~staple], v[~staple], post[~staple]
                used[keep, j] = True
                square[keep, j] = self.w.spec.views[c] == "square"
        onepiece = cats[:, 0] == ONEPIECE
        p_or = np.where(onepiece, 0.0, self.w.spec.p_or_rule)
        joint = {h: self._evidence(obs, var, square, _directions(h)) for h in ("same", "top", "bottom")}
        log_h1 = np.logaddexp(np.log1p(-p_or + 1e-300) + joint["same"],
                              np.log(np.maximum(p_or, 1e-300)) + np.logaddexp(joint["top"], joint["bottom"]) - np.log(2))
        single = np.zeros(n)
        for j in range(k):
            only = np.full(var.shape, BIG)
            only[:, j] = var[:, j]
            single += self._evidence(np.where(only < BIG, obs, 0.0), only, square & (np.arange(k) == j), _directions("same"))
        score = log_h1 - single + self._nuisance(posts, used)
        return np.where(mask.sum(1) >= 2, score, np.nan)

    def _evidence(self, obs: np.ndarray, var: np.ndarray, square: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """log ∫ N(L; 0, I) Π sites dL summed over factors; L = (s, t, b) per factor. (n,)"""
        k = obs.shape[1]
        gauss = ~square[..., None] & (var < BIG)
        gv = np.where(gauss, var, BIG)
        g = np.where(gauss, obs, 0.0)
        # Gaussian sites: g_k = a_kᵀL + ε. Posterior precision P = I + Σ a_k a_kᵀ / v_k (per n, m).
        aa = np.einsum("ki,kj->kij", dirs, dirs)
        prec = np.eye(3) + np.einsum("nkm,kij->nmij", 1.0 / gv, aa)
        h = np.einsum("nkm,ki->nmi", g / gv, dirs)
        cov = np.linalg.inv(prec)
        mean = np.einsum("nmij,nmj->nmi", cov, h)
        # log N(g; 0, A Aᵀ + V) via the information form.
        logz = (0.5 * np.einsum("nmi,nmi->nm", h, mean) - 0.5 * np.linalg.slogdet(prec)[1]
                - 0.5 * (g**2 / gv + np.log(2 * np.pi * gv)).sum(1))
        logz -= -0.5 * np.log(2 * np.pi * BIG) * (~gauss).sum(1)  # absent sites: constant removed
        sq_slots = [j for j in range(k) if square[:, j].any()]
        if sq_slots:
            logz += self._square_part(obs, var, square, dirs, mean, cov, sq_slots)
        return logz.sum(1)

    def _square_part(self, obs: np.ndarray, var: np.ndarray, square: np.ndarray, dirs: np.ndarray,
                     mean: np.ndarray, cov: np.ndarray, slots: list[int]) -> np.ndarray:
        """log E[Π_square N(z; (q² − 1)/√2, τ²)] with q = aᵀL under the Gaussian posterior. (n, m)"""
        nodes, weights = GH_1D if len(slots) == 1 else GH_2D
        grid = np.array(list(product(nodes, repeat=len(slots))))  # (Q, S)
        wts = np.prod(np.array(list(product(weights, repeat=len(slots)))), 1)
        wts = wts / wts.sum()
        a = dirs[slots]  # (S, 3)
        qm = np.einsum("si,nmi->nms", a, mean)
        qc = np.einsum("si,nmij,tj->nmst", a, cov, a) + 1e-9 * np.eye(len(slots))
        chol = np.linalg.cholesky(qc)
        out = np.zeros(qm.shape[:2])
        for start in range(0, obs.shape[0], 256):
            sl = slice(start, start + 256)
            q = qm[sl, :, None, :] + np.einsum("nmst,qt->nmqs", chol[sl], grid)  # (b, m, Q, S)
            ll = np.zeros(q.shape[:3])
            for i, j in enumerate(slots):
                on = square[sl, j][:, None, None]
                z, v = obs[sl, j][..., None], np.where(square[sl, j][:, None], var[sl, j], 1.0)[..., None]
                term = -0.5 * (z - (q[..., i] ** 2 - 1) / np.sqrt(2)) ** 2 / v - 0.5 * np.log(2 * np.pi * v)
                ll += np.where(on, term, 0.0)
            top = ll.max(-1, keepdims=True)
            out[sl] = (top[..., 0] + np.log((wts * np.exp(ll - top)).sum(-1)))
        return out

    def _nuisance(self, posts: np.ndarray, used: np.ndarray) -> np.ndarray:
        """log LR of the nuisance pattern: one outfit's items never share a condition."""
        n, k, jn = posts.shape
        out = np.zeros(n)
        for pattern in set(map(tuple, used)):
            rows = np.flatnonzero((used == np.array(pattern)).all(1))
            cols = [j for j in range(k) if pattern[j]]
            if len(cols) < 2:
                continue
            total = np.zeros(rows.size)
            for assign in product(range(jn), repeat=len(cols)):
                if len(set(assign)) == len(assign):
                    total += np.prod([posts[rows, c, a] for c, a in zip(cols, assign, strict=True)], axis=0)
            distinct = np.prod([jn - i for i in range(len(cols))]) / jn ** len(cols)
            out[rows] = np.log(np.maximum(total, 1e-300)) - np.log(distinct)
        return out


