"""What a trained generative model is for: anomaly detection, imputation, augmentation.

Example:

```python
import keras_genmodels as kg

detector = kg.applications.AnomalyDetector(vae, score="iwae").fit(x_normal)
completed = kg.applications.impute(vae, x, mask, method="importance")
x_syn, y_syn = kg.applications.augment(cvae, n_per_class=100, classifier="mnist10k")
```
"""

from keras_genmodels.applications.anomaly import AnomalyDetector
from keras_genmodels.applications.augmentation import augment
from keras_genmodels.applications.imputation import impute
from keras_genmodels.applications.ranking import auroc, average_precision, confusion

__all__ = ["AnomalyDetector", "augment", "auroc", "average_precision", "confusion", "impute"]
