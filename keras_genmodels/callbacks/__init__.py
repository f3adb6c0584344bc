"""Keras callbacks that show a generative model's progress and keep long runs safe.

One module per job: `image_logger.py` (`ImageLogger`, the base every picture callback
shares), `images.py` (samples, reconstructions), `latent.py` (traversals,
interpolations), `style_mixing.py` (StyleGAN's style-mixing grid), `projector.py` (the
embedding projector), `tensorboard.py` (Keras' scalar logging without its memory growth),
`translation.py` (a translation model's inputs, translations and cycles),
`evaluation.py` (FID, KID, precision/recall of the samples on a schedule), `guard.py`
(stops on NaN) and `backup.py` (resumes a killed run, mid-epoch included).
The picture callbacks work for every model family through its public methods; every
callback that writes does so from the chief worker only (see `keras_genmodels.chief`)
and checks its arguments when built: on the chief, a folder argument (`log_dir`,
`png_dir`, `backup_dir`) is created then and must accept a probe file, so an unwritable
folder fails before training.
"""

from keras_genmodels.callbacks.backup import BackupAndRestore
from keras_genmodels.callbacks.evaluation import GenerativeMetrics
from keras_genmodels.callbacks.guard import NaNGuard
from keras_genmodels.callbacks.image_logger import ImageLogger
from keras_genmodels.callbacks.images import ReconstructionGrid, SampleGrid
from keras_genmodels.callbacks.latent import LatentInterpolation, LatentTraversal
from keras_genmodels.callbacks.projector import EmbeddingProjector
from keras_genmodels.callbacks.style_mixing import StyleMixingGrid
from keras_genmodels.callbacks.tensorboard import TensorBoard
from keras_genmodels.callbacks.translation import TranslationGrid

__all__ = [
    "BackupAndRestore",
    "EmbeddingProjector",
    "GenerativeMetrics",
    "ImageLogger",
    "LatentInterpolation",
    "LatentTraversal",
    "NaNGuard",
    "ReconstructionGrid",
    "SampleGrid",
    "StyleMixingGrid",
    "TensorBoard",
    "TranslationGrid",
]
