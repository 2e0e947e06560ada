"""Resolving SendGrants (whose sources are Outputs) for a policy document."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.policies import SendGrant


def resolved(grants: Sequence[SendGrant]) -> pulumi.Output[list[SendGrant]]:
    """The same grants with their source ARNs known, for the pure policy functions."""
    return pulumi.Output.all(*[pulumi.Output.all(*grant.source_arns) for grant in grants]).apply(
        lambda arn_lists: [
            SendGrant(service=grant.service, source_arns=tuple(arns))
            for grant, arns in zip(grants, arn_lists, strict=False)
        ]
    )
