"""The repository as a package another Pulumi program depends on: pip installs it from a path,
a second program that only imports it declares its own consumers in code, and that program's own
test runs it in the package's emulator."""

import json
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from pulumi_harness import REGION, build_under_mocks

from components import ConsumerArgs, Messaging, MessagingArgs

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"

SECOND_PROGRAM = """
import pulumi

from components import ConsumerArgs, Messaging, MessagingArgs

shop = Messaging("shop", MessagingArgs(
    topology="fanout",
    consumers=[ConsumerArgs(name="inventory", match={"type": ["OrderCreated"]}), ConsumerArgs(name="analytics")],
))
pulumi.export("consumers", shop.consumers)
"""

# Runs in a fresh interpreter whose path holds the installed package and the test harness, not this checkout.
RUNNER = """
import json, sys
sys.path[:0] = [{site!r}, {tests!r}]
import components
assert components.__file__.startswith({site!r}), components.__file__
from pulumi_harness import run_program
d = run_program({{"aws:region": {region!r}}}, main=__import__("pathlib").Path({main!r}), project="shop")
print(json.dumps({{
    "components": components.__file__,
    "resources": [
        {{"type": r.typ, "name": r.name, "aliases": r.aliases, "inputs": r.inputs,
          "parent": d.by_urn(r.parent).name if any(x.urn == r.parent for x in d.registrations) else None}}
        for r in d.registrations
    ],
}}, default=str))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    # Built from a copy, so the build leaves nothing in the checkout (setuptools builds in the source tree).
    source = tmp_path_factory.mktemp("source")
    for name in (
        "pyproject.toml",
        "README.md",
        "requirements.txt",
        "requirements-emulator.txt",
        "requirements-ops.txt",
        "components",
        "handlers",
        "emulator",
        "ops",
    ):
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.is_file():
            shutil.copy(path, source / name)
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path_factory.mktemp("build"),
    )
    return site


def test_pip_installs_the_components_the_handlers_the_emulator_and_ops_and_nothing_else(installed):
    top = {p.name for p in installed.iterdir() if not p.name.endswith((".dist-info", ".egg-info"))}
    assert {"components", "handlers", "emulator", "ops"} <= top
    assert not top & {"tests", "benchmarks", "app"}
    assert (installed / "components" / "topologies" / "fanout.py").is_file()
    assert (installed / "emulator" / "README.md").is_file()


def test_the_installed_package_depends_on_the_pins_and_its_extras_on_their_own_pins(installed):
    (metadata,) = installed.glob("*.dist-info/METADATA")
    required: dict[str | None, list[str]] = {}
    for line in metadata.read_text().splitlines():
        if line.startswith("Requires-Dist:"):
            requirement, _, marker = line.split(":", 1)[1].strip().partition(";")
            extra = re.search(r'extra == "(\w+)"', marker)
            required.setdefault(extra.group(1) if extra else None, []).append(requirement.strip())
    assert sorted(required[None]) == sorted(pins(ROOT / "requirements.txt"))
    for extra in ("emulator", "ops"):
        assert sorted(required[extra]) == sorted(pins(ROOT / f"requirements-{extra}.txt"))


def pins(path):
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith(("#", "-r"))]


def test_every_version_is_pinned_once_and_the_dev_requirements_include_the_package_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dynamic"] == ["dependencies", "optional-dependencies"] and "dependencies" not in project
    dev = (ROOT / "requirements-dev.txt").read_text()
    for included in ("requirements.txt", "requirements-emulator.txt", "requirements-ops.txt"):
        assert re.search(rf"^-r {included}$", dev, re.M)
    runtime = [*pins(ROOT / "requirements.txt"), *pins(ROOT / "requirements-emulator.txt")]
    runtime += pins(ROOT / "requirements-ops.txt")
    tools = pins(ROOT / "requirements-dev.txt")
    names = [re.split(r"[\[=]", line)[0].lower() for line in runtime + tools]
    assert len(names) == len(set(names)), "a package is pinned twice"
    assert all("==" in line for line in runtime + tools)
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements-dev.txt" in makefile
    assert "requirements.txt requirements-emulator.txt requirements-ops.txt requirements-dev.txt" in makefile


def test_a_second_program_that_only_imports_the_package_declares_two_consumers_in_code(installed, tmp_path):
    program = tmp_path / "shop-infra"
    program.mkdir()
    (program / "__main__.py").write_text(SECOND_PROGRAM)
    # Its own code folder (codePath defaults to app/): the consumers' default processor, orders:process.
    (program / "app").mkdir()
    shutil.copy(ROOT / "app" / "orders.py", program / "app" / "orders.py")
    runner = RUNNER.format(site=str(installed), tests=str(TESTS), region=REGION, main=str(program / "__main__.py"))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(runner)], cwd=program, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["components"].startswith(str(installed))
    by_name = {r["name"]: r for r in report["resources"]}
    assert by_name["shop"]["type"] == "messaging:index:Messaging"
    for consumer in ("inventory", "analytics"):
        assert by_name[f"shop-{consumer}"]["parent"] == "shop"
        assert by_name[f"shop-{consumer}-queue"]["parent"] == f"shop-{consumer}"
        assert by_name[f"shop-{consumer}-dlq"]["type"] == "aws:sqs/queue:Queue"
    assert json.loads(by_name["shop-fanout-inventory-subscription"]["inputs"]["filterPolicy"]) == {
        "type": ["OrderCreated"]
    }
    assert "filterPolicy" not in by_name["shop-fanout-analytics-subscription"]["inputs"]
    # A new program has no earlier stack to keep: no aliases, and its tags name its own project.
    assert all(r["aliases"] == [] for r in report["resources"])
    assert by_name["shop-inventory-queue"]["inputs"]["tags"]["project"] == "shop"


# The second program's own test, in a fresh interpreter that sees the installed package (and the virtualenv's
# moto, as the `emulator` extra installs it), not this checkout.
TEAM_TEST = """
import json, sys
sys.path[:0] = [{site!r}]
import emulator
assert emulator.__file__.startswith({site!r}), emulator.__file__
config = {{"aws:region": {region!r}}}
with emulator.Stack("dev", config=config) as stack:
    stack.publish([{{"id": "o-1", "type": "OrderCreated", "data": {{"orderId": "o-1", "customerName": "Ada",
                                                                  "customerAddress": "1 Way"}}}},
                   {{"id": "o-2", "type": "OrderShipped", "data": {{"orderId": "o-2", "customerName": "Ada",
                                                                  "customerAddress": "1 Way"}}}}])
    stack.drain()
    processed = {{c: stack.processed(c) for c in ("inventory", "analytics")}}
    topology = stack.report()["topology"]
