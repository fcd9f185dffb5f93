"""setup.cfg lists every package and every example folder, so `pip install .` ships all of them."""

from __future__ import annotations

import configparser

from support.paths import EXAMPLES, REPO


def test_setup_cfg_lists_every_python_package_and_every_example_folder():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    listed = set(config["options"]["packages"].split())
    code = {".".join(init.parent.relative_to(REPO).parts)
            for top in ("engine", "forms", "processes", "api") for init in (REPO / top).rglob("__init__.py")}
    examples = {"api.examples"} | {"api.examples." + ".".join(folder.relative_to(EXAMPLES).parts)
                                   for folder in EXAMPLES.rglob("*") if folder.is_dir()}
    assert listed == code | examples
    assert config["options"]["package_dir"].split() == ["api.examples", "=", "examples"]
