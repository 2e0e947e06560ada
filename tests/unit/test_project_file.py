"""Facts stated in two places for tools that cannot import each other agree."""

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from pulumi_harness import POWERTOOLS_LAYER_ARN, attempt_program, run_program, stack_config

from components import defaults, lambda_env
from components.config import STACK_KEYS, parse_stack_config
from emulator.errors import EmulatorError
from emulator.stackconfig import load_stack_config

ROOT = Path(__file__).resolve().parents[2]


def project_file():
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def test_project_is_messaging_on_python_with_the_venv_the_makefile_builds():
    project = project_file()
    assert project["name"] == "messaging"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"


def test_every_key_in_the_config_schema_is_read_by_the_program_with_the_same_default():
    schema = project_file()["config"]
    assert schema, "Pulumi.yaml declares no config keys"
    for key, declaration in schema.items():
        assert key in STACK_KEYS, f"Pulumi.yaml declares {key}, which the program does not read"
        getter, default = STACK_KEYS[key]
        assert declaration["default"] == default, (
            f"{key}: Pulumi.yaml says {declaration['default']!r}, defaults.py {default!r}"
        )
        assert declaration["type"] == {"get": "string", "get_bool": "boolean", "get_int": "integer"}[getter]
        assert declaration["description"]


# Keys the schema cannot express: a list of objects, and optional keys without a default.
NOT_IN_SCHEMA = {"consumers", "producers", "schedules", "alarmEmail", "previousTopology", "schemas"}


def test_every_key_the_program_reads_is_in_the_config_schema_or_documented_as_not_expressible():
    schema = set(project_file()["config"])
    assert set(STACK_KEYS) - schema == NOT_IN_SCHEMA
    readme = (ROOT / "README.md").read_text()
    for key in STACK_KEYS:
        assert f"| `{key}` |" in readme, f"README's config reference does not describe {key}"


def test_powertools_pin_in_requirements_matches_the_layer_the_functions_use():
    requirements = (ROOT / "requirements.txt").read_text()
    pinned = re.search(r"^aws-lambda-powertools==(\S+)$", requirements, re.M)
    assert pinned and pinned.group(1) == defaults.POWERTOOLS_VERSION


