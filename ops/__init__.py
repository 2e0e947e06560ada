"""Day-2 operations on a deployed messaging stack: ``python -m ops --help``.

Reads the stack's outputs (``pulumi stack output --json``, or a file with the
same JSON) and speaks only the AWS API through boto3's usual credential and
endpoint chain, so ``AWS_ENDPOINT_URL`` pointed at ``python -m emulator serve``
works exactly as an AWS account does.
"""
