"""The [gcs] and [azure] extras give a working output store for gs:// and az:// URLs (made,
and sent to a worker, without credentials or a network), and a protocol whose package is
missing says which to install."""

from __future__ import annotations

import pickle
import re

import pytest

import jeongje
from jeongje.errors import MissingDependencyError
from jeongje.io.location import open_store
from jeongje.io.remote import EXTRAS


@pytest.mark.parametrize("url, options, filesystem", [
    ("gs://a-bucket/runs/one", {"token": "anon"}, "GcsFileSystem"),
    ("az://a-container/runs/one", {"account_name": "jeongjetest", "anon": True}, "AzureBlobFileSystem"),
    ("abfs://a-container/runs/one", {"account_name": "jeongjetest", "anon": True}, "AzureBlobFileSystem"),
])
def test_an_extra_gives_the_filesystem_of_its_urls(url, options, filesystem):
    store = open_store(url, options)
    assert store.remote and filesystem in type(store.fs).__name__
    assert store.location("manifest.json") == url + "/manifest.json"
    again = pickle.loads(pickle.dumps(store))  # what a worker receives
    assert type(again.fs) is type(store.fs) and again.root == store.root


def test_every_extra_the_hints_name_is_declared():
    import tomllib
    from pathlib import Path

    declared = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    extras = declared["project"]["optional-dependencies"]
    in_all = set(re.fullmatch(r"jeongje\[(.*)\]", extras["all"][0]).group(1).split(","))
    assert set(EXTRAS.values()) <= set(extras) and set(EXTRAS.values()) <= in_all


def test_a_protocol_without_its_package_names_what_to_install(tmp_path):
    with pytest.raises(MissingDependencyError, match="oci://.*Install ocifs"):
        open_store("oci://bucket/prefix", {})
    with pytest.raises(jeongje.ConfigError, match="names no bucket"):
        open_store("gs://", {"token": "anon"})