def test_every_function_takes_its_layer_from_the_public_parameter_of_the_pinned_release():
    pinned = re.search(r"^aws-lambda-powertools==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    deployment = run_program(stack_config("fanout"))
    functions = deployment.of_type("aws:lambda/function:Function")
    assert deployment.parameters_read == [f"/aws/service/powertools/python/arm64/python3.13/{pinned}"] * len(functions)
    # Powertools first; a team's requirements.txt in app/ adds its dependencies layer after it.
    assert {f.inputs["layers"][0] for f in functions} == {POWERTOOLS_LAYER_ARN}


def test_components_and_handlers_agree_on_every_environment_variable_name():
    handler_env = (ROOT / "handlers" / "env.py").read_text()
    names = {
        value for key, value in vars(lambda_env).items() if key.isupper() and isinstance(value, str) and value.isupper()
    }
    assert names, "components/lambda_env.py names no variables"
    for name in names:
        assert f'"{name}"' in handler_env, f"handlers/env.py does not read {name}"


def read_stack_file(path: Path) -> dict[str, str]:
    """The config `pulumi up` hands the program for this stack file: read with Go's yaml.v2 rules
    (`y`, `N`, `on` are booleans), Pulumi.yaml's defaults applied, a misspelt namespace refused."""
    return load_stack_config(ROOT, path.name.split(".")[1], stack_file=path)


@pytest.mark.parametrize("stack_file", sorted(ROOT.glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_every_sample_stack_is_valid_config(stack_file):
    config = read_stack_file(stack_file)
    error, deployment = attempt_program(config)
    assert error is None, error
    assert deployment.resources
    assert config["messaging:topology"] in defaults.TOPOLOGIES


def test_the_sample_stack_check_reports_a_key_in_a_misspelt_namespace(tmp_path):
    stack_file = tmp_path / "Pulumi.typo.yaml"
    stack_file.write_text((ROOT / "Pulumi.dev.yaml").read_text().replace("messaging:topology", "messagin:topology"))
    with pytest.raises(EmulatorError) as raised:
        read_stack_file(stack_file)
    assert str(raised.value) == (
        "Pulumi.typo.yaml: messagin:topology: unknown namespace 'messagin'; this program reads only messaging:*, "
        "aws:*, pulumi:* keys (did you mean messaging:topology?)"
    )


YAML_1_1_STACK = """config:
  aws:region: eu-west-1
  messaging:topology: fanout
  messaging:fifo: yes
  messaging:rawDelivery: N
  messaging:production: on
  messaging:consumers:
    - name: vip
      match:
        data: {vip: [y]}
"""
# What the Pulumi CLI passes for that file: it reads stack files with Go's yaml.v2, where yes, on, y
# and N are booleans, and hands a boolean to the program as "true" or "false" (objects as JSON).
PULUMI_UP_CONFIG = {
    "aws:region": "eu-west-1",
    "messaging:topology": "fanout",
    "messaging:fifo": "true",
    "messaging:rawDelivery": "false",
    "messaging:production": "true",
    "messaging:consumers": '[{"name": "vip", "match": {"data": {"vip": [true]}}}]',
}


def declared(deployment):
    """Every resource's inputs by URN (the code archive is compared by the package tests)."""
    return {r.urn: {k: v for k, v in r.inputs.items() if k != "code"} for r in deployment.resources}


def test_yaml_1_1_booleans_mean_to_the_program_what_they_mean_under_pulumi_up(tmp_path):
    stack_file = tmp_path / "Pulumi.bools.yaml"
    stack_file.write_text(YAML_1_1_STACK)
    emulated = read_stack_file(stack_file)
    assert {k: emulated[k] for k in ("messaging:fifo", "messaging:rawDelivery", "messaging:production")} == {
        "messaging:fifo": "true",
        "messaging:rawDelivery": "false",
        "messaging:production": "true",
    }
    under_emulator, under_pulumi_up = run_program(emulated), run_program(PULUMI_UP_CONFIG)
    assert declared(under_emulator) == declared(under_pulumi_up)
    queues = under_emulator.of_type("aws:sqs/queue:Queue")
    assert queues and all(q.inputs.get("fifoQueue") is True for q in queues)
    (subscription,) = under_emulator.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["rawMessageDelivery"] is False
    assert json.loads(subscription.inputs["filterPolicy"]) == {"data": {"vip": [True]}}
    # PyYAML alone reads `N` and `y` as text: the program would then refuse rawDelivery "N".
    assert yaml.safe_load(YAML_1_1_STACK)["config"]["messaging:rawDelivery"] == "N"


def test_there_is_a_dev_stack():
    assert (ROOT / "Pulumi.dev.yaml").is_file()


def test_the_default_processor_is_a_function_the_example_code_folder_defines():
    from components import team_code

    folder, error = team_code.resolve(ROOT, defaults.CODE_PATH, "messaging:codePath")
    assert error is None
    assert team_code.check_processor(folder, defaults.PROCESSOR, "processor") is None


def test_the_handlers_fallbacks_equal_the_program_defaults():
    # The consumer must work with no environment beyond the region, so handlers/env.py
    # carries its own fallbacks; they must say what components/defaults.py says.
    spec = importlib.util.spec_from_file_location("handler_env", ROOT / "handlers" / "env.py")
    handler_env = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = handler_env  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(handler_env)
    finally:
        del sys.modules[spec.name]
    assert handler_env.DEFAULTS[handler_env.DEFAULT_SOURCE] == defaults.DEFAULT_SOURCE
    assert handler_env.DEFAULTS[handler_env.PROCESSOR] == defaults.PROCESSOR
    assert handler_env.DEFAULTS[handler_env.IDEMPOTENCY_TTL_SECONDS] == str(defaults.IDEMPOTENCY_TTL_SECONDS)
    assert handler_env.DEFAULTS[handler_env.FIFO] == lambda_env.flag(defaults.FIFO)


def _imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in it (a relative import names the module's own package)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    return imported


def test_components_are_infrastructure_only_and_never_import_handlers_or_the_emulator():
    for path in (ROOT / "components").glob("*.py"):
        imported = _imported_packages(path)
        assert not imported & {"handlers", "emulator"}, f"{path.name} imports {imported & {'handlers', 'emulator'}}"


def test_the_template_asks_only_for_keys_the_program_reads_with_defaults_that_deploy():
    template = project_file()["template"]
    assert template["description"] and template["displayName"]
    prompted = template["config"]
    assert {"aws:region", "messaging:topology", "messaging:consumers"} <= set(prompted)
    schema = project_file()["config"]
    raw = {}
    for key, prompt in prompted.items():
        namespace, _, name = key.partition(":")
        assert prompt["description"], key
        if namespace == "aws":
            assert name == "region", key
            continue
        assert namespace == "messaging" and name in STACK_KEYS, (
            f"the template asks for {key}, which the program never reads"
        )
        assert name in schema or name in NOT_IN_SCHEMA, f"{key} is in neither the schema nor the README's reference"
        if name in schema:
            assert prompt["default"] == schema[name]["default"], key
        # pulumi new stores every answer as a string; objects as JSON text, which the program's getter parses.
        raw[name] = json.loads(prompt["default"]) if STACK_KEYS[name][0] == "get_object" else prompt["default"]
    config = parse_stack_config(raw, project="messaging", stack="new", region=prompted["aws:region"]["default"])
    assert config.topology == prompted["messaging:topology"]["default"]


def test_ops_speaks_only_the_aws_api_and_never_imports_the_program_or_the_emulator():
    for path in (ROOT / "ops").glob("*.py"):
        imported = _imported_packages(path)
        banned = {"components", "handlers", "emulator", "pulumi", "pulumi_aws"}
        assert not imported & banned, f"ops/{path.name} imports {imported & banned}"


def test_ops_and_the_program_agree_on_the_schedules_dlq_name_and_a_schedules_input():
    from components import schedule_config
    from ops import schedules, stack

    assert stack.SCHEDULES in defaults.RESERVED_NAMES  # no consumer can be called what names the schedules' DLQ
    keys = ("INPUT_SCHEDULE", "INPUT_SCHEDULE_ARN", "INPUT_SCHEDULED_TIME", "INPUT_ENVELOPE")
    assert [getattr(schedules, k) for k in keys] == [getattr(schedule_config, k) for k in keys]


def test_ops_names_the_producers_envelope_refusal_as_the_runtime_does():
    # ops tells a refused envelope (exit 2) from a failed producer (exit 1) by Lambda's errorType.
    from handlers.envelope import EnvelopeError
    from ops import send

    assert send.ENVELOPE_ERROR == EnvelopeError.__name__
