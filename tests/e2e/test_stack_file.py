"""The emulator reads a stack file as `pulumi up` does (Go's yaml.v2), and refuses a misspelt namespace."""

from __future__ import annotations

import json

import pytest
from e2e_support import ROOT

from emulator.errors import EmulatorError
from emulator.stackconfig import load_stack_config


def _config(tmp_path, text: str) -> dict[str, str]:
    (tmp_path / "Pulumi.t.yaml").write_text(text, encoding="utf-8")
    return load_stack_config(ROOT, "t", stack_file=tmp_path / "Pulumi.t.yaml")


@pytest.mark.parametrize(
    ("written", "program_sees"),
    [
        ("yes", "true"),
        ("on", "true"),
        ("Y", "true"),
        ("y", "true"),
        ("no", "false"),
        ("OFF", "false"),
        ("N", "false"),
        ("true", "true"),
        ("'yes'", "yes"),
    ],
)
def test_yaml_1_1_booleans_reach_the_program_as_pulumi_passes_them(tmp_path, written, program_sees):
    config = _config(tmp_path, f"config:\n  aws:region: eu-west-1\n  messaging:fifo: {written}\n")
    assert config["messaging:fifo"] == program_sees


def test_single_letter_booleans_inside_a_match_are_booleans_as_under_pulumi(tmp_path):
    config = _config(
        tmp_path,
        "config:\n  messaging:consumers:\n    - name: flags\n      match:\n        data: {vip: [Y, 'N']}\n",
    )
    assert json.loads(config["messaging:consumers"]) == [{"name": "flags", "match": {"data": {"vip": [True, "N"]}}}]


@pytest.mark.parametrize(
    ("written", "program_sees"),
    [
        ("1:20", "1:20"),  # no base-60 numbers in yaml.v2
        ("2026-01-01", "2026-01-01"),  # timestamps stay text
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        ("1e3", "1000"),  # a number, written without a fraction
        ("0x1F", "31"),
        ("1_000", "1000"),
    ],
)
def test_plain_scalars_reach_the_program_as_pulumi_passes_them(tmp_path, written, program_sees):
    config = _config(tmp_path, f"config:\n  messaging:source: {written}\n")
    assert config["messaging:source"] == program_sees


def test_a_key_in_a_misspelt_namespace_is_refused_naming_it(tmp_path):
    with pytest.raises(EmulatorError) as raised:
        _config(tmp_path, "config:\n  aws:region: eu-west-1\n  messagin:topology: fanout\n")
    assert str(raised.value) == (
        "Pulumi.t.yaml: messagin:topology: unknown namespace 'messagin'; this program reads only messaging:*, "
        "aws:*, pulumi:* keys (did you mean messaging:topology?)"
    )


def test_a_stack_file_that_is_not_there_is_named_so_not_called_an_unknown_stack(tmp_path):
    with pytest.raises(EmulatorError) as refused:
        load_stack_config(ROOT, "dev", stack_file=tmp_path / "Pulumi.dev.yaml")
    assert str(refused.value) == f"stack file {tmp_path / 'Pulumi.dev.yaml'} does not exist"
