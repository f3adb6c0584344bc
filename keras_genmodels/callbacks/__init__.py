"""Keras callbacks that show a generative model's progress in TensorBoard."""

from keras_genmodels.callbacks.images import ReconstructionGrid, SampleGrid

__all__ = ["ReconstructionGrid", "SampleGrid"]
