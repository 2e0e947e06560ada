"""The team's code folder: shipped beside the runtime, processors checked by
reading the source, dependencies built into a layer (from local wheels only)."""

from __future__ import annotations

import json
import re
import textwrap
import zipfile
from pathlib import Path

import pytest
from pulumi_harness import POWERTOOLS_LAYER_ARN, ROOT, build_under_mocks, run_program, stack_config
from wheels import local_wheels

from components import ConsumerArgs, Messaging, MessagingArgs, defaults, lambda_function, layer, team_code
from components.config import ConfigError, parse_stack_config

RUNTIME = sorted(f"handlers/{p.name}" for p in (ROOT / "handlers").glob("*.py"))
BILLING = """
    class Unpaid(ValueError):
        pass


    def charge(envelope):
        if not (envelope.get("data") or {}).get("paid"):
            raise Unpaid(f"order {envelope['id']} is not paid")
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (Pulumi runs the program from it) with a team code folder `team/`."""
    monkeypatch.chdir(tmp_path)

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return tmp_path

    return write


def parse(project_dir: Path, consumers: list[dict], **keys):
    return parse_stack_config(
        {"topology": "fanout", "consumers": consumers, **keys}, project="messaging", stack="dev",
        region="eu-west-1", project_dir=project_dir,
    )  # fmt: skip


def refusal(project_dir: Path, consumers: list[dict], **keys) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(project_dir, consumers, **keys)
    return str(caught.value)


