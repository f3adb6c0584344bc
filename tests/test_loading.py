"""Loading a `.keras` file of the package where the package was not imported.

Keras finds a custom class only in its registry, which `import keras_genmodels` fills; it
imports a config's `module` by itself only for its own packages (`keras`, `keras_hub`,
`keras_cv`, `keras_nlp`; `keras/src/saving/serialization_lib.py`, under any `safe_mode`),
so no file of this package can load without the import. What a user sees then is Keras'
`TypeError`, whose opening lines say to import the custom classes and give the module
that defines them (the rest is the whole config): these tests keep both true.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import keras_genmodels as kg

#: What the user's script does: loads the file without the import, then with it.
LOAD = """
import json, sys
import keras

try:
    keras.models.load_model(sys.argv[1])
except TypeError as error:
    message = str(error)
assert "keras_genmodels" not in sys.modules
import keras_genmodels  # the fix the message points to
model = keras.models.load_model(sys.argv[1])
print(json.dumps({"message": message, "class": type(model).__name__,
                  "sample": model.sample(2, seed=0).tolist()}))
"""

#: Where a reader stops: Keras' first sentences and the beginning of the config.
OPENING = 400


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    path = tmp_path_factory.mktemp("loading") / "vae.keras"
    vae = kg.VAE(2, likelihood="bernoulli", seed=0, data_shape=(4,))
    vae.save(path)
    result = subprocess.run([sys.executable, "-c", LOAD, str(path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return vae, json.loads(result.stdout.strip().splitlines()[-1])


def test_the_error_opens_with_the_import_to_add_and_the_module(loaded):
    _, outcome = loaded
    opening = outcome["message"][:OPENING]
    assert opening.startswith("Could not locate class 'VAE'")
    assert "make sure they are all imported" in opening
    assert "'module': 'keras_genmodels.models.vae'" in opening
    # the registered name is in the message too, after the whole config
    assert "'registered_name': 'keras_genmodels>VAE'" in outcome["message"]


def test_importing_the_package_is_all_a_file_needs(loaded):
    vae, outcome = loaded
    assert outcome["class"] == "VAE"
    np.testing.assert_allclose(outcome["sample"], vae.sample(2, seed=0), atol=1e-6)
