"""The embedded AWS: Pulumi mocks that create each declared resource in moto, one module per service.

``AwsMocks`` (``dispatch.py``) hands every resource to its service's module
(``sqs``, ``sns``, ``events``, ``iam``, ``cloudwatch``, ``lambda_``,
``dynamodb``, ``kms``, ``schemas``, ``scheduler``; each lists the types it creates in ``RESOURCES``) and
answers invokes (``invokes.py``).  ``aws_semantics()`` installs, for the
length of a run, the moto extensions that make the services answer as AWS
does where moto differs (each service module documents its own).
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from . import events, invocations, sns, sqs
from .base import Declared, ProgramTransform, Route
from .clients import shared_models
from .dispatch import AwsMocks
from .lambda_ import Function, Mapping

__all__ = ["AwsMocks", "Declared", "Function", "Mapping", "ProgramTransform", "Route", "aws_semantics"]


@contextlib.contextmanager
def aws_semantics() -> Iterator[None]:
    with (
        shared_models(),
        sqs.aws_semantics(),
        sns.aws_semantics(),
        events.aws_semantics(),
        invocations.aws_semantics(),
    ):
        yield
