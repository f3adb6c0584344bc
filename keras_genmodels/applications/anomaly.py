"""Anomaly detection with a trained generative model: score, threshold, evaluate, save.

A generative model trained on normal data only assigns low likelihood (or a large
reconstruction error, or a low discriminator output) to data unlike it. `AnomalyDetector`
turns one of those numbers into a score (higher = more anomalous, see
`keras_genmodels.applications.anomaly_scores` for the formulas and papers), picks a
threshold from held-out normal data, flags new data and measures the result (AUROC,
average precision, the confusion at the threshold).

Saving: `detector.save("runs/detector.json")` writes the model next to it as
`runs/detector.keras` (or refers to an existing `.keras` file given as `model_path`) and a
small JSON holding the score, its options, the threshold and the model's path relative
to the JSON file; `AnomalyDetector.load("runs/detector.json")` restores both, so a
reloaded detector gives the same scores and decisions.

Example:

```python
import keras_genmodels as kg

(x_train, y_train), (x_test, y_test) = kg.datasets.load("mnist10k")
vae = kg.VAE(latent_dim=8)
vae.compile()
vae.fit(x_train[y_train == 1], epochs=10, batch_size=64)
detector = kg.applications.AnomalyDetector(vae)      # score="reconstruction"
detector.fit(x_test[y_test == 1][:100], quantile=0.95)
flags = detector.predict(x_test)
report = detector.evaluate(x_test, y_test != 1)    # {"auroc": ..., "auprc": ..., ...}
detector.save("runs/ones.json")
same = kg.applications.AnomalyDetector.load("runs/ones.json")
```
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from keras_genmodels.applications import anomaly_scores as scores
from keras_genmodels.applications.ranking import auroc, average_precision, confusion
from keras_genmodels.validation import check_choice, check_non_negative, check_positive_int

FORMAT = "keras_genmodels.AnomalyDetector/1"


class AnomalyDetector:
    """Flags data a generative model trained on normal data finds unlikely.

    Example:

    ```python
    detector = AnomalyDetector(vae, score="iwae", num_samples=64)
    detector.fit(x_normal_heldout, false_positive_rate=0.01)
    detector.score(x_new)       # float64 (n,), higher = more anomalous
    detector.predict(x_new)     # bool (n,)
    ```

    Args:
        model: a trained model. `"elbo"`, `"iwae"`, `"input_complexity"`: `VAE`,
            `ConditionalVAE`; `"reconstruction"`: also `VAEGAN`; `"discriminator"`: `GAN`, `WGAN`,
            `WGANGP`, `ConditionalGAN`, `VAEGAN`; `"latent_search"`: the GANs and `VAEGAN`.
        score: `"reconstruction"` (the default), `"elbo"`, `"iwae"`,
            `"input_complexity"` (images only), `"discriminator"` or `"latent_search"`.
            The default is the VAE score that ranked anomalies best in
            `benchmarks/applications_anomaly.py` (mnist10k and Fashion-MNIST, 24
            normal/anomalous splits, 3 seeds): the reconstruction error beat the ELBO and
            the IWAE bound on every group of splits (results in
            `docs/applications-anomaly/report.md`).
        num_samples: posterior samples per example for `"elbo"`, `"iwae"` and
            `"input_complexity"`, >= 1.
        batch_size: examples scored at once.
        latent_steps: Adam steps of the `"latent_search"` (AnoGAN) code optimisation.
        latent_learning_rate: its learning rate.
        feature_weight: `lambda`, the weight of the discriminator-feature loss in the
            `"latent_search"` score, in [0, 1] (0.1 in Schlegl et al., 2017).
        seed: seed of the posterior samples and of the search's starting codes; the same
            seed gives the same scores.
    """

    def __init__(
        self,
        model: keras.Model,
        score: str = "reconstruction",
        num_samples: int = 16,
        batch_size: int = 256,
        latent_steps: int = 100,
        latent_learning_rate: float = 0.05,
        feature_weight: float = 0.1,
        seed: int = 0,
    ):
        self.score_name = check_choice(score, "score", scores.SCORES)
        scores.check_score_supported(model, score)
        self.model = model
        self.num_samples = check_positive_int(num_samples, "num_samples")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.latent_steps = check_positive_int(latent_steps, "latent_steps")
        self.latent_learning_rate = check_non_negative(latent_learning_rate,
                                                       "latent_learning_rate")
        self.feature_weight = check_non_negative(feature_weight, "feature_weight")
        if self.feature_weight > 1:
            raise ValueError(f"`feature_weight` must lie in [0, 1], got {feature_weight}.")
        self.seed = check_positive_int(seed, "seed", minimum=0)
        self.threshold: float | None = None
        self.quantile: float | None = None

    # ---------------------------------------------------------------- scoring
    def score(self, x: Any, labels: Any = None) -> np.ndarray:
        """Returns the anomaly score of each example (higher = more anomalous).

        Example:

        ```python
        detector.score(x_test[:10])       # shape (10,)
        ```

        Args:
            x: data `(n, *data_shape)`, float32 in [0, 1] for images.
            labels: class labels `(n,)` for a conditional model (ignored otherwise).

        Returns:
            A float64 array of shape `(n,)`.
        """
        self.model.require_built("score")
        x, labels = self.model.check_data(x, labels)
        name = self.score_name
        if name in ("elbo", "iwae"):
            return scores.likelihood_scores(self.model, x, labels, name, self.num_samples,
                                            self.batch_size, self.seed)
        if name == "input_complexity":
            return scores.input_complexity_scores(self.model, x, labels, self.num_samples,
                                                  self.batch_size, self.seed)
        if name == "reconstruction":
            return scores.reconstruction_scores(self.model, x, labels, self.batch_size)
        if name == "discriminator":
            return scores.discriminator_scores(self.model, x, labels, self.batch_size)
        return scores.latent_search_scores(
            self.model, x, labels, self.batch_size, self.latent_steps,
            self.latent_learning_rate, self.feature_weight, self.seed)

    def fit(self, x_normal: Any, labels: Any = None, *, quantile: float | None = None,
            false_positive_rate: float | None = None) -> AnomalyDetector:
        """Sets the threshold from normal data the model was not trained on.

        The threshold is the `quantile` of the scores of `x_normal`, so about
        `1 - quantile` of normal data is flagged (`false_positive_rate` is the same choice
        stated the other way: `quantile = 1 - false_positive_rate`).

        Example:

        ```python
        detector.fit(x_val, quantile=0.99)      # ~1% of normal data flagged
        ```

        Args:
            x_normal: normal examples, ideally held out from the model's training data.
            labels: their labels, for a conditional model.
            quantile: in (0, 1); the default is 0.95 when neither option is given.
            false_positive_rate: in (0, 1); give this or `quantile`, not both.

        Returns:
            The detector itself, with `threshold` and `quantile` set.
        """
        if quantile is not None and false_positive_rate is not None:
            raise ValueError(
                f"Give `quantile` or `false_positive_rate`, not both (got {quantile} and "
                f"{false_positive_rate}).")
        if false_positive_rate is not None:
            quantile = 1.0 - _check_fraction(false_positive_rate, "false_positive_rate")
        quantile = 0.95 if quantile is None else _check_fraction(quantile, "quantile")
        self.quantile = float(quantile)
        self.threshold = float(np.quantile(self.score(x_normal, labels), quantile))
        return self

    def predict(self, x: Any, labels: Any = None) -> np.ndarray:
        """Returns True for each example scoring above the threshold set by `fit`.

        Example:

        ```python
        detector.predict(x_test).mean()     # fraction flagged
        ```

        Args:
            x: data `(n, *data_shape)`.
            labels: class labels for a conditional model.

        Returns:
            A bool array of shape `(n,)`.
        """
        if self.threshold is None:
            raise ValueError("`predict()` needs a threshold: call `fit(x_normal)` first.")
        return self.score(x, labels) > self.threshold

    def evaluate(self, x: Any, y_is_anomaly: Any, labels: Any = None) -> dict[str, Any]:
        """Measures how well the scores separate anomalies from normal data.

        Example:

        ```python
        detector.evaluate(x_test, y_test != 1)["auroc"]
        ```

        Args:
            x: data `(n, *data_shape)`, both normal examples and anomalies.
            y_is_anomaly: `(n,)` 0/1 or bool, 1 = anomaly.
            labels: class labels for a conditional model.

        Returns:
            A dict with `auroc`, `auprc` (average precision), `threshold` and, once `fit`
            has set a threshold, the confusion at it (`true_positives`,
            `false_positives`, `true_negatives`, `false_negatives`,
            `true_positive_rate`, `false_positive_rate`, `precision`).
        """
        values = self.score(x, labels)
        result: dict[str, Any] = {"auroc": auroc(y_is_anomaly, values),
                                  "auprc": average_precision(y_is_anomaly, values),
                                  "threshold": self.threshold}
        if self.threshold is not None:
            result.update(confusion(y_is_anomaly, values > self.threshold))
        return result

    # ---------------------------------------------------------------- saving
    def get_config(self) -> dict[str, Any]:
        """The detector's options, threshold and quantile (the model not included)."""
        return {
            "score": self.score_name, "num_samples": self.num_samples,
            "batch_size": self.batch_size, "latent_steps": self.latent_steps,
            "latent_learning_rate": self.latent_learning_rate,
            "feature_weight": self.feature_weight, "seed": self.seed,
            "threshold": self.threshold, "quantile": self.quantile,
        }

    def save(self, path: str | os.PathLike, model_path: str | os.PathLike | None = None) -> None:
        """Writes the detector as a JSON file and the model as a `.keras` file.

        Example:

        ```python
        detector.save("runs/ones.json")          # also writes runs/ones.keras
        detector.save("runs/d.json", model_path="runs/vae.keras")   # refers to a saved model
        ```

        Args:
            path: the JSON file to write; must end in `.json`.
            model_path: an existing `.keras` file holding the model (not written again);
                `None` saves the model as `path` with the suffix `.keras`.
        """
        path = Path(path)
        if path.suffix != ".json":
            raise ValueError(f"`path` must end in '.json', got {str(path)!r}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        if model_path is None:
            model_path = path.with_suffix(".keras")
            self.model.save(model_path)
        model_path = Path(model_path)
        if model_path.suffix != ".keras" or not model_path.is_file():
            raise ValueError(
                f"`model_path` must be an existing '.keras' file, got {str(model_path)!r}.")
        relative = os.path.relpath(model_path.resolve(), path.parent.resolve())
        document = {"format": FORMAT, "model_path": relative, **self.get_config()}
        path.write_text(json.dumps(document, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> AnomalyDetector:
        """Reads a detector written by `save`, with its model and threshold.

        Example:

        ```python
        detector = AnomalyDetector.load("runs/ones.json")
        ```

        Args:
            path: the JSON file written by `save`.

        Returns:
            An `AnomalyDetector` giving the same scores and decisions as the saved one.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"`path` {str(path)!r} does not exist.")
        document = json.loads(path.read_text())
        if document.get("format") != FORMAT:
            raise ValueError(
                f"`path` {str(path)!r} is not an AnomalyDetector file (format "
                f"{document.get('format')!r}, expected {FORMAT!r}).")
        model = keras.saving.load_model(path.parent / document.pop("model_path"))
        threshold, quantile = document.pop("threshold"), document.pop("quantile")
        document.pop("format")
        detector = cls(model, **document)
        detector.threshold, detector.quantile = threshold, quantile
        return detector


def _check_fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise TypeError(f"`{name}` must be a number in (0, 1), got {value!r}.")
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"`{name}` must lie strictly between 0 and 1, got {value}.")
    return float(value)
