"""Metrics that tell a good generative model from a bad one."""

from keras_genmodels.metrics.classifier_score import classifier_score, inception_score
from keras_genmodels.metrics.classifier_training import train_feature_extractor
from keras_genmodels.metrics.coverage import mode_coverage
from keras_genmodels.metrics.domain_classifier import (
    DomainClassifier,
    domain_classifier,
    load_feature_extractor,
)
from keras_genmodels.metrics.extractor import FeatureExtractor
from keras_genmodels.metrics.features import InceptionFeatures, resolve_extractor
from keras_genmodels.metrics.fid import fid, frechet_distance, frechet_distance_from_moments, kid
from keras_genmodels.metrics.likelihood import importance_weighted_nll
from keras_genmodels.metrics.path_length import perceptual_path_length
from keras_genmodels.metrics.precision_recall import density_coverage, precision_recall
from keras_genmodels.metrics.sets import collect, features_of
from keras_genmodels.metrics.sliced_wasserstein import sliced_wasserstein
from keras_genmodels.metrics.suite import MetricSuite
from keras_genmodels.metrics.translation import translation_error

__all__ = [
    "importance_weighted_nll",
    "mode_coverage",
    "perceptual_path_length",
    # Translation models against the known answer (translation.py)
    "translation_error",
    # Sample-based distances between a real and a generated set (sets.py, fid.py,
    # classifier_score.py, precision_recall.py, sliced_wasserstein.py). They import the
    # feature extractors (features.py) only when an extractor is asked for by name.
    "classifier_score",
    "collect",
    "density_coverage",
    "features_of",
    "fid",
    "frechet_distance",
    "frechet_distance_from_moments",
    "inception_score",
    "kid",
    "precision_recall",
    "sliced_wasserstein",
    # Several of them on features extracted once (suite.py)
    "MetricSuite",
    # Feature extractors: Inception-v3, small domain classifiers, and the resolver the
    # metrics' `extractor` argument goes through.
    "DomainClassifier",
    "FeatureExtractor",
    "InceptionFeatures",
    "domain_classifier",
    "load_feature_extractor",
    "resolve_extractor",
    "train_feature_extractor",
]
