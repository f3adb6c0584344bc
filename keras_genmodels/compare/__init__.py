"""The GAN-vs-VAE comparison: `kg.compare` trains, measures and reports.

One module per job: `budget.py` (how long a run trains), `plateau.py` (when a curve has
flattened: the rule of an "until plateau or a cap" budget), `runs.py` (models, training
runs), `measurements.py` (what is measured on a run and on the 2-D mixtures),
`claims.py` (the source articles' claims and
their verdicts), `report.py` (the results, saved as JSON, Markdown and HTML), `markup.py`
(the report's text), `figures.py` (its plots) and `command.py` (`keras-genmodels compare`).

Example:

```python
import keras_genmodels as kg

(x_train, _), (x_test, _) = kg.datasets.load("mnist10k")
kg.compare(["vae", "gan"], x_train, x_test, budget="60s", extractor="mnist10k").save("runs/cmp")
```
"""

from keras_genmodels.compare.comparison import compare
from keras_genmodels.compare.plateau import PlateauRule
from keras_genmodels.compare.report import ComparisonReport
from keras_genmodels.compare.runs import Budget

__all__ = ["Budget", "ComparisonReport", "PlateauRule", "compare"]
