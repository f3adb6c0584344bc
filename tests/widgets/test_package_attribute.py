"""`kg.widgets`: loaded on first use, with the install hint when the extras are missing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import keras_genmodels as kg

#: A fresh interpreter: `import keras_genmodels`, then `kg.widgets` without ipywidgets
#: (`None` in `sys.modules` makes its import fail as if it were not installed), then with.
ACCESS = """
import json, sys
import keras_genmodels as kg

outcome = {"widgets_at_import": "keras_genmodels.widgets" in sys.modules,
           "ipywidgets_at_import": "ipywidgets" in sys.modules}
sys.modules["ipywidgets"] = None
try:
    kg.widgets
except ImportError as error:
    outcome["error"] = str(error)
del sys.modules["ipywidgets"]
explorer = kg.widgets.LatentExplorer
outcome["explorer"] = explorer.__module__ + "." + explorer.__qualname__
print(json.dumps(outcome))
"""


@pytest.fixture(scope="module")
def access():
    result = subprocess.run([sys.executable, "-c", ACCESS], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_of_the_package_leaves_the_widgets_and_ipywidgets_unloaded(access):
    assert access["widgets_at_import"] is False
    assert access["ipywidgets_at_import"] is False


def test_without_ipywidgets_the_error_names_the_extra(access):
    assert 'pip install "keras-genmodels[notebooks]"' in access["error"]
    assert "ipywidgets" in access["error"]


def test_the_attribute_loads_the_widgets(access):
    assert access["explorer"] == "keras_genmodels.widgets.explorer.LatentExplorer"
    import keras_genmodels.widgets

    assert kg.widgets is keras_genmodels.widgets
    assert "widgets" not in kg.__all__  # `from keras_genmodels import *` needs no extras
