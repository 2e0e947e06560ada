"""Idempotency store: the DynamoDB table Powertools' idempotency utility uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# Powertools' DynamoDBPersistenceLayer defaults: partition key `id`, TTL attribute `expiration`.
KEY_ATTRIBUTE = "id"
TTL_ATTRIBUTE = "expiration"


@dataclass(frozen=True, kw_only=True)
class IdempotencyArgs:
    tags: Mapping[str, str]
    point_in_time_recovery: bool = False  # on in production
    kms_key_arn: pulumi.Input[str] | None = None  # None: DynamoDB's default encryption


class IdempotencyStore(pulumi.ComponentResource):
    """On-demand table with TTL, so each envelope id is processed at most once per window."""

    TYPE = "messaging:idempotency:IdempotencyStore"

    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]

    def __init__(self, name: str, args: IdempotencyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self.table = aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key=KEY_ATTRIBUTE,
            attributes=[aws.dynamodb.TableAttributeArgs(name=KEY_ATTRIBUTE, type="S")],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=TTL_ATTRIBUTE, enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args.kms_key_arn
            )
            if args.kms_key_arn is not None
            else None,
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=args.point_in_time_recovery),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.table_name = self.table.name
        self.table_arn = self.table.arn
        self.register_outputs({"table_name": self.table_name, "table_arn": self.table_arn})
