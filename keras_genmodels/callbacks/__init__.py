"""Keras callbacks that show a generative model's progress in TensorBoard.

One module per kind of picture: `images.py` (samples, reconstructions, and the shared
`ImageLogger` base), `latent.py` (traversals, interpolations), `projector.py` (the
embedding projector); `tensorboard.py` (Keras' scalar logging without its memory growth)
and `guard.py` (stops on NaN). All of them work for every model family through its public
methods, write from the chief worker only and check their arguments when built.
"""

from keras_genmodels.callbacks.guard import NaNGuard
from keras_genmodels.callbacks.images import ImageLogger, ReconstructionGrid, SampleGrid
from keras_genmodels.callbacks.latent import LatentInterpolation, LatentTraversal
from keras_genmodels.callbacks.projector import EmbeddingProjector
from keras_genmodels.callbacks.tensorboard import TensorBoard

__all__ = [
    "EmbeddingProjector",
    "ImageLogger",
    "LatentInterpolation",
    "LatentTraversal",
    "NaNGuard",
    "ReconstructionGrid",
    "SampleGrid",
    "TensorBoard",
]
