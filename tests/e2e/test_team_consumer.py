"""A team's own consumer, end to end: its code folder is deployed beside the
runtime and the emulator runs it exactly as packaged."""

from __future__ import annotations

import textwrap

import pytest
from e2e_support import ROOT, STACK, order, write_stack

import emulator

SHIPPING = """
    import labels  # a helper module of the team's own


    class NotShippable(ValueError):
        pass


    def notify(envelope):
        address = (envelope.get("data") or {}).get("customerAddress")
        if not address:
            raise NotShippable(f"order {envelope['id']} has no address")
        labels.PRINTED.append(envelope["id"])
"""


@pytest.fixture
def team_project(tmp_path):
    """The real program (symlinked) with a code folder of the team's own; only the stack config names it."""
    for name in ("__main__.py", "Pulumi.yaml", "components", "handlers", "emulator"):
        (tmp_path / name).symlink_to(ROOT / name)
    team = tmp_path / "team"
    team.mkdir()
    (team / "shipping.py").write_text(textwrap.dedent(SHIPPING))
    (team / "labels.py").write_text("PRINTED = []\n")
    (team / "logs.py").write_text("raise RuntimeError('the runtime must never import a team module named logs')\n")
    (team / "test_shipping.py").write_text("raise RuntimeError('tests are not shipped')\n")
    return tmp_path


@pytest.mark.parametrize("topology", ["point-to-point", "fanout", "eventbridge"])
def test_a_team_consumer_gets_its_messages_and_dead_letters_exactly_the_bad_ones(team_project, topology):
    consumers = [{"name": "shipping", "processor": "shipping:notify"}]
    if topology != "point-to-point":
        consumers[0]["match"] = {"type": ["OrderShipped"]}
        consumers.append({"name": "analytics", "processor": "shipping:notify"})
    stack_file = write_stack(team_project, consumers, topology, codePath="team")
    messages = [
        order("s-1", "OrderShipped"),
        order("s-2", "OrderShipped", valid=False),
        order("s-3", "OrderShipped"),
        order("c-1", "OrderCreated"),
    ]
    report = emulator.run(stack=STACK, project_dir=team_project, stack_file=stack_file, messages=messages, details=True)
    shipping = report["consumers"]["shipping"]
    if topology == "point-to-point":
        assert sorted(shipping["processed"]) == ["c-1", "s-1", "s-3"]
    else:
        assert sorted(shipping["processed"]) == ["s-1", "s-3"]  # routed by its match, each processed once
        assert sorted(report["consumers"]["analytics"]["processed"]) == ["c-1", "s-1", "s-3"]
    assert shipping["dead_lettered"] == ["s-2"]
    assert report["details"]["functions"][report["details"]["consumers"]["shipping"]["function"]] == (
        "handlers.consumer.handler"
    )


def test_the_emulator_runs_the_team_code_with_its_layer_packages(team_project, tmp_path_factory, monkeypatch):
    from wheels import local_wheels

    folder = local_wheels(tmp_path_factory.mktemp("wheels"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    (team_project / "team" / "requirements.txt").write_text("tinypure\n")
    (team_project / "team" / "stamped.py").write_text(
        "import tinypure\n\n\ndef process(envelope):\n    if tinypure.NAME != 'tinypure':\n        raise RuntimeError\n"
    )
    stack_file = write_stack(team_project, [{"name": "stamped", "processor": "stamped:process"}], "point-to-point",
                             codePath="team")  # fmt: skip
    report = emulator.run(stack=STACK, project_dir=team_project, stack_file=stack_file, messages=[order("l-1", "X")])
    assert report["consumers"]["stamped"] == {"processed": ["l-1"], "dead_lettered": []}