def test_a_consumer_with_its_own_processor_is_deployed_with_the_runtime_and_the_team_code(project):
    project(
        {
            "team/billing.py": BILLING,
            "team/helpers/__init__.py": "",
            "team/helpers/money.py": "CENTS = 100\n",
            "team/tests/test_billing.py": "def test_x():\n    pass\n",
            "team/test_local.py": "",
            "team/conftest.py": "",
            "team/__pycache__/billing.cpython-311.pyc": "",
            "team/.env": "SECRET=1\n",
        }
    )
    consumers = [{"name": "billing", "processor": "billing:charge"}]
    deployment = run_program(stack_config("fanout", consumers, codePath="team"))
    function = deployment.named("billing-function")
    assert function.inputs["handler"] == "handlers.consumer.handler"
    assert sorted(function.inputs["code"].assets) == sorted(
        [*RUNTIME, "billing.py", "helpers/__init__.py", "helpers/money.py"]
    )
    assert function.inputs["environment"]["variables"] == {
        "MESSAGING_CONSUMER": "billing",
        "MESSAGING_PROCESSOR": "billing:charge",
        "MESSAGING_FIFO": "false",
        "POWERTOOLS_SERVICE_NAME": "billing",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    producer = deployment.named("producer-function")
    assert producer.inputs["handler"] == "handlers.producer.handler"
    assert sorted(producer.inputs["code"].assets) == sorted(function.inputs["code"].assets)
    assert deployment.of_type("aws:lambda/layerVersion:LayerVersion") == []  # no requirements.txt, no layer


def test_the_default_code_folder_ships_the_example_processors_without_their_tests():
    # At least the examples: a team that adds its own modules to app/ keeps this test green.
    function = run_program(stack_config("point-to-point")).named("inventory-function")
    shipped = set(function.inputs["code"].assets)
    assert {*RUNTIME, "audit.py", "checkout.py", "inventory.py", "orders.py"} <= shipped
    assert not [path for path in shipped if path.startswith("tests/") or "/tests/" in path or "__pycache__" in path]


# ------------------------------------------------------------------ bad references, each refused before any resource


@pytest.mark.parametrize(
    ("processor", "expected"),
    [
        (
            "billing",
            'messaging:consumers[0].processor (consumer "billing"): "billing" is not allowed; give module:function '
            "inside the code folder, e.g. orders:process",
        ),
        (
            "ledger:charge",
            'messaging:consumers[0].processor (consumer "billing"): "ledger:charge": no module "ledger" in '
            "{root}/team; modules found: billing, helpers, helpers.money, sums",
        ),
        (
            "billing:refund",
            'messaging:consumers[0].processor (consumer "billing"): "billing:refund": billing defines no top-level '
            'function "refund"; functions found: charge, nested_owner',
        ),
        (
            "sums:add",
            'messaging:consumers[0].processor (consumer "billing"): "sums:add": add(a, b) must take exactly one '
            "positional parameter (the envelope)",
        ),
        (
            "sums:nothing",
            'messaging:consumers[0].processor (consumer "billing"): "sums:nothing": nothing() must take exactly one '
            "positional parameter (the envelope)",
        ),
        (
            "billing:inner",
            'messaging:consumers[0].processor (consumer "billing"): "billing:inner": billing defines no top-level '
            'function "inner"; functions found: charge, nested_owner',
        ),
    ],
    ids=["no colon", "missing module", "missing function", "two parameters", "no parameter", "not top level"],
)
def test_a_bad_processor_reference_is_refused_naming_consumer_key_value_and_what_was_found(
    project, processor, expected
):
    root = project(
        {
            "team/billing.py": textwrap.dedent(BILLING)
            + "\n\ndef nested_owner():\n    def inner(envelope):\n        pass\n",
            "team/sums.py": "def add(a, b):\n    return a + b\n\n\ndef nothing():\n    pass\n",
            "team/helpers/__init__.py": "",
            "team/helpers/money.py": "",
        }
    )
    message = refusal(root, [{"name": "billing", "processor": processor}], codePath="team")
    assert message == "invalid stack config: " + expected.format(root=root)


def test_the_reference_is_checked_without_running_the_team_code(project):
    root = project(
        {"team/billing.py": "raise SystemExit('imported at deploy time')\n\ndef charge(envelope):\n    pass\n"}
    )
    config = parse(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team")
    assert config.consumers[0].processor == "billing:charge"


def test_a_spurious_parser_error_does_not_refuse_a_good_reference(project, monkeypatch):
    root = project({"team/billing.py": "def charge(envelope):\n    pass\n"})
    real_parse, calls = team_code.ast.parse, []

    def parse_once_failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=40, after=38)")
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(team_code.ast, "parse", parse_once_failing)
    config = parse(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team")
    assert config.consumers[0].processor == "billing:charge"
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("code_path", "expected"),
    [
        ("missing", 'messaging:codePath: "missing" does not exist in the project ({root}/missing is not a folder)'),
        ("../outside", 'messaging:codePath: "../outside" is outside the project ({root})'),
        ("/etc", 'messaging:codePath: "/etc" is outside the project ({root})'),
        ("", 'messaging:codePath: "" is not allowed'),
        ("clash", 'messaging:codePath: "clash" holds a module named "handlers", the name of the shared runtime'),
    ],
    ids=["missing", "escapes", "absolute", "empty", "shadows the runtime"],
)
def test_a_code_path_that_does_not_exist_or_escapes_the_project_is_refused(project, code_path, expected):
    root = project({"team/orders.py": "def process(envelope):\n    pass\n", "clash/handlers.py": ""})
    (root.parent / "outside").mkdir(exist_ok=True)
    message = refusal(root, [{"name": "billing"}], codePath=code_path)
    assert expected.format(root=root) in message
    assert "give a folder inside the project" in message or "rename it" in message


def test_a_bad_code_path_is_refused_by_the_whole_program_before_any_resource(project):
    project({})
    error = None
    try:
        run_program(stack_config("fanout", [{"name": "billing"}], codePath="nowhere"))
    except ConfigError as raised:
        error = raised
    assert error is not None and 'messaging:codePath: "nowhere" does not exist in the project' in str(error)


# ------------------------------------------------------------------ dependencies as a layer


@pytest.fixture
def wheels(tmp_path_factory, monkeypatch):
    """pip answers from a local wheel folder only (pip reads these variables itself)."""
    folder = local_wheels(tmp_path_factory.mktemp("wheels"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def test_requirements_become_a_layer_zip_of_python_packages_for_arm64(project, wheels):
    root = project({"team/requirements.txt": "tinypure\ntinynative\n", "team/billing.py": BILLING})
    config = parse(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team")
    names = set(zipfile.ZipFile(config.layer_zip).namelist())
    assert {"python/tinypure/__init__.py", "python/tinynative/__init__.py"} <= names
    assert {"python/tinypure-1.0.dist-info/METADATA", "python/tinynative-1.0.dist-info/WHEEL"} <= names
    assert all(name.startswith("python/") for name in names)
    assert config.layer_zip.parent == root / ".messaging" / "layers"


def test_an_unchanged_requirements_file_reuses_its_layer_without_running_pip(project, wheels, monkeypatch):
    root = project({"team/requirements.txt": "tinypure\n", "team/billing.py": BILLING})
    first = parse(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team").layer_zip
    built = first.read_bytes()

    def no_pip(*args, **kwargs):
        raise AssertionError("pip ran again for unchanged requirements")

    monkeypatch.setattr(layer.subprocess, "run", no_pip)
    again = parse(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team").layer_zip
    assert again == first and again.read_bytes() == built


def test_a_requirements_file_that_installs_nothing_gives_no_layer_and_no_second_pip_run(project, wheels, monkeypatch):
    # Lambda refuses an empty layer archive: a requirements file of comments only must not publish one.
    root = project({"team/requirements.txt": "# nothing yet\n\n", "team/billing.py": BILLING})
    assert parse(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team").layer_zip is None

    def no_pip(*args, **kwargs):
        raise AssertionError("pip ran again for unchanged requirements")

    monkeypatch.setattr(layer.subprocess, "run", no_pip)
    assert parse(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team").layer_zip is None


def test_a_requirement_without_a_wheel_for_the_platform_is_refused_naming_package_and_platform(project, wheels):
    root = project({"team/requirements.txt": "tinypure\nonlyx86\n", "team/billing.py": BILLING})
    message = refusal(root, [{"name": "billing", "processor": "billing:charge"}], codePath="team")
    assert message == (
        "invalid stack config: messaging:codePath: team/requirements.txt: onlyx86 has no wheel for python3.13 on "
        "arm64 (manylinux_2_34_aarch64, manylinux_2_28_aarch64, manylinux2014_aarch64) on the index pip reads; the "
        "layer needs a binary wheel for that platform (check the name, pin a version that publishes one, or drop the "
        "requirement)"
    )


CHECKOUT = """
    def place(event, context):
        return {"sent": []}
"""
LAYER_TYPE = "aws:lambda/layerVersion:LayerVersion"
FUNCTION_TYPE = "aws:lambda/function:Function"


def test_a_stack_publishes_one_dependencies_layer_and_every_function_attaches_it_after_powertools(project, wheels):
    project({"team/requirements.txt": "tinypure\n", "team/billing.py": BILLING, "team/checkout.py": CHECKOUT})
    consumers = [
        {"name": "billing", "processor": "billing:charge"},
        {"name": "ledger", "processor": "billing:charge"},
        {"name": "refunds", "processor": "billing:charge", "delivery": "direct"},
    ]
    producers = [{"name": "checkout", "handler": "checkout:place"}]
    deployment = run_program(stack_config("fanout", consumers, codePath="team", producers=producers))
    (layer_version,) = deployment.of_type(LAYER_TYPE)
    (messaging,) = deployment.of_type("messaging:index:Messaging")
    assert (layer_version.name, layer_version.parent) == ("dependencies", messaging.urn)
    assert layer_version.inputs["layerName"] == "messaging-dev-dependencies"
    assert layer_version.inputs["compatibleRuntimes"] == ["python3.13"]
    assert layer_version.inputs["compatibleArchitectures"] == ["arm64"]
    zip_path = Path(layer_version.inputs["code"].path)
    assert zip_path.suffix == ".zip" and layer_version.inputs["sourceCodeHash"] == zip_path.stem
    functions = {f.name: f.inputs["layers"] for f in deployment.of_type(FUNCTION_TYPE)}
    assert functions == {
        f"{owner}-function": [POWERTOOLS_LAYER_ARN, layer_version.outputs["arn"]]
        for owner in ("billing", "ledger", "refunds", "producer", "checkout")
    }


def test_two_messaging_components_in_one_program_each_publish_a_layer_of_their_own_name(project, wheels):
    project({"team/requirements.txt": "tinypure\n", "team/billing.py": BILLING})

    def build():
        for name in ("orders", "payments"):
            Messaging(
                name,
                MessagingArgs(
                    topology="fanout",
                    code_path="team",
                    consumers=[ConsumerArgs(name="billing", processor="billing:charge")],
                ),
            )

    deployment = build_under_mocks(build)
    layers = {r.name: r for r in deployment.of_type(LAYER_TYPE)}
    assert {name: r.inputs["layerName"] for name, r in layers.items()} == {
        "orders-dependencies": "messaging-dev-orders-dependencies",
        "payments-dependencies": "messaging-dev-payments-dependencies",
    }
    for component in ("orders", "payments"):
        arn = layers[f"{component}-dependencies"].outputs["arn"]
        for owner in ("billing", "producer"):
            assert deployment.named(f"{component}-{owner}-function").inputs["layers"] == [POWERTOOLS_LAYER_ARN, arn]


def test_a_layer_name_over_lambdas_limit_is_cut_and_stays_unique_per_component():
    project = "p" * 130  # with "-production-" already past the limit: cut alone, both names would be equal
    names = {lambda_function.layer_name(project, "production", component) for component in ("orders", "payments")}
    assert len(names) == 2
    for name in names:
        assert len(name) == defaults.LAYER_NAME_MAX_LENGTH
        assert re.fullmatch(r"[A-Za-z0-9_-]+", name) and name.startswith(project)
    assert lambda_function.layer_name("shop.team", "dev", None) == "shop-team-dev-dependencies"


def test_layer_builds_ask_pip_for_the_lambda_platform_binaries_only():
    command = layer.pip_command(Path("requirements.txt"), Path("out"))
    joined = " ".join(command)
    for part in (
        "--platform manylinux2014_aarch64",
        "--only-binary=:all:",
        "--python-version 3.13",
        "--implementation cp",
        "--target out",
    ):
        assert part in joined
    assert json.dumps(command)  # a plain argument list, no shell
