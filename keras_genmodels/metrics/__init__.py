"""Metrics that tell a good generative model from a bad one."""

from keras_genmodels.metrics.coverage import mode_coverage
from keras_genmodels.metrics.likelihood import importance_weighted_nll

__all__ = ["importance_weighted_nll", "mode_coverage"]
