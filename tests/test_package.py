"""The package as installed: its public names, the files a wheel ships, and its structure.

The structure tests read the source with `ast` (nothing is imported): no import circle
between modules, no module over 450 lines, and nothing below the top floor (`cli`,
`compare`, `widgets`) importing it.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import keras_genmodels as kg

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(kg.__file__).resolve().parent
#: The modules that use everything below them, which nothing below may import.
TOP_FLOOR = ("cli", "compare", "widgets")
#: The design's rule: a module past about 400 lines is two things; this is the hard limit.
MAX_MODULE_LINES = 450


def test_distribute_is_an_attribute_of_the_package():
    from keras_genmodels import distribute

    assert kg.distribute is distribute
    assert callable(kg.distribute.logical_cpu_devices)
    assert callable(kg.distribute.launch_local_workers)
    assert "distribute" in kg.__all__


def test_unknown_attribute_is_an_attribute_error():
    try:
        kg.no_such_thing  # noqa: B018
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:
        raise AssertionError("kg.no_such_thing should raise AttributeError")


def test_running_distribute_as_a_module_does_not_warn():
    # `kg.distribute` is loaded lazily: imported by the package, `python -m` would warn
    # that the module was found in sys.modules before it ran.
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-m", "keras_genmodels.distribute",
         "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "RuntimeWarning" not in result.stderr


def test_wheel_ships_the_mnist10k_data_and_the_domain_classifiers(tmp_path):
    # Built from a copy, so the working tree gets no build/ or egg-info changes.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "keras_genmodels", source / "keras_genmodels",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "-w", str(tmp_path / "wheel"),
         "--no-deps", "--no-build-isolation", "--no-index", "-q"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "wheel").glob("keras_genmodels-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo("keras_genmodels/datasets/data/mnist10k.npz")
        names = archive.namelist()
    packaged = REPO_ROOT / "keras_genmodels/datasets/data/mnist10k.npz"
    assert info.file_size == packaged.stat().st_size
    assert "keras_genmodels/cli.py" in names
    # the only data file: nothing else large rides along
    assert [n for n in names if n.endswith((".npz", ".npy"))] == [info.filename]
    # the shipped domain classifiers of kg.metrics.domain_classifier, and nothing else .keras
    assert sorted(n for n in names if n.endswith(".keras")) == [
        "keras_genmodels/metrics/weights/fashion_mnist_classifier.keras",
        "keras_genmodels/metrics/weights/mnist10k_classifier.keras",
        "keras_genmodels/metrics/weights/shapes_classifier.keras"]


def _module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (a package's
    `__init__.py` under the package's own name)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, at module level or in a function.

    `import p.m` and `from p.m import name` import `p.m`; `from p import m` imports the
    module (or subpackage) `p.m` where there is one; relative forms are resolved. A name
    taken from a package's `__init__` counts as an import of the module the `__init__`
    takes it from, if any (`from kg.datasets import load_shapes` imports
    `kg.datasets.shapes`), else of the package itself. An import of a package a module
    lies in, for a name that package defines itself (`import keras_genmodels as kg` in
    any module), is left out: that package is always loaded before the module, and a
    package's `__init__` importing its own submodules is the one circle allowed.
    """
    modules = _module_files(package_dir)
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    trees = {name: ast.parse(path.read_text(), str(path)) for name, path in modules.items()}

    def imports(name: str):
        for node in ast.walk(trees[name]):
            if isinstance(node, ast.Import):
                yield from ((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    base = name.split(".") if name in packages else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                yield from ((source, alias.name) for alias in node.names)

    def origin(package: str, attr: str, seen: tuple[str, ...] = ()) -> str:
        if f"{package}.{attr}" in modules:
            return f"{package}.{attr}"
        for source, imported in imports(package):
            if imported == attr and source in modules and source not in seen:
                if source in packages and source != package:
                    return origin(source, attr, (*seen, package))
                return source
        return package

    graph = {}
    for name in modules:
        targets = set()
        for source, imported in imports(name):
            if source not in modules:
                continue  # outside the package
            target = source if imported is None or source not in packages else origin(
                source, imported)
            if name != target and not name.startswith(target + "."):
                targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a circle."""
    reach = {}
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo.extend(graph[module])
        reach[start] = seen
    groups = {tuple(sorted(m for m in graph if m in reach[v] and v in reach[m]))
              for v in graph if v in reach[v]}
    return sorted(list(group) for group in groups)


def _floor(module: str) -> str:
    """`cli` for `keras_genmodels.cli`, `compare` for `keras_genmodels.compare.runs`."""
    return module.split(".")[1] if "." in module else ""


def test_no_import_cycles_between_modules():
    graph = _import_graph(PACKAGE_DIR)
    described = [
        " <-> ".join(group) + ": " + "; ".join(
            f"{m} imports {', '.join(sorted(graph[m] & set(group)))}" for m in group)
        for group in _cycles(graph)
    ]
    assert not described, "import circles:\n" + "\n".join(described)


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "pkg" / name).write_text(text)
    return root / "pkg"


def test_the_cycle_finder_sees_function_level_relative_and_package_imports(tmp_path):
    package = _write_package(tmp_path, {
        "__init__.py": "from pkg import a\n",
        "a.py": "def f():\n    from pkg.b import g\n",  # a -> b, in a function
        "b.py": "from . import a\n\ndef g():\n    pass\n",  # b -> a, relative
        "d.py": "from pkg import sub\n",  # the subpackage: d -> sub -> sub.c
        "sub/__init__.py": "from pkg.sub.c import h\n",
        "sub/c.py": "import pkg.d\n\ndef h():\n    pass\n",  # c -> d
    })
    assert _cycles(_import_graph(package)) == [["pkg.a", "pkg.b"],
                                               ["pkg.d", "pkg.sub", "pkg.sub.c"]]


def test_a_package_importing_its_own_submodules_is_no_cycle(tmp_path):
    package = _write_package(tmp_path, {
        "__init__.py": "from pkg.a import f\nfrom pkg import sub\nVERSION = 1\n",
        "a.py": "import pkg\nfrom pkg import VERSION\n\ndef f():\n    pass\n",
        "sub/__init__.py": "from pkg.sub.c import h\nK = 1\n",
        "sub/c.py": "from pkg.sub import K\nfrom pkg import f\n\ndef h():\n    pass\n",
    })
    graph = _import_graph(package)
    # c's `from pkg import f` is an import of pkg.a, where the package takes `f` from
    assert graph == {"pkg": {"pkg.a", "pkg.sub"}, "pkg.a": set(), "pkg.sub": {"pkg.sub.c"},
                     "pkg.sub.c": {"pkg.a"}}
    assert _cycles(graph) == []


def test_no_module_is_over_450_lines():
    lengths = {path.relative_to(PACKAGE_DIR.parent).as_posix(): len(path.read_text().splitlines())
               for path in _module_files(PACKAGE_DIR).values()}
    too_long = {name: n for name, n in sorted(lengths.items()) if n > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines (split them by concern): " \
        f"{too_long}"


def test_nothing_below_the_top_floor_imports_it():
    # the package's own __init__ may: `kg.compare` is one of its public names
    violations = {
        module: sorted(t for t in targets if _floor(t) in TOP_FLOOR)
        for module, targets in _import_graph(PACKAGE_DIR).items()
        if _floor(module) and _floor(module) not in TOP_FLOOR
    }
    violations = {module: targets for module, targets in violations.items() if targets}
    assert not violations, f"modules below {TOP_FLOOR} importing them: {violations}"
