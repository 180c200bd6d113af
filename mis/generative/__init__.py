"""Generative models whose training data an audit asks about: a small VAE (flax nnx, optax,
optional DP-SGD) and a diagonal Gaussian mixture fitted by EM. Both train on a weighted pool
(weight 1 = member), so runs on different subsets vmap."""

from mis.generative._gmm import GaussianMixture as GaussianMixture
from mis.generative._gmm import fit_gmm as fit_gmm
from mis.generative._gmm import gmm_component_log_prob as gmm_component_log_prob
from mis.generative._gmm import gmm_log_prob as gmm_log_prob
from mis.generative._vae import VAE as VAE
from mis.generative._vae import VAELearner as VAELearner

__all__ = ["VAE", "GaussianMixture", "VAELearner", "fit_gmm", "gmm_component_log_prob",
           "gmm_log_prob"]