# The README's command, in this interpreter: --topology asks for what the program does not read.
import contextlib, io
from emulator.__main__ import main
err = io.StringIO()
with contextlib.redirect_stderr(err):
    status = main(["--stack", "dev", "--topology", "eventbridge", "--json"])
print(json.dumps({{"processed": processed, "topology": topology, "refused": [status, err.getvalue()]}}))
"""


def test_a_team_program_tests_its_routing_with_the_installed_emulator(installed, tmp_path):
    program = tmp_path / "shop-infra"
    (program / "app").mkdir(parents=True)
    (program / "__main__.py").write_text(SECOND_PROGRAM)
    (program / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    shutil.copy(ROOT / "app" / "orders.py", program / "app" / "orders.py")
    test = TEAM_TEST.format(site=str(installed), region=REGION)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(test)], cwd=program, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["processed"] == {"inventory": ["o-1"], "analytics": ["o-1", "o-2"]}
    assert outcome["topology"] == "fanout"  # what its code deploys; it has no messaging:topology
    assert outcome["refused"] == [
        2,
        "emulator: error: topology 'eventbridge' cannot be set for this program: it deploys fanout, set in its "
        "code (it does not read shop:topology); drop --topology (topology=) or change the program\n",
    ]


def test_the_installed_emulator_outside_a_project_says_where_it_looked(installed, tmp_path):
    test = f"import sys; sys.path[:0] = [{str(installed)!r}]; import emulator; emulator.Stack('dev').__enter__()"
    result = subprocess.run([sys.executable, "-c", test], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"emulator.errors.EmulatorError: no Pulumi project in {tmp_path} (it needs Pulumi.yaml and __main__.py): "
        "run from the project's folder or pass its folder (project_dir=..., --project-dir)"
    )


def test_two_messaging_components_in_one_program_never_collide():
    def build():
        for name in ("orders", "billing"):
            Messaging(
                name, MessagingArgs(topology="eventbridge", encryption="kms", consumers=[ConsumerArgs(name="audit")])
            )

    d = build_under_mocks(build)
    urns = [r.urn for r in d.registrations]
    assert len(urns) == len(set(urns))
    aliases = {r.inputs["name"] for r in d.of_type("aws:kms/alias:Alias")}
    assert aliases == {"alias/messaging-dev-orders", "alias/messaging-dev-billing"}
    assert {r.name for r in d.of_type("aws:sqs/queue:Queue")} == {
        "orders-audit-queue",
        "orders-audit-dlq",
        "billing-audit-queue",
        "billing-audit-dlq",
    }


def test_a_prefixed_name_that_would_break_aws_name_limits_is_refused_before_any_resource():
    registered = []

    def build():
        with pytest.raises(
            Exception, match=r"consumers\[0\].name: 'a{38}' is too long under the Messaging name 'shop'"
        ):
            Messaging("shop", MessagingArgs(topology="fanout", consumers=[ConsumerArgs(name="a" * 38)]))
        with pytest.raises(Exception, match="Messaging name: 'Shop_Team' is not allowed"):
            Messaging("Shop_Team", MessagingArgs(topology="fanout", consumers=[ConsumerArgs(name="a")]))

    registered = build_under_mocks(build).registrations
    assert registered == []
