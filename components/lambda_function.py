"""Building block shared by the producer and every consumer: one Lambda
function with its own role, log group, the Powertools layer and, when the team's
code folder has a requirements.txt, the stack's one layer of the team's
dependencies (`create_dependencies_layer`, built once by `Messaging`).

Every function's archive is the shared runtime as one package (`handlers/...`)
beside the contents of the team's code folder (no tests, no caches), so handler
strings are `handlers.<module>.handler` and team modules import by their own names.

Not a component of its own: its resources are children of the caller, named
`f"{name}-<role>"`, so they share the caller's stable URN prefix.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components import defaults, policies
from components.team_code import CodeFolder

HANDLERS_PATH = Path(__file__).resolve().parent.parent / defaults.HANDLERS_DIR


def powertools_layer_parameter() -> str:
    """AWS's public SSM parameter that holds the Powertools layer ARN for our
    release, runtime and architecture (in whichever region the stack deploys)."""
    return defaults.POWERTOOLS_LAYER_PARAMETER.format(
        architecture=defaults.LAMBDA_ARCHITECTURE,
        runtime=defaults.LAMBDA_RUNTIME,
        version=defaults.POWERTOOLS_VERSION,
    )


def archive_files(code_path: Path | None) -> dict[str, Path]:
    """Archive path -> file: the runtime package's modules, then the team's files (if it has a folder)."""
    runtime = {f"{defaults.HANDLERS_DIR}/{path.name}": path for path in sorted(HANDLERS_PATH.glob("*.py"))}
    team = CodeFolder(code_path).files() if code_path is not None else {}
    return {**runtime, **team}


def code_archive(code_path: Path | None) -> pulumi.AssetArchive:
    return pulumi.AssetArchive({rel: pulumi.FileAsset(str(path)) for rel, path in archive_files(code_path).items()})


def layer_name(project: str, stack: str, component: str | None) -> str:
    """`<project>-<stack>[-<component>]-dependencies` in Lambda's layer-name characters: unique per project, stack
    and Messaging component; a name over Lambda's limit is cut and ends with a hash of the whole, so it stays unique."""
    raw = re.sub(defaults.LAYER_NAME_PATTERN, "-", "-".join(filter(None, [project, stack, component, "dependencies"])))
    if len(raw) <= defaults.LAYER_NAME_MAX_LENGTH:
        return raw
    digest = hashlib.sha256(raw.encode()).hexdigest()[: defaults.LAYER_NAME_HASH_CHARS]
    return f"{raw[: defaults.LAYER_NAME_MAX_LENGTH - len(digest) - 1]}-{digest}"


def create_dependencies_layer(
    name: str, layer_zip: Path, layer_name: str, opts: pulumi.ResourceOptions
) -> aws.lambda_.LayerVersion:
    """The team's dependencies as one layer version, which every function of the stack attaches."""
    return aws.lambda_.LayerVersion(
        name,
        layer_name=layer_name,
        code=pulumi.FileArchive(str(layer_zip)),
        compatible_runtimes=[defaults.LAMBDA_RUNTIME],
        compatible_architectures=[defaults.LAMBDA_ARCHITECTURE],
        source_code_hash=layer_zip.stem,  # the requirements hash: unchanged requirements, no new version
        opts=opts,
    )


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    handler: str
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, pulumi.Input[str]]
    log_retention_days: int
    tags: Mapping[str, str]
    code_root: Path | None  # the team's code folder, shipped beside the runtime; None: the runtime alone
    dependencies_layer_arn: pulumi.Input[str] | None  # the stack's layer of the team's dependencies, or None
    dead_letter_arn: pulumi.Input[str] | None = None  # asynchronous invocations that still fail go here


@dataclass(frozen=True)
class FunctionResources:
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    role_policy: aws.iam.RolePolicy
    function: aws.lambda_.Function


def create_function(
    name: str,
    spec: FunctionSpec,
    parent: pulumi.Resource,
    role_policy: Callable[[pulumi.Output[str]], pulumi.Output[str]],
    depends_on: Sequence[pulumi.Resource] = (),
) -> FunctionResources:
    """Role + log group + the role's policy + function, children of `parent`.

    `role_policy` builds the policy document from the log group's ARN. The
    function waits for its policy, so new code never runs with old permissions.
    """
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=json.dumps(policies.lambda_assume_role_policy()),
        tags=dict(spec.tags),
        opts=child,
    )
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        retention_in_days=spec.log_retention_days,
        tags=dict(spec.tags),
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-role-policy",
        role=role.id,
        policy=role_policy(log_group.arn),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
    layers: list[pulumi.Input[str]] = [
        aws.ssm.get_parameter_output(
            name=powertools_layer_parameter(), opts=pulumi.InvokeOutputOptions(parent=parent)
        ).value
    ]
    if spec.dependencies_layer_arn is not None:
        layers.append(spec.dependencies_layer_arn)
    function = aws.lambda_.Function(
        f"{name}-function",
        role=role.arn,
        runtime=defaults.LAMBDA_RUNTIME,
        handler=spec.handler,
        code=code_archive(spec.code_root),
        architectures=[defaults.LAMBDA_ARCHITECTURE],
        timeout=spec.timeout_seconds,
        memory_size=spec.memory_mb,
        layers=layers,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(spec.environment)),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(
            log_format=defaults.LAMBDA_LOG_FORMAT,
            log_group=log_group.name,
        ),
        dead_letter_config=(
            aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=spec.dead_letter_arn)
            if spec.dead_letter_arn is not None
            else None
        ),
        tags=dict(spec.tags),
        # The log group must exist first, or Lambda creates an unmanaged one without retention.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[log_group, policy, *depends_on]),
    )
    return FunctionResources(role=role, log_group=log_group, role_policy=policy, function=function)
