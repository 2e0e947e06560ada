"""The invokes (data sources) the program calls, answered from the embedded account and region.

``INVOKES`` maps a token to its answer; an unknown token is an error naming
it (an invoke the emulator guessed at would hide a real difference).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ..errors import EmulatorError

if TYPE_CHECKING:
    from .dispatch import AwsMocks

# AWS's public Powertools layer parameter: /aws/service/powertools/python/<arch>/<runtime>/<version>.
POWERTOOLS_PARAMETER_PREFIX = "/aws/service/powertools/python/"
POWERTOOLS_LAYER_ACCOUNT = "017000801446"  # the account AWS publishes the Powertools layers from


def caller_identity(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "accountId": m.account,
        "arn": f"arn:{m.partition}:iam::{m.account}:user/emulator",
        "userId": "AIDAEMULATOREXAMPLE",
        "id": m.account,
    }


def region(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": m.region,
        "region": m.region,
        "id": m.region,
        "description": m.region,
        "endpoint": f"ec2.{m.region}.amazonaws.com",
    }


def partition(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "partition": m.partition,
        "dnsSuffix": "amazonaws.com",
        "id": m.partition,
        "reverseDnsPrefix": "com.amazonaws",
    }


def ssm_parameter(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name", ""))
    if not name.startswith(POWERTOOLS_PARAMETER_PREFIX):
        raise EmulatorError(f"the emulator does not implement the invoke aws:ssm/getParameter:getParameter ({name})")
    # Layers are not loaded here (handlers run on the venv's Powertools, the same pinned release),
    # so the answer is the layer's ARN shape with a placeholder layer version.
    _, arch, runtime, _version = name.rsplit("/", 3)
    arn = (
        f"arn:{m.partition}:lambda:{m.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{runtime.replace('.', '')}-{arch}:1"
    )
    return {
        "name": name,
        "type": "String",
        "value": arn,
        "insecureValue": arn,
        "version": 1,
        "id": name,
        "arn": f"arn:{m.partition}:ssm:{m.region}::parameter{name}",
    }


INVOKES: dict[str, Callable[[AwsMocks, dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": caller_identity,
    "aws:index/getRegion:getRegion": region,
    "aws:index/getPartition:getPartition": partition,
    "aws:ssm/getParameter:getParameter": ssm_parameter,
}


def answer(m: AwsMocks, token: str, args: dict[str, Any]) -> dict[str, Any]:
    invoke = INVOKES.get(token)
    if invoke is None:
        raise EmulatorError(f"the emulator does not implement the invoke {token}")
    return invoke(m, args)
